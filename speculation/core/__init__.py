"""core — computing: features, the model, uncertainty, scoring, evaluation, claims, explanations (no files)."""

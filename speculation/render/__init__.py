"""render — drawing and wording results: charts, the report, plain-language text and tables (no refits)."""

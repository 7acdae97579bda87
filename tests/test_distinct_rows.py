"""Merging identical training rows is exact: the fit, the choice of C and the bootstrap on the distinct rows with
their copy counts are those of the full rows (what keeps a million-row show affordable)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from speculation.core.features import load_config
from speculation.core.score import distinct_rows, fit_model
from speculation.core.uncertainty import bootstrap_intervals

FEATURES = ["a", "b"]


def _train(seed: int = 0) -> pd.DataFrame:
    """Six shows × three seasons of rows drawn from few distinct values, so many rows repeat."""
    rng = np.random.default_rng(seed)
    n = 900
    frame = pd.DataFrame({"show": rng.choice([f"s{i}" for i in range(6)], n), "season": rng.integers(1, 4, n),
                          "a": rng.integers(0, 3, n).astype(float), "b": rng.integers(0, 2, n).astype(float)})
    frame["returned"] = (rng.random(n) < 1 / (1 + np.exp(-(frame["a"] - 1.5 * frame["b"])))).astype(float)
    return frame


def _config(C="auto"):
    config = load_config()
    config["model"].update(features=FEATURES, C=C, C_grid=[0.01, 0.1, 1.0], cv_folds=3)
    return config


def test_distinct_rows_count_every_copy_once():
    train = _train()
    compact, copies = distinct_rows(train, FEATURES)
    assert len(compact) < len(train) and copies.sum() == len(train)
    key = ["show", "season", *FEATURES, "returned"]
    assert not compact.duplicated(key).any()
    counted = train.groupby(key).size()
    assert (counted.loc[pd.MultiIndex.from_frame(compact[key])].to_numpy() == copies).all()


def test_fit_and_choice_of_C_on_distinct_rows_equal_the_full_rows():
    train = _train()
    compact, copies = distinct_rows(train, FEATURES)
    full_model, full_table = fit_model(train, _config())
    model, table = fit_model(compact, _config(), copies)
    assert np.allclose(table["cv_log_loss"], full_table["cv_log_loss"], atol=1e-9)
    assert model.C == full_model.C
    assert np.allclose(model.coef_, full_model.coef_, atol=1e-7)
    assert np.isclose(model.intercept_, full_model.intercept_, atol=1e-7)


def test_balanced_class_weights_count_copies_too():
    train = _train(1)
    compact, copies = distinct_rows(train, FEATURES)
    config = _config(C=0.3)
    config["model"]["class_weight"] = "balanced"
    full, _ = fit_model(train, config)
    merged, _ = fit_model(compact, config, copies)
    assert np.allclose(merged.coef_, full.coef_, atol=1e-7)


def test_bootstrap_on_distinct_rows_equals_the_full_rows():
    train = _train(2)
    scored = pd.DataFrame({"a": [0.0, 2.0, 1.0], "b": [1.0, 0.0, 0.0]})
    compact, copies = distinct_rows(train, FEATURES)
    model, _ = fit_model(compact, _config(C=0.3), copies)
    full = bootstrap_intervals(model, train, scored, 60, 0.8, 5)
    merged = bootstrap_intervals(model, compact, scored, 60, 0.8, 5, weight=copies)
    assert np.allclose(merged[["low", "high"]], full[["low", "high"]], atol=1e-7)

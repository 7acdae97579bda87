"""Bootstrap intervals: seeded and reproducible, ordered, nested by level, wider with fewer data."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from speculation import ReturnModel
from speculation.core.model import sigmoid
from speculation.core.uncertainty import bootstrap_intervals

FEATS = ["a", "b"]


def _library(n_show_seasons: int, seed: int = 0, rows: int = 8) -> pd.DataFrame:
    """Synthetic labelled transitions: ``rows`` characters in each of ``n_show_seasons`` show-seasons."""
    rng = np.random.default_rng(seed)
    n = n_show_seasons * rows
    frame = pd.DataFrame({"show": np.repeat([f"s{i // 4}" for i in range(n_show_seasons)], rows),
                          "season": np.repeat([i % 4 + 1 for i in range(n_show_seasons)], rows),
                          "a": rng.normal(size=n), "b": rng.integers(0, 2, n).astype(float)})
    frame["returned"] = (rng.random(n) < sigmoid(0.8 + 1.2 * frame["a"] - 1.0 * frame["b"])).astype(float)
    return frame


SCORED = pd.DataFrame({"a": [-1.5, -0.2, 0.0, 0.7, 2.0], "b": [1.0, 0.0, 1.0, 0.0, 0.0]})


def _intervals(train, n_boot=200, level=0.8, seed=7):
    model = ReturnModel(features=FEATS, C=1.0).fit(train, train["returned"])
    return model, bootstrap_intervals(model, train, SCORED, n_boot, level, seed)


def test_same_seed_same_intervals_other_seed_other_draws():
    train = _library(40)
    _, first = _intervals(train)
    _, again = _intervals(train)
    pd.testing.assert_frame_equal(first, again)
    _, other = _intervals(train, seed=8)
    assert not np.allclose(first[["low", "high"]], other[["low", "high"]])


def test_intervals_are_ordered_and_ranks_in_range():
    model, iv = _intervals(_library(40))
    assert list(iv.columns) == ["low", "high", "rank_low", "rank_high"]
    assert (iv["low"] <= iv["high"]).all() and iv[["low", "high"]].apply(lambda c: c.between(0, 1)).all().all()
    assert (iv["rank_low"] <= iv["rank_high"]).all()
    assert iv["rank_low"].min() >= 1 and iv["rank_high"].max() <= len(SCORED)
    # the point estimate's ranking agrees with the rank intervals: rank r lies within [rank_low, rank_high]
    point = (-model.predict_proba(SCORED)[:, 1]).argsort().argsort() + 1
    assert ((iv["rank_low"] <= point) & (point <= iv["rank_high"])).all()


def test_higher_level_gives_nested_wider_intervals():
    train = _library(40)
    _, narrow = _intervals(train, level=0.5)
    _, wide = _intervals(train, level=0.95)
    assert (wide["low"] <= narrow["low"]).all() and (wide["high"] >= narrow["high"]).all()


def test_fewer_show_seasons_give_wider_intervals():
    _, few = _intervals(_library(12, seed=1))
    _, many = _intervals(_library(240, seed=1))
    assert (few["high"] - few["low"]).mean() > 1.5 * (many["high"] - many["low"]).mean()


def test_no_bootstrap_means_no_intervals():
    train = _library(10)
    model = ReturnModel(features=FEATS, C=1.0).fit(train, train["returned"])
    assert bootstrap_intervals(model, train, SCORED, 0, 0.8, 1) is None
    assert bootstrap_intervals(model, train, SCORED.iloc[:0], 50, 0.8, 1) is None


@pytest.mark.parametrize("n_boot", [1, 25])
def test_resamples_whole_show_seasons(n_boot):
    """A resample that keeps only returns (one show-season of all returns) falls back to the fitted model."""
    train = _library(2, rows=6)
    train.loc[train["season"] == 1, "returned"] = 1.0
    train.loc[train["season"] == 2, "returned"] = [1.0, 0.0, 1.0, 0.0, 1.0, 0.0]
    model, iv = _intervals(train, n_boot=n_boot)
    assert iv.notna().all().all() and (iv["low"] <= iv["high"]).all()

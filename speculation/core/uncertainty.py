"""Bootstrap intervals for scored probabilities and ranks.

Resamples whole show-seasons (a season's transitions move together, as they are not independent), refits
the model with the same features, standardisation and C, and reads percentile intervals off the refits.
Seeded, so the same inputs give the same intervals.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from sklearn.base import clone

from .model import ConstantFeatureWarning, ReturnModel

__all__ = ["bootstrap_intervals", "show_season_codes"]


def show_season_codes(rows: pd.DataFrame) -> np.ndarray:
    """A code per row for its (show, season), 0 … n − 1 in sorted order: the unit the bootstrap resamples."""
    return pd.factorize(rows["show"].astype(str) + "\x1f" + rows["season"].astype(str), sort=True)[0]


def _refit_probability(refit: ReturnModel, X: np.ndarray, y: np.ndarray, groups: np.ndarray, weight: np.ndarray,
                       rng: np.random.Generator, n_groups: int, X_scored: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """One bootstrap refit: whole show-seasons drawn with replacement, given to the refit estimator as row counts."""
    counts = np.bincount(rng.integers(0, n_groups, n_groups), minlength=n_groups)[groups] * weight
    keep = counts > 0
    if y[keep].min() == y[keep].max():  # a degenerate resample (one outcome): keep the fitted model's view
        return fallback
    return refit.fit(X[keep], y[keep], sample_weight=counts[keep]).predict_proba(X_scored)[:, 1]


def bootstrap_intervals(model: ReturnModel, train: pd.DataFrame, scored: pd.DataFrame, n_boot: int,
                        level: float, seed: int, weight: np.ndarray | None = None) -> pd.DataFrame | None:
    """``low``/``high`` probability and ``rank_low``/``rank_high`` per scored row (index of ``scored``).

    Each refit is a clone of the fitted ``model`` (same features, C and class weights; its own
    standardisation) fitted on a resample of whole show-seasons, given as per-row counts (sample weights),
    warm-started from the previous refit.
    ``weight`` says how many identical rows each training row stands for (default 1 each). Ranks are 1 = most
    likely to return, as in the ranking. ``n_boot = 0`` turns intervals off (None).
    """
    if n_boot <= 0 or scored.empty:
        return None
    feats = list(model.feature_names_in_)
    X = train[feats].to_numpy(dtype=float)   # plain arrays once: refits need no DataFrame copies
    X_scored = scored[feats].to_numpy(dtype=float)
    y = train["returned"].to_numpy(dtype=int)
    copies = np.ones(len(train), dtype=int) if weight is None else np.asarray(weight)
    groups = show_season_codes(train)
    n_groups = groups.max() + 1
    rng = np.random.default_rng(seed)
    probs = np.empty((n_boot, len(scored)))
    fallback = model.predict_proba(scored[feats])[:, 1]
    # one clone refitted on every resample, each fit starting from the previous one (warm start): the same
    # optima in fewer Newton steps; the first starts from the fitted model itself
    refit = clone(model).set_params(features=(), warm_start=True)
    refit.coef_, refit.intercept_, refit.mean_, refit.scale_ = model.coef_, model.intercept_, model.mean_, model.scale_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstantFeatureWarning)   # the full fit already said which are constant
        for b in range(n_boot):
            probs[b] = _refit_probability(refit, X, y, groups, copies, rng, n_groups, X_scored, fallback)
    alpha = (1 - level) / 2
    ranks = (-probs).argsort(axis=1, kind="stable").argsort(axis=1) + 1
    out = pd.DataFrame({
        "low": np.quantile(probs, alpha, axis=0), "high": np.quantile(probs, 1 - alpha, axis=0),
        "rank_low": np.floor(np.quantile(ranks, alpha, axis=0)).astype(int),
        "rank_high": np.ceil(np.quantile(ranks, 1 - alpha, axis=0)).astype(int)}, index=scored.index)
    return out

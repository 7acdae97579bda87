"""Bootstrap intervals for scored probabilities and ranks.

Resamples whole show-seasons (a season's transitions move together, as they are not independent), refits
the model with the same features, standardisation and C, and reads percentile intervals off the refits.
Seeded, so the same inputs give the same intervals.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .model import ReturnModel, class_weights, fit_logistic, one_blas_thread, sigmoid

__all__ = ["bootstrap_intervals"]


def bootstrap_intervals(model: ReturnModel, train: pd.DataFrame, scored: pd.DataFrame, n_boot: int,
                        level: float, seed: int) -> pd.DataFrame | None:
    """``low``/``high`` probability and ``rank_low``/``rank_high`` per scored row (index of ``scored``).

    Ranks are 1 = most likely to return, as in the ranking. ``n_boot = 0`` turns intervals off (None).
    """
    if n_boot <= 0 or scored.empty:
        return None
    feats = list(model.features)
    used = model.coef_ != 0
    # only the used columns, once: each refit reads its resampled rows block by block (no copy)
    z_train = (train[feats].to_numpy(dtype=float) - model.mean_) / model.scale_
    z_train = np.ascontiguousarray(z_train[:, used])
    z_scored = (scored[feats].to_numpy(dtype=float) - model.mean_) / model.scale_
    y = train["returned"].to_numpy(dtype=float)
    base_w = class_weights(y, model.class_weight)
    groups = pd.factorize(train["show"].astype(str) + "\x1f" + train["season"].astype(str), sort=True)[0]
    n_groups = groups.max() + 1
    rng = np.random.default_rng(seed)
    probs = np.empty((n_boot, len(scored)))
    warm = (model.coef_[used], model.intercept_)   # Newton starts at the full fit: same optima, fewer steps
    with one_blas_thread():
        for b in range(n_boot):
            counts = np.bincount(rng.integers(0, n_groups, n_groups), minlength=n_groups)
            w = base_w * counts[groups]
            keep = w > 0
            yk = y[keep]
            if yk.min() == yk.max():  # a degenerate resample: fall back to the fitted model
                probs[b] = sigmoid(model.decision_function(scored))
                continue
            coef, intercept = fit_logistic(z_train, yk, float(model.C), w[keep], init=warm,
                                           rows=np.flatnonzero(keep))
            probs[b] = sigmoid(z_scored[:, used] @ coef + intercept)
    alpha = (1 - level) / 2
    ranks = (-probs).argsort(axis=1, kind="stable").argsort(axis=1) + 1
    out = pd.DataFrame({
        "low": np.quantile(probs, alpha, axis=0), "high": np.quantile(probs, 1 - alpha, axis=0),
        "rank_low": np.floor(np.quantile(ranks, alpha, axis=0)).astype(int),
        "rank_high": np.ceil(np.quantile(ranks, 1 - alpha, axis=0)).astype(int)}, index=scored.index)
    return out

"""The transparent model: L2-penalised logistic regression on standardised features.

For every character the log-odds decompose exactly::

    logit = intercept_ + sum_j coef_[j] * (x_j - mean_[j]) / scale_[j]

so ``contributions`` returns one column per feature that, with the intercept, adds up to the logit (the
probability is its sigmoid). The intercept is the log-odds of a character with every feature at the
training average. ``points_table`` re-expresses the same weights as a credit-style scorecard.
"""
from __future__ import annotations

import contextlib
import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

try:
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover - a scikit-learn dependency
    threadpool_limits = None

from ..errors import SpeculationError

__all__ = ["ReturnModel", "sigmoid"]


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


class ReturnModel(ClassifierMixin, BaseEstimator):
    """Logistic regression whose logit splits exactly into per-feature contributions.

    Parameters follow scikit-learn conventions: ``__init__`` only stores them, ``fit`` returns ``self``,
    learned state ends in ``_``. Features constant in the training data get weight 0 (with a warning).
    """

    def __init__(self, features: list[str] | tuple[str, ...] = (), C: float = 1.0, class_weight=None,
                 max_iter: int = 2000):
        self.features = features
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter

    def _matrix(self, X) -> np.ndarray:
        if isinstance(X, pd.DataFrame):
            missing = [f for f in self.features if f not in X.columns]
            if missing:
                raise SpeculationError("feature table lacks column(s) " + ", ".join(missing))
            return X[list(self.features)].to_numpy(dtype=float)
        return np.asarray(X, dtype=float)

    def fit(self, X, y, sample_weight=None):
        matrix = self._matrix(X)
        y = np.asarray(y, dtype=float)
        if len(y) == 0 or np.isnan(y).any():
            raise SpeculationError("no labelled transitions to fit on (every row needs returned = 0 or 1)")
        if len(np.unique(y)) < 2:
            raise SpeculationError("cannot fit: every labelled transition has the same outcome")
        self.mean_ = matrix.mean(axis=0)
        scale = matrix.std(axis=0)
        constant = scale < 1e-12
        if constant.any():
            names = [f for f, c in zip(self.features, constant) if c]
            warnings.warn("constant in the training data, given weight 0: " + ", ".join(names), stacklevel=2)
        self.scale_ = np.where(constant, 1.0, scale)
        z = (matrix - self.mean_) / self.scale_
        z[:, constant] = 0.0
        lr = LogisticRegression(C=float(self.C), class_weight=self.class_weight, max_iter=self.max_iter,
                                solver="lbfgs")
        lr.fit(z, y.astype(int), sample_weight=sample_weight)
        self.coef_ = np.where(constant, 0.0, lr.coef_[0])
        self.intercept_ = float(lr.intercept_[0])
        self.classes_ = np.array([0, 1])
        self.feature_names_in_ = np.array(list(self.features), dtype=object)
        self.n_train_ = int(len(y))
        self.base_rate_ = float(y.mean())
        return self

    def _check_fitted(self):
        if not hasattr(self, "coef_"):
            raise NotFittedError("this ReturnModel is not fitted yet: call fit(features, returned) first")

    def contribution_matrix(self, X) -> np.ndarray:
        """Per-feature log-odds contributions, shape (n_rows, n_features)."""
        self._check_fitted()
        return self.coef_ * (self._matrix(X) - self.mean_) / self.scale_

    def decision_function(self, X) -> np.ndarray:
        self._check_fitted()
        return self.intercept_ + self.contribution_matrix(X).sum(axis=1)

    def predict_proba(self, X) -> np.ndarray:
        p = sigmoid(self.decision_function(X))
        return np.column_stack([1 - p, p])

    def predict(self, X) -> np.ndarray:
        return (self.decision_function(X) > 0).astype(int)

    def contributions(self, X) -> pd.DataFrame:
        """``intercept``, ``contrib_<feature>`` per feature, ``logit`` (their exact sum) and ``probability``."""
        contrib = self.contribution_matrix(X)
        index = X.index if isinstance(X, pd.DataFrame) else None
        out = pd.DataFrame(contrib, columns=[f"contrib_{f}" for f in self.features], index=index)
        out.insert(0, "intercept", self.intercept_)
        out["logit"] = out.sum(axis=1)
        out["probability"] = sigmoid(out["logit"])
        return out

    def weights(self) -> pd.DataFrame:
        """One row per feature: raw-unit mean and scale, standardised weight and weight per raw unit."""
        self._check_fitted()
        return pd.DataFrame({"feature": list(self.features), "mean": self.mean_, "scale": self.scale_,
                             "weight_std": self.coef_, "weight_per_unit": self.coef_ / self.scale_})

    def points_table(self, X_reference: pd.DataFrame, pdo: float = 20.0, base_points: float = 600.0,
                     base_odds: float = 1.0) -> pd.DataFrame:
        """The model as a scorecard: points per feature value; ``pdo`` points double the odds of returning.

        A character's score is ``base`` points plus the points of each of its feature values; its odds of
        returning are ``base_odds * 2 ** ((score - base_points) / pdo)``. Values shown are each feature's
        distinct values (binary/ordinal features) or quantiles of ``X_reference`` (continuous ones).
        """
        self._check_fitted()
        factor = pdo / np.log(2.0)
        offset = base_points - factor * np.log(base_odds)
        rows = [{"feature": "(base)", "value": np.nan, "points": offset + factor * self.intercept_}]
        for j, name in enumerate(self.features):
            col = X_reference[name].to_numpy(dtype=float)
            distinct = np.unique(col)
            values = distinct if len(distinct) <= 6 else np.unique(np.quantile(col, [0, 0.25, 0.5, 0.75, 1.0]))
            for v in values:
                rows.append({"feature": name, "value": float(v),
                             "points": factor * self.coef_[j] * (v - self.mean_[j]) / self.scale_[j]})
        table = pd.DataFrame(rows)
        table["points"] = table["points"].round(1)
        return table


# Rows per block in fit_logistic: a block of the design matrix (≈ 4096 × 15 floats, 0.5 MB) stays in the
# CPU cache while each Newton step reads it, so large fits cost the same per row as small ones.
BLOCK_ROWS = 4096


def fit_logistic(z: np.ndarray, y: np.ndarray, C: float, sample_weight: np.ndarray | None = None,
                 max_iter: int = 50, tol: float = 1e-10,
                 init: tuple[np.ndarray, float] | None = None,
                 rows: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Newton's method for scikit-learn's L2 logistic objective ``C·Σ wᵢ·lossᵢ + ½‖coef‖²``.

    Same optimum as ``LogisticRegression(C=C)`` on already standardised ``z`` (the intercept is not
    penalised), about 20× faster for the few features here, which makes grouped cross-validation and the
    bootstrap's hundreds of refits cheap. ``init = (coef, intercept)`` starts Newton there (a warm start,
    e.g. from the full-data fit for bootstrap refits); the optimum is the same. ``rows`` fits on those rows
    of ``z`` only (``y`` and ``sample_weight`` are then per selected row), taken block by block so ``z`` is
    never copied whole. Above :data:`BLOCK_ROWS` rows the gradient and Hessian are summed block by block,
    which keeps the cost per row flat for libraries of millions of rows. Returns ``(coef, intercept)``.
    """
    n, p = (len(z) if rows is None else len(rows)), z.shape[1]
    y = np.asarray(y, dtype=float)
    s = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    penalty = np.ones(p + 1)
    penalty[-1] = 0.0
    beta = np.zeros(p + 1) if init is None else np.append(np.asarray(init[0], dtype=float), float(init[1]))
    block = max(1, min(n, BLOCK_ROWS))
    X = np.empty((block, p + 1))   # a block of the features with an intercept column, reused
    X[:, p] = 1.0
    whole = n <= block
    if whole:
        X[:, :p] = z if rows is None else z[rows]
    for _ in range(max_iter):
        grad = np.zeros(p + 1)
        hess = np.zeros((p + 1, p + 1))
        for start in range(0, n, block):
            stop = min(start + block, n)
            Xb = X[:stop - start]
            if not whole:
                Xb[:, :p] = z[start:stop] if rows is None else z[rows[start:stop]]
            prob = sigmoid(Xb @ beta)
            sb = s[start:stop]
            grad += Xb.T @ (sb * (prob - y[start:stop]))
            hess += (Xb.T * (sb * prob * (1 - prob))) @ Xb
        grad = C * grad + penalty * beta
        hess = C * hess + np.diag(penalty) + 1e-12 * np.eye(p + 1)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.max(np.abs(step)) < tol:
            break
    return beta[:-1], float(beta[-1])


def one_blas_thread():
    """Context limiting BLAS to one thread: the many small Newton solves of grouped CV, the bootstrap and the
    backtest run several times faster without threads contending for their tiny matrix products."""
    if threadpool_limits is None:  # pragma: no cover - a scikit-learn dependency
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


def class_weights(y: np.ndarray, class_weight) -> np.ndarray:
    """Per-row weights for ``class_weight`` (None or "balanced"), as scikit-learn defines them."""
    y = np.asarray(y, dtype=float)
    if class_weight != "balanced":
        return np.ones(len(y))
    n, pos = len(y), y.sum()
    return np.where(y == 1, n / (2 * max(pos, 1)), n / (2 * max(n - pos, 1)))


def select_C(X: pd.DataFrame, y: np.ndarray, groups: np.ndarray, features: list[str], grid: list[float],
             folds: int, class_weight=None) -> tuple[float, pd.DataFrame]:
    """Pick C by grouped cross-validation (groups = shows; whole shows are held out), lowest mean log loss.

    Returns the chosen C and a table: C, mean log loss, its standard error, fold count. With fewer than two
    groups there is nothing to hold out, and the middle of the grid is returned with an empty table.
    """
    groups = np.asarray(groups)
    n_groups = len(np.unique(groups))
    grid = sorted(float(c) for c in grid)
    if n_groups < 2:
        return grid[len(grid) // 2], pd.DataFrame(columns=["C", "cv_log_loss", "cv_log_loss_se", "folds"])
    matrix = X[list(features)].to_numpy(dtype=float)
    y = np.asarray(y, dtype=float)
    splitter = GroupKFold(n_splits=min(folds, n_groups))
    losses = {c: [] for c in grid}
    with one_blas_thread():
        for train, test in splitter.split(matrix, y, groups):
            mean, scale = matrix[train].mean(axis=0), matrix[train].std(axis=0)
            scale = np.where(scale < 1e-12, 1.0, scale)
            z_train, z_test = (matrix[train] - mean) / scale, (matrix[test] - mean) / scale
            w = class_weights(y[train], class_weight)
            init = None
            for c in grid:   # ascending C, each fit warm-started from the previous one (same optima)
                coef, b = fit_logistic(z_train, y[train], c, w, init=init)
                init = (coef, b)
                p = np.clip(sigmoid(z_test @ coef + b), 1e-12, 1 - 1e-12)
                losses[c].append(float(-np.mean(y[test] * np.log(p) + (1 - y[test]) * np.log(1 - p))))
    table = pd.DataFrame({"C": grid, "cv_log_loss": [np.mean(losses[c]) for c in grid],
                          "cv_log_loss_se": [np.std(losses[c], ddof=1) / np.sqrt(len(losses[c]))
                                             if len(losses[c]) > 1 else np.nan for c in grid],
                          "folds": [len(losses[c]) for c in grid]})
    best = float(table.loc[table["cv_log_loss"].idxmin(), "C"])
    return best, table

"""The transparent model: L2-penalised logistic regression on standardised features, a scikit-learn estimator.

For every character the log-odds decompose exactly::

    logit = intercept_ + sum_j coef_[j] * (x_j - mean_[j]) / scale_[j]

so ``contributions`` returns one column per feature that, with the intercept, adds up to the logit (the
probability is its sigmoid). The intercept is the log-odds of a character with every feature at the
training average. ``points_table`` re-expresses the same weights as a credit-style scorecard.

:class:`ReturnModel` is the one fitting routine behind every number: scoring fits it, :func:`select_C` clones
it per fold (whole shows held out) and C, the bootstrap clones it per resample and the backtest clones it per
held-out season.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import GroupKFold
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["ReturnModel", "ConstantFeatureWarning", "group_folds", "sigmoid", "select_C", "choose_C",
           "configured_model", "SELECTION_COLUMNS"]

SELECTION_COLUMNS = ["C", "cv_log_loss", "cv_log_loss_se", "folds"]


class ConstantFeatureWarning(UserWarning):
    """A feature constant in the training data got weight 0 (expected in refits on subsets: filtered there)."""


def sigmoid(z):
    """The logistic function, elementwise."""
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


class ReturnModel(ClassifierMixin, BaseEstimator):
    """Binary logistic regression whose logit splits exactly into per-feature contributions.

    ``features`` names the DataFrame columns to use, in order (empty = every column of ``X``). Features
    are standardised with the (weighted) training mean and standard deviation; a feature constant in the
    training data gets weight 0, with a warning. The fit is scikit-learn's ``LogisticRegression`` with the
    ``newton-cholesky`` solver (exact for these few features); its convergence warnings are shown.
    """

    def __init__(self, features: list[str] | tuple[str, ...] = (), C: float = 1.0, class_weight=None,
                 max_iter: int = 100, warm_start: bool = False):
        self.features = features
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.warm_start = warm_start

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def _select(self, X):
        if self.features and isinstance(X, pd.DataFrame):
            missing = [f for f in self.features if f not in X.columns]
            if missing:
                raise ValueError("feature table lacks column(s) " + ", ".join(missing))
            return X[list(self.features)]
        return X

    def fit(self, X, y, sample_weight=None):
        """Standardise, then fit the penalised logistic regression; returns ``self``."""
        X, y = validate_data(self, self._select(X), y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) > 2:
            raise ValueError("Only binary classification is supported (returned or not). The type of the target "
                             f"is multiclass ({len(self.classes_)} classes).")
        if len(self.classes_) < 2:
            raise ValueError("cannot fit: every labelled transition has the same outcome (one class only; needs "
                             f"samples of at least 2 classes, got only {self.classes_.tolist()})")
        weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        if weight.shape != (len(y),) or not np.isfinite(weight).all() or (weight < 0).any() or weight.sum() <= 0:
            raise ValueError(f"sample_weight must be {len(y)} finite weights ≥ 0 (one per row), not all zero; "
                             f"got shape {weight.shape}")
        positive = y == self.classes_[1]
        previous = self._previous_logit(X.shape[1])
        self.mean_ = np.average(X, axis=0, weights=weight)
        scale = np.sqrt(np.average((X - self.mean_) ** 2, axis=0, weights=weight))
        constant = scale < 1e-12
        if constant.any():
            names = [str(n) for n, c in zip(self._names(X.shape[1]), constant) if c]
            warnings.warn("constant in the training data, given weight 0: " + ", ".join(names), ConstantFeatureWarning,
                          stacklevel=2)
        self.scale_ = np.where(constant, 1.0, scale)
        z = (X - self.mean_) / self.scale_
        z[:, constant] = 0.0
        fit = LogisticRegression(C=float(self.C), max_iter=self.max_iter, solver="newton-cholesky",
                                 warm_start=previous is not None)
        if previous is not None:   # the previous fit's logit in this fit's standardisation: Newton starts there
            coef, intercept, mean, scale = previous
            fit.coef_ = np.where(constant, 0.0, coef / scale * self.scale_)[None, :]
            fit.intercept_ = np.array([intercept + np.sum(coef * (self.mean_ - mean) / scale)])
        with config_context(assume_finite=True):   # validate_data above already checked X and y
            fit.fit(z, positive.astype(int), sample_weight=weight * self._class_weight(y, weight))
        self.coef_ = np.where(constant, 0.0, fit.coef_[0])
        self.intercept_ = float(fit.intercept_[0])
        self.n_iter_ = fit.n_iter_
        self.n_train_ = int(len(y))
        self.base_rate_ = float(np.average(positive, weights=weight))
        return self

    def _previous_logit(self, n_features: int):
        """With ``warm_start``, the last fit's (coef, intercept, mean, scale) to start from; else None. The
        optimum is the same (within the solver's tolerance), reached in fewer Newton steps: the bootstrap's and
        the grouped CV's many refits of nearly the same data use it."""
        if not self.warm_start or not hasattr(self, "coef_") or len(self.coef_) != n_features:
            return None
        return self.coef_, self.intercept_, self.mean_, self.scale_

    def _class_weight(self, y: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """Per-row class weights: none, a {label: weight} mapping, or "balanced" — scikit-learn's formula on the
        weighted class totals, so a row of sample weight w counts exactly as w copies of it."""
        if self.class_weight is None:
            return np.ones(len(y))
        if isinstance(self.class_weight, dict):
            return np.array([float(self.class_weight.get(label, 1.0)) for label in y])
        if self.class_weight != "balanced":
            raise ValueError(f"class_weight must be None, 'balanced' or a mapping, got {self.class_weight!r}")
        totals = {label: weight[y == label].sum() for label in self.classes_}
        return np.array([weight.sum() / (len(self.classes_) * totals[label]) for label in y])

    def _names(self, n: int) -> list[str]:
        names = getattr(self, "feature_names_in_", None)
        return [str(v) for v in names] if names is not None else [f"x{j}" for j in range(n)]

    @property
    def feature_names_(self) -> list[str]:
        """The features of the fit, in order (column names, or x0, x1, … for arrays)."""
        check_is_fitted(self)
        return self._names(len(self.coef_))

    def contribution_matrix(self, X) -> np.ndarray:
        """Per-feature log-odds contributions, shape (n_rows, n_features)."""
        check_is_fitted(self)
        X = validate_data(self, self._select(X), reset=False, dtype=np.float64)
        return self.coef_ * (X - self.mean_) / self.scale_

    def decision_function(self, X) -> np.ndarray:
        """The log-odds of the second class (returned)."""
        check_is_fitted(self)
        return self.intercept_ + self.contribution_matrix(X).sum(axis=1)

    def predict_proba(self, X) -> np.ndarray:
        p = sigmoid(self.decision_function(X))
        return np.column_stack([1 - p, p])

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self)
        return self.classes_[(self.decision_function(X) > 0).astype(int)]

    def contributions(self, X) -> pd.DataFrame:
        """``intercept``, ``contrib_<feature>`` per feature, ``logit`` (their exact sum) and ``probability``."""
        contrib = self.contribution_matrix(X)
        index = X.index if isinstance(X, pd.DataFrame) else None
        out = pd.DataFrame(contrib, columns=[f"contrib_{f}" for f in self.feature_names_], index=index)
        out.insert(0, "intercept", self.intercept_)
        out["logit"] = out.sum(axis=1)
        out["probability"] = sigmoid(out["logit"])
        return out

    def weights(self) -> pd.DataFrame:
        """One row per feature: raw-unit mean and scale, standardised weight and weight per raw unit."""
        check_is_fitted(self)
        return pd.DataFrame({"feature": self.feature_names_, "mean": self.mean_, "scale": self.scale_,
                             "weight_std": self.coef_, "weight_per_unit": self.coef_ / self.scale_})

    def points_table(self, X_reference: pd.DataFrame, pdo: float = 20.0, base_points: float = 600.0,
                     base_odds: float = 1.0) -> pd.DataFrame:
        """The model as a scorecard: points per feature value; ``pdo`` points double the odds of returning.

        A character's score is ``base`` points plus the points of each of its feature values; its odds of
        returning are ``base_odds * 2 ** ((score - base_points) / pdo)``. Values shown are each feature's
        distinct values (binary/ordinal features) or quantiles of ``X_reference`` (continuous ones).
        """
        check_is_fitted(self)
        factor = pdo / np.log(2.0)
        offset = base_points - factor * np.log(base_odds)
        rows = [{"feature": "(base)", "value": np.nan, "points": offset + factor * self.intercept_}]
        for j, name in enumerate(self.feature_names_):
            col = X_reference[name].to_numpy(dtype=float)
            distinct = np.unique(col)
            values = distinct if len(distinct) <= 6 else np.unique(np.quantile(col, [0, 0.25, 0.5, 0.75, 1.0]))
            for v in values:
                rows.append({"feature": name, "value": float(v),
                             "points": factor * self.coef_[j] * (v - self.mean_[j]) / self.scale_[j]})
        table = pd.DataFrame(rows)
        table["points"] = table["points"].round(1)
        return table


def configured_model(model_cfg: dict, C: float | None = None) -> ReturnModel:
    """The estimator of the ``model:`` config section (C given, or the configured one when not "auto")."""
    C = model_cfg["C"] if C is None else C
    return ReturnModel(features=list(model_cfg["features"]), C=float(C), class_weight=model_cfg["class_weight"],
                       max_iter=model_cfg["max_iter"])


def group_folds(groups: np.ndarray, copies: np.ndarray, k: int) -> np.ndarray:
    """The fold (0..k-1) of each row: scikit-learn's ``GroupKFold`` assignment of whole groups, balanced by the
    rows each row stands for (``copies``, an integer count per row)."""
    codes, names = pd.factorize(groups, sort=True)
    expanded = np.repeat(codes, copies)
    fold_of_group = np.empty(len(names), dtype=int)
    for fold, (_, test) in enumerate(GroupKFold(n_splits=k).split(expanded, groups=expanded)):
        fold_of_group[np.unique(expanded[test])] = fold
    return fold_of_group[codes]


def _rows(X, mask: np.ndarray):
    return X.loc[mask] if isinstance(X, pd.DataFrame) else X[mask]


def select_C(model: ReturnModel, X, y, groups, grid: list[float], folds: int,
             sample_weight: np.ndarray | None = None) -> tuple[float, pd.DataFrame]:
    """Pick C by grouped cross-validation (groups = shows; whole shows are held out), lowest mean log loss.

    Every fold and C fits a clone of ``model``, so the fits that choose C are the fit that scores; log loss is
    ``sklearn.metrics.log_loss`` on the held-out shows. ``sample_weight`` (integer) says how many identical rows
    each row stands for (see :func:`speculation.core.score.distinct_rows`): folds, fits and losses are then those
    of the full rows. Returns the chosen C and a table: C, mean log loss, its standard error, fold count. With
    fewer than two groups there is nothing to hold out, and the middle of the grid is returned with an empty table.
    """
    groups, y = np.asarray(groups), np.asarray(y)
    weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    n_groups = len(np.unique(groups))
    grid = sorted(float(c) for c in grid)
    if n_groups < 2:
        return grid[len(grid) // 2], pd.DataFrame(columns=SELECTION_COLUMNS)
    k = min(folds, n_groups)
    fold = group_folds(groups, np.rint(weight).astype(int), k)
    losses = np.empty((k, len(grid)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstantFeatureWarning)   # a fold may lack a rare feature value
        for i in range(k):
            test = fold == i
            fitted = clone(model).set_params(warm_start=True)   # ascending C, each fit starts at the previous one
            for j, C in enumerate(grid):
                fitted.set_params(C=C).fit(_rows(X, ~test), y[~test], sample_weight=weight[~test])
                # both labels declared: a held-out fold of shows whose characters all returned still scores
                losses[i, j] = log_loss(y[test], fitted.predict_proba(_rows(X, test)), sample_weight=weight[test],
                                        labels=fitted.classes_)
    table = pd.DataFrame({"C": grid, "cv_log_loss": losses.mean(axis=0),
                          "cv_log_loss_se": losses.std(axis=0, ddof=1) / np.sqrt(k) if k > 1 else np.nan,
                          "folds": k})
    best = float(table.loc[table["cv_log_loss"].idxmin(), "C"])
    return best, table


def choose_C(train: pd.DataFrame, model_cfg: dict, weight: np.ndarray | None = None) -> tuple[float, pd.DataFrame]:
    """C for fits on the labelled feature rows ``train`` (each standing for ``weight`` copies, default 1): the
    configured one, or with C = "auto" the one :func:`select_C` picks by grouped CV over shows, with its table
    (``chosen`` marks it; the table is empty when C was fixed)."""
    if model_cfg["C"] != "auto":
        return float(model_cfg["C"]), pd.DataFrame(columns=SELECTION_COLUMNS)
    C, selection = select_C(configured_model(model_cfg, C=1.0), train, train["returned"].to_numpy(dtype=int),
                            train["show"].to_numpy(), model_cfg["C_grid"], model_cfg["cv_folds"], sample_weight=weight)
    return C, (selection.assign(chosen=selection["C"] == C) if not selection.empty else selection)

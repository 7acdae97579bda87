"""How good is it: out-of-sample backtests without look-ahead, baselines, metrics and calibration.

Pure functions, DataFrames in and out. Two schemes predict every labelled transition (a character at the end
of season s: does it appear in season s + 1?) with a model that never saw it:

- ``walk_forward`` — for show X and season s, the model is fitted on every labelled transition of the *other*
  shows plus X's own transitions that were known at the end of season s (those of seasons s' < s, whose label
  season s' + 1 ≤ s). Nothing from season s + 1 onwards is used: features are computed from seasons ≤ s only
  (``features.build_features`` guarantees it) and the training rows exclude later seasons. Other shows enter
  whole, including seasons that aired after X's season s: they are different shows, and the question is
  whether *this* show's future leaks, not calendar time.
- ``leave_one_show_out`` — fitted on the other shows only.

C is the configured one, or with ``model.C: auto`` chosen once per held-out show by grouped (by show)
cross-validation on the other shows only (``model.select_C``), then kept for every fit of that show. Every fit is
a clone of the configured :class:`~speculation.core.model.ReturnModel`, the estimator that scores.

Each prediction is compared with four baselines (see :data:`METHODS`); hard 0/1 baselines are clipped to
:data:`HARD_CLIP` so log loss stays finite. Metrics come from ``sklearn.metrics``: ROC AUC, Brier score, log
loss, accuracy at 0.5 (a return is predicted when p > 0.5); calibration is ours: expected calibration error over
quantile bins.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import accuracy_score, brier_score_loss, log_loss as sk_log_loss, roc_auc_score

from ..io.showfolder import Library
from ..errors import SpeculationError
from .features import build_features
from .library import provenance, training_library
from .model import ConstantFeatureWarning, ReturnModel, choose_C, configured_model

__all__ = ["METHODS", "SCHEMES", "HARD_CLIP", "BacktestResult", "roc_auc", "brier_score", "log_loss",
           "accuracy", "calibration_bins", "expected_calibration_error", "metrics", "baseline_probabilities",
           "backtest_predictions", "summarise", "calibration_table", "by_season", "breakdown", "run_backtest"]

METHODS = {
    "model": "the model (logistic regression on the features)",
    "baseline_alive": "everyone returns unless dead or written out",
    "baseline_main": "alive main cast returns, others not",
    "baseline_library_rate": "the library's base return rate (training portion only)",
    "baseline_show_rate": "the show's own past return rate (earlier transitions; library rate when none)",
}
SCHEMES = ("walk_forward", "leave_one_show_out")
HARD_CLIP = (0.02, 0.98)   # probabilities given by the hard yes/no baselines
LOG_LOSS_EPS = float(np.finfo(float).eps)   # as scikit-learn: p is clipped to [eps, 1 - eps] for log loss


# ------------------------------------------------------------------------------------------------- metrics
def _arrays(y, p) -> tuple[np.ndarray, np.ndarray]:
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    if y.shape != p.shape:
        raise ValueError(f"labels and probabilities differ in length ({len(y)} vs {len(p)})")
    return y, p


def roc_auc(y, p) -> float:
    """Area under the ROC curve (``sklearn.metrics.roc_auc_score``); NaN when only one class is present."""
    y, p = _arrays(y, p)
    return float(roc_auc_score(y, p)) if len(np.unique(y)) == 2 else float("nan")


def brier_score(y, p) -> float:
    """Mean squared difference between probability and outcome (0 = perfect, 0.25 = always 50%)."""
    y, p = _arrays(y, p)
    return float(brier_score_loss(y, p, labels=[0, 1])) if len(y) else float("nan")


def log_loss(y, p) -> float:
    """Mean negative log-likelihood in nats (``sklearn.metrics.log_loss``), probabilities clipped to
    [ε, 1 − ε] (ε = float64 machine epsilon) as scikit-learn does."""
    y, p = _arrays(y, p)
    if not len(y):
        return float("nan")
    return float(sk_log_loss(y, np.clip(p, LOG_LOSS_EPS, 1 - LOG_LOSS_EPS), labels=[0, 1]))


def accuracy(y, p, threshold: float = 0.5) -> float:
    """Share of outcomes predicted right when a return is predicted for p > threshold."""
    y, p = _arrays(y, p)
    return float(accuracy_score(y == 1, p > threshold)) if len(y) else float("nan")


def calibration_bins(y, p, n_bins: int = 10) -> pd.DataFrame:
    """Reliability table over quantile bins: bin, n, p_min, p_max, mean_predicted, observed_rate, gap.

    Bin edges are quantiles of ``p`` so bins hold about equally many predictions; equal probabilities always
    share a bin. When ``p`` takes at most ``n_bins`` distinct values (e.g. a hard baseline), each value is
    its own bin.
    """
    y, p = _arrays(y, p)
    columns = ["bin", "n", "p_min", "p_max", "mean_predicted", "observed_rate", "gap"]
    if not len(y):
        return pd.DataFrame(columns=columns)
    distinct = np.unique(p)
    if len(distinct) <= n_bins:
        edges = distinct[1:]
    else:
        edges = np.unique(np.quantile(p, np.linspace(0, 1, n_bins + 1)[1:-1], method="linear"))
    which = np.searchsorted(edges, p, side="right") if len(edges) else np.zeros(len(p), dtype=int)
    _, which = np.unique(which, return_inverse=True)    # number the non-empty bins 0, 1, ...
    n = np.bincount(which)
    p_min, p_max = np.full(len(n), np.inf), np.full(len(n), -np.inf)
    np.minimum.at(p_min, which, p)
    np.maximum.at(p_max, which, p)
    mean_p, rate = np.bincount(which, p) / n, np.bincount(which, y) / n
    return pd.DataFrame({"bin": np.arange(1, len(n) + 1), "n": n, "p_min": p_min, "p_max": p_max,
                         "mean_predicted": mean_p, "observed_rate": rate, "gap": rate - mean_p}, columns=columns)


def _ece(table: pd.DataFrame) -> float:
    return float((table["n"] * table["gap"].abs()).sum() / table["n"].sum()) if len(table) else float("nan")


def expected_calibration_error(y, p, n_bins: int = 10) -> float:
    """Σ over quantile bins of (bin share) × |observed rate − mean predicted probability|."""
    return _ece(calibration_bins(y, p, n_bins))


def metrics(y, p, n_bins: int = 10) -> dict:
    """n, positives (returns) and every metric for one set of predictions."""
    y, p = _arrays(y, p)
    bins = calibration_bins(y, p, n_bins)
    return {"n": int(len(y)), "returns": int((y == 1).sum()), "auc": roc_auc(y, p), "brier": brier_score(y, p),
            "log_loss": log_loss(y, p), "accuracy": accuracy(y, p), "ece": _ece(bins), "ece_bins": int(len(bins))}


# ----------------------------------------------------------------------------------------------- baselines
def baseline_probabilities(test: pd.DataFrame, library_rate: float, show_rate: float | None,
                           clip: tuple[float, float] = HARD_CLIP) -> pd.DataFrame:
    """The four baselines' return probabilities for ``test`` feature rows (same index).

    ``library_rate`` is the return rate of the training rows; ``show_rate`` the show's own rate over its
    transitions known at the time (None when there were none, then the library rate is used).
    """
    lo, hi = clip
    gone = test["fate"].isin(["dead", "departed"]).to_numpy()
    main = (test["billing"] == "main").to_numpy()
    return pd.DataFrame({
        "baseline_alive": np.where(gone, lo, hi),
        "baseline_main": np.where(main & ~gone, hi, lo),
        "baseline_library_rate": float(library_rate),
        "baseline_show_rate": float(library_rate if show_rate is None else show_rate),
    }, index=test.index)


# ------------------------------------------------------------------------------------------------ backtest
def _fit(train: pd.DataFrame, model: ReturnModel) -> ReturnModel:
    """A clone of ``model`` fitted on ``train``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstantFeatureWarning)   # one show's seasons may lack a feature's values
        return clone(model).fit(train, train["returned"].to_numpy(dtype=int))


def _held_out_C(others: pd.DataFrame, model_cfg: dict) -> tuple[float, pd.DataFrame]:
    """C for every fit of one held-out show, chosen on the other shows (:func:`choose_C`). When they lack an
    outcome, only the show's own earlier seasons can teach: the configured C, or the middle of the grid."""
    if others["returned"].nunique() == 2:
        return choose_C(others, model_cfg)
    grid = sorted(float(c) for c in model_cfg["C_grid"])
    return (float(model_cfg["C"]) if model_cfg["C"] != "auto" else grid[len(grid) // 2]), pd.DataFrame()


def _scheme_predictions(scheme: str, own: pd.DataFrame, others: pd.DataFrame, model: ReturnModel) -> list:
    """One held-out show's prediction frames under ``scheme``, season by season. Walk-forward refits per
    season (the other shows plus the show's earlier seasons); leave-one-show-out trains on the same rows every
    season, so it fits once."""
    parts, fitted = [], None
    for season in sorted(own["season"].unique()):
        test = own.loc[own["season"] == season]
        earlier = own.loc[own["season"] < season]   # label season s' + 1 ≤ s: known at the end of s
        train = pd.concat([others, earlier]) if scheme == "walk_forward" else others
        if train.empty or train["returned"].nunique() < 2:
            continue
        if fitted is None or scheme == "walk_forward":
            fitted = _fit(train, model)
        show_rate = float(earlier["returned"].mean()) if len(earlier) else None
        out = test[["show", "season", "character", "actor", "billing", "fate", "returned"]].copy()
        out.insert(0, "scheme", scheme)
        out["model"] = fitted.predict_proba(test)[:, 1]
        out = pd.concat([out, baseline_probabilities(test, float(train["returned"].mean()), show_rate)], axis=1)
        out["C"] = model.C
        out["n_train"] = len(train)
        out["n_train_own"] = len(earlier) if scheme == "walk_forward" else 0
        parts.append(out)
    return parts


def _predict_shows(labelled: pd.DataFrame, shows: list[str], schemes, model_cfg: dict,
                   parts: list, selections: list) -> None:
    """The loop of :func:`backtest_predictions`: appends prediction frames and C-selection tables."""
    for show in shows:
        own = labelled.loc[labelled["show"] == show]
        if own.empty:
            continue
        others = labelled.loc[labelled["show"] != show]
        C, selection = _held_out_C(others, model_cfg)
        if not selection.empty:
            selections.append(selection.assign(held_out=show))
        for scheme in schemes:
            parts += _scheme_predictions(scheme, own, others, configured_model(model_cfg, C=C))


def backtest_predictions(table: pd.DataFrame, config: dict, shows: list[str] | None = None,
                         schemes: tuple[str, ...] = SCHEMES) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Out-of-sample predictions for every labelled transition of ``shows`` (default: all shows of ``table``).

    ``table`` is a feature table (``build_features`` of a library). Returns ``(predictions, selection)``:
    predictions has one row per scheme × labelled transition (identifiers, ``returned``, a probability per
    method of :data:`METHODS`, the C used, training size); selection has the grouped-CV table per held-out
    show (``held_out``, C, cv_log_loss, cv_log_loss_se, folds, chosen). Transitions whose training portion
    lacks either outcome cannot be predicted and are left out.
    """
    unknown = [s for s in schemes if s not in SCHEMES]
    if unknown:
        raise SpeculationError(f"unknown backtest scheme(s) {', '.join(unknown)} (expected {', '.join(SCHEMES)})")
    model_cfg = config["model"]
    labelled = table.loc[table["returned"].notna()]
    shows = sorted(labelled["show"].unique()) if shows is None else list(shows)
    parts, selections = [], []
    _predict_shows(labelled, shows, schemes, model_cfg, parts, selections)
    columns = ["scheme", "show", "season", "character", "actor", "billing", "fate", "returned", *METHODS,
               "C", "n_train", "n_train_own"]
    predictions = (pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns))
    if len(predictions):
        predictions["scheme"] = pd.Categorical(predictions["scheme"], categories=list(schemes))
        predictions = predictions.sort_values(["scheme", "show", "season", "character"], kind="mergesort")
        predictions["scheme"] = predictions["scheme"].astype(str)
        predictions = predictions.reset_index(drop=True)
    sel_cols = ["held_out", "C", "cv_log_loss", "cv_log_loss_se", "folds", "chosen"]
    selection = pd.concat(selections, ignore_index=True)[sel_cols] if selections else pd.DataFrame(columns=sel_cols)
    return predictions, selection


def _long(predictions: pd.DataFrame, *extra: str) -> pd.DataFrame:
    """One row per prediction × method (``p``), keeping the identifiers and the ``extra`` columns."""
    ids = ["scheme", "show", "season", "returned"]
    return predictions.melt(id_vars=ids + [c for c in extra if c not in ids], value_vars=list(METHODS),
                            var_name="method", value_name="p")


def summarise(predictions: pd.DataFrame, n_bins: int = 10) -> pd.DataFrame:
    """Metrics per scheme × show × method, plus ``show = "(pooled)"`` rows over every prediction."""
    rows = []
    long = _long(predictions)
    for scheme in [s for s in SCHEMES if s in set(predictions["scheme"])]:
        part = long.loc[long["scheme"] == scheme]
        shows = ["(pooled)"] + sorted(part["show"].unique())
        for show in shows:
            sub = part if show == "(pooled)" else part.loc[part["show"] == show]
            for method in METHODS:
                m = sub.loc[sub["method"] == method]
                rows.append({"scheme": scheme, "show": show, "method": method,
                             **metrics(m["returned"], m["p"], n_bins)})
    return pd.DataFrame(rows, columns=["scheme", "show", "method", "n", "returns", "auc", "brier", "log_loss",
                                       "accuracy", "ece", "ece_bins"])


def calibration_table(predictions: pd.DataFrame, n_bins: int = 10,
                      methods: tuple[str, ...] = ("model",)) -> pd.DataFrame:
    """Pooled reliability bins per scheme × method (the calibration chart's table twin)."""
    parts = []
    long = _long(predictions)
    for scheme in [s for s in SCHEMES if s in set(predictions["scheme"])]:
        for method in methods:
            m = long.loc[(long["scheme"] == scheme) & (long["method"] == method)]
            bins = calibration_bins(m["returned"], m["p"], n_bins)
            bins.insert(0, "method", method)
            bins.insert(0, "scheme", scheme)
            parts.append(bins)
    columns = ["scheme", "method", "bin", "n", "p_min", "p_max", "mean_predicted", "observed_rate", "gap"]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


def breakdown(predictions: pd.DataFrame, column: str, n_bins: int = 10) -> pd.DataFrame:
    """Metrics per scheme × value of ``column`` × method, pooled over shows: e.g. ``season`` (the per-season
    chart), ``provenance`` (is the model as good on the record as on recollection?) or ``billing_group``
    (main + recurring apart from one-off guests, the easy non-returns that flatter a pooled figure)."""
    if column == "billing_group":
        predictions = predictions.assign(billing_group=np.where(predictions["billing"] == "guest", "guest",
                                                                "main + recurring"))
    rows = [{"scheme": scheme, column: value, "method": method, "shows": int(group["show"].nunique()),
             **metrics(group["returned"], group["p"], n_bins)}
            for (scheme, value, method), group in _long(predictions, column).groupby(["scheme", column, "method"],
                                                                                    sort=True)]
    out = pd.DataFrame(rows, columns=["scheme", column, "method", "shows", "n", "returns", "auc", "brier",
                                      "log_loss", "accuracy", "ece", "ece_bins"])
    order = {s: i for i, s in enumerate(SCHEMES)} | {m: i for i, m in enumerate(METHODS)}
    return out.sort_values(["scheme", column, "method"], key=lambda c: c.map(order) if c.name != column else c,
                           kind="mergesort").reset_index(drop=True)


def by_season(predictions: pd.DataFrame, n_bins: int = 10) -> pd.DataFrame:
    """Metrics per scheme × season × method, pooled over shows (the per-season chart's table twin).

    ``season`` is the season at whose end the prediction is made (the outcome is season + 1).
    """
    return breakdown(predictions, "season", n_bins).drop(columns=["ece", "ece_bins"])


# ------------------------------------------------------------------------------------------------- result
@dataclass(repr=False, eq=False)
class BacktestResult:
    """Everything one backtest computed; read by the CLI, the exports and the charts.

    Holds numbers only; ``speculation.render.results.BacktestResult`` (what ``sp.run_backtest`` returns) adds
    the views that draw and word them (plots, files, the notebook table).
    """

    predictions: pd.DataFrame   # one row per scheme × labelled transition, a probability per method
    summary: pd.DataFrame       # metrics per scheme × show × method, with (pooled) rows
    calibration: pd.DataFrame   # pooled reliability bins of the model per scheme
    seasons: pd.DataFrame       # metrics per scheme × season × method
    selection: pd.DataFrame     # grouped-CV choice of C per held-out show
    config: dict
    shows: list[str] = field(default_factory=list)
    n_bins: int = 10

    def pooled(self, scheme: str = "walk_forward") -> pd.DataFrame:
        """The pooled metrics of one scheme, one row per method."""
        s = self.summary
        return s.loc[(s["scheme"] == scheme) & (s["show"] == "(pooled)")].reset_index(drop=True)

    def chosen_C(self) -> pd.DataFrame:
        """held_out show → C used for it."""
        p = self.predictions
        return (p.groupby("show", sort=True)["C"].first().rename("C").reset_index()
                .rename(columns={"show": "held_out"}))

    def __repr__(self) -> str:
        p = self.predictions
        pooled = self.pooled("walk_forward")
        model = pooled.loc[pooled["method"] == "model"]
        auc = f", walk-forward AUC {model['auc'].iloc[0]:.3f} Brier {model['brier'].iloc[0]:.4f}" if len(model) else ""
        return (f"<{type(self).__name__} {len(self.shows)} shows held out, "
                f"{int((p['scheme'] == 'walk_forward').sum())} transitions{auc}>")


def run_backtest(library: Library, config: dict, shows: list[str] | None = None, n_bins: int = 10,
                 schemes: tuple[str, ...] = SCHEMES) -> BacktestResult:
    """Build the library's features once, predict out of sample, and summarise (see module docstring).

    Only shows whose provenance ``training.provenance`` allows take part, as trainers or as held-out shows.
    """
    if shows is not None:
        missing = [s for s in shows if s not in library.shows]
        if missing:
            raise SpeculationError(f"{', '.join(missing)}: not a show of the library")
    allowed = config["training"]["provenance"]
    excluded = [s for s in (shows or []) if provenance(library.shows[s]) not in allowed]
    if excluded:
        raise SpeculationError(f"{', '.join(excluded)}: provenance {provenance(library.shows[excluded[0]])!r} is not "
                               f"in training.provenance ({', '.join(allowed)}); pass --include-recollection")
    table = build_features(training_library(library, allowed), config)
    predictions, selection = backtest_predictions(table, config, shows, schemes)
    if predictions.empty:
        raise SpeculationError("nothing to backtest: the backtest needs labelled transitions (shows with two or "
                               "more seasons) and training data with both outcomes (returns and non-returns)")
    predictions.insert(predictions.columns.get_loc("billing") + 1, "provenance",
                       predictions["show"].map(lambda slug: provenance(library.shows[slug])))
    held_out = sorted(predictions["show"].unique())
    return BacktestResult(predictions=predictions, summary=summarise(predictions, n_bins),
                          calibration=calibration_table(predictions, n_bins), seasons=by_season(predictions, n_bins),
                          selection=selection, config=config, shows=held_out, n_bins=n_bins)

"""Backtest charts: a reliability (calibration) diagram and metrics per season.

Functions take frames computed by :mod:`speculation.core.evaluate` and return a matplotlib Figure (built without
pyplot, so a notebook's backend is left alone); they never refit and never read files. Each chart's numbers are
the frame it was drawn from (its "table twin", written beside it by ``speculation backtest``); files are rendered
by :func:`speculation.render.charts.figure_bytes`.
"""
from __future__ import annotations

import pandas as pd

from .charts import new_figure

__all__ = ["calibration_figure", "season_figure"]

SCHEME_LABELS = {"walk_forward": "walk-forward", "leave_one_show_out": "leave-one-show-out"}
METHOD_LABELS = {"model": "model", "baseline_alive": "everyone returns unless dead / written out",
                 "baseline_main": "alive main cast returns", "baseline_library_rate": "library base rate",
                 "baseline_show_rate": "show's own past return rate"}
METRIC_LABELS = {"brier": "Brier score (lower is better)", "auc": "ROC AUC (higher is better)",
                 "log_loss": "log loss, nats (lower is better)", "accuracy": "accuracy at 0.5 (higher is better)"}


def _figure(ax, size):
    if ax is None:
        fig = new_figure(*size)
        return fig, fig.add_subplot()
    return ax.figure, ax


def calibration_figure(calibration: pd.DataFrame, ax=None, title: str | None = None):
    """Reliability diagram: observed return rate against mean predicted probability per quantile bin.

    ``calibration`` is :func:`speculation.core.evaluate.calibration_table` (scheme, method, bin, n, mean_predicted,
    observed_rate, ...); one line per scheme × method, each point labelled with its bin's count.
    """
    fig, ax = _figure(ax, (6.4, 6.0))
    ax.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1, label="perfectly calibrated")
    styles = [("o", "#1f77b4"), ("s", "#d62728"), ("^", "#2ca02c"), ("D", "#9467bd"), ("v", "#ff7f0e")]
    groups = list(calibration.groupby(["scheme", "method"], sort=False))
    for i, ((scheme, method), part) in enumerate(groups):
        marker, color = styles[i % len(styles)]
        label = SCHEME_LABELS.get(scheme, scheme) + ("" if method == "model" else f", {METHOD_LABELS.get(method, method)}")
        lo, hi = int(part["n"].min()), int(part["n"].max())
        label += f" ({len(part)} bins of {lo}{'' if lo == hi else f'–{hi}'} predictions)"
        ax.plot(part["mean_predicted"], part["observed_rate"], marker=marker, color=color, linewidth=1.2,
                markersize=5, label=label)
        if hi > 1.25 * lo:   # unequal bins (ties): say each bin's count
            for _, row in part.iterrows():
                ax.annotate(f"{int(row['n'])}", (row["mean_predicted"], row["observed_rate"]), fontsize=7,
                            color=color, xytext=(4, -9 if i % 2 else 4), textcoords="offset points")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("predicted probability of returning (bin mean)")
    ax.set_ylabel("observed share who returned")
    ax.set_title(title or "Calibration of out-of-sample predictions (quantile bins)", fontsize=10)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def season_figure(seasons: pd.DataFrame, metric: str = "brier", scheme: str = "walk_forward", ax=None,
                  title: str | None = None):
    """One line per method: ``metric`` of the predictions made at the end of each season, pooled over shows.

    ``seasons`` is :func:`speculation.core.evaluate.by_season`; the x axis is the season at whose end the
    prediction is made (the outcome is the next season); the count of predictions is shown per season.
    """
    fig, ax = _figure(ax, (7.5, 4.5))
    part = seasons.loc[seasons["scheme"] == scheme]
    for method, rows in part.groupby("method", sort=False):
        is_model = method == "model"
        ax.plot(rows["season"], rows[metric], marker="o", linewidth=2.4 if is_model else 1.0,
                color="#1f77b4" if is_model else None, alpha=1.0 if is_model else 0.75,
                linestyle="-" if is_model else "--", label=METHOD_LABELS.get(method, method))
    counts = part.drop_duplicates("season")[["season", "n"]]
    for _, row in counts.iterrows():
        ax.annotate(f"n={int(row['n'])}", (row["season"], 1.0), xycoords=("data", "axes fraction"), fontsize=7,
                    ha="center", va="bottom", color="#555555")
    ax.set_xlabel("season at whose end the prediction is made (outcome: the next season)")
    ax.set_ylabel(METRIC_LABELS.get(metric, metric))
    if len(counts):
        ax.set_xticks(sorted(counts["season"].astype(int)))
    ax.set_title(title or f"{SCHEME_LABELS.get(scheme, scheme)} backtest by season, pooled over shows",
                 fontsize=10, pad=16)
    ax.legend(fontsize=8, frameon=False, loc="best")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


"""Print the "Current figures" section of docs/evaluation.md from a backtest's output folder.

    speculation backtest --out /tmp/bt && python bench/evaluation_summary.py /tmp/bt/backtest.csv

Pooled tables for both schemes, the walk-forward splits by provenance (derived / verified shows) and by billing
(main + recurring apart from one-off guests, the easy non-returns), then one line per show (walk-forward): its
transitions, the model's AUC and Brier score, and the method with the lowest Brier score there. The pooled and
per-show numbers are read from backtest.csv; the splits are computed from predictions.csv beside it with the
package's own metrics (``speculation.core.evaluate.breakdown``).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from speculation.core.evaluate import breakdown  # noqa: E402  (the metrics of every backtest)
from speculation.render.text import markdown_table  # noqa: E402  (the Markdown tables of every export)

SCHEMES = {"walk_forward": "Walk-forward", "leave_one_show_out": "Leave-one-show-out"}
METRICS = ["auc", "brier", "log_loss", "accuracy", "ece"]


def _fmt(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:.3f}"


def pooled_table(table: pd.DataFrame, scheme: str) -> str:
    rows = table.loc[(table["scheme"] == scheme) & (table["show"] == "(pooled)"), ["method", "n", *METRICS]]
    return markdown_table(rows.assign(**{m: rows[m].map(_fmt) for m in METRICS}))


def per_show_table(table: pd.DataFrame, scheme: str = "walk_forward") -> pd.DataFrame:
    """One row per show: transitions, the model's AUC and Brier score, and the method with the lowest Brier."""
    rows = table.loc[(table["scheme"] == scheme) & (table["show"] != "(pooled)")]
    brier = rows.pivot(index="show", columns="method", values="brier")
    model = rows.loc[rows["method"] == "model"].set_index("show")
    best = brier.idxmin(axis=1)
    lowest = [m if m == "model" else f"{m} ({_fmt(brier.at[s, m])})" for s, m in best.items()]
    return pd.DataFrame({"show": brier.index, "transitions": model.loc[brier.index, "n"].astype(int).to_numpy(),
                         "model AUC": model.loc[brier.index, "auc"].map(_fmt).to_numpy(),
                         "model Brier": model.loc[brier.index, "brier"].map(_fmt).to_numpy(),
                         "lowest Brier": lowest})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("backtest_csv", help="backtest.csv written by `speculation backtest`")
    args = parser.parse_args(argv)
    table = pd.read_csv(args.backtest_csv)
    out = []
    for scheme, title in SCHEMES.items():
        out += [f"**{title}, pooled.**", "", pooled_table(table, scheme)]
    predictions = pd.read_csv(Path(args.backtest_csv).with_name("predictions.csv"))
    for column, title in (("provenance", "provenance"), ("billing_group", "billing")):
        split = breakdown(predictions, column)
        split = split.loc[(split["scheme"] == "walk_forward") & split["method"].isin(["model", "baseline_alive"]),
                          [column, "method", "shows", "n", "returns", *METRICS]]
        out += [f"**Walk-forward, by {title}.**", "", markdown_table(split.assign(**{m: split[m].map(_fmt)
                                                                                       for m in METRICS}))]
    shows = per_show_table(table)
    wins = int((shows["lowest Brier"] == "model").sum())
    out += [f"**Per show (walk-forward).** The model has the lowest Brier score in {wins} of {len(shows)} shows.",
            "", markdown_table(shows)]
    sys.stdout.write("\n".join(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

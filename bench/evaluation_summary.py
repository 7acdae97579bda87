"""Print the "Current figures" section of docs/evaluation.md from a backtest's backtest.csv.

    speculation backtest --out /tmp/bt && python bench/evaluation_summary.py /tmp/bt/backtest.csv

Pooled tables for both schemes, then one line per show (walk-forward): its transitions, the model's AUC and
Brier score, and the method with the lowest Brier score there. Reads the numbers; never recomputes them.
"""
from __future__ import annotations

import argparse
import sys

import pandas as pd

SCHEMES = {"walk_forward": "Walk-forward", "leave_one_show_out": "Leave-one-show-out"}
METRICS = ["auc", "brier", "log_loss", "accuracy", "ece"]


def _fmt(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:.3f}"


def pooled_table(table: pd.DataFrame, scheme: str) -> list[str]:
    rows = table.loc[(table["scheme"] == scheme) & (table["show"] == "(pooled)")]
    lines = ["| method | n | " + " | ".join(METRICS) + " |", "|---|---:|" + "---:|" * len(METRICS)]
    for _, r in rows.iterrows():
        lines.append(f"| {r['method']} | {int(r['n'])} | " + " | ".join(_fmt(r[m]) for m in METRICS) + " |")
    return lines


def per_show_table(table: pd.DataFrame, scheme: str = "walk_forward") -> tuple[list[str], pd.DataFrame]:
    rows = table.loc[(table["scheme"] == scheme) & (table["show"] != "(pooled)")]
    summary = []
    for show, g in rows.groupby("show", sort=True):
        g = g.set_index("method")
        best = g["brier"].idxmin()
        summary.append({"show": show, "n": int(g.loc["model", "n"]), "auc": g.loc["model", "auc"],
                        "brier": g.loc["model", "brier"], "best": best, "best_brier": g.loc[best, "brier"]})
    frame = pd.DataFrame(summary)
    lines = ["| show | transitions | model AUC | model Brier | lowest Brier |", "|---|---:|---:|---:|---|"]
    for _, r in frame.iterrows():
        best = "model" if r["best"] == "model" else f"{r['best']} ({_fmt(r['best_brier'])})"
        lines.append(f"| {r['show']} | {r['n']} | {_fmt(r['auc'])} | {_fmt(r['brier'])} | {best} |")
    return lines, frame


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("backtest_csv", help="backtest.csv written by `speculation backtest`")
    args = parser.parse_args(argv)
    table = pd.read_csv(args.backtest_csv)
    out = []
    for scheme, title in SCHEMES.items():
        out += [f"**{title}, pooled.**", ""] + pooled_table(table, scheme) + [""]
    lines, frame = per_show_table(table)
    wins = int((frame["best"] == "model").sum())
    out += [f"**Per show (walk-forward).** The model has the lowest Brier score in {wins} of {len(frame)} shows.",
            ""] + lines
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

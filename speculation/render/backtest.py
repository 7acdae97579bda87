"""The words, tables and files of a backtest: Markdown and JSON summaries, the pooled view, every output file.

Pure rendering of a :class:`~speculation.core.evaluate.BacktestResult`: ``{file name: content}`` out, written by
:mod:`speculation.io.write` (``speculation backtest`` or ``BacktestResult.to_files``). Figures come from
:mod:`speculation.render.eval_charts`.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..core.evaluate import HARD_CLIP, METHODS
from ..io.write import manifest
from .charts import figure_bytes
from .eval_charts import METHOD_LABELS, calibration_figure, season_figure
from .text import csv_text, markdown_table

__all__ = ["pooled_view", "backtest_markdown", "backtest_json", "backtest_outputs", "backtest_files"]


def pooled_view(result, scheme: str) -> pd.DataFrame:
    """The pooled metrics of one scheme, one row per method, with each method in words (``what``)."""
    pooled = result.pooled(scheme)
    view = pooled[["method", "n", "auc", "brier", "log_loss", "accuracy", "ece"]].copy()
    view.insert(1, "what", view["method"].map(METHOD_LABELS))
    return view


def backtest_markdown(result) -> str:
    """backtest.md: the schemes and baselines in words, pooled metrics, Brier per show, C per show."""
    p = result.predictions
    lines = ["# Backtest: who returns next season, predicted out of sample", "",
             f"{len(result.shows)} show(s) held out: {', '.join(result.shows)}. "
             f"{int((p['scheme'] == 'walk_forward').sum())} labelled transitions per scheme.", "",
             "- **walk-forward**: show X at the end of season s is predicted by a model fitted on every other show "
             "plus X's transitions known by then (seasons < s); never season s + 1 onwards.",
             "- **leave-one-show-out**: fitted on the other shows only.",
             "- Baselines: " + "; ".join(f"`{k}` = {v}" for k, v in METHODS.items() if k != "model") +
             f". Hard yes/no baselines give {HARD_CLIP[1]:g} / {HARD_CLIP[0]:g}.",
             f"- ECE over {result.n_bins} quantile bins; accuracy predicts a return when p > 0.5. "
             "Details: docs/evaluation.md.", ""]
    fmt = {"auc": "{:.3f}", "brier": "{:.4f}", "log_loss": "{:.3f}", "accuracy": "{:.3f}", "ece": "{:.3f}"}
    for scheme in [s for s in ("walk_forward", "leave_one_show_out") if s in set(p["scheme"])]:
        view = pooled_view(result, scheme)
        for col, f in fmt.items():
            view[col] = view[col].map(lambda v, f=f: "" if v != v else f.format(v))
        lines += [f"## {scheme.replace('_', '-')}, pooled", "", markdown_table(view)]
    s = result.summary
    per = s.loc[(s["show"] != "(pooled)")].pivot_table(index=["scheme", "show"], columns="method",
                                                     values="brier", sort=False)
    per = per[[m for m in METHODS if m in per.columns]].reset_index()
    per.insert(2, "n", s.loc[(s["show"] != "(pooled)") & (s["method"] == "model")]["n"].to_numpy())
    for col in METHODS:
        if col in per:
            per[col] = per[col].map("{:.4f}".format)
    lines += ["## Brier score per held-out show", "", markdown_table(per)]
    chosen = result.chosen_C()
    lines += ["## Regularisation", "",
              "C per held-out show (" + ("chosen by grouped cross-validation on the other shows"
                                         if result.config["model"]["C"] == "auto" else "fixed by the config") + "):",
              "", markdown_table(chosen.assign(C=chosen["C"].map("{:g}".format)))]
    return "\n".join(lines)


def backtest_json(result) -> str:
    """backtest.json: pooled and per-show metrics, the methods, the clipping and C per held-out show."""
    s = result.summary

    def records(frame):
        return json.loads(frame.to_json(orient="records", double_precision=15))

    payload = {"shows": result.shows, "methods": METHODS, "hard_clip": list(HARD_CLIP), "calibration_bins": result.n_bins,
               "pooled": {scheme: records(result.pooled(scheme)) for scheme in s["scheme"].unique()},
               "per_show": records(s.loc[s["show"] != "(pooled)"]),
               "C": {row.held_out: row.C for row in result.chosen_C().itertuples()},
               "C_rule": "grouped-cv" if result.config["model"]["C"] == "auto" else "config"}
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def backtest_outputs(result) -> dict[str, bytes | str]:
    """``{file name: content}`` of everything ``speculation backtest`` writes except the manifest."""
    files: dict[str, bytes | str] = {
        "backtest.csv": csv_text(result.summary), "backtest.md": backtest_markdown(result),
        "backtest.json": backtest_json(result),
        "predictions.csv": csv_text(result.predictions),
        "model_selection.csv": csv_text(result.selection) if not result.selection.empty
        else csv_text(result.chosen_C().assign(chosen=True)),
        "calibration.csv": csv_text(result.calibration), "backtest_by_season.csv": csv_text(result.seasons)}
    for fmt in ("png", "svg"):
        files[f"calibration.{fmt}"] = figure_bytes(calibration_figure(result.calibration), fmt, dpi=110)
        files[f"backtest_by_season.{fmt}"] = figure_bytes(season_figure(result.seasons), fmt, dpi=110)
    return files


def backtest_files(result, command: str = "speculation backtest", input_paths=()) -> dict[str, bytes | str]:
    """Every file ``speculation backtest`` writes, in memory: :func:`backtest_outputs` and manifest.json
    (hashing ``input_paths``: the library, held-out show folders, a config file)."""
    files = backtest_outputs(result)
    files["manifest.json"] = manifest(command, result.config, sorted(set(map(Path, input_paths))), files)
    return files

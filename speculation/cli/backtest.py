"""``speculation backtest [SHOW ...]``: how good is the model out of sample, against four baselines.

Registered by :mod:`speculation.cli.main` (``register(sub, common)``). Writes into ``--out`` (default
``reports/backtest/``): backtest.csv/.md/.json (metrics per scheme × show × method, with pooled rows),
predictions.csv (every out-of-sample prediction), model_selection.csv (C per held-out show), calibration and
per-season charts as PNG + SVG with their CSV table twins, and manifest.json. See docs/evaluation.md.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..core.evaluate import HARD_CLIP, METHODS, run_backtest
from ..core.features import load_config
from ..errors import SpeculationError
from ..io.bulk import load_library
from ..io.showfolder import resolve_show
from ..io.write import manifest, write_files
from ..render.eval_charts import METHOD_LABELS, calibration_figure, figure_bytes, season_figure
from ..render.text import csv_text, markdown_table
from .common import format_table

__all__ = ["register", "cmd_backtest", "backtest_outputs"]


def register(sub, common) -> None:
    p = sub.add_parser("backtest", help="out-of-sample backtests of the model against baselines (no look-ahead)")
    p.add_argument("shows", nargs="*", metavar="SHOW",
                   help="library slugs or show folders to hold out (default: every library show)")
    common(p, show=False)
    p.add_argument("--out", metavar="DIR", default=str(Path("reports") / "backtest"),
                   help="output folder (default reports/backtest/)")
    p.add_argument("--bins", type=int, default=10, metavar="N",
                   help="quantile bins for calibration and expected calibration error (default 10)")
    p.set_defaults(func=cmd_backtest)




def _pooled_view(result, scheme: str):
    pooled = result.pooled(scheme)
    view = pooled[["method", "n", "auc", "brier", "log_loss", "accuracy", "ece"]].copy()
    view.insert(1, "what", view["method"].map(METHOD_LABELS))
    return view


def _markdown(result) -> str:
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
        view = _pooled_view(result, scheme)
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


def _json(result) -> str:
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
        "backtest.csv": csv_text(result.summary), "backtest.md": _markdown(result), "backtest.json": _json(result),
        "predictions.csv": csv_text(result.predictions),
        "model_selection.csv": csv_text(result.selection) if not result.selection.empty
        else csv_text(result.chosen_C().assign(chosen=True)),
        "calibration.csv": csv_text(result.calibration), "backtest_by_season.csv": csv_text(result.seasons)}
    for fmt in ("png", "svg"):
        files[f"calibration.{fmt}"] = figure_bytes(calibration_figure(result.calibration), fmt)
        files[f"backtest_by_season.{fmt}"] = figure_bytes(season_figure(result.seasons), fmt)
    return files


def cmd_backtest(args) -> int:
    if args.bins < 2:
        raise SpeculationError(f"--bins must be an integer ≥ 2, got {args.bins}")
    config = load_config(args.config)
    library = load_library(args.library)
    inputs = [Path(args.library)]
    held_out = None
    if args.shows:
        held_out = []
        for spec in args.shows:
            show = resolve_show(spec, library)
            if Path(spec).is_dir():
                library = library.with_show(show)
                inputs.append(Path(spec))
            held_out.append(show.slug)
        held_out = list(dict.fromkeys(held_out))
    result = run_backtest(library, config, held_out, n_bins=args.bins)
    files = backtest_outputs(result)
    command = "speculation backtest" + "".join(f" {s}" for s in args.shows)
    files["manifest.json"] = manifest(command, config, sorted(set(inputs)), list(files) + ["manifest.json"])
    written = write_files(files, args.out)
    p = result.predictions
    print(f"Backtest over {len(result.shows)} show(s), {int((p['scheme'] == 'walk_forward').sum())} labelled "
          f"transitions, predicted out of sample (no look-ahead)")
    for scheme in [s for s in ("walk_forward", "leave_one_show_out") if s in set(p["scheme"])]:
        print(f"\n{scheme.replace('_', '-')}, pooled:")
        print(format_table(_pooled_view(result, scheme).drop(columns="what")))
    print(f"\nwrote {len(written)} files to {args.out}/")
    return 0

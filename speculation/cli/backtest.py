"""``speculation backtest [SHOW ...]``: how good is the model out of sample, against four baselines.

Registered by :mod:`speculation.cli.main` (``register(sub, common)``). Writes into ``--out`` (default
``reports/backtest/``): backtest.csv/.md/.json (metrics per scheme × show × method, with pooled rows),
predictions.csv (every out-of-sample prediction), model_selection.csv (C per held-out show), calibration and
per-season charts as PNG + SVG with their CSV table twins, and manifest.json. See docs/evaluation.md.
"""
from __future__ import annotations

from pathlib import Path

from ..core.evaluate import run_backtest
from ..errors import SpeculationError
from ..io.bulk import load_library
from ..io.showfolder import resolve_show
from ..io.write import write_files
from ..render.backtest import backtest_files, pooled_view
from .common import config_from_args, format_table

__all__ = ["register", "cmd_backtest"]


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


def cmd_backtest(args) -> int:
    if args.bins < 2:
        raise SpeculationError(f"--bins must be an integer ≥ 2, got {args.bins}")
    config = config_from_args(args)
    library = load_library(args.library)
    inputs = [Path(args.library)] + ([Path(args.config)] if args.config else [])
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
    command = "speculation backtest" + "".join(f" {s}" for s in args.shows)
    written = write_files(backtest_files(result, command, inputs), args.out)
    p = result.predictions
    print(f"Backtest over {len(result.shows)} show(s), {int((p['scheme'] == 'walk_forward').sum())} labelled "
          f"transitions, predicted out of sample (no look-ahead)")
    for scheme in [s for s in ("walk_forward", "leave_one_show_out") if s in set(p["scheme"])]:
        print(f"\n{scheme.replace('_', '-')}, pooled:")
        print(format_table(pooled_view(result, scheme).drop(columns="what")))
    print(f"\nwrote {len(written)} files to {args.out}/")
    return 0

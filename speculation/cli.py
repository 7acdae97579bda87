"""The ``speculation`` command line: parse, call the API, print, map errors to exit codes.

Exit codes: 0 success, 2 a problem with the input or request (one line on stderr, no traceback).
Each sub-command is a function ``cmd_<name>(args) -> int`` registered in :func:`build_parser`.
"""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from .errors import SpeculationError

DEFAULT_LIBRARY = Path(__file__).resolve().parent.parent / "data" / "shows"


def _default_library() -> Path:
    """The bundled library: ``data/shows`` of the checkout (or $SPECULATION_LIBRARY)."""
    import os
    return Path(os.environ.get("SPECULATION_LIBRARY", DEFAULT_LIBRARY))


def format_table(frame, float_digits: int = 3) -> str:
    """A plain-text table for the terminal (right-aligned numbers, left-aligned text)."""
    import pandas as pd

    cols = list(frame.columns)
    cells = []
    for _, row in frame.iterrows():
        out = []
        for c in cols:
            v = row[c]
            if isinstance(v, float):
                out.append("" if pd.isna(v) else f"{v:.{float_digits}f}")
            else:
                out.append(str(v))
        cells.append(out)
    widths = [max([len(str(c))] + [len(r[i]) for r in cells]) for i, c in enumerate(cols)]
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in cols]

    def line(values):
        return "  ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric)).rstrip()

    return "\n".join([line([str(c) for c in cols]), line(["-" * w for w in widths])] + [line(r) for r in cells])


# ------------------------------------------------------------------------------------------------ commands
def _load_inputs(args):
    from .config import load_config
    from .data import load_library, resolve_show

    config = load_config(args.config)
    library = load_library(args.library)
    show = resolve_show(args.show, library)
    return config, library, show


def cmd_score(args) -> int:
    from .export import write_score_outputs
    from .score import score_show

    config, library, show = _load_inputs(args)
    result = score_show(show, library, config)
    out = Path(args.out) if args.out else Path("reports") / show.slug / f"season-{result.season}"
    extra = {}
    if not args.no_charts:
        from .report import score_artifacts  # charts (PNG + SVG + CSV twins) and report.html

        extra = score_artifacts(result)
    written = write_score_outputs(result, out, formats=args.format, library_paths=[Path(args.library)],
                                  extra_files=extra)
    r = result.ranking
    view = r[["rank", "character", "billing", "probability"] + (["low", "high"] if "low" in r else []) + ["logit"]
             + (["hard_fact"] if "hard_fact" in r else [])]
    print(f"{show.title}: who returns in season {result.season + 1}?  "
          f"(model fitted on {result.training['transitions']} transitions from {result.training['shows']} shows)")
    print(format_table(view))
    if result.claims is not None:
        c = result.claims
        hard = int((c["hard_fact"] != "").sum())
        judged = c["agrees"].dropna()
        print(f"\nclaims.csv: {len(c)} claim(s), {hard} hard fact(s) applied as overrides (final_probability); "
              f"the model agrees with {int(judged.sum())} of {len(judged)} directional claims about scored "
              f"characters")
    print(f"\nwrote {len(written)} files to {out}/")
    return 0


def cmd_validate(args) -> int:
    from .data import validate_show
    from .errors import Problem

    paths, total = [], 0
    for p in map(Path, args.paths):
        if p.is_dir() and not (p / "show.yaml").exists() and not (p / "appearances.csv").exists():
            # a library folder: check every show in it, including half-made ones with only an appearances.csv
            shows = sorted(q for q in p.iterdir() if q.is_dir() and not q.name.startswith(".")
                           and ((q / "show.yaml").exists() or (q / "appearances.csv").exists()))
            if not shows:
                print(Problem(str(p), "no show folders found (expected show.yaml and appearances.csv, or folders "
                                      "holding them)"))
                total += 1
            paths += shows
        else:
            paths.append(p)
    for path in paths:
        problems = validate_show(path)
        total += len(problems)
        if problems:
            for problem in problems:
                print(problem)
        elif not args.quiet:
            print(f"{path}: ok")
    if total:
        print(f"{total} problem{'s' if total != 1 else ''} in {len(paths)} show folder(s)", file=sys.stderr)
        return 2
    return 0


def cmd_library(args) -> int:
    from .data import load_library
    from .library import library_sources, library_summary

    library = load_library(args.library)
    print(format_table(library_summary(library)))
    print("\nreturn_rate = share of labelled transitions (a character of season s has a row in season s + 1); "
          "main_return_rate = the same for main-billed characters")
    print("\nsources (show.yaml `source`" + ("" if args.full_sources else ", shortened; --full-sources for all") + "):")
    for row in library_sources(library).itertuples(index=False):
        text = row.source if args.full_sources or len(row.source) <= 100 else row.source[:99].rstrip() + "…"
        print(f"  {row.show}: {text}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="speculation", description="Who comes back next season? "
                                     "Transparent return probabilities for the cast of a TV show.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p, show=True):
        if show:
            p.add_argument("show", metavar="SHOW", help="a library show's slug, or a path to a show folder")
        p.add_argument("--library", default=str(_default_library()), metavar="DIR",
                       help="folder of show folders to learn from (default: the bundled data/shows)")
        p.add_argument("--config", metavar="FILE", help="YAML file overriding default settings")

    p = sub.add_parser("score", help="rank a show's latest cast by probability of returning next season")
    common(p)
    p.add_argument("--out", metavar="DIR", help="output folder (default reports/<slug>/season-<n>/)")
    p.add_argument("--format", nargs="+", choices=["csv", "md", "json", "html"], default=["csv", "md", "json", "html"],
                   help="table formats to write (ranking.csv is always written)")
    p.add_argument("--no-charts", action="store_true", help="skip the charts and report.html")
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("validate", help="check show folders and list every problem found")
    p.add_argument("paths", nargs="+", metavar="PATH", help="show folders, or library folders of show folders")
    p.add_argument("--quiet", action="store_true", help="print only problems")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("library", help="summarise the shows of a library")
    common(p, show=False)
    p.add_argument("--full-sources", action="store_true", help="print each show's source in full")
    p.set_defaults(func=cmd_library)
    _register_optional(sub, common)
    return parser


def _register_optional(sub, common) -> None:
    """Sub-commands living in their own modules register themselves here (explain, backtest, ingest)."""
    from . import cli_backtest, cli_explain, cli_ingest

    for module in (cli_explain, cli_backtest, cli_ingest):
        module.register(sub, common)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    try:
        return args.func(args)
    except SpeculationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

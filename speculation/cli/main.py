"""The ``speculation`` command line: the parser, the score/validate/library commands, errors to exit codes.

Exit codes: 0 success, 2 a problem with the input or request (one line on stderr, no traceback).
Each sub-command is a function ``cmd_<name>(args) -> int``; :data:`COMMANDS` lists the modules that add the
others (explain, backtest, ingest), each with ``register(sub, common)``.
"""
from __future__ import annotations

import argparse
import sys
import warnings
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ..core.library import library_sources, library_summary
from ..core.score import score_show
from ..errors import Problem, SpeculationError
from ..io.bulk import load_library
from ..io.showfolder import validate_show
from ..io.write import FORMATS
from ..render.results import ScoreResult
from ..render.text import strip_control
from . import backtest, explain, ingest
from .common import add_common, format_table, load_inputs

__all__ = ["main", "build_parser"]

# The sub-commands living in their own modules, in the order `speculation --help` lists them.
COMMANDS = (explain, backtest, ingest)

SCORE_FORMATS = list(FORMATS)


def cmd_score(args) -> int:
    if args.top < 1:
        raise SpeculationError(f"--top must be a whole number ≥ 1, got {args.top}")
    config, library, show = load_inputs(args)
    result = ScoreResult.of(score_show(show, library, config))
    out = Path(args.out) if args.out else Path("reports") / show.slug / f"season-{result.season}"
    inputs = [Path(args.library)] + ([Path(args.config)] if args.config else [])   # hashed into the manifest
    written = result.to_files(out, formats=args.format, with_charts=not args.no_charts,
                              library_paths=inputs)   # charts (PNG + SVG + CSV twins), report.html
    r = result.ranking
    view = r[["rank", "character", "billing", "probability"] + (["low", "high"] if "low" in r else []) + ["logit"]
             + (["hard_fact"] if "hard_fact" in r else [])]
    print(f"{show.title}: who returns in season {result.season + 1}?  "
          f"(model fitted on {result.training['transitions']} transitions from {result.training['shows']} shows)")
    print(format_table(view.head(args.top)))
    if len(view) > args.top:
        print(f"… and {len(view) - args.top} more characters in ranking.csv (--top N prints more)")
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
    library = load_library(args.library)
    print(format_table(library_summary(library)))
    print("\nreturn_rate = share of labelled transitions (a character of season s has a row in season s + 1); "
          "main_return_rate = the same for main-billed characters")
    print("\nsources (show.yaml `source`" + ("" if args.full_sources else ", shortened; --full-sources for all") + "):")
    for row in library_sources(library).itertuples(index=False):
        text = row.source if args.full_sources or len(row.source) <= 100 else row.source[:99].rstrip() + "…"
        print(f"  {row.show}: {text}")
    return 0


def _version() -> str:
    """The installed package's version (from its metadata)."""
    try:
        return version("speculation")
    except PackageNotFoundError:  # pragma: no cover - running from a checkout that was never installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="speculation", description="Who comes back next season? "
                                     "Transparent return probabilities for the cast of a TV show.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    common = add_common
    p = sub.add_parser("score", help="rank a show's latest cast by probability of returning next season")
    common(p)
    p.add_argument("--out", metavar="DIR", help="output folder (default reports/<slug>/season-<n>/)")
    p.add_argument("--format", nargs="+", choices=SCORE_FORMATS, default=SCORE_FORMATS,
                   help="table formats to write (ranking.csv is always written)")
    p.add_argument("--no-charts", action="store_true", help="skip the charts and report.html")
    p.add_argument("--top", type=int, default=50, metavar="N",
                   help="characters printed in the terminal (default 50; every one is in the written files)")
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("validate", help="check show folders and list every problem found")
    p.add_argument("paths", nargs="+", metavar="PATH", help="show folders, or library folders of show folders")
    p.add_argument("--quiet", action="store_true", help="print only problems")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("library", help="summarise the shows of a library")
    common(p, show=False)
    p.add_argument("--full-sources", action="store_true", help="print each show's source in full")
    p.set_defaults(func=cmd_library)
    for module in COMMANDS:
        module.register(sub, common)
    return parser


def _warning_line(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings (a fit that did not converge, a constant feature) are shown as one line, not swallowed."""
    print(f"warning: {message}", file=sys.stderr)


class _TerminalText:
    """A stdout/stderr whose text reaches the terminal without control characters (names can't inject escapes)."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(strip_control(text))

    def __getattr__(self, name):
        return getattr(self._stream, name)


def main(argv: list[str] | None = None) -> int:
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _TerminalText(out), _TerminalText(err)
    try:
        return _run(argv)
    finally:
        sys.stdout, sys.stderr = out, err


def _run(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", DeprecationWarning)
    warnings.simplefilter("ignore", FutureWarning)
    warnings.showwarning = _warning_line
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

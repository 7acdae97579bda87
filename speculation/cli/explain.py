"""``speculation explain SHOW CHARACTER``: one character's probability, feature by feature.

Prints the character's features, each contribution (log-odds and points) and the probability with its
interval, and writes the character's waterfall chart (PNG + SVG + CSV twin) into ``--out``. The logic lives in
:mod:`speculation.core.explanation` and :mod:`speculation.render.charts`; this module parses, calls, prints and
writes.
"""
from __future__ import annotations

from pathlib import Path

from ..core.explanation import character_summary, explain_character, match_name, slugify
from ..core.score import score_show
from ..io.write import write_files
from ..render.explain import explanation_footer, explanation_header, explanation_view, waterfall_files
from .common import format_table, load_inputs

__all__ = ["register", "cmd_explain"]


def register(sub, common) -> None:
    p = sub.add_parser("explain", help="explain one character's probability feature by feature",
                       description="Explain one character's probability of returning: its features, each "
                       "feature's contribution (log-odds and points) and the waterfall chart.")
    common(p)
    p.add_argument("character", metavar="CHARACTER", help="the character's name as in appearances.csv "
                   "(case and extra spaces do not matter)")
    p.add_argument("--out", metavar="DIR", help="folder for the waterfall chart "
                   "(default reports/<slug>/season-<n>/explain/)")
    p.set_defaults(func=cmd_explain)


def cmd_explain(args) -> int:
    config, library, show = load_inputs(args)
    cast = show.appearances.loc[show.appearances["season"] == show.last_season, "character"].tolist()
    name = match_name(cast, args.character, where=f"{show.title} season {show.last_season}")  # fail before fitting
    result = score_show(show, library, config)
    table = explain_character(result, name)
    print(explanation_header(result, character_summary(result, name)) + "\n")
    print(format_table(explanation_view(table)))
    print("\n" + explanation_footer(result))
    out = Path(args.out) if args.out else Path("reports") / show.slug / f"season-{result.season}" / "explain"
    slug = slugify(name)
    written = write_files(waterfall_files(result, name, table), out, keep="all")
    print(f"wrote {len(written)} files to {out}/ ({slug}.png, .svg, .csv)")
    return 0

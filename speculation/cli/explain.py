"""``speculation explain SHOW CHARACTER``: one character's probability, feature by feature.

Prints the character's features, each contribution (log-odds and points) and the probability with its
interval, and writes the character's waterfall chart (PNG + SVG + CSV twin) into ``--out``. The logic lives in
:mod:`speculation.core.explanation` and :mod:`speculation.render.charts`; this module parses, calls, prints and
writes.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..core.explanation import character_summary, explain_character, format_value, match_name, slugify
from ..core.score import score_show
from ..io.write import write_files
from ..render.charts import plot_waterfall, waterfall_table
from ..render.report import figure_bytes
from ..render.text import csv_text, percent
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


def _signed(v: float, digits: int) -> str:
    return f"{v:+.{digits}f}"


def cmd_explain(args) -> int:
    config, library, show = load_inputs(args)
    cast = show.appearances.loc[show.appearances["season"] == show.last_season, "character"].tolist()
    name = match_name(cast, args.character, where=f"{show.title} season {show.last_season}")  # fail before fitting
    result = score_show(show, library, config)
    info = character_summary(result, name)
    table = explain_character(result, name)

    level = round(100 * config["uncertainty"]["level"])
    interval = (f" ({level}% interval {percent(info['low'])} – {percent(info['high'])})" if "low" in info else "")
    ranks = (f" ({level}% interval {info['rank_low']}–{info['rank_high']})" if "rank_low" in info else "")
    print(f"{name} ({info['actor']}, {info['billing']}) — {show.title}, season {result.season} → "
          f"season {result.season + 1}")
    print(f"probability of returning: {percent(info['probability'])}{interval}; rank {info['rank']} of "
          f"{info['of']}{ranks}\n")
    rows = []
    for r in table.to_dict("records"):
        feature = r["step"] == "feature"
        rows.append({"step": r["label"] if feature else ("base: " + r["label"] if r["step"] == "base"
                                                          else "total: log-odds"),
                     "value": format_value(r["feature"], r["value"]) if feature else "",
                     "average": f"{r['average']:.2f}" if feature else "",
                     "log-odds": _signed(r["contribution"], 3), "points": _signed(r["points"], 1),
                     "probability": percent(r["probability"])})
    print(format_table(pd.DataFrame(rows)))
    print(f"\nlog-odds: contributions add up (base + features = total); probability = 1 / (1 + e^-total). "
          f"{config['points']['pdo']:g} points double the odds.")

    wt = waterfall_table(table)
    title = f"{name}: {percent(info['probability'])} chance of returning in season {result.season + 1}"
    fig = plot_waterfall(wt, title=title)
    slug = slugify(name)
    out = Path(args.out) if args.out else Path("reports") / show.slug / f"season-{result.season}" / "explain"
    written = write_files({f"{slug}.png": figure_bytes(fig, "png"), f"{slug}.svg": figure_bytes(fig, "svg"),
                           f"{slug}.csv": csv_text(wt)}, out)
    print(f"wrote {len(written)} files to {out}/ ({slug}.png, .svg, .csv)")
    return 0

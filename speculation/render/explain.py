"""One character's explanation for people: the lines and table ``speculation explain`` prints, and its files.

Pure rendering of :func:`speculation.core.explanation.explain_character` and ``character_summary``: strings and
``{file name: content}`` out; printing and writing stay in the CLI.
"""
from __future__ import annotations

import pandas as pd

from ..core.explanation import format_value, slugify
from .charts import figure_bytes, plot_waterfall, waterfall_table
from .report import waterfall_title
from .text import csv_text, interval_level, interval_text, percent

__all__ = ["explanation_header", "explanation_view", "explanation_footer", "waterfall_files"]


def explanation_header(result, info: dict) -> str:
    """Two lines: who (actor, billing, show, seasons), then the probability with interval and rank."""
    level = interval_level(result.config)
    interval = f" ({level}% interval {interval_text(info['low'], info['high'])})" if "low" in info else ""
    ranks = f" ({level}% interval {info['rank_low']}–{info['rank_high']})" if "rank_low" in info else ""
    return (f"{info['character']} ({info['actor']}, {info['billing']}) — {result.show.title}, season "
            f"{result.season} → season {result.season + 1}\n"
            f"probability of returning: {percent(info['probability'])}{interval}; rank {info['rank']} of "
            f"{info['of']}{ranks}")


def explanation_view(table: pd.DataFrame) -> pd.DataFrame:
    """The explanation as text columns: step, value, average, log-odds, points, probability."""
    rows = []
    for r in table.to_dict("records"):
        feature = r["step"] == "feature"
        rows.append({"step": r["label"] if feature else ("base: " + r["label"] if r["step"] == "base"
                                                          else "total: log-odds"),
                     "value": format_value(r["feature"], r["value"]) if feature else "",
                     "average": f"{r['average']:.2f}" if feature else "",
                     "log-odds": f"{r['contribution']:+.3f}", "points": f"{r['points']:+.1f}",
                     "probability": percent(r["probability"])})
    return pd.DataFrame(rows)


def explanation_footer(result) -> str:
    """How to read the table: contributions add up, the probability formula, points per doubling."""
    return (f"log-odds: contributions add up (base + features = total); probability = 1 / (1 + e^-total). "
            f"{result.config['points']['pdo']:g} points double the odds.")


def waterfall_files(result, name: str, table: pd.DataFrame) -> dict[str, bytes | str]:
    """``<slug>.png``, ``.svg`` and the ``.csv`` twin of ``name``'s waterfall (``table``: its explanation)."""
    wt = waterfall_table(table)
    fig = plot_waterfall(wt, title=waterfall_title(result, name))
    slug = slugify(name)
    return {f"{slug}.png": figure_bytes(fig, "png"), f"{slug}.svg": figure_bytes(fig, "svg"),
            f"{slug}.csv": csv_text(wt)}

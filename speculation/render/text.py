"""Words and tables for people: plain-language reasons, percents, the ranking in csv/md/json/html.

Pure rendering: a :class:`~speculation.core.score.ScoreResult` in, ``{file name: text}`` out; writing the files
is :mod:`speculation.io.write`. Floats are written with full precision in CSV/JSON (contributions add up to
the logit when read back) and rounded for people in Markdown/HTML.
"""
from __future__ import annotations

import html
import json
import re

import numpy as np
import pandas as pd

from ..core.features import describe
from ..errors import SpeculationError
from ..io.write import FORMATS

__all__ = ["render_ranking", "ranking_outputs", "character_reasons", "percent", "csv_text",
           "safe_cell", "strip_control", "markdown_table", "markdown_text"]

# OWASP's rule for CSV injection: a cell starting with one of these is read as a formula by spreadsheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")   # C0 (but tab and newline) and C1 controls, DEL
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")   # what can start emphasis, code, links, HTML or a cell


def safe_cell(value):
    """A text cell a spreadsheet will not run: one starting like a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_text(frame: pd.DataFrame) -> str:
    """Every CSV speculation writes: text cells made formula-safe (:func:`safe_cell`), ``\\n`` line ends."""
    text_columns = [c for c in frame.columns if frame[c].dtype == object or isinstance(frame[c].dtype, pd.StringDtype)]
    safe = frame.copy() if text_columns else frame
    for column in text_columns:
        safe[column] = safe[column].map(safe_cell)
    safe.columns = [safe_cell(str(c)) for c in safe.columns]
    return safe.to_csv(index=False, lineterminator="\n")


def strip_control(text: str) -> str:
    """Text for a terminal: control characters (escape sequences, bells, carriage returns) removed."""
    return CONTROL.sub("", text)


def markdown_text(value) -> str:
    """One Markdown-inert line: HTML and Markdown syntax escaped, line breaks and controls flattened."""
    flat = " ".join(strip_control(str(value)).split())
    return MARKDOWN_SPECIAL.sub(r"\\\1", flat)


def _reasons(contrib: pd.DataFrame, values: pd.DataFrame | None, n: int) -> list[str]:
    """The ``n`` largest contributions of each row in plain words, e.g. "+ in the finale; − died on screen".

    ``values`` (the feature values) words 0/1 features by their value, so an absence that raises the chance
    reads "+ did not die on screen". One argsort; words looked up once per distinct (feature, value)."""
    names = list(contrib.columns)
    c = contrib.to_numpy(dtype=float)
    order = np.argsort(-np.abs(c), axis=1, kind="stable")[:, :n]
    words: dict[tuple[str, float | None], str] = {}
    out = []
    for i, row in enumerate(order):
        parts = []
        for j in row:
            if abs(c[i, j]) <= 1e-9:
                continue
            value = None if values is None else values.iat[i, j]
            key = (names[j], None if value is None or pd.isna(value) else float(value == 0))
            if key not in words:
                words[key] = describe(names[j], value)
            parts.append(f"{'+' if c[i, j] > 0 else '−'} {words[key]}")
        out.append("; ".join(parts))
    return out


def character_reasons(result, n: int = 2, rows: int | None = None) -> list[str]:
    """The main reasons (:func:`_reasons`) for the first ``rows`` (default every) row of ``result.ranking``,
    worded with each character's feature values."""
    feats = result.feature_names
    ranking = result.ranking if rows is None else result.ranking.head(rows)
    contrib = ranking[[f"contrib_{f}" for f in feats]].set_axis(feats, axis=1)
    values = result.features.set_index("character").loc[ranking["character"], feats]
    return _reasons(contrib, values, n)


def interval_level(config: dict) -> int:
    """The interval's level in whole percents (80 for ``uncertainty.level: 0.8``), as every label says it."""
    return round(100 * config["uncertainty"]["level"])


def interval_text(low: float, high: float) -> str:
    """An interval for people: "72% – 91%"."""
    return f"{percent(low)} – {percent(high)}"


def percent(p: float) -> str:
    """A probability for people: whole percents, with ">99%" / "<1%" at the extremes."""
    if p >= 0.995:
        return ">99%"
    if p < 0.005:
        return "<1%"
    return f"{100 * p:.0f}%"


def _people_table(result) -> pd.DataFrame:
    r = result.ranking
    table = pd.DataFrame({"rank": r["rank"], "character": r["character"], "actor": r["actor"],
                          "billing": r["billing"], "probability": r["probability"].map(percent)})
    if "low" in r:
        table[f"{interval_level(result.config)}% interval"] = list(map(interval_text, r["low"], r["high"]))
    if "hard_fact" in r:   # claims.csv overrides: flagged, the model's probability kept beside them
        table["hard fact"] = r["hard_fact"].map({"returns": "confirmed return", "leaves": "confirmed exit"}
                                                ).fillna("")
    table["logit"] = r["logit"].map("{:+.2f}".format)
    table["main reasons"] = character_reasons(result)
    return table


def markdown_table(frame: pd.DataFrame) -> str:
    """A pipe table whose cells are Markdown-inert (:func:`markdown_text`): names can't become HTML or links."""
    lines = ["| " + " | ".join(map(markdown_text, frame.columns)) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(markdown_text(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def _headline(result) -> str:
    return f"{result.show.title}: who returns in season {result.season + 1}?"


def _method_line(result) -> str:
    t = result.training
    kinds = ", ".join(f"{n} {kind}" for kind, n in t["provenance"].items())
    return (f"Logistic regression (C = {t['C']:g}) fitted on {t['transitions']} labelled transitions from "
            f"{t['shows']} show(s) ({kinds}: derived = built by code from public per-episode data, verified = "
            f"checked against cited pages); base return rate {100 * t['return_rate']:.0f}%. Contributions are "
            f"log-odds relative to an average character and add up, with the intercept, to the logit.")


def render_ranking(result, fmt: str) -> str:
    """The ranking in one format: csv (machine table), md, json, html (people tables)."""
    if fmt == "csv":
        return csv_text(result.ranking)
    if fmt == "md":
        return (f"# {markdown_text(_headline(result))}\n\n{markdown_text(_method_line(result))}\n\n"
                f"{markdown_table(_people_table(result))}")
    if fmt == "json":
        payload = {"show": result.show.slug, "title": result.show.title, "season": result.season,
                   "question": _headline(result), "training": result.training,
                   "model": {"intercept": result.model.intercept_,
                             "weights": result.model.weights().to_dict(orient="records")},
                   "ranking": json.loads(result.ranking.to_json(orient="records", double_precision=15))}
        if result.claims is not None:
            payload["claims"] = json.loads(result.claims.to_json(orient="records", double_precision=15))
        return json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    if fmt == "html":
        table = _people_table(result).to_html(index=False, escape=True, border=0, classes="ranking")
        return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>"
                f"{html.escape(_headline(result))}</title><style>body{{font-family:system-ui,sans-serif;"
                f"margin:2em}} table{{border-collapse:collapse}} td,th{{padding:4px 10px;border-bottom:1px solid "
                f"#ddd;text-align:left}}</style></head><body><h1>{html.escape(_headline(result))}</h1><p>"
                f"{html.escape(_method_line(result))}</p>\n{table}\n</body></html>\n")
    raise SpeculationError(f"unknown format {fmt!r} (expected one of: {', '.join(FORMATS)})")


def ranking_outputs(result, formats: list[str] | tuple[str, ...] = FORMATS) -> dict[str, str]:
    """``{file name: content}`` for the ranking (csv always) and the model tables."""
    files = {"ranking.csv": render_ranking(result, "csv")}
    for fmt in formats:
        files[f"ranking.{fmt}"] = render_ranking(result, fmt)
    files["model_points.csv"] = csv_text(result.points)
    files["model_weights.csv"] = csv_text(result.model.weights())
    if not result.selection.empty:
        files["model_selection.csv"] = csv_text(result.selection)
    if result.claims is not None:
        files["claims_vs_model.csv"] = csv_text(result.claims)
    return files

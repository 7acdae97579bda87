"""Words and tables for people: plain-language reasons, percents, the ranking in csv/md/json/html.

Pure rendering: a :class:`~speculation.core.score.ScoreResult` in, ``{file name: text}`` out; writing the files
is :mod:`speculation.io.write`. Floats are written with full precision in CSV/JSON (contributions add up to
the logit when read back) and rounded for people in Markdown/HTML.
"""
from __future__ import annotations

import html
import json

import pandas as pd

from ..core.features import describe
from ..errors import SpeculationError
from ..io.write import FORMATS

__all__ = ["render_ranking", "ranking_outputs", "top_reasons", "character_reasons", "percent"]

def _csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")


def top_reasons(row: pd.Series, features: list[str], n: int = 2, values=None) -> str:
    """The ``n`` largest contributions in plain words, e.g. "+ in the finale; − died on screen".

    ``values`` (the character's feature values, a mapping) words 0/1 features by their value, so an absence
    that raises the chance reads "+ did not die on screen".
    """
    contrib = pd.Series({f: row[f"contrib_{f}"] for f in features})
    contrib = contrib[contrib.abs() > 1e-9]
    order = contrib.abs().sort_values(ascending=False, kind="mergesort").index[:n]
    return "; ".join(f"{'+' if contrib[f] > 0 else '−'} {describe(f, None if values is None else values[f])}"
                     for f in order)


def character_reasons(result, n: int = 2) -> list[str]:
    """``top_reasons`` for every row of ``result.ranking``, worded with each character's feature values."""
    values = result.features.set_index("character")
    return [top_reasons(row, result.feature_names, n, values.loc[row["character"]])
            for _, row in result.ranking.iterrows()]


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
        level = int(round(100 * result.config["uncertainty"]["level"]))
        table[f"{level}% interval"] = [f"{percent(lo)} – {percent(hi)}" for lo, hi in zip(r["low"], r["high"])]
    if "hard_fact" in r:   # claims.csv overrides: flagged, the model's probability kept beside them
        table["hard fact"] = r["hard_fact"].map({"returns": "confirmed return", "leaves": "confirmed exit"}
                                                ).fillna("")
    table["logit"] = r["logit"].map("{:+.2f}".format)
    table["main reasons"] = character_reasons(result)
    return table


def _markdown_table(frame: pd.DataFrame) -> str:
    def cell(v) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")
    lines = ["| " + " | ".join(map(cell, frame.columns)) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def _headline(result) -> str:
    return f"{result.show.title}: who returns in season {result.season + 1}?"


def _method_line(result) -> str:
    t = result.training
    return (f"Logistic regression (C = {t['C']:g}) fitted on {t['transitions']} labelled transitions from "
            f"{t['shows']} show(s); base return rate {100 * t['return_rate']:.0f}%. Contributions are log-odds "
            f"relative to an average character and add up, with the intercept, to the logit.")


def render_ranking(result, fmt: str) -> str:
    """The ranking in one format: csv (machine table), md, json, html (people tables)."""
    if fmt == "csv":
        return _csv(result.ranking)
    if fmt == "md":
        return f"# {_headline(result)}\n\n{_method_line(result)}\n\n{_markdown_table(_people_table(result))}"
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
    files["model_points.csv"] = _csv(result.points)
    files["model_weights.csv"] = _csv(result.model.weights())
    if not result.selection.empty:
        files["model_selection.csv"] = _csv(result.selection)
    if result.claims is not None:
        files["claims_vs_model.csv"] = _csv(result.claims)
    return files

"""The publishable report: every chart as files (PNG/SVG + CSV twin) and one self-contained ``report.html``.

:func:`score_artifacts` renders in memory and returns ``{relative file name: content}``; :func:`score_files`
adds the ranking tables and the manifest — every file ``speculation score`` writes — and writing is left to
:func:`speculation.io.write.write_files` (atomic). ``report.html`` is the jinja2 template
``templates/report.html.j2`` rendered with autoescaping on, so every name from the data is text; it embeds its
charts as inline SVG and its style in a ``<style>`` element: no network, no scripts, opens anywhere.

Rendering is kept lean (``speculation score`` should cost little more than importing its libraries): the
four whole-show charts are drawn once each and saved as PNG and SVG; the per-character waterfalls are SVG
only, text is written as SVG ``<text>`` (not glyph outlines), and the SVG ids are seeded so identical runs
write identical files.
"""
from __future__ import annotations

import re
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

from ..core.explanation import character_slugs, explain_character, format_value, points_factor
from ..core.features import FEATURES
from ..io.write import FORMATS, manifest
from . import charts
from .charts import figure_bytes
from .text import character_reasons, csv_text, interval_level, interval_text, percent, ranking_outputs

__all__ = ["score_artifacts", "score_files", "render_report", "figure_bytes", "waterfall_title"]

MAIN_CHARTS = {"ranking": (charts.plot_ranking, charts.ranking_table),
               "drivers": (charts.plot_drivers, charts.drivers_table),
               # no number in every cell: hundreds of texts would double the run time (numbers: the CSV twin)
               "feature-map": (lambda r: charts.plot_feature_map(r, annotate=False), charts.feature_map_table)}


def waterfall_title(result, name: str) -> str:
    """The title of a character's waterfall: "<name>: 97% chance of returning in season 5"."""
    p = result.ranking.loc[result.ranking["character"] == name, "probability"].iloc[0]
    return f"{name}: {percent(p)} chance of returning in season {result.season + 1}"


def _inline_svg(svg: bytes) -> str:
    """An SVG file's markup for embedding in HTML: no XML prolog, DOCTYPE, metadata or namespace URLs."""
    text = svg.decode("utf-8")
    text = text[text.index("<svg"):]
    end = text.index(">")
    tag = re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", text[:end]).replace("<svg", '<svg role="img"', 1)
    return tag + re.sub(r"<metadata>.*?</metadata>\s*", "", text[end:], count=1, flags=re.S)


def score_artifacts(result) -> dict[str, bytes | str]:
    """Every chart (PNG + SVG + CSV twin; per-character waterfalls as SVG + CSV) and ``report.html``."""
    files: dict[str, bytes | str] = {}
    inline: dict[str, str] = {}
    for name, (plot, table) in MAIN_CHARTS.items():
        fig = plot(result)
        files[f"charts/{name}.png"] = figure_bytes(fig, "png")
        svg = figure_bytes(fig, "svg")
        files[f"charts/{name}.svg"] = svg
        files[f"charts/{name}.csv"] = csv_text(table(result))
        inline[name] = _inline_svg(svg)
    slugs = character_slugs(result.ranking["character"])
    waterfalls: dict[str, str] = {}
    explained: dict[str, pd.DataFrame] = {}
    for name, slug in slugs.items():
        ex = explain_character(result, name)
        explained[name] = ex
        wt = charts.waterfall_table(ex)
        svg = charts.waterfall_svg(wt, title=waterfall_title(result, name))
        files[f"charts/waterfall/{slug}.svg"] = svg
        files[f"charts/waterfall/{slug}.csv"] = csv_text(wt)
        waterfalls[name] = _inline_svg(svg.encode("utf-8"))
    files["report.html"] = render_report(result, inline, waterfalls, explained, slugs)
    return files


def score_files(result, formats=FORMATS, with_charts: bool = True, library_paths=(),
                command: str = "speculation score") -> dict[str, bytes | str]:
    """Every file ``speculation score`` writes, in memory: the ranking and model tables, the charts and
    report.html (unless ``with_charts`` is false) and manifest.json (hashing the show folder and
    ``library_paths``)."""
    files: dict[str, bytes | str] = dict(ranking_outputs(result, formats))
    if with_charts:
        files.update(score_artifacts(result))
    inputs = sorted({Path(result.show.path), *map(Path, library_paths)})
    files["manifest.json"] = manifest(command, result.config, inputs, files)
    return files


# ------------------------------------------------------------------------------------------------ HTML
_TEMPLATES = jinja2.Environment(loader=jinja2.PackageLoader("speculation.render", "templates"), autoescape=True,
                                trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                                undefined=jinja2.StrictUndefined)
HARD_FACT_WORDS = {"returns": "confirmed return", "leaves": "confirmed exit"}


def _table(frame: pd.DataFrame, css: str) -> Markup:
    """A table of plain text cells written by pandas, which escapes every cell (safe to embed as is)."""
    return Markup(frame.to_html(index=False, escape=True, border=0, classes=css, na_rep=""))


def _ranking_context(result, slugs: dict[str, str], reasons: list[str]) -> dict:
    """The ranked table: header cells (with whether they are numeric) and one dict of texts per row."""
    r = result.ranking
    level = interval_level(result.config)
    has_interval, has_facts = "low" in r, "hard_fact" in r
    head = [("#", True), ("character", False), ("actor", False), ("billing", False), ("probability", True)]
    head += [(f"{level}% interval", True), ("rank range", True)] if has_interval else []
    head += [("hard fact", False)] if has_facts else []
    rows = []
    for row, why in zip(r.to_dict("records"), reasons):
        out = {"rank": int(row["rank"]), "slug": slugs[row["character"]], "character": row["character"],
               "actor": row["actor"], "billing": row["billing"],
               "colour": charts.BILLING_COLOURS.get(row["billing"], charts.NEUTRAL),
               "bar": f"{60 * float(row['probability']):.1f}", "probability": percent(row["probability"]),
               "why": why}
        if has_interval:
            out["interval"] = interval_text(row["low"], row["high"])
            out["rank_range"] = f"{int(row['rank_low'])} – {int(row['rank_high'])}"
        if has_facts:
            out["hard_fact"] = HARD_FACT_WORDS.get(row["hard_fact"], "")
        rows.append(out)
    rank_note = (f" Rank range: the {level}% interval of the character's rank over the bootstrap refits."
                 if "rank_low" in r else "")
    return {"head": head + [("main reasons", False)], "rows": rows, "has_interval": has_interval,
            "has_facts": has_facts, "rank_note": rank_note}


def _claims_table(result) -> Markup | None:
    """What the show's claims.csv says, beside the model (None when the show has no claims.csv)."""
    c = result.claims
    if c is None:
        return None
    model = ["not scored (not in this season)" if pd.isna(p) else f"#{int(rank)}, {percent(p)}"
             for rank, p in zip(c["rank"], c["probability"])]
    agree = [{1: "agrees", 0: "disagrees"}.get(None if pd.isna(a) else int(a), "—") for a in c["agrees"]]
    table = pd.DataFrame({"date": c["date"].astype(str), "source": c["source"], "character": c["character"],
                          "stance": c["stance"], "model": model, "model vs claim": agree})
    return _table(table, "claims")


def _steps(ex: pd.DataFrame) -> list[dict]:
    """One character's explanation table: a dict of texts per step (base, each feature, total)."""
    out = []
    for r in ex.to_dict("records"):
        is_feature = r["step"] == "feature"
        c = float(r["contribution"])
        label = r["label"] if is_feature else ("intercept: " if r["step"] == "base" else "total: ") + r["label"]
        out.append({"label": label, "total": r["step"] == "total",
                    "value": format_value(r["feature"], r["value"]) if is_feature else "",
                    "average": f"{r['average']:.2f}" if is_feature else "",
                    "cls": ("up" if c > 0 else "down") if is_feature and abs(c) > 1e-12 else "",
                    "contribution": f"{c:+.3f}" if is_feature else f"{c:.3f}",
                    "points": f"{r['points']:+.1f}", "probability": percent(r["probability"])})
    return out


def _characters(result, reasons, waterfall_svgs, explained, slugs) -> list[dict]:
    """The collapsible explanation of every character, in rank order."""
    r = result.ranking
    level = interval_level(result.config)
    out = []
    for row, why in zip(r.to_dict("records"), reasons):
        name = row["character"]
        out.append({"slug": slugs[name], "rank": int(row["rank"]), "name": name,
                    "probability": percent(row["probability"]),
                    "interval": f" ({level}%: {interval_text(row['low'], row['high'])})" if "low" in r else "",
                    "billing": row["billing"], "why": why, "svg": Markup(waterfall_svgs[name]),
                    "steps": _steps(explained[name])})
    return out


def _method(result) -> dict:
    """The numbers and words of the method section, and the feature table (label, name, definition, weight)."""
    t, show, cfg = result.training, result.show, result.config
    weights = result.model.weights().set_index("feature")
    feats = result.feature_names
    features = pd.DataFrame({"feature": [FEATURES[f].label for f in feats], "column": feats,
                             "definition": [FEATURES[f].definition for f in feats],
                             "weight": [f"{weights.loc[f, 'weight_std']:+.2f}" for f in feats]})
    estimated = show.meta.get("estimated_columns") or []
    return {"transitions": t["transitions"], "show_seasons": t["show_seasons"], "shows": t["shows"],
            "title": show.title, "return_rate": f"{100 * t['return_rate']:.0f}%",
            "source": show.meta.get("source") or "", "estimated": ", ".join(estimated),
            "estimates": show.meta.get("estimates") or "", "features_table": _table(features, "features"),
            "C": f"{t['C']:g}", "base_probability": percent(1 / (1 + np.exp(-result.model.intercept_))),
            "pdo": f"{cfg['points']['pdo']:g}", "intervals": "low" in result.ranking,
            "level": interval_level(cfg), "n_boot": cfg["uncertainty"]["n_boot"]}


def _figures(result, chart_svgs: dict[str, str]) -> list[dict]:
    level = interval_level(result.config)
    figures = [
        ("ranking", "Ranking", f"Every character's probability of returning (bar, coloured by billing) with its "
         f"{level}% bootstrap interval (line). Numbers: charts/ranking.csv."),
        ("drivers", "What drives the model", "The fitted weight of each feature, per standard deviation of the "
         "feature: blue features raise the chance of returning as they grow, vermillion ones lower it. "
         "Numbers: charts/drivers.csv."),
        ("feature-map", "Feature map", "Every character's contribution from every feature, in log-odds; rows in "
         "rank order. Read across a row to see why a character ranks where it does, down a column to see whom a "
         "feature helps. Numbers: charts/feature-map.csv."),
    ]
    return [{"name": name, "title": title, "svg": Markup(chart_svgs[name]), "caption": caption}
            for name, title, caption in figures]


def render_report(result, chart_svgs: dict[str, str], waterfall_svgs: dict[str, str],
                  explained: dict[str, pd.DataFrame], slugs: dict[str, str]) -> str:
    """``report.html``: the ranked table, the charts, the method and one collapsible explanation per character.

    ``chart_svgs`` and ``waterfall_svgs`` are inline SVG markup (see :func:`score_artifacts`); everything else
    is text, escaped by the template."""
    show, season, t, r = result.show, result.season, result.training, result.ranking
    top = r.iloc[0]
    reasons = character_reasons(result)
    lede = (f"Probabilities for the {len(r)} characters of season {season}, from a transparent model fitted on "
            f"{t['transitions']} season-to-season transitions of {t['shows']} shows. Most likely to return: "
            f"{top['character']} ({percent(top['probability'])}).")
    return _TEMPLATES.get_template("report.html.j2").render(
        question=f"{show.title}: who returns in season {season + 1}?", lede=lede, season=season, slug=show.slug,
        ranking=_ranking_context(result, slugs, reasons), claims_table=_claims_table(result),
        figures=_figures(result, chart_svgs), characters=_characters(result, reasons, waterfall_svgs, explained,
                                                                     slugs),
        points_factor=f"{points_factor(result):.1f}", m=_method(result))

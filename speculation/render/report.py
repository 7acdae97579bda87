"""The publishable report: every chart as files (PNG/SVG + CSV twin) and one self-contained ``report.html``.

:func:`score_artifacts` renders in memory and returns ``{relative file name: content}``; writing is left to
:func:`speculation.io.write.write_files` (atomic), which ``speculation score`` calls. ``report.html`` embeds
its charts as inline SVG and its style in a ``<style>`` element: no network, no scripts, opens anywhere.

Rendering is kept lean (``speculation score`` should cost little more than importing its libraries): the
four whole-show charts are drawn once each and saved as PNG and SVG; the per-character waterfalls are SVG
only, text is written as SVG ``<text>`` (not glyph outlines), and the SVG ids are seeded so identical runs
write identical files.
"""
from __future__ import annotations

import html
import io
import re

import numpy as np
import pandas as pd

from ..core.explanation import character_slugs, explain_character, format_value, points_factor
from ..core.features import FEATURES
from . import charts
from .text import character_reasons, csv_text, percent

__all__ = ["score_artifacts", "render_report", "figure_bytes"]

PNG_DPI = 100
_SVG_RC = {"svg.fonttype": "none", "svg.hashsalt": "speculation", "svg.image_inline": True}
MAIN_CHARTS = {"ranking": (charts.plot_ranking, charts.ranking_table),
               "drivers": (charts.plot_drivers, charts.drivers_table),
               # no number in every cell: hundreds of texts would double the run time (numbers: the CSV twin)
               "feature-map": (lambda r: charts.plot_feature_map(r, annotate=False), charts.feature_map_table)}


def figure_bytes(fig, fmt: str) -> bytes:
    """A figure saved in memory as ``png`` or ``svg``, reproducibly (no date, seeded SVG ids)."""
    import matplotlib   # heavy; imported when a figure is saved, so importing the report module stays cheap

    buf = io.BytesIO()
    with matplotlib.rc_context(_SVG_RC):
        if fmt == "png":
            fig.savefig(buf, format="png", dpi=PNG_DPI, metadata={"Software": None})
        else:
            fig.savefig(buf, format=fmt, metadata={"Date": None, "Creator": None})
    return buf.getvalue()




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
        title = f"{name}: {percent(ex['probability'].iloc[-1])} chance of returning in season {result.season + 1}"
        svg = charts.waterfall_svg(wt, title=title)
        files[f"charts/waterfall/{slug}.svg"] = svg
        files[f"charts/waterfall/{slug}.csv"] = csv_text(wt)
        waterfalls[name] = _inline_svg(svg.encode("utf-8"))
    files["report.html"] = render_report(result, inline, waterfalls, explained, slugs)
    return files


# ------------------------------------------------------------------------------------------------ HTML
_CSS = """
:root{--ink:#1d1d1f;--muted:#5b5b60;--line:#e3e3e6;--up:#0072B2;--down:#D55E00}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);margin:0;
 line-height:1.5;background:#fff}
main{max-width:1040px;margin:0 auto;padding:2rem 1.25rem 4rem}
h1{font-size:1.9rem;margin:.2rem 0 .4rem}h2{margin-top:2.6rem;border-bottom:2px solid var(--line);padding-bottom:.2rem}
.lede{font-size:1.08rem;color:var(--muted);max-width:46em}
nav a{margin-right:1rem}a{color:#005a8c}
table{border-collapse:collapse;width:100%;font-size:.92rem;margin:.6rem 0}
th,td{padding:.32rem .6rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#f6f6f8;font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.num,td.nowrap{white-space:nowrap}
.pbar{display:inline-block;height:.7em;background:var(--up);border-radius:2px;margin-right:.4em;vertical-align:middle}
.swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.35em;vertical-align:-.05em}
figure{margin:1.4rem 0}figcaption{color:var(--muted);font-size:.92rem;max-width:52em}
svg{max-width:100%;height:auto;display:block}
details{border:1px solid var(--line);border-radius:6px;margin:.45rem 0;padding:.35rem .8rem}
details[open]{padding-bottom:.8rem}summary{cursor:pointer;font-size:1rem}
summary .p{font-weight:600}summary .why{color:var(--muted);font-size:.9rem}
.up{color:var(--up)}.down{color:var(--down)}
.files code,.small{font-size:.88rem}.small{color:var(--muted)}
"""


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _ranking_rows(result, slugs: dict[str, str]) -> str:
    r = result.ranking
    has_interval = "low" in r
    level = round(100 * result.config["uncertainty"]["level"])
    head = ["#", "character", "actor", "billing", "probability"]
    head += [f"{level}% interval", "rank range"] if has_interval else []
    has_facts = "hard_fact" in r
    head += ["hard fact"] if has_facts else []
    head += ["main reasons"]
    numeric = {"#", "probability", f"{level}% interval", "rank range"}
    out = ["<table class=\"ranking\"><thead><tr>" + "".join(
        f"<th class=\"num\">{_e(h)}</th>" if h in numeric else f"<th>{_e(h)}</th>" for h in head)
        + "</tr></thead><tbody>"]
    reasons = character_reasons(result)
    for row, why in zip(r.to_dict("records"), reasons):
        colour = charts.BILLING_COLOURS.get(row["billing"], charts.NEUTRAL)
        cells = [f"<td class=\"num\">{int(row['rank'])}</td>",
                 f"<td><a href=\"#c-{_e(slugs[row['character']])}\">{_e(row['character'])}</a></td>",
                 f"<td>{_e(row['actor'])}</td>",
                 f"<td class=\"nowrap\"><span class=\"swatch\" style=\"background:{colour}\"></span>"
                 f"{_e(row['billing'])}</td>",
                 f"<td class=\"num\"><span class=\"pbar\" style=\"width:{60 * float(row['probability']):.1f}px\">"
                 f"</span>{_e(percent(row['probability']))}</td>"]
        if has_interval:
            cells.append(f"<td class=\"num\">{_e(percent(row['low']))} – {_e(percent(row['high']))}</td>")
            cells.append(f"<td class=\"num\">{int(row['rank_low'])} – {int(row['rank_high'])}</td>")
        if has_facts:
            cells.append(f"<td>{_e(HARD_FACT_WORDS.get(row['hard_fact'], ''))}</td>")
        cells.append(f"<td>{_e(why)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


HARD_FACT_WORDS = {"returns": "confirmed return", "leaves": "confirmed exit"}


def _claims_section(result) -> str:
    """What the show's claims.csv says, beside the model (empty when the show has no claims.csv)."""
    c = result.claims
    if c is None:
        return ""
    rows = []
    for row in c.to_dict("records"):
        p = row["probability"]
        model = "not scored (not in this season)" if pd.isna(p) else f"#{int(row['rank'])}, {percent(p)}"
        agree = {1: "agrees", 0: "disagrees"}.get(None if pd.isna(row["agrees"]) else int(row["agrees"]), "—")
        rows.append(f"<tr><td class=\"nowrap\">{_e(row['date'])}</td><td>{_e(row['source'])}</td>"
                    f"<td>{_e(row['character'])}</td><td>{_e(row['stance'])}</td><td>{_e(model)}</td>"
                    f"<td>{_e(agree)}</td></tr>")
    return ("<section id=\"claims\"><h2>What has been published</h2>\n<p>The show's claims.csv, beside the "
            "model. Claims never enter the model or its backtests; a <em>confirmed</em> return or a "
            "<em>departed</em> exit is applied afterwards as a hard fact (ranking.csv: hard_fact and "
            "final_probability), and the model's own probability is kept.</p>\n<table><thead><tr><th>date</th>"
            "<th>source</th><th>character</th><th>stance</th><th>model</th><th>model vs claim</th></tr></thead>"
            "<tbody>" + "".join(rows) + "</tbody></table></section>")


def _explain_rows(ex: pd.DataFrame) -> str:
    out = ["<table><thead><tr><th>step</th><th class=\"num\">value</th><th class=\"num\">training average</th>"
           "<th class=\"num\">log-odds</th><th class=\"num\">points</th><th class=\"num\">probability after</th>"
           "</tr></thead><tbody>"]
    for r in ex.to_dict("records"):
        is_feature = r["step"] == "feature"
        value = format_value(r["feature"], r["value"]) if is_feature else ""
        avg = f"{r['average']:.2f}" if is_feature else ""
        c = float(r["contribution"])
        cls = ("up" if c > 0 else "down") if is_feature and abs(c) > 1e-12 else ""
        contrib = f"{c:+.3f}" if is_feature else f"{c:.3f}"
        label = r["label"] if is_feature else ("intercept: " + r["label"] if r["step"] == "base"
                                               else "total: " + r["label"])
        strong = ("<strong>", "</strong>") if r["step"] == "total" else ("", "")
        out.append(f"<tr><td>{strong[0]}{_e(label)}{strong[1]}</td><td class=\"num\">{_e(value)}</td>"
                   f"<td class=\"num\">{avg}</td><td class=\"num {cls}\">{contrib}</td>"
                   f"<td class=\"num\">{r['points']:+.1f}</td>"
                   f"<td class=\"num\">{_e(percent(r['probability']))}</td></tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _method(result) -> str:
    t = result.training
    feats = result.feature_names
    weights = result.model.weights().set_index("feature")
    level = round(100 * result.config["uncertainty"]["level"])
    n_boot = result.config["uncertainty"]["n_boot"]
    pdo = result.config["points"]["pdo"]
    base_p = percent(1 / (1 + np.exp(-result.model.intercept_)))
    show = result.show
    estimated = show.meta.get("estimated_columns") or []
    rows = "".join(f"<tr><td>{_e(FEATURES[f].label)}<br><code class=\"small\">{_e(f)}</code></td>"
                   f"<td>{_e(FEATURES[f].definition)}</td>"
                   f"<td class=\"num\">{weights.loc[f, 'weight_std']:+.2f}</td></tr>" for f in feats)
    source = show.meta.get("source") or ""
    parts = [
        "<h3>Data</h3>",
        f"<p>The model learns from every season-to-season transition in the library: each time a character "
        f"appears in a season that has a next season, did the character appear in that next season? That gives "
        f"{t['transitions']} labelled transitions over {t['show_seasons']} show-seasons of {t['shows']} shows, "
        f"{_e(show.title)}'s own earlier seasons included; {100 * t['return_rate']:.0f}% of them returned. The "
        f"characters scored here are the cast of season {result.season}, whose next season is not known yet.</p>",
        f"<p class=\"small\">Source of the {_e(show.title)} data: {_e(source)}</p>" if source else "",
        (f"<p class=\"small\">Estimated rather than sourced in this show's data: {_e(', '.join(estimated))}. "
         f"{_e(show.meta.get('estimates') or '')}</p>") if estimated else "",
        "<h3>Features</h3>",
        "<p>Each character is described at the end of the season by these features, computed from that season "
        "and earlier ones only (plus the announced setting year of the next season, for time jumps). The last "
        "column is the fitted weight per standard deviation of the feature (see the chart above).</p>",
        f"<table><thead><tr><th>feature</th><th>definition</th><th class=\"num\">weight</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>",
        "<h3>Model</h3>",
        f"<p>A logistic regression on standardised features (each minus its training average, divided by its "
        f"spread), with an L2 penalty that shrinks weights towards zero so a small library cannot overfit. Its "
        f"strength (C = {t['C']:g}) was chosen by cross-validation that holds out whole shows, so the choice "
        f"rewards predicting shows the model has not seen.</p>",
        "<h3>What a contribution means</h3>",
        f"<p>A character's <em>log-odds</em> of returning is the intercept — the log-odds of an average "
        f"character, here {base_p} — plus one contribution per feature: the feature's weight times how far the "
        f"character's value is from the training average, in standard deviations. A positive contribution "
        f"raises the chance compared with an average character, a negative one lowers it, and they add up "
        f"exactly: probability = 1 / (1 + e<sup>−log-odds</sup>). Log-odds are not percentage points: +0.7 "
        f"roughly doubles the odds, which moves 50% to 67% but 90% only to 95%. The points column is the same "
        f"on a scorecard scale, where {pdo:g} points double the odds.</p>",
        "<h3>Intervals</h3>",
        (f"<p>The {level}% intervals come from refitting the model {n_boot} times on resamples of whole "
         f"show-seasons. They show how much a probability depends on which seasons the model learnt from; they "
         f"do not cover what the data cannot know — contracts, actors' plans or casting news.</p>")
        if "low" in result.ranking else "<p>Intervals were turned off for this run.</p>",
    ]
    return "\n".join(p for p in parts if p)


def render_report(result, chart_svgs: dict[str, str], waterfall_svgs: dict[str, str],
                  explained: dict[str, pd.DataFrame], slugs: dict[str, str]) -> str:
    """``report.html``: the ranked table, the charts, the method and one collapsible explanation per character."""
    show, season = result.show, result.season
    t = result.training
    question = f"{show.title}: who returns in season {season + 1}?"
    top = result.ranking.iloc[0]
    factor = points_factor(result)
    r = result.ranking
    level = round(100 * result.config["uncertainty"]["level"])
    rank_note = (f" Rank range: the {level}% interval of the character's rank over the bootstrap refits."
                 if "rank_low" in r else "")
    lede = (f"Probabilities for the {len(r)} characters of season {season}, from a transparent model fitted on "
            f"{t['transitions']} season-to-season transitions of {t['shows']} shows. Most likely to return: "
            f"{top['character']} ({percent(top['probability'])}).")
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
    fig_html = "\n".join(f"<figure id=\"chart-{name}\"><h3>{_e(title)}</h3>{chart_svgs[name]}"
                         f"<figcaption>{_e(caption)}</figcaption></figure>" for name, title, caption in figures)
    details = []
    for row, why in zip(r.to_dict("records"), character_reasons(result)):
        name = row["character"]
        interval = (f" ({level}%: {percent(row['low'])} – {percent(row['high'])})" if "low" in r else "")
        details.append(
            f"<details id=\"c-{_e(slugs[name])}\"><summary><strong>{int(row['rank'])}. {_e(name)}</strong> — "
            f"<span class=\"p\">{_e(percent(row['probability']))}</span>{_e(interval)} · {_e(row['billing'])} · "
            f"<span class=\"why\">{_e(why)}</span></summary>\n"
            f"{waterfall_svgs[name]}\n{_explain_rows(explained[name])}\n"
            f"<p class=\"small\">Files: charts/waterfall/{_e(slugs[name])}.svg and .csv. Points: {factor:.1f} "
            f"per unit of log-odds.</p></details>")
    body = f"""<main>
<h1>{_e(question)}</h1>
<p class="lede">{_e(lede)}</p>
<nav><a href="#ranking">Ranking</a><a href="#charts">Charts</a><a href="#characters">Every character explained</a>
<a href="#method">Method</a></nav>
<section id="ranking"><h2>Ranking</h2>
{_ranking_rows(result, slugs)}
<p class="small">Main reasons: the two largest contributions (+ raises, − lowers the chance).{rank_note}</p>
</section>
{_claims_section(result)}
<section id="charts"><h2>Charts</h2>
{fig_html}</section>
<section id="characters"><h2>Every character explained</h2>
<p>Open a character to see the waterfall from an average character to its probability, and every feature's
contribution in log-odds and in points.</p>
{chr(10).join(details)}</section>
<section id="method"><h2>Method</h2>
{_method(result)}</section>
<footer class="small"><p>Made by <code>speculation score {_e(show.slug)}</code>. The files beside this page hold
the same numbers: ranking.csv (with every contribution), model_weights.csv, model_points.csv and the
charts' CSV twins in charts/; manifest.json records the configuration, input hashes and versions.</p></footer>
</main>"""
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_e(question)}</title><style>{_CSS}</style></head>\n<body>\n{body}\n</body></html>\n")

"""Charts that explain a score, each with a "table twin" holding exactly the numbers it draws.

Every ``plot_*`` function takes computed results — a :class:`~speculation.core.score.ScoreResult`, or the frame
its table twin returns — plus an optional matplotlib ``ax``, and returns the :class:`~matplotlib.figure.Figure`.
Nothing is refitted, nothing is read or written, ``plt.show()`` is never called. Figures are built without
pyplot on an Agg canvas, so they hold no global state (nothing to close) and work headless; a notebook shows
them after ``%matplotlib inline``.

| chart | function | table twin |
|---|---|---|
| ranking with intervals | :func:`plot_ranking` | :func:`ranking_table` |
| one character's waterfall | :func:`plot_waterfall` | :func:`waterfall_table` |
| what drives the model | :func:`plot_drivers` | :func:`drivers_table` |
| feature map | :func:`plot_feature_map` | :func:`feature_map_table` |
| return rates of a library | :func:`plot_return_rates` | :func:`return_rates_table` |

Layout is computed in inches, not by ``tight_layout``: rows are :data:`ROW_IN` inches apart whatever the
number of characters (the figure grows instead), and margins are measured from the longest label, so names
never overlap, for 5 characters as for 60.
"""
from __future__ import annotations

import html
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.explanation import explain_character, format_value
from ..core.features import FEATURES
from ..core.model import sigmoid
from .text import interval_level, percent

# matplotlib is imported inside the drawing functions on purpose: it is a heavy import (~0.3 s), and the CLI,
# the API and report.html's SVG waterfalls import this module without drawing a single matplotlib figure.

__all__ = ["plot_ranking", "ranking_table", "plot_waterfall", "waterfall_table", "plot_drivers", "drivers_table",
           "plot_feature_map", "feature_map_table", "waterfall_svg", "plot_return_rates", "return_rates_table",
           "BILLING_COLOURS", "ROW_IN"]

BILLING_COLOURS = {"main": "#0072B2", "recurring": "#56B4E9", "guest": "#B8B8B8"}  # Okabe–Ito blues, grey
RAISES, LOWERS, NEUTRAL = "#0072B2", "#D55E00", "#9A9A9A"                           # blue up, vermillion down
ROW_IN = 0.25          # inches per character / feature row
FONT = 9               # points, labels
TITLE_FONT = 12
WIDTH_IN = 8.0


# ------------------------------------------------------------------------------------------------ helpers
def _safe(text) -> str:
    """Text from data drawn literally: a ``$`` would otherwise start matplotlib's math mode."""
    return str(text).replace("$", r"\$")


PNG_DPI = 100
_SVG_RC = {"svg.fonttype": "none", "svg.hashsalt": "speculation", "svg.image_inline": True}


def new_figure(width: float, height: float):
    """A Figure on its own Agg canvas, without pyplot: drawing never touches a notebook's backend or figure list."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def figure_bytes(fig, fmt: str, dpi: int = PNG_DPI) -> bytes:
    """A figure saved in memory as ``png`` or ``svg``, reproducibly (no date, seeded SVG ids): the one renderer of
    every chart file."""
    import matplotlib   # heavy; imported when a figure is saved, so importing this module stays cheap

    buf = io.BytesIO()
    with matplotlib.rc_context(_SVG_RC):
        if fmt == "png":
            fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
        else:
            fig.savefig(buf, format=fmt, metadata={"Date": None, "Creator": None})
    return buf.getvalue()


_CHAR_WIDTHS: dict[tuple[str, bool], float] = {}


def _char_width(ch: str, bold: bool) -> float:
    """Advance width of one character at 1 pt in the default font (DejaVu Sans), measured once and cached."""
    key = (ch, bold)
    if key not in _CHAR_WIDTHS:
        from matplotlib.font_manager import FontProperties
        from matplotlib.textpath import text_to_path

        prop = FontProperties(size=100, weight="bold" if bold else "normal")
        w, _, _ = text_to_path.get_text_width_height_descent(ch if ch.strip() else "a a", prop, ismath=False)
        if not ch.strip():  # a space: width of "a a" minus two "a"
            w -= 2 * 100 * _char_width("a", bold)
        _CHAR_WIDTHS[key] = w / 100
    return _CHAR_WIDTHS[key]


def _text_width_in(texts, size: float = FONT, bold: bool = False) -> float:
    """Width in inches of the widest of ``texts`` at ``size`` points (summed glyph advances, cached)."""
    widest = 0.0
    for t in texts:
        widest = max(widest, sum(_char_width(ch, bold) for ch in str(t)) * size)
    return widest / 72.0


def _axes_in(fig, left: float, right: float, top: float, bottom: float):
    """Axes placed by margins in inches (no layout engine: fast and predictable)."""
    w, h = fig.get_size_inches()
    return fig.add_axes([left / w, bottom / h, max(0.05, 1 - (left + right) / w), max(0.05, 1 - (top + bottom) / h)])


def _header(fig, ax, owned: bool, title: str, subtitle: str | None = None, left_in: float = 0.15) -> None:
    """Title (and grey subtitle) at the top of an owned figure, or as the axes title of a borrowed one."""
    if not owned:
        ax.set_title(_safe(title), fontsize=TITLE_FONT - 1, loc="left", y=1.0, pad=6)
        return
    w, h = fig.get_size_inches()
    fig.text(left_in / w, 1 - 0.12 / h, _safe(title), fontsize=TITLE_FONT, weight="bold", va="top", ha="left")
    if subtitle:
        fig.text(left_in / w, 1 - 0.40 / h, _safe(subtitle), fontsize=FONT - 0.5, color="#444444", va="top",
                 ha="left")


def _row_labels(ax, y, labels, size: float = FONT, bold_rows=()) -> None:
    """Row names drawn left of the axes, right-aligned, one per row (cheaper than tick labels)."""
    from matplotlib.transforms import offset_copy

    trans = offset_copy(ax.get_yaxis_transform(), fig=ax.figure, x=-5, y=0, units="points")
    for yi, label in zip(y, labels):
        ax.text(0, yi, _safe(label), transform=trans, ha="right", va="center", fontsize=size,
                weight="bold" if yi in bold_rows else "normal")
    ax.set_yticks([])


def _padded_range(lo: float, hi: float, axes_w_in: float, left_texts=(), right_texts=(), size: float = FONT - 1,
                  min_span: float = 0.5) -> tuple[float, float]:
    """x limits fitting the data range [lo, hi] plus room, in inches, for the texts written beside it."""
    left_in = _text_width_in(left_texts, size) + 0.12 if len(left_texts) else 0.1
    right_in = _text_width_in(right_texts, size) + 0.12 if len(right_texts) else 0.1
    free = max(axes_w_in - left_in - right_in, 0.35 * axes_w_in)
    if hi - lo < min_span:
        mid = (hi + lo) / 2
        lo, hi = mid - min_span / 2, mid + min_span / 2
    per_in = (hi - lo) / free
    return lo - left_in * per_in, hi + right_in * per_in


def _xlim_for_texts(ax, lo: float, hi: float, left_texts=(), right_texts=(), size: float = FONT - 1,
                    min_span: float = 0.5) -> None:
    axes_w = ax.get_position().width * ax.figure.get_size_inches()[0]
    ax.set_xlim(*_padded_range(lo, hi, axes_w, left_texts, right_texts, size, min_span))


def _rows_layout(n: int, top: float, bottom: float) -> float:
    return top + bottom + ROW_IN * max(n, 1)


def _labelled_rows_axes(ax, labels, top: float, bottom: float, right: float = 0.3):
    """``(fig, ax)``: the given axes, or a new figure sized for one row per label with room for the labels."""
    if ax is None:
        fig = new_figure(WIDTH_IN, _rows_layout(len(labels), top, bottom))
        ax = _axes_in(fig, _text_width_in(labels) + 0.3, right, top, bottom)
    return ax.figure, ax


def _style_axes(ax) -> None:
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="x", labelsize=FONT - 0.5)
    ax.grid(axis="x", color="#e6e6e6", linewidth=0.6)
    ax.set_axisbelow(True)


def _ranking(data) -> pd.DataFrame:
    return data.ranking if hasattr(data, "ranking") else data


def _contrib_features(ranking: pd.DataFrame) -> list[str]:
    return [c[len("contrib_"):] for c in ranking.columns if c.startswith("contrib_")]


def _label(feature: str) -> str:
    return FEATURES[feature].label if feature in FEATURES else feature


def _question(data) -> str:
    """For a ScoreResult of season 4: "in season 5"; for a bare frame: "next season"."""
    return f"in season {data.season + 1}" if hasattr(data, "season") else "next season"


def _interval_level(data) -> str:
    try:
        return f"{interval_level(data.config)}%"
    except (AttributeError, KeyError, TypeError):
        return "bootstrap"


# ------------------------------------------------------------------------------------------------ ranking
def ranking_table(data) -> pd.DataFrame:
    """The numbers of :func:`plot_ranking`: rank, character, actor, billing, probability (+ low, high,
    rank_low, rank_high when the run has intervals; hard_fact when the show has a claims.csv), in rank order."""
    r = _ranking(data)
    cols = [c for c in ["rank", "character", "actor", "billing", "probability", "low", "high", "rank_low",
                        "rank_high", "hard_fact"] if c in r.columns]
    return r[cols].reset_index(drop=True).copy()


def plot_ranking(data, ax=None, title: str | None = None):
    """Every scored character's probability of returning as a bar (colour = billing), with its interval."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    t = ranking_table(data)
    n = len(t)
    labels = [f"{r}. {c}" for r, c in zip(t["rank"], t["character"])]
    if "hard_fact" in t:   # claims.csv hard facts are flagged beside the model's bar, never drawn into it
        marks = {"returns": " (confirmed return)", "leaves": " (confirmed exit)"}
        labels = [lab + marks.get(f, "") for lab, f in zip(labels, t["hard_fact"].fillna(""))]
    owned = ax is None
    top, bottom = 1.05, 0.6
    if owned:
        left = _text_width_in(labels) + 0.3
        fig = new_figure(WIDTH_IN, _rows_layout(n, top, bottom))
        ax = _axes_in(fig, left, 0.25, top, bottom)
    fig = ax.figure
    y = np.arange(n)
    colours = [BILLING_COLOURS.get(b, NEUTRAL) for b in t["billing"]]
    ax.barh(y, t["probability"], height=0.68, color=colours, zorder=2)
    has_interval = "low" in t and "high" in t
    if has_interval:
        ax.hlines(y, t["low"], t["high"], color="#222222", linewidth=1.1, zorder=3)
        ax.plot(np.r_[t["low"], t["high"]], np.r_[y, y], "|", color="#222222", markersize=5, zorder=3)
    ends = np.maximum(t["probability"], t["high"]) if has_interval else t["probability"]
    for yi, end, p in zip(y, ends, t["probability"]):
        ax.text(end + 0.012, yi, percent(p), va="center", ha="left", fontsize=FONT - 1, color="#333333")
    ax.set_xlim(0, 1.12)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xticks(np.linspace(0, 1, 6), [f"{v}%" for v in range(0, 101, 20)])
    _row_labels(ax, y, labels)
    _style_axes(ax)
    level = _interval_level(data)
    ax.set_xlabel(f"probability of returning {_question(data)}", fontsize=FONT)
    handles = [Patch(color=BILLING_COLOURS[b], label=b) for b in BILLING_COLOURS if b in set(t["billing"])]
    if has_interval:
        handles.append(Line2D([], [], color="#222222", linewidth=1.1, marker="|", label=f"{level} interval"))
    show_title = data.show.title if hasattr(data, "show") else "Ranking"  # "Ranking: who returns next season?"
    _header(fig, ax, owned, title or f"{show_title}: who returns {_question(data)}?")
    if owned:
        w, h = fig.get_size_inches()
        fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.15 / w, 1 - 0.45 / h), ncol=len(handles),
                   frameon=False, fontsize=FONT, handlelength=1.4, title="billing:", title_fontsize=FONT,
                   alignment="left")
    else:
        ax.legend(handles=handles, loc="lower right", fontsize=FONT - 1, frameon=False)
    return fig


# ------------------------------------------------------------------------------------------------ waterfall
def waterfall_table(data, character: str | None = None, min_abs: float = 0.02,
                    max_features: int | None = None) -> pd.DataFrame:
    """The numbers of :func:`plot_waterfall`, one row per drawn row, top to bottom.

    ``data`` is a ScoreResult (with ``character``) or the frame of :func:`speculation.explain`. Rows:
    ``base`` (the intercept), one ``feature`` row per contribution of at least ``min_abs`` log-odds (largest
    first, at most ``max_features``), one ``other`` row summing the rest when there are two or more, and
    ``total``. ``start``/``end`` are the running log-odds before and after the row (base and total: the value
    itself); ``probability_start``/``probability_end`` the same as probabilities. ``contribution`` of the
    feature and other rows adds up with the base to the total exactly.
    """
    ex = data if isinstance(data, pd.DataFrame) else explain_character(data, character)
    name = str(ex["character"].iloc[0])
    step = ex["step"].to_numpy()
    base = float(ex["contribution"].to_numpy()[step == "base"][0])
    logit = float(ex["contribution"].to_numpy()[step == "total"][0])
    is_feat = step == "feature"
    feats = ex["feature"].to_numpy()[is_feat]
    labels = ex["label"].to_numpy()[is_feat]
    values = ex["value"].to_numpy()[is_feat]
    contrib = ex["contribution"].to_numpy(dtype=float)[is_feat]
    keep = np.abs(contrib) >= min_abs
    if max_features is not None:
        keep &= np.arange(len(contrib)) < max_features
    if (~keep).sum() == 1 and max_features is None:  # one small feature: show it, not an "other" row of one
        keep[:] = True
    shown = [format_value(f, v) for f, v in zip(feats[keep], values[keep])]
    rows_step = ["base"] + ["feature"] * int(keep.sum())
    rows_feature = ["(base)"] + list(feats[keep])
    rows_label = ["average character (start)"] + [f"{lab} = {v}" for lab, v in zip(labels[keep], shown)]
    rows_value = [""] + shown
    rows_contrib = [base] + list(contrib[keep])
    if (~keep).any():
        k = int((~keep).sum())
        rows_step.append("other")
        rows_feature.append(", ".join(feats[~keep]))
        rows_label.append(f"{k} other features (each under {min_abs:g})" if max_features is None
                          else f"{k} other features")
        rows_value.append("")
        rows_contrib.append(float(contrib[~keep].sum()))
    c = np.asarray(rows_contrib, dtype=float)
    end = np.cumsum(c)
    start = end - np.where(np.arange(len(c)) > 0, c, 0.0)
    table = pd.DataFrame({"character": name, "step": rows_step + ["total"], "feature": rows_feature + ["(total)"],
                          "label": rows_label + [f"{name} (end)"], "value": rows_value + [""],
                          "contribution": np.r_[c, logit], "start": np.r_[start, logit], "end": np.r_[end, logit]})
    table["probability_start"] = sigmoid(table["start"])
    table["probability_end"] = sigmoid(table["end"])
    return table


def _signed(v: float, digits: int = 2) -> str:
    return f"{v:+.{digits}f}".replace("-", "\u2212")


WATERFALL_XLABEL = "log-odds of returning (contributions add up; 0 = a 50% chance)"


def _waterfall_parts(t: pd.DataFrame, question: str = "next season", title: str | None = None) -> dict:
    """What both waterfall renderers draw: bar colours, the text beside each row, title and subtitle."""
    c = t["contribution"].to_numpy(dtype=float)
    step = t["step"].to_numpy()
    colours = np.where(step == "other", NEUTRAL, np.where(c > 0, RAISES, LOWERS))
    notes = []  # (text, side, bold) per row
    for st, e, ci in zip(step, t["end"], c):
        if st in ("base", "total"):
            notes.append((percent(sigmoid(e)), "right", True))
        else:
            notes.append((_signed(ci), "right" if ci >= 0 else "left", False))
    base, final = float(t["end"].iloc[0]), float(t["end"].iloc[-1])
    name = str(t["character"].iloc[0])
    return {"colours": colours, "notes": notes, "moving": np.isin(step, ["feature", "other"]),
            "lo": float(np.min(np.r_[t["start"], t["end"]])), "hi": float(np.max(np.r_[t["start"], t["end"]])),
            "left_texts": [x for x, side, _ in notes if side == "left"],
            "right_texts": [x + "   " if bold else x for x, side, bold in notes if side == "right"],
            "base": base, "final": final,
            "title": title or f"{name}: {percent(sigmoid(final))} chance of returning {question}",
            "subtitle": (f"From an average character ({percent(sigmoid(base))}), each bar adds one feature's "
                         f"contribution: blue raises the chance, vermillion lowers it.")}


def _as_waterfall(data, character, min_abs, max_features) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame) and "start" in data:
        return data
    return waterfall_table(data, character, min_abs=min_abs, max_features=max_features)


def plot_waterfall(data, character: str | None = None, ax=None, min_abs: float = 0.02,
                   max_features: int | None = None, title: str | None = None):
    """From an average character to ``character``'s probability, one bar per feature contribution.

    The x axis is log-odds (where contributions add up); the probability is written at the start (the
    average character) and at the end (this character). Blue bars raise the chance, vermillion bars lower it.
    ``data``: a ScoreResult (with ``character``), the frame of :func:`speculation.explain`, or the table twin.
    """
    t = _as_waterfall(data, character, min_abs, max_features)
    parts = _waterfall_parts(t, _question(data), title)
    n = len(t)
    owned = ax is None
    fig, ax = _labelled_rows_axes(ax, t["label"], top=0.75, bottom=0.6)
    y = np.arange(n)
    moving, c, colours = parts["moving"], t["contribution"].to_numpy(), parts["colours"]
    ax.barh(y[moving], c[moving], left=t["start"][moving], height=0.62, color=colours[moving], zorder=2)
    ends = t["end"].to_numpy()
    ax.vlines(ends[:-1], y[:-1] + 0.31, y[1:] - 0.31, color="#888888", linewidth=0.6, zorder=1)  # connectors
    ax.set_ylim(n - 0.5, -0.5)
    base, final = parts["base"], parts["final"]
    ax.vlines([base], 0, n - 1, color="#666666", linewidth=0.8, linestyles=":", zorder=1)
    ax.plot([base, final], [0, n - 1], "D", color="#222222", markersize=5, zorder=3)
    from matplotlib.transforms import offset_copy

    right = offset_copy(ax.transData, fig=fig, x=4, y=0, units="points")
    marker = offset_copy(ax.transData, fig=fig, x=7, y=0, units="points")
    left_ = offset_copy(ax.transData, fig=fig, x=-4, y=0, units="points")
    for yi, (e, (text, side, bold)) in enumerate(zip(ends, parts["notes"])):
        trans = marker if bold else right if side == "right" else left_
        ax.text(e, yi, text, transform=trans, ha="left" if side == "right" else "right", va="center",
                fontsize=FONT if bold else FONT - 1, weight="bold" if bold else "normal",
                color="#111111" if bold else "#333333")
    _xlim_for_texts(ax, parts["lo"], parts["hi"], parts["left_texts"], parts["right_texts"])
    lo_x, hi_x = ax.get_xlim()
    if lo_x < 0 < hi_x:
        ax.axvline(0, color="#bbbbbb", linewidth=0.8, zorder=0)
    _row_labels(ax, y, t["label"], bold_rows=(n - 1,))
    _style_axes(ax)
    ax.set_xlabel(WATERFALL_XLABEL, fontsize=FONT)
    _header(fig, ax, owned, parts["title"], parts["subtitle"])
    return fig


def _nice_ticks(lo: float, hi: float) -> list[float]:
    from matplotlib.ticker import MaxNLocator

    ticks = MaxNLocator(nbins=7, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
    return [float(v) for v in ticks if lo - 1e-9 <= v <= hi + 1e-9]


def _tick_text(values: list[float]) -> list[str]:
    for d in range(4):
        if all(abs(round(v, d) - v) < 1e-9 for v in values):
            break
    return [f"{0.0 if abs(v) < 1e-12 else v:.{d}f}".replace("-", "\u2212") for v in values]


def _svg_text(x: float, y: float, text, size: float, anchor: str = "start", bold: bool = False,
              colour: str = "#000000") -> str:
    """An SVG ``<text>`` centred vertically on ``y`` (points), its text escaped."""
    weight = ' font-weight="bold"' if bold else ""
    return (f'<text x="{x:.2f}" y="{y + 0.35 * size:.2f}" font-size="{size:g}" text-anchor="{anchor}"'
            f'{weight} fill="{colour}">{html.escape(str(text), quote=True)}</text>')


@dataclass(frozen=True)
class _SvgPlot:
    """The plotting area of an SVG chart, in points: data values ``lo``..``hi`` run from ``x0`` to ``x1``, rows
    ``row`` points apart from ``y0`` down to ``y1``."""

    x0: float
    x1: float
    y0: float
    y1: float
    lo: float
    hi: float
    row: float

    def x(self, value: float) -> float:
        return self.x0 + (value - self.lo) / (self.hi - self.lo) * (self.x1 - self.x0)

    def y(self, index: int) -> float:
        return self.y0 + (index + 0.5) * self.row


def _svg_grid(plot: _SvgPlot) -> list[str]:
    """Vertical grid lines with their ticks and tick labels, and the zero line when 0 is in range."""
    out = []
    ticks = _nice_ticks(plot.lo, plot.hi)
    for value, label in zip(ticks, _tick_text(ticks)):
        x = plot.x(value)
        out.append(f'<line x1="{x:.2f}" y1="{plot.y0:.2f}" x2="{x:.2f}" y2="{plot.y1:.2f}" stroke="#e6e6e6" '
                   f'stroke-width="0.6"/>')
        out.append(f'<line x1="{x:.2f}" y1="{plot.y1:.2f}" x2="{x:.2f}" y2="{plot.y1 + 3.5:.2f}" stroke="#000000" '
                   f'stroke-width="0.8"/>')
        out.append(_svg_text(x, plot.y1 + 3.5 + 3.5 + 0.5 * (FONT - 0.5), label, FONT - 0.5, "middle"))
    if plot.lo < 0 < plot.hi:
        out.append(f'<line x1="{plot.x(0):.2f}" y1="{plot.y0:.2f}" x2="{plot.x(0):.2f}" y2="{plot.y1:.2f}" '
                   f'stroke="#bbbbbb" stroke-width="0.8"/>')
    return out


def _svg_steps(plot: _SvgPlot, table: pd.DataFrame, parts: dict) -> list[str]:
    """The waterfall itself: connectors between steps, the dashed baseline, one bar per moving step and a
    diamond at the start and the end."""
    n, row = len(table), plot.row
    ends = table["end"].to_numpy(dtype=float)
    out = [f'<line x1="{plot.x(ends[i]):.2f}" y1="{plot.y(i) + 0.31 * row:.2f}" x2="{plot.x(ends[i]):.2f}" '
           f'y2="{plot.y(i + 1) - 0.31 * row:.2f}" stroke="#888888" stroke-width="0.6"/>' for i in range(n - 1)]
    base = plot.x(parts["base"])
    out.append(f'<line x1="{base:.2f}" y1="{plot.y(0):.2f}" x2="{base:.2f}" y2="{plot.y(n - 1):.2f}" '
               f'stroke="#666666" stroke-width="0.8" stroke-dasharray="0.8,1.6"/>')
    for i, (start, end, colour, moving) in enumerate(zip(table["start"], ends, parts["colours"], parts["moving"])):
        if moving:
            left, right = sorted((plot.x(float(start)), plot.x(end)))
            out.append(f'<rect x="{left:.2f}" y="{plot.y(i) - 0.31 * row:.2f}" width="{max(right - left, 0.01):.2f}" '
                       f'height="{0.62 * row:.2f}" fill="{colour}"/>')
    for i in (0, n - 1):
        cx, cy, half = plot.x(ends[i]), plot.y(i), 3.2
        out.append(f'<path d="M{cx - half:.2f} {cy:.2f}L{cx:.2f} {cy - half:.2f}L{cx + half:.2f} {cy:.2f}'
                   f'L{cx:.2f} {cy + half:.2f}Z" fill="#222222"/>')
    return out


def _svg_words(plot: _SvgPlot, table: pd.DataFrame, parts: dict) -> list[str]:
    """The notes beside the steps, the row labels, the x axis with its label, the title and the subtitle."""
    out = []
    for i, (end, (note, side, bold)) in enumerate(zip(table["end"].to_numpy(dtype=float), parts["notes"])):
        offset = (7 if bold else 4) if side == "right" else -4
        out.append(_svg_text(plot.x(end) + offset, plot.y(i), note, FONT if bold else FONT - 1,
                             "start" if side == "right" else "end", bold, "#111111" if bold else "#333333"))
    for i, label in enumerate(table["label"]):
        out.append(_svg_text(plot.x0 - 5, plot.y(i), label, FONT, "end", bold=i == len(table) - 1))
    out.append(f'<line x1="{plot.x0:.2f}" y1="{plot.y1:.2f}" x2="{plot.x1:.2f}" y2="{plot.y1:.2f}" stroke="#000000" '
               f'stroke-width="0.8"/>')
    out.append(_svg_text((plot.x0 + plot.x1) / 2, plot.y1 + 3.5 + 3.5 + FONT + 4 + 0.5 * FONT, WATERFALL_XLABEL,
                         FONT, "middle"))
    out.append(_svg_text(0.15 * 72, 0.12 * 72 + 0.5 * TITLE_FONT, parts["title"], TITLE_FONT, bold=True))
    out.append(_svg_text(0.15 * 72, 0.40 * 72 + 0.5 * (FONT - 0.5), parts["subtitle"], FONT - 0.5, colour="#444444"))
    return out


def waterfall_svg(data, character: str | None = None, min_abs: float = 0.02, max_features: int | None = None,
                  title: str | None = None, question: str = "next season") -> str:
    """The waterfall of :func:`plot_waterfall` written directly as SVG text — the same table twin, layout,
    colours and labels, about 50× faster than drawing a matplotlib figure, for reports with one waterfall
    per character. Text is SVG ``<text>`` in DejaVu Sans (else the browser's sans-serif)."""
    table = _as_waterfall(data, character, min_abs, max_features)
    parts = _waterfall_parts(table, _question(data) if hasattr(data, "season") else question, title)
    top, bottom, right_in = 0.75, 0.6, 0.3
    left_in = _text_width_in(table["label"]) + 0.3
    width, height = WIDTH_IN * 72, _rows_layout(len(table), top, bottom) * 72
    x0, x1 = left_in * 72, width - right_in * 72
    lo, hi = _padded_range(parts["lo"], parts["hi"], (x1 - x0) / 72, parts["left_texts"], parts["right_texts"])
    plot = _SvgPlot(x0=x0, x1=x1, y0=top * 72, y1=height - bottom * 72, lo=lo, hi=hi, row=ROW_IN * 72)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}pt" height="{height:g}pt" '
           f'viewBox="0 0 {width:g} {height:g}" version="1.1" '
           f'font-family="\'DejaVu Sans\', \'Bitstream Vera Sans\', Verdana, sans-serif">',
           f'<rect width="{width:g}" height="{height:g}" fill="#ffffff"/>']
    out += _svg_grid(plot) + _svg_steps(plot, table, parts) + _svg_words(plot, table, parts)
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------------------------ drivers
def drivers_table(data) -> pd.DataFrame:
    """The numbers of :func:`plot_drivers`: per feature its label, group, standardised weight (log-odds per
    standard deviation), odds ratio per standard deviation, weight per raw unit, training mean and spread;
    sorted by standardised weight, largest first. ``data``: a ScoreResult or ``model.weights()``."""
    w = data.model.weights() if hasattr(data, "model") else data
    out = pd.DataFrame({"feature": w["feature"], "label": [_label(f) for f in w["feature"]],
                        "group": [FEATURES[f].group if f in FEATURES else "" for f in w["feature"]],
                        "weight_std": w["weight_std"], "odds_ratio_per_sd": np.exp(w["weight_std"]),
                        "weight_per_unit": w["weight_per_unit"], "mean": w["mean"], "scale": w["scale"]})
    return out.sort_values(["weight_std", "feature"], ascending=[False, True], kind="mergesort").reset_index(drop=True)


def plot_drivers(data, ax=None, title: str | None = None):
    """What drives the model: each feature's fitted weight per standard deviation, sorted, signed colours."""
    t = drivers_table(data)
    n = len(t)
    owned = ax is None
    fig, ax = _labelled_rows_axes(ax, t["label"], top=0.75, bottom=1.25)
    y = np.arange(n)
    wstd = t["weight_std"].to_numpy()
    colours = np.where(wstd > 0, RAISES, np.where(wstd < 0, LOWERS, NEUTRAL))
    ax.barh(y, wstd, height=0.62, color=colours, zorder=2)
    ax.set_ylim(n - 0.5, -0.5)
    ax.axvline(0, color="#555555", linewidth=0.8)
    from matplotlib.transforms import offset_copy

    right = offset_copy(ax.transData, fig=fig, x=4, y=0, units="points")
    left_ = offset_copy(ax.transData, fig=fig, x=-4, y=0, units="points")
    left_texts, right_texts = [], []
    for yi, wv, ratio in zip(y, wstd, t["odds_ratio_per_sd"]):
        text = f"{_signed(wv)}  (odds ×{ratio:.2f})" if wv != 0 else "0  (not used: constant in training)"
        ax.text(wv, yi, text, transform=right if wv >= 0 else left_, ha="left" if wv >= 0 else "right",
                va="center", fontsize=FONT - 1, color="#333333")
        (right_texts if wv >= 0 else left_texts).append(text)
    _xlim_for_texts(ax, min(float(wstd.min()), 0.0), max(float(wstd.max()), 0.0), left_texts, right_texts,
                    min_span=0.2)
    _row_labels(ax, y, t["label"])
    _style_axes(ax)
    ax.set_xlabel("weight: log-odds of returning per standard deviation of the feature", fontsize=FONT)
    _header(fig, ax, owned, title or "What drives the model",
            "Fitted weights on standardised features, so features in different units compare.")
    if owned:
        w, h = fig.get_size_inches()
        note = ("Sign: positive (blue) — a higher value makes a return more likely; negative (vermillion) — less "
                "likely.\nOne standard deviation is the feature's spread over the training characters; odds ×k: "
                "one standard\ndeviation more multiplies the odds of returning by k. Per-unit weights: "
                "drivers table / model_weights.csv.")
        fig.text(0.15 / w, 0.12 / h, note, fontsize=FONT - 1, color="#444444", va="bottom", ha="left",
                 linespacing=1.4)
    return fig


# ------------------------------------------------------------------------------------------------ feature map
def feature_map_table(data) -> pd.DataFrame:
    """The numbers of :func:`plot_feature_map`: rank, character and one column per feature holding its
    contribution in log-odds (rows in rank order, columns in the model's feature order)."""
    r = _ranking(data)
    feats = _contrib_features(r)
    out = r[["rank", "character"]].reset_index(drop=True).copy()
    for f in feats:
        out[f] = r[f"contrib_{f}"].to_numpy()
    return out


def _feature_map_axes(row_labels: list[str], col_labels: list[str], angle: float, col_w: float):
    """An axes on a new figure sized for the feature map: margins measured from the row labels and from the
    column labels rotated by ``angle``, ``col_w`` inches per feature."""
    left = _text_width_in(row_labels) + 0.3
    # rotated column labels reach left of their column: keep the leftmost ones inside the figure
    reach = max((_text_width_in([label]) * np.cos(np.radians(angle)) - (j + 0.5) * col_w
                 for j, label in enumerate(col_labels)), default=0.0)
    left = max(left, reach + 0.15)
    bottom = _text_width_in(col_labels) * np.sin(np.radians(angle)) + 0.35
    top, right = 0.8, 1.25
    fig = new_figure(max(left + right + len(col_labels) * col_w, 6.0), _rows_layout(len(row_labels), top, bottom))
    return _axes_in(fig, left, right, top, bottom)


def _annotate_cells(ax, values: np.ndarray, vmax: float) -> None:
    """Each cell's value (a dot below 0.05), white on the darkest colours."""
    rows, cols = values.shape
    for i in range(rows):
        for j in range(cols):
            value = values[i, j]
            ax.text(j, i, _signed(value, 1) if abs(value) >= 0.05 else "·", ha="center", va="center",
                    fontsize=FONT - 2.5, color="white" if abs(value) > 0.6 * vmax else "#222222")


def _column_labels(ax, col_labels: list[str], angle: float) -> None:
    """Feature labels under the columns, rotated by ``angle``; no ticks, no frame."""
    from matplotlib.transforms import blended_transform_factory, offset_copy

    col_trans = offset_copy(blended_transform_factory(ax.transData, ax.transAxes), fig=ax.figure, x=0, y=-5,
                            units="points")
    for j, label in enumerate(col_labels):
        ax.text(j, 0, _safe(label), transform=col_trans, rotation=angle, rotation_mode="anchor", ha="right",
                va="top", fontsize=FONT)
    ax.set_xticks([])
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)


def _colour_bar(ax, image, owned: bool) -> None:
    """The log-odds colour scale: on a figure of its own, a bar of at most 3 inches right of the map."""
    fig = ax.figure
    cax = None
    if owned:
        width, height = fig.get_size_inches()
        pos = ax.get_position()
        bar_h = min(pos.height, 3.0 / height)
        cax = fig.add_axes([pos.x1 + 0.2 / width, pos.y1 - bar_h, 0.15 / width, bar_h])
    bar = fig.colorbar(image, cax=cax, ax=None if cax is not None else ax)
    bar.set_label("contribution (log-odds)", fontsize=FONT)
    bar.ax.tick_params(labelsize=FONT - 1)


def plot_feature_map(data, ax=None, title: str | None = None, annotate: bool | None = None):
    """Characters (rank order) × features, each cell a contribution in log-odds, diverging colours at 0.

    ``annotate`` writes the value in every cell (default: when there are at most 400 cells).
    """
    table = feature_map_table(data)
    feats = [column for column in table.columns if column not in ("rank", "character")]
    values = table[feats].to_numpy(dtype=float)
    row_labels = [f"{rank}. {name}" for rank, name in zip(table["rank"], table["character"])]
    col_labels = [_label(feature) for feature in feats]
    owned = ax is None
    angle = 40
    if owned:
        ax = _feature_map_axes(row_labels, col_labels, angle, col_w=0.52)
    fig = ax.figure
    vmax = max(float(np.nanmax(np.abs(values))) if values.size else 0.0, 1e-6)
    image = ax.imshow(values, aspect="auto", cmap="RdBu", vmin=-vmax, vmax=vmax, interpolation="nearest")
    if annotate is None:
        annotate = values.size <= 400
    if annotate:
        _annotate_cells(ax, values, vmax)
    _row_labels(ax, np.arange(len(row_labels)), row_labels)
    _column_labels(ax, col_labels, angle)
    _colour_bar(ax, image, owned)
    _header(fig, ax, owned, title or "What moves each character's chance",
            "Each cell: one feature's contribution in log-odds (blue raises, red lowers the chance vs. an "
            "average character); rows in rank order.")
    return fig


# ------------------------------------------------------------------------------------------------ library
def return_rates_table(features: pd.DataFrame, by: str | list[str] = "billing", z: float = 1.2816) -> pd.DataFrame:
    """Share of characters who returned the next season, per group of a feature table's labelled rows.

    Columns: the ``by`` column(s), ``transitions``, ``returned``, ``rate`` and a Wilson interval
    (``low``, ``high``; ``z`` = 1.2816 gives 80%), sorted by ``by``.
    """
    by = [by] if isinstance(by, str) else list(by)
    lab = features.loc[features["returned"].notna()]
    g = lab.groupby(by, sort=True)["returned"]
    out = pd.DataFrame({"transitions": g.size(), "returned": g.sum().astype(int)}).reset_index()
    nn, p = out["transitions"].astype(float), out["returned"] / out["transitions"]
    centre = (p + z * z / (2 * nn)) / (1 + z * z / nn)
    half = z * np.sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / (1 + z * z / nn)
    out["rate"], out["low"], out["high"] = p, centre - half, centre + half
    return out


def plot_return_rates(data, by: str | list[str] = "billing", ax=None, title: str | None = None):
    """Return rate per group (bar) with its 80% Wilson interval (line) and the count of transitions."""
    t = data if "rate" in data else return_rates_table(data, by)
    by = [by] if isinstance(by, str) else list(by)
    labels = [" / ".join(str(v) for v in row) for row in t[by].itertuples(index=False)]
    n = len(t)
    owned = ax is None
    top, bottom = 0.55, 0.6
    if owned:
        left = _text_width_in(labels) + 0.3
        fig = new_figure(7.0, _rows_layout(n, top, bottom))
        ax = _axes_in(fig, left, 0.3, top, bottom)
    fig = ax.figure
    y = np.arange(n)
    ax.barh(y, t["rate"], height=0.62, color=RAISES, zorder=2)
    ax.hlines(y, t["low"], t["high"], color="#222222", linewidth=1.1, zorder=3)
    for yi, hi, rate, cnt in zip(y, t["high"], t["rate"], t["transitions"]):
        ax.text(hi + 0.012, yi, f"{percent(rate)}  (n = {cnt})", va="center", fontsize=FONT - 1, color="#333333")
    ax.set_xlim(0, 1.25)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xticks(np.linspace(0, 1, 6), [f"{v}%" for v in range(0, 101, 20)])
    _row_labels(ax, y, labels)
    _style_axes(ax)
    ax.set_xlabel("share of characters who returned the next season (line: 80% interval)", fontsize=FONT)
    _header(fig, ax, owned, title or f"Return rate by {', '.join(by)}")
    return fig

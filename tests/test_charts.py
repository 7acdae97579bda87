"""Charts and their table twins: exact numbers, no refitting, readable layout for 5 and for 60 characters."""
from __future__ import annotations

import csv
import io
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import speculation as sp
from speculation.render import charts
from speculation.errors import SpeculationError
from speculation.core.explanation import explain_character, find_character, what_if
from tests.conftest import ROOT, write_show

FIRST = ["Ana", "Ben", "Cleo", "Dov", "Eve", "Fay", "Gus", "Hal", "Ivy", "Jo", "Kit", "Lou", "Max", "Nia", "Oz"]
LAST = ["Park", "Quinn", "Reyes", "Stone", "Tanaka", "Ueda", "Vance", "Wolfe", "Xu", "Young", "Zhou", "Abara"]
ODD_NAMES = ["Maximiliana Alexandra von Hohenzollern-Sigmaringen", "Dr. $Money$ Penny", 'Bo <b>"Jo"</b> & Co']

BIG_YAML = """\
title: Synthetic Ensemble
source: generated for the test suite
seasons:
  - {number: 1, episodes: 10, year: 2001}
  - {number: 2, episodes: 10, year: 2002}
  - {number: 3, episodes: 10, year: 2003}
"""


def big_show_csv(n: int, odd_names: bool = True) -> str:
    """Appearances of a 3-season show whose last season has ``n`` characters (varied billing and fates)."""
    names = [f"{FIRST[i % len(FIRST)]} {LAST[(i * 7 + i // len(FIRST)) % len(LAST)]} {i}" for i in range(n)]
    if odd_names:
        names[n // 2:n // 2 + len(ODD_NAMES)] = ODD_NAMES
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["season", "character", "actor", "billing", "episodes", "in_finale", "finale_share", "fate",
                "birth_year"])
    rng = np.random.default_rng(7)
    for season in (1, 2, 3):
        for i, name in enumerate(names):
            if season < 3 and i % (season + 2) == 1:
                continue  # some characters join later
            billing = "main" if i < 8 else "recurring" if i < n * 0.5 else "guest"
            eps = {"main": 10, "recurring": 4, "guest": 1}[billing] - int(rng.integers(0, 2))
            fate = "dead" if season == 3 and i % 9 == 4 else "departed" if season == 3 and i % 11 == 5 else "alive"
            w.writerow([season, name, f"Actor {i}", billing, max(eps, 1), int(rng.random() < 0.7), "", fate,
                        1950 + i])
    # a few who leave after season 1 and 2 give the model non-returns
    for season, i in [(1, 900), (1, 901), (2, 902), (2, 903), (1, 904)]:
        w.writerow([season, f"Gone {i}", f"Actor {i}", "recurring", 3, 0, "", "departed", ""])
    return buf.getvalue()


def score_small(library: Path, slug: str, n_boot: int = 50) -> sp.ScoreResult:
    """Score a synthetic show; ``n_boot``: 50 (the floor: the charts draw intervals) or 0 (none)."""
    config = sp.load_config(overrides={"uncertainty": {"n_boot": n_boot}})
    lib = sp.load_library(library)
    return sp.score_show(lib.shows[slug], lib, config)


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    lib = tmp_path_factory.mktemp("charts") / "library"
    for i in range(3):
        write_show(lib, f"show-{i}", n=i)
    write_show(lib, "big-show", yaml_text=BIG_YAML, csv_text=big_show_csv(60))
    return lib


@pytest.fixture(scope="module")
def small(library) -> sp.ScoreResult:
    return score_small(library, "show-0")


@pytest.fixture(scope="module")
def big(library) -> sp.ScoreResult:
    return score_small(library, "big-show")


# ------------------------------------------------------------------------------------------------ table twins
def test_ranking_and_feature_map_tables_hold_the_result_numbers(small):
    r = small.ranking
    t = charts.ranking_table(small)
    assert list(t["character"]) == list(r["character"])
    assert np.array_equal(t[["probability", "low", "high"]].to_numpy(), r[["probability", "low", "high"]].to_numpy())
    fm = charts.feature_map_table(small)
    assert list(fm.columns) == ["rank", "character"] + small.feature_names
    for f in small.feature_names:
        assert np.array_equal(fm[f].to_numpy(), r[f"contrib_{f}"].to_numpy())
    # a frame from the result works as well as the result
    assert charts.ranking_table(r).equals(t) and charts.feature_map_table(r).equals(fm)


def test_drivers_table_is_the_fitted_weights_sorted(small):
    t = charts.drivers_table(small)
    w = small.model.weights().set_index("feature")
    assert set(t["feature"]) == set(w.index)
    assert np.allclose(t.set_index("feature").loc[w.index, "weight_std"], w["weight_std"])
    assert list(t["weight_std"]) == sorted(t["weight_std"], reverse=True)
    assert np.allclose(t["odds_ratio_per_sd"], np.exp(t["weight_std"]))
    assert all(label == sp.FEATURES[f].label for f, label in zip(t["feature"], t["label"]))


def test_explanation_adds_up_exactly(small):
    for name in small.ranking["character"]:
        ex = explain_character(small, name)
        row = small.ranking.set_index("character").loc[name]
        feats = ex.loc[ex["step"] == "feature"]
        assert len(feats) == len(small.feature_names)
        assert ex["contribution"].iloc[0] == row["intercept"]
        assert np.isclose(row["intercept"] + feats["contribution"].sum(), row["logit"], atol=1e-12)
        assert np.isclose(ex["probability"].iloc[-1], row["probability"])
        assert list(feats["contribution"].abs()) == sorted(feats["contribution"].abs(), reverse=True)
        factor = small.config["points"]["pdo"] / np.log(2)
        assert np.allclose(feats["points"], factor * feats["contribution"])


def test_waterfall_table_groups_small_contributions_and_still_adds_up(big):
    name = big.ranking["character"].iloc[0]
    full = charts.waterfall_table(big, name, min_abs=0.0)
    assert (full["step"] == "other").sum() == 0 and (full["step"] == "feature").sum() == len(big.feature_names)
    grouped = charts.waterfall_table(big, name, max_features=3)
    assert list(grouped["step"]) == ["base", "feature", "feature", "feature", "other", "total"]
    for t in (full, grouped):
        moves = t.loc[t["step"].isin(["feature", "other"]), "contribution"]
        assert np.isclose(t["contribution"].iloc[0] + moves.sum(), t["end"].iloc[-1], atol=1e-12)
        assert np.allclose(t["end"].iloc[1:-1].to_numpy(), (t["start"] + t["contribution"]).iloc[1:-1].to_numpy())
        assert np.isclose(t["probability_end"].iloc[-1], big.ranking["probability"].iloc[0])
    assert "= " in grouped["label"].iloc[1]  # "<plain words> = <value>"


def test_what_if_uses_the_fitted_model_without_refitting(small):
    name = small.features.loc[small.features["died"] == 0, "character"].iloc[0]
    coef_before = small.model.coef_.copy()
    w = what_if(small, name, died=1)
    assert list(w["scenario"]) == ["as scored", "what if"]
    p = small.ranking.set_index("character").loc[name, "probability"]
    assert np.isclose(w["probability"].iloc[0], p)
    died = small.feature_names.index("died")
    expected = w["logit"].iloc[0] + small.model.coef_[died] / small.model.scale_[died]
    assert np.isclose(w["logit"].iloc[1], expected) and w["change"].iloc[1] < 0
    assert np.array_equal(small.model.coef_, coef_before)
    with pytest.raises(SpeculationError, match="unknown feature"):
        what_if(small, name, dyed=1)


def test_unknown_character_suggests_the_closest_names(small):
    assert find_character(small, "  ana ") == "Ana"
    with pytest.raises(SpeculationError, match=r"did you mean Ana"):
        find_character(small, "Anna")


def test_return_rates_table_counts_transitions(library):
    features = sp.build_features(sp.load_library(library))
    t = charts.return_rates_table(features, "billing")
    labelled = features["returned"].notna().sum()
    assert t["transitions"].sum() == labelled
    assert ((t["low"] <= t["rate"]) & (t["rate"] <= t["high"])).all()
    assert isinstance(charts.plot_return_rates(t, "billing"), __import__("matplotlib").figure.Figure)


# ------------------------------------------------------------------------------------------------ figures
PLOTS = {
    "ranking": lambda r, ax=None: charts.plot_ranking(r, ax=ax),
    "waterfall": lambda r, ax=None: charts.plot_waterfall(r, r.ranking["character"].iloc[-1], ax=ax),
    "drivers": lambda r, ax=None: charts.plot_drivers(r, ax=ax),
    "feature-map": lambda r, ax=None: charts.plot_feature_map(r, ax=ax),
}


@pytest.mark.parametrize("kind", list(PLOTS))
def test_plots_return_figures_and_draw_into_a_given_ax(small, kind):
    from matplotlib.figure import Figure

    fig = PLOTS[kind](small)
    assert isinstance(fig, Figure)
    fig.canvas.draw()
    own = Figure(figsize=(10, 6))
    ax = own.add_subplot(1, 1, 1)
    assert PLOTS[kind](small, ax=ax) is own
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    FigureCanvasAgg(own).draw()


def _text_boxes(fig):
    from matplotlib.text import Text

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    undrawn = set()  # tick labels of ticks outside the view limits exist but are not drawn
    for ax in fig.axes:
        for axis, (lo, hi) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            lo, hi = min(lo, hi), max(lo, hi)
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not lo - 1e-9 <= tick.get_loc() <= hi + 1e-9:
                    undrawn |= {id(tick.label1), id(tick.label2)}
    return [(t.get_text(), t.get_window_extent(renderer)) for t in fig.findobj(Text)
            if t.get_visible() and t.get_text().strip() and id(t) not in undrawn]


def _overlaps(a, b, slack: float = 0.5) -> bool:
    return (a.x0 + slack < b.x1 and b.x0 + slack < a.x1 and a.y0 + slack < b.y1 and b.y0 + slack < a.y1)


@pytest.mark.parametrize("kind", list(PLOTS))
def test_layout_scales_with_the_cast_and_no_text_overlaps_or_leaves_the_figure(small, big, kind):
    heights = {}
    for label, result in (("small", small), ("big", big)):
        fig = PLOTS[kind](result)
        w, h = fig.get_size_inches()
        heights[label] = h
        assert w <= 14 and 2 < h < 30
        boxes = _text_boxes(fig)
        width_px, height_px = fig.bbox.width, fig.bbox.height
        for text, box in boxes:  # every text inside the figure
            assert box.x0 >= -1 and box.x1 <= width_px + 1 and box.y0 >= -1 and box.y1 <= height_px + 1, (kind, text)
        ax = fig.axes[0]
        axes_box = ax.get_window_extent()
        row_labels = [(t, b) for t, b in boxes if b.x1 <= axes_box.x0 + 1 and b.y0 >= axes_box.y0 - 2
                      and b.y1 <= axes_box.y1 + 2]
        assert len(row_labels) >= 5
        for i, (t1, b1) in enumerate(row_labels):
            for t2, b2 in row_labels[i + 1:]:
                assert not _overlaps(b1, b2), (kind, t1, t2)
        inside = [(t, b) for t, b in boxes if axes_box.x0 - 1 <= b.x0 and b.x1 <= axes_box.x1 + 1
                  and axes_box.y0 - 1 <= b.y0 and b.y1 <= axes_box.y1 + 1]
        for i, (t1, b1) in enumerate(inside):  # values written beside bars never collide
            for t2, b2 in inside[i + 1:]:
                assert not _overlaps(b1, b2, slack=1.0), (kind, t1, t2)
    if kind in ("ranking", "feature-map"):  # one row per character: the figure grows with the cast
        assert heights["big"] > heights["small"] + 0.2 * (len(big.ranking) - len(small.ranking))


def test_names_with_dollars_and_markup_are_drawn_literally(big):
    texts = [t for t, _ in _text_boxes(charts.plot_ranking(big))]
    assert any("Dr. $Money$ Penny" in t.replace("\\$", "$") for t in texts)
    fig = charts.plot_waterfall(big, "Dr. $Money$ Penny")
    assert fig is not None


def test_waterfall_svg_draws_the_same_table_as_plot_waterfall(big):
    name = 'Bo <b>"Jo"</b> & Co'
    t = charts.waterfall_table(big, name)
    svg = charts.waterfall_svg(t, question="in season 4")
    root = ET.fromstring(svg)  # well-formed XML, names escaped
    ns = "{http://www.w3.org/2000/svg}"
    texts = [e.text for e in root.iter(ns + "text")]
    for label in t["label"]:
        assert label in texts
    bars = [e for e in root.iter(ns + "rect")][1:]  # the first rect is the background
    assert len(bars) == t["step"].isin(["feature", "other"]).sum()
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    assert any(x and x.startswith(name + ":") for x in texts)


def test_charts_never_import_pyplot(library):
    code = ("import sys, speculation as sp; from tests.test_charts import PLOTS, score_small; "
            "r = score_small(sys.argv[1], 'show-1'); [f(r) for f in PLOTS.values()]; "
            "print('matplotlib.pyplot' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(library)], capture_output=True, text=True, cwd=ROOT,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"

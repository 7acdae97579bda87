"""Tests that notice bugs an audit once planted while the rest of the suite stayed green.

One test per planted bug, named after it. Each was checked by planting the bug in a scratch copy of the
working tree, seeing the test fail there, and seeing it pass on the real code:

- a. ``test_ranking_html_escapes_character_names`` — ``ranking.html`` written with ``to_html(escape=False)``.
- b. non-atomic writing: not here; helper t1 owns writing as one transaction and its tests
  (tests/test_cli_score.py and friends).
- c. ``test_bootstrap_resamples_show_seasons_not_rows`` — the bootstrap drawing single rows
  (``rng.integers(0, n_rows, n_rows)`` over rows) instead of whole show-seasons.
- d. ``test_interval_level_is_the_share_of_refits_inside`` — an interval computed at 60% but labelled 80%
  (``alpha = (1 - 0.6) / 2``).
- e. ``test_select_C_holds_out_whole_shows`` — C chosen with plain ``KFold`` ignoring shows.
- f. ``test_latest_hard_claim_wins`` — the first hard claim per character kept instead of the latest
  (``drop_duplicates(keep="first")``).
- g. ``test_exit_billing_level_is_set_for_departures_too`` — ``exit_billing_level`` set only for deaths.
- h. ``test_manifest_hashes_follow_input_bytes`` — a constant hash written for every input file.
- i. ``test_class_weight_balanced_changes_scored_probabilities`` — ``class_weight`` dropped when the
  configured model is built for scoring.
- j. ``test_drivers_chart_has_the_sign_of_the_weights`` — the drivers chart's bars (or its table twin)
  drawn with the sign flipped.

Found by tests/test_properties.py rather than planted: ``test_select_C_survives_a_fold_where_everyone_returned``
(choosing C crashed with a traceback when a held-out fold of shows had only returns).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import Rectangle
from sklearn.model_selection import GroupKFold

matplotlib.use("Agg")

import speculation as sp  # noqa: E402
from speculation.cli.main import main  # noqa: E402
from speculation.core import uncertainty  # noqa: E402
from speculation.core.model import ReturnModel, select_C, sigmoid  # noqa: E402
from speculation.render import charts  # noqa: E402
from tests.conftest import APPEARANCES, write_show  # noqa: E402

ODD = "<b>x</b>"


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    """Three tiny shows; in ``odd`` the season-3 newcomer Hal is named ``<b>x</b>``."""
    lib = tmp_path_factory.mktemp("planted") / "library"
    for i in range(2):
        write_show(lib, f"show-{i}", n=i)
    write_show(lib, "odd", n=9, csv_text=APPEARANCES.replace("Hal", ODD))
    return lib


@pytest.fixture(scope="module")
def fast_config(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("config") / "fast.yaml"
    path.write_text("uncertainty:\n  n_boot: 0\n", encoding="utf-8")
    return path


def _score(show: Path, library: Path, out: Path, config: Path, *formats: str) -> None:
    args = ["score", str(show), "--library", str(library), "--out", str(out), "--config", str(config),
            "--no-charts"] + (["--format", *formats] if formats else [])
    assert main(args) == 0


# a ------------------------------------------------------------------------------------------------------
def test_ranking_html_escapes_character_names(library, fast_config, tmp_path, capsys):
    _score(library / "odd", library, tmp_path, fast_config, "html")
    page = (tmp_path / "ranking.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;x&lt;/b&gt;" in page
    assert ODD not in page


# c ------------------------------------------------------------------------------------------------------
def _one_row_per_season(n_groups: int = 40, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"show": [f"s{i // 4}" for i in range(n_groups)],
                          "season": [i % 4 + 1 for i in range(n_groups)], "a": rng.normal(size=n_groups)})
    frame["returned"] = (rng.random(n_groups) < sigmoid(0.5 + 1.5 * frame["a"])).astype(float)
    return frame


def _width(train: pd.DataFrame, C: float) -> float:
    model = ReturnModel(features=["a"], C=C).fit(train, train["returned"])
    scored = pd.DataFrame({"a": [-1.0, 0.0, 1.0]})
    iv = uncertainty.bootstrap_intervals(model, train, scored, 200, 0.8, 11)
    return float((iv["high"] - iv["low"]).mean())


def test_bootstrap_resamples_show_seasons_not_rows():
    """A show-season whose 20 rows are copies of one row carries one row's information: the intervals match
    the library with one row per show-season (C scaled by 20, so the fit is the same), whereas resampling rows
    would make them about √20 ≈ 4.5 times narrower."""
    single = _one_row_per_season()
    copies = single.loc[single.index.repeat(20)].reset_index(drop=True)
    ratio = _width(copies, C=1.0) / _width(single, C=20.0)
    assert 0.75 < ratio < 1.33, ratio


# d ------------------------------------------------------------------------------------------------------
def test_interval_level_is_the_share_of_refits_inside(library, monkeypatch):
    """The configured level (80%) is the central share of the bootstrap refits that [low, high] spans."""
    refits = []
    real = uncertainty._refit_probability

    def recording(*args, **kwargs):
        refits.append(real(*args, **kwargs))
        return refits[-1]

    monkeypatch.setattr(uncertainty, "_refit_probability", recording)
    config = sp.load_config(overrides={"uncertainty": {"n_boot": 200, "level": 0.8}})
    lib = sp.load_library(library)
    result = sp.score_show(lib.shows["show-1"], lib, config)
    probs = np.array(refits)          # n_boot × scored characters, in the feature table's order (by name)
    ranking = result.ranking.set_index("character").loc[sorted(result.ranking["character"])]
    assert probs.shape == (200, len(ranking))
    # low/high are the 10th and 90th percentiles of the refits: the central 80% ...
    assert np.allclose(ranking["low"], np.quantile(probs, 0.1, axis=0), rtol=0, atol=1e-12)
    assert np.allclose(ranking["high"], np.quantile(probs, 0.9, axis=0), rtol=0, atol=1e-12)
    # ... so at least 80% of the refits lie inside (more when refits tie, as on this tiny library)
    inside = (probs >= ranking["low"].to_numpy() - 1e-12) & (probs <= ranking["high"].to_numpy() + 1e-12)
    assert (inside.mean(axis=0) >= 0.8).all()


# e ------------------------------------------------------------------------------------------------------
def test_select_C_holds_out_whole_shows():
    """Shows interleaved in row order: the CV log loss is that of whole shows held out, which plain K-fold
    (contiguous or shuffled row blocks) does not reproduce."""
    rng = np.random.default_rng(5)
    X = pd.DataFrame({"a": rng.normal(size=150), "b": rng.integers(0, 2, 150).astype(float)})
    y = (rng.random(150) < sigmoid(1.2 * X["a"].to_numpy() - X["b"].to_numpy() + 0.3)).astype(int)
    groups = np.arange(150) % 5                      # row i belongs to show i mod 5
    _, table = select_C(ReturnModel(features=["a", "b"]), X, y, groups, [0.2], folds=5)
    losses = []
    for train, test in GroupKFold(n_splits=5).split(X, y, groups):
        assert len(np.unique(groups[test])) == 1     # each fold holds out one whole show
        p = ReturnModel(features=["a", "b"], C=0.2).fit(X.iloc[train], y[train]).predict_proba(X.iloc[test])[:, 1]
        losses.append(-np.mean(y[test] * np.log(p) + (1 - y[test]) * np.log(1 - p)))
    assert np.isclose(table["cv_log_loss"].iloc[0], np.mean(losses), rtol=1e-9)


# f ------------------------------------------------------------------------------------------------------
CLAIMS = """\
source,date,character,stance
Later Weekly,2004-09-01,Eve,departed
Early Daily,2004-02-01,Eve,confirmed
Early Daily,2004-02-01,Ana,departed
Later Weekly,2004-08-01,Ana,confirmed
Later Weekly,2004-10-01,Ana,unlikely
"""


def test_latest_hard_claim_wins(library, fast_config, tmp_path):
    """Eve was confirmed, then reported departed: she leaves. Ana the other way round (a later soft claim
    changes nothing): she returns. The file lists the claims out of date order."""
    show = write_show(tmp_path / "lib", "claimed", n=7)
    (show / "claims.csv").write_text(CLAIMS, encoding="utf-8")
    _score(show, library, tmp_path / "out", fast_config, "csv")
    ranking = pd.read_csv(tmp_path / "out" / "ranking.csv").set_index("character")
    assert ranking.loc["Eve", "hard_fact"] == "leaves" and ranking.loc["Eve", "final_probability"] == 0.0
    assert ranking.loc["Ana", "hard_fact"] == "returns" and ranking.loc["Ana", "final_probability"] == 1.0


# g ------------------------------------------------------------------------------------------------------
def test_exit_billing_level_is_set_for_departures_too(library):
    """Written out (departed) counts as an exit like a death: exit_billing_level = billing_level."""
    table = sp.build_features(sp.load_show(library / "show-0")).set_index(["season", "character"])
    fate = pd.read_csv(library / "show-0" / "appearances.csv").set_index(["season", "character"])["fate"]
    fate = fate.reindex(table.index)
    left = fate.isin(["dead", "departed"])
    assert (fate == "departed").sum() >= 2 and (table.loc[fate == "departed", "billing_level"] > 0).all()
    assert (table.loc[left, "exit_billing_level"] == table.loc[left, "billing_level"]).all()
    assert (table.loc[~left, "exit_billing_level"] == 0).all()


# h ------------------------------------------------------------------------------------------------------
def test_manifest_hashes_follow_input_bytes(library, fast_config, tmp_path):
    """Each input's hash is the SHA-256 of its bytes: changing one byte changes that file's hash only."""
    show = write_show(tmp_path / "lib", "hashed", n=5)
    _score(show, library, tmp_path / "before", fast_config, "csv")
    csv_path = show / "appearances.csv"
    csv_path.write_text(csv_path.read_text(encoding="utf-8").replace("3,Hal,H. Actor,recurring,5",
                                                                     "3,Hal,H. Actor,recurring,4"), encoding="utf-8")
    _score(show, library, tmp_path / "after", fast_config, "csv")
    before, after = ({Path(k).name if Path(k).parent == show else k: v for k, v in
                      json.loads((tmp_path / run / "manifest.json").read_text(encoding="utf-8"))["inputs"].items()}
                     for run in ("before", "after"))
    assert after["appearances.csv"] == hashlib.sha256(csv_path.read_bytes()).hexdigest()
    assert after["show.yaml"] == hashlib.sha256((show / "show.yaml").read_bytes()).hexdigest()
    changed = sorted(k for k in before if before[k] != after.get(k))
    assert changed == ["appearances.csv"]
    assert len(set(after.values())) > 1


# i ------------------------------------------------------------------------------------------------------
def test_class_weight_balanced_changes_scored_probabilities(library):
    """Balanced class weights up-weight the rarer outcome (here: not returning), so every scored
    probability moves down against the unweighted fit."""
    lib = sp.load_library(library)
    scored = {}
    for weight in (None, "balanced"):
        config = sp.load_config(overrides={"uncertainty": {"n_boot": 0},
                                           "model": {"class_weight": weight, "C": 1.0}})
        result = sp.score_show(lib.shows["show-1"], lib, config)
        assert result.training["return_rate"] > 0.5
        scored[weight] = result.ranking.set_index("character")["probability"]
    plain, balanced = scored[None], scored["balanced"].loc[scored[None].index]
    assert (balanced < plain - 1e-6).all(), pd.DataFrame({"plain": plain, "balanced": balanced})


# j ------------------------------------------------------------------------------------------------------
def test_drivers_chart_has_the_sign_of_the_weights(library):
    config = sp.load_config(overrides={"uncertainty": {"n_boot": 0}})
    lib = sp.load_library(library)
    result = sp.score_show(lib.shows["show-1"], lib, config)
    coef = dict(zip(result.model.feature_names_, result.model.coef_))
    assert any(v > 0 for v in coef.values()) and any(v < 0 for v in coef.values())
    table = charts.drivers_table(result)
    assert np.array_equal(np.sign(table["weight_std"]), np.sign([coef[f] for f in table["feature"]]))
    fig = charts.plot_drivers(result)
    bars = [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]
    assert len(bars) == len(table)
    widths = np.array([b.get_width() for b in sorted(bars, key=lambda b: b.get_y())])   # top row first
    assert np.allclose(widths, table["weight_std"].to_numpy())
    assert np.array_equal(np.sign(widths), np.sign([coef[f] for f in table["feature"]]))


# found by the property tests ---------------------------------------------------------------------------
def test_select_C_survives_a_fold_where_everyone_returned():
    """A small library where one show's characters all returned: its held-out fold has one label only, and
    its log loss is still defined (it crashed with "y_true contains only one label")."""
    rng = np.random.default_rng(2)
    X = pd.DataFrame({"a": rng.normal(size=31)})
    y = np.r_[(rng.random(30) < sigmoid(X["a"].to_numpy()[:30])).astype(int), 1]
    groups = np.r_[np.repeat([0, 1, 2], 10), 3]                # show 3: one character, who returned
    C, table = select_C(ReturnModel(features=["a"]), X, y, groups, [0.1, 1.0], folds=4)
    assert C in (0.1, 1.0) and np.isfinite(table["cv_log_loss"]).all()

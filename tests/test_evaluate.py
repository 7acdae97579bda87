"""Backtests and metrics: agreement with scikit-learn, quantile calibration bins, baselines, no look-ahead."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from speculation import ReturnModel, build_features, default_config, load_library
from speculation.core.model import configured_model
from speculation.core.evaluate import (HARD_CLIP, METHODS, accuracy, backtest_predictions,
                                  baseline_probabilities, brier_score, calibration_bins,
                                  expected_calibration_error, log_loss, metrics, roc_auc, run_backtest)
from tests.conftest import write_show

Y = np.array([1, 0, 1, 1, 0, 1, 0, 1])
P = np.array([0.9, 0.2, 0.6, 0.6, 0.6, 0.99, 0.01, 0.4])   # ties at 0.6 across both classes


def test_metrics_match_scikit_learn():
    assert roc_auc(Y, P) == pytest.approx(skm.roc_auc_score(Y, P))
    assert brier_score(Y, P) == pytest.approx(skm.brier_score_loss(Y, P))
    assert log_loss(Y, P) == pytest.approx(skm.log_loss(Y, P))
    assert accuracy(Y, P) == pytest.approx(skm.accuracy_score(Y, P > 0.5))
    hard = np.where(P > 0.5, 0.98, 0.02)
    assert roc_auc(Y, hard) == pytest.approx(skm.roc_auc_score(Y, hard))
    assert log_loss(Y, [1.0] * 8) == pytest.approx(skm.log_loss(Y, np.ones(8), labels=[0, 1]), rel=1e-6)


def test_auc_is_nan_with_one_class_and_metrics_summarise():
    assert np.isnan(roc_auc([1, 1], [0.2, 0.8]))
    m = metrics(Y, P, n_bins=4)
    assert m["n"] == 8 and m["returns"] == 5 and set(m) >= {"auc", "brier", "log_loss", "accuracy", "ece"}


def test_calibration_bins_are_quantiles_with_counts_and_ties_kept_together():
    rng = np.random.default_rng(1)
    p = rng.random(1000)
    y = (rng.random(1000) < p).astype(int)
    bins = calibration_bins(y, p, n_bins=10)
    assert len(bins) == 10 and bins["n"].sum() == 1000 and bins["n"].between(99, 101).all()
    assert (bins["p_max"].iloc[:-1].to_numpy() < bins["p_min"].iloc[1:].to_numpy()).all()
    ece = expected_calibration_error(y, p, 10)
    assert ece == pytest.approx((bins["n"] * (bins["observed_rate"] - bins["mean_predicted"]).abs()).sum() / 1000)
    # a hard baseline: each distinct probability is one bin
    hard = calibration_bins(Y, np.where(P > 0.5, 0.98, 0.02), n_bins=10)
    assert list(hard["n"]) == [3, 5] and hard["mean_predicted"].tolist() == pytest.approx([0.02, 0.98])
    assert hard["observed_rate"].tolist() == pytest.approx([1 / 3, 4 / 5])
    # ties straddling a quantile edge stay in one bin
    tied = calibration_bins([1, 0, 1, 0, 1, 1], [0.1, 0.5, 0.5, 0.5, 0.5, 0.9], n_bins=2)
    assert tied["n"].tolist() == [1, 5] and tied["p_min"].tolist() == [0.1, 0.5]


def test_baselines():
    test = pd.DataFrame({"billing": ["main", "main", "recurring", "guest", "main"],
                         "fate": ["alive", "dead", "alive", "departed", "unknown"]})
    b = baseline_probabilities(test, library_rate=0.7, show_rate=None)
    lo, hi = HARD_CLIP
    assert b["baseline_alive"].tolist() == [hi, lo, hi, lo, hi]
    assert b["baseline_main"].tolist() == [hi, lo, lo, lo, hi]
    assert (b["baseline_library_rate"] == 0.7).all() and (b["baseline_show_rate"] == 0.7).all()
    assert (baseline_probabilities(test, 0.7, 0.5)["baseline_show_rate"] == 0.5).all()


def test_backtest_fits_are_the_scoring_estimator():
    """One model behind every number: a backtest prediction is the configured ReturnModel fitted on its training rows."""
    config = default_config()
    config["model"]["C"] = 0.1
    table = build_features(load_library(), config)
    show = sorted(table["show"].unique())[0]
    predictions, _ = backtest_predictions(table, config, shows=[show], schemes=("leave_one_show_out",))
    labelled = table.loc[table["returned"].notna()]
    train, test = labelled.loc[labelled["show"] != show], labelled.loc[labelled["show"] == show]
    model = configured_model(config["model"]).fit(train, train["returned"].astype(int))
    expected = pd.Series(model.predict_proba(test)[:, 1], index=test["season"].astype(str) + test["character"])
    got = predictions.set_index(predictions["season"].astype(str) + predictions["character"])["model"]
    assert np.array_equal(got.loc[expected.index].to_numpy(), expected.to_numpy())


# ---------------------------------------------------------------------------------------- no look-ahead
FOUR_SEASONS = """\
title: Four Seasons
source: written for the test suite
seasons:
  - {number: 1, episodes: 10}
  - {number: 2, episodes: 10}
  - {number: 3, episodes: 10}
  - {number: 4, episodes: 10}
"""
EARLY = """\
season,character,actor,billing,episodes,in_finale,finale_share,fate,birth_year
1,Ana,A,main,10,1,,alive,
1,Ben,B,main,9,1,,alive,
1,Cat,C,recurring,4,0,,alive,
1,Dan,D,guest,1,0,,alive,
2,Ana,A,main,10,1,,alive,
2,Ben,B,main,8,1,,dead,
2,Cat,C,recurring,5,1,,alive,
2,Eli,E,recurring,3,0,,departed,
"""
LATE_A = """\
3,Ana,A,main,10,1,,alive,
3,Cat,C,main,9,1,,alive,
3,Fox,F,recurring,4,0,,alive,
4,Ana,A,main,10,1,,alive,
4,Fox,F,recurring,5,1,,alive,
"""
LATE_B = """\
3,Ana,A,main,7,0,,departed,
3,Gil,G,main,9,1,,alive,
3,Hua,H,guest,1,0,,alive,
3,Ivo,I,recurring,6,1,,dead,
4,Gil,G,main,10,1,,alive,
4,Jo,J,main,10,1,,alive,
"""


@pytest.mark.parametrize("scheme", ["walk_forward", "leave_one_show_out"])
def test_changing_later_seasons_leaves_earlier_predictions_unchanged(tiny_library, scheme):
    config = default_config()
    runs = []
    for late in (LATE_A, LATE_B):
        write_show(tiny_library, "four", yaml_text=FOUR_SEASONS, csv_text=EARLY + late)
        lib = load_library(tiny_library)
        preds, _ = backtest_predictions(build_features(lib, config), config, ["four"], (scheme,))
        runs.append(preds.set_index(["season", "character"]))
    a, b = runs
    early = [(s, c) for s, c in a.index if s <= 2]
    assert len(early) == 8
    pd.testing.assert_frame_equal(a.loc[early].drop(columns="returned"), b.loc[early].drop(columns="returned"))
    if scheme == "walk_forward":   # season 3 is predicted from the changed season 2 → 3 history: it does move
        assert not np.allclose(a.xs(3, level="season")["model"].iloc[:1], b.xs(3, level="season")["model"].iloc[:1])


def test_walk_forward_trains_on_other_shows_plus_earlier_seasons_only(tiny_library):
    write_show(tiny_library, "four", yaml_text=FOUR_SEASONS, csv_text=EARLY + LATE_A)
    config = default_config()
    table = build_features(load_library(tiny_library), config)
    preds, selection = backtest_predictions(table, config, ["four"])
    labelled = table.loc[table["returned"].notna()]
    others = int((labelled["show"] != "four").sum())
    own = labelled.loc[labelled["show"] == "four"].groupby("season").size()
    wf = preds.loc[preds["scheme"] == "walk_forward"].groupby("season")[["n_train", "n_train_own"]].first()
    assert wf.loc[1].tolist() == [others, 0]
    assert wf.loc[2].tolist() == [others + own[1], own[1]]
    assert wf.loc[3].tolist() == [others + own[1] + own[2], own[1] + own[2]]
    loso = preds.loc[preds["scheme"] == "leave_one_show_out"]
    assert (loso["n_train"] == others).all()
    # the first season has no history of its own: both schemes agree there
    first = preds.loc[preds["season"] == 1].pivot(index="character", columns="scheme", values="model")
    assert np.allclose(first["walk_forward"], first["leave_one_show_out"])
    # C chosen by grouped CV on the other shows, recorded
    assert set(selection["held_out"]) == {"four"} and selection["chosen"].sum() == 1
    assert (preds["C"] == selection.loc[selection["chosen"], "C"].iloc[0]).all()
    # the show-rate baseline uses earlier transitions only
    s2 = preds.loc[(preds["scheme"] == "walk_forward") & (preds["season"] == 2), "baseline_show_rate"]
    rate1 = labelled.loc[(labelled["show"] == "four") & (labelled["season"] == 1), "returned"].mean()
    assert np.allclose(s2, rate1)


def test_run_backtest_on_the_bundled_library_beats_the_baselines():
    result = run_backtest(load_library(), default_config())
    pooled = result.pooled("walk_forward").set_index("method")
    assert set(pooled.index) == set(METHODS) and (pooled["n"] == pooled.loc["model", "n"]).all()
    for baseline in [m for m in METHODS if m != "model"]:
        assert pooled.loc["model", "brier"] < pooled.loc[baseline, "brier"], baseline
        assert pooled.loc["model", "auc"] > pooled.loc[baseline, "auc"], baseline
    assert (result.calibration.groupby("scheme")["n"].sum() == pooled.loc["model", "n"]).all()
    assert set(result.chosen_C()["held_out"]) == set(result.shows)

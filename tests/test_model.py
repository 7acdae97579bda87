"""The transparent model: exact decomposition, scikit-learn agreement, points view."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from speculation import ReturnModel
from speculation.core.model import fit_logistic, select_C, sigmoid


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=200), "b": rng.integers(0, 2, 200), "c": np.ones(200)})
    logit = 1.5 * X["a"] - 2 * X["b"] + 0.5
    y = pd.Series((rng.random(200) < sigmoid(logit)).astype(int))
    return X, y


def test_contributions_add_up_to_the_logit(data):
    X, y = data
    with pytest.warns(UserWarning, match="constant.*c"):
        model = ReturnModel(features=["a", "b", "c"], C=1.0).fit(X, y)
    contrib = model.contributions(X)
    parts = contrib[["intercept", "contrib_a", "contrib_b", "contrib_c"]].sum(axis=1)
    assert np.allclose(parts, contrib["logit"], atol=1e-12)
    assert np.allclose(contrib["probability"], model.predict_proba(X)[:, 1])
    assert (contrib["contrib_c"] == 0).all()


def test_matches_scikit_learn_on_standardised_features(data):
    X, y = data
    model = ReturnModel(features=["a", "b"], C=0.5).fit(X, y)
    z = (X[["a", "b"]] - X[["a", "b"]].mean()) / X[["a", "b"]].std(ddof=0)
    reference = LogisticRegression(C=0.5).fit(z.to_numpy(), y)
    assert np.allclose(model.coef_, reference.coef_[0], atol=1e-4)
    coef, intercept = fit_logistic(z.to_numpy(), y.to_numpy().astype(float), 0.5)
    assert np.allclose(coef, reference.coef_[0], atol=1e-4) and np.isclose(intercept, reference.intercept_[0], atol=1e-4)


def test_blockwise_newton_and_row_selection_give_the_same_optimum(data, monkeypatch):
    X, y = data
    z, yv = X[["a", "b"]].to_numpy(), y.to_numpy().astype(float)
    whole = fit_logistic(z, yv, 0.5)
    monkeypatch.setattr("speculation.core.model.BLOCK_ROWS", 7)   # 200 rows in 29 blocks
    blocked = fit_logistic(z, yv, 0.5)
    assert np.allclose(blocked[0], whole[0], atol=1e-10) and np.isclose(blocked[1], whole[1], atol=1e-10)
    rows = np.arange(0, 200, 3)
    w = np.linspace(0.5, 2, len(rows))
    picked = fit_logistic(z, yv[rows], 0.5, w, rows=rows)
    copied = fit_logistic(z[rows], yv[rows], 0.5, w)
    assert np.allclose(picked[0], copied[0], atol=1e-12) and np.isclose(picked[1], copied[1], atol=1e-12)


def test_unfitted_model_says_so():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError, match="not fitted"):
        ReturnModel(features=["a"]).predict_proba(pd.DataFrame({"a": [1.0]}))


def test_points_table_doubles_odds_every_pdo_points(data):
    X, y = data
    model = ReturnModel(features=["a", "b"], C=1.0).fit(X, y)
    points = model.points_table(X, pdo=20, base_points=600, base_odds=1)
    b = points.loc[points["feature"] == "b"].set_index("value")["points"]
    # going from b=0 to b=1 changes the log-odds by weight_per_unit; in points that is 20/ln2 per unit log-odds
    assert np.isclose(b[1.0] - b[0.0], 20 / np.log(2) * model.weights().set_index("feature").loc["b", "weight_per_unit"], atol=0.2)


def test_grouped_cv_picks_from_the_grid(data):
    X, y = data
    groups = np.repeat(np.arange(5), 40)
    C, table = select_C(X, y.to_numpy(), groups, ["a", "b"], [0.01, 1.0, 100.0], folds=5)
    assert C in (0.01, 1.0, 100.0) and list(table["folds"]) == [5, 5, 5]
    assert table.loc[table["C"] == C, "cv_log_loss"].iloc[0] == table["cv_log_loss"].min()

"""The transparent model: exact decomposition, scikit-learn agreement, points view."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from speculation import ReturnModel
from sklearn.model_selection import GroupKFold
from sklearn.utils.estimator_checks import check_estimator

from speculation.core.model import select_C, sigmoid


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
    assert np.isclose(model.intercept_, reference.intercept_[0], atol=1e-4)


def test_is_a_scikit_learn_estimator():
    """All of scikit-learn's estimator checks pass (the model is binary: multiclass is declared unsupported)."""
    failed = [r["check_name"] for r in check_estimator(ReturnModel(), on_fail=None) if r["status"] == "failed"]
    assert failed == []


def test_any_two_labels_fit_and_are_predicted_back(data):
    X, y = data
    model = ReturnModel(features=["a", "b"]).fit(X, y + 1)          # labels {1, 2}
    assert list(model.classes_) == [1, 2]
    assert set(model.predict(X)) <= {1, 2}
    words = ReturnModel(features=["a", "b"]).fit(X, np.where(y == 1, "back", "gone"))
    assert list(words.classes_) == ["back", "gone"]      # the second class is the one the log-odds are of
    assert np.allclose(words.predict_proba(X)[:, 0], model.predict_proba(X)[:, 1], atol=1e-6)


def test_sample_weights_are_copies_of_rows(data):
    """A bootstrap resample given as counts is the same fit as the rows copied that many times."""
    X, y = data
    counts = np.random.default_rng(1).integers(0, 3, len(X))
    weighted = ReturnModel(features=["a", "b"]).fit(X, y, sample_weight=counts)
    repeated = ReturnModel(features=["a", "b"]).fit(X.loc[X.index.repeat(counts)], y.loc[y.index.repeat(counts)])
    assert np.allclose(weighted.coef_, repeated.coef_, atol=1e-6)
    assert np.allclose(weighted.mean_, repeated.mean_) and np.allclose(weighted.scale_, repeated.scale_)


def test_class_weight_changes_the_fit(data):
    X, y = data
    plain = ReturnModel(features=["a", "b"]).fit(X, y)
    balanced = ReturnModel(features=["a", "b"], class_weight="balanced").fit(X.iloc[:150], y.iloc[:150])
    again = ReturnModel(features=["a", "b"]).fit(X.iloc[:150], y.iloc[:150])
    assert not np.isclose(balanced.intercept_, again.intercept_)
    assert plain.class_weight is None


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
    C, table = select_C(ReturnModel(features=["a", "b"]), X, y.to_numpy(), groups, [0.01, 1.0, 100.0], folds=5)
    assert C in (0.01, 1.0, 100.0) and list(table["folds"]) == [5, 5, 5]
    assert table.loc[table["C"] == C, "cv_log_loss"].iloc[0] == table["cv_log_loss"].min()


def test_grouped_cv_holds_out_whole_groups_with_the_same_fit(data):
    """The table's log loss is that of clones of the model fitted on whole groups held out (not plain K-fold)."""
    X, y = data
    groups = np.repeat(np.arange(5), 40)
    _, table = select_C(ReturnModel(features=["a", "b"]), X, y.to_numpy(), groups, [0.3], folds=5)
    losses = []
    for train, test in GroupKFold(n_splits=5).split(X, y, groups):
        fitted = ReturnModel(features=["a", "b"], C=0.3).fit(X.iloc[train], y.iloc[train])
        p = fitted.predict_proba(X.iloc[test])[:, 1]
        yt = y.iloc[test].to_numpy()
        losses.append(-np.mean(yt * np.log(p) + (1 - yt) * np.log(1 - p)))
    assert np.isclose(table["cv_log_loss"].iloc[0], np.mean(losses), rtol=1e-9)


def test_a_warm_start_reaches_the_same_fit_in_fewer_steps(data):
    """The bootstrap and the grouped CV refit warm-started models: same optimum, fewer Newton steps."""
    X, y = data
    weights = np.random.default_rng(3).integers(1, 3, len(X))
    cold = ReturnModel(features=["a", "b"], C=0.5).fit(X, y, sample_weight=weights)
    warm = ReturnModel(features=["a", "b"], C=0.5, warm_start=True).fit(X, y)
    warm.fit(X, y, sample_weight=weights)    # starts at the unweighted fit, re-expressed in the new scale
    assert np.allclose(warm.coef_, cold.coef_, atol=1e-4) and np.isclose(warm.intercept_, cold.intercept_, atol=1e-4)
    assert warm.n_iter_[0] < cold.n_iter_[0]

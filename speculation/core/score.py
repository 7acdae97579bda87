"""Scoring: fit the model on a library's labelled transitions and rank one show's latest cast.

``score_show`` returns one :class:`ScoreResult` that every exporter, chart and notebook view reads
("compute once, render many"): the ranking with exact contributions, intervals, the fitted model, its
points table and how C was chosen.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..io.config import default_config
from ..io.showfolder import Library, Show
from ..errors import SpeculationError
from .features import build_features
from .library import PROVENANCES, provenance, training_library
from .claims import apply_hard_facts, claims_table
from .explanation import explain_character, what_if
from .model import ReturnModel, choose_C, configured_model
from .uncertainty import bootstrap_intervals, show_season_codes

__all__ = ["ScoreResult", "fit_model", "score_show", "rank_table"]


@dataclass(repr=False, eq=False)
class ScoreResult:
    """Everything one scoring run computed; read-only input for exports, charts and notebooks.

    Holds numbers only; ``speculation.render.results.ScoreResult`` (what ``sp.score_show`` returns) adds the
    views that draw and word them (plots, files, the notebook table).
    """

    show: Show
    season: int                      # the scored (latest) season; the question is season + 1
    ranking: pd.DataFrame            # rank, character, actor, billing, probability, low, high, logit, ...
    features: pd.DataFrame           # feature rows of the scored characters (same order as ranking)
    model: ReturnModel
    points: pd.DataFrame             # scorecard view of the model
    selection: pd.DataFrame          # grouped-CV log loss per C (empty when C was fixed)
    config: dict
    training: dict = field(default_factory=dict)   # counts describing the training data
    claims: pd.DataFrame | None = None  # the show's claims.csv beside the model (claims.claims_table), or None

    @property
    def feature_names(self) -> list[str]:
        return list(self.model.features)

    @property
    def summary(self) -> pd.DataFrame:
        """The ranking without contributions: rank, character, actor, billing, probability (+ interval and
        hard-fact columns when the run has them), one row per character in rank order."""
        cols = ["rank", "character", "actor", "billing", "probability", "low", "high", "rank_low", "rank_high",
                "hard_fact", "final_probability"]
        return self.ranking[[c for c in cols if c in self.ranking.columns]].copy()

    def explain(self, character: str) -> pd.DataFrame:
        """One character's features and contributions, in log-odds and points (``sp.explain``)."""
        return explain_character(self, character)

    def what_if(self, character: str, **changes) -> pd.DataFrame:
        """The character's probability with changed feature values, by the fitted model (no refit)."""
        return what_if(self, character, **changes)

    def __repr__(self) -> str:
        r = self.ranking
        top = f"{r['character'].iloc[0]!r} {r['probability'].iloc[0]:.0%}" if len(r) else "nobody"
        t = self.training
        return (f"<{type(self).__name__} {self.show.slug} season {self.season}: {len(r)} characters, top {top}; "
                f"fitted on {t.get('transitions', '?')} transitions of {t.get('shows', '?')} shows>")


def distinct_rows(train: pd.DataFrame, features: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """The labelled rows with exact copies merged, and how many rows each stands for.

    Rows agreeing on show, season, every feature and the outcome are the same data point for the fit, the
    grouped CV (whole shows) and the show-season bootstrap, so one row of weight w gives exactly the fit of its
    w copies. Big shows repeat themselves (hundreds of one-episode guests look alike), and this is what keeps
    a million-row show affordable. The first copy of each is kept, in the original order.
    """
    key = np.column_stack([show_season_codes(train), train[features].to_numpy(dtype=float),
                           train["returned"].to_numpy(dtype=float)])
    rows = np.ascontiguousarray(key).view(np.dtype((np.void, key.dtype.itemsize * key.shape[1]))).ravel()
    _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    return train.iloc[first[order]].reset_index(drop=True), np.bincount(inverse.ravel())[order]


def fit_model(train: pd.DataFrame, config: dict, weight: np.ndarray | None = None) -> tuple[ReturnModel, pd.DataFrame]:
    """Fit the configured model on labelled feature rows (each standing for ``weight`` copies, default 1); C =
    "auto" is chosen by grouped CV over shows (clones of the same estimator, see
    :func:`~speculation.core.model.choose_C`)."""
    C, selection = choose_C(train, config["model"], weight)
    y = train["returned"].to_numpy(dtype=int)
    return configured_model(config["model"], C=C).fit(train, y, sample_weight=weight), selection


def rank_table(scored: pd.DataFrame, contributions: pd.DataFrame, intervals: pd.DataFrame | None,
               features: list[str]) -> pd.DataFrame:
    """The ranked table: sorted by probability (descending), ties broken by character name."""
    table = pd.concat([scored[["character", "actor", "billing"]], contributions], axis=1)
    if intervals is not None:
        table = pd.concat([table, intervals], axis=1)
    table = table.sort_values(["probability", "character"], ascending=[False, True], kind="mergesort")
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    front = ["rank", "character", "actor", "billing", "probability"]
    if intervals is not None:
        front += ["low", "high"]
    rest = ["logit", "intercept"] + [f"contrib_{f}" for f in features]
    tail = ["rank_low", "rank_high"] if intervals is not None else []
    return table[front + rest + tail].reset_index(drop=True)


def score_show(show: Show, library: Library | None = None, config: dict | None = None) -> ScoreResult:
    """Rank ``show``'s latest-season characters by their probability of returning next season.

    The model learns from every labelled transition of ``library`` (where ``show`` replaces any library show
    with its slug) — other shows, and this show's own earlier seasons — whose provenance the config's
    ``training.provenance`` allows (by default the record: derived and verified shows, and users' own).
    """
    config = config or default_config()
    allowed = config["training"]["provenance"]
    library = training_library(library or Library(), allowed).with_show(show)
    table = build_features(library, config)
    learn = table["returned"].notna() & ((table["show"] != show.slug) | (provenance(show) in allowed))
    train = table.loc[learn].reset_index(drop=True)
    scored = table.loc[(table["show"] == show.slug) & (table["season"] == show.last_season)]
    if train.empty:
        raise SpeculationError(f"{show.path}: no labelled transitions to learn from (the library is empty and "
                               f"the show has a single season)")
    compact, copies = distinct_rows(train, list(config["model"]["features"]))
    model, selection = fit_model(compact, config, copies)
    contributions = model.contributions(scored)
    u = config["uncertainty"]
    intervals = bootstrap_intervals(model, compact, scored, u["n_boot"], u["level"], u["seed"], weight=copies)
    features = list(model.features)
    ranking = apply_hard_facts(rank_table(scored, contributions, intervals, features), show.claims)
    order = scored.set_index("character").loc[ranking["character"]].reset_index()
    p = config["points"]
    points = model.points_table(train, pdo=p["pdo"], base_points=p["base_points"], base_odds=p["base_odds"])
    kinds = pd.Series([provenance(library.shows[slug]) for slug in train["show"].unique()]).value_counts()
    training = {"shows": int(train["show"].nunique()), "transitions": int(len(train)),
                "provenance": {kind: int(kinds[kind]) for kind in PROVENANCES if kind in kinds},
                "show_seasons": int(train[["show", "season"]].drop_duplicates().shape[0]),
                "return_rate": float(train["returned"].mean()), "C": float(model.C)}
    return ScoreResult(show=show, season=show.last_season, ranking=ranking, features=order, model=model,
                       points=points, selection=selection, config=config, training=training,
                       claims=None if show.claims is None else claims_table(show.claims, ranking))

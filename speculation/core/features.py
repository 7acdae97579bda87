"""Features: one row per (show, season, character), computed from that season and earlier ones only.

Each feature is declared once in :data:`FEATURES` with a chart label and a one-line definition; the docs,
the charts and the model all read this registry. The only forward-looking input is the *announced*
in-universe year of the next season (time jumps are shown or announced when a season ends), used by
``time_jump_years`` and ``age_over_threshold``. The label ``returned`` is 1/0 when the next season is known,
missing for each show's last season and where show.yaml lists the next season as ``unrecorded`` for the
character (it appears there but has no row, so whether it "returned" is not recorded data).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..io.config import default_config
from ..io.config import load_config as _read_config
from ..io.showfolder import Library, Show

__all__ = ["FEATURES", "Feature", "build_features", "describe", "feature_docs_markdown", "load_config"]

BILLING_LEVEL = {"guest": 0, "recurring": 1, "main": 2}


@dataclass(frozen=True)
class Feature:
    name: str
    label: str        # plain words for charts, e.g. "died on screen"
    group: str        # role importance / finale prominence / departure history / time jump and age
    definition: str   # the one-line definition in docs/features.md
    absent: str | None = None   # plain words for value 0 where 0 means "not", e.g. "did not die on screen"


FEATURES: dict[str, Feature] = {f.name: f for f in [
    Feature("billing_level", "billing (guest→recurring→main)", "role importance",
            "Billing that season: 0 = guest, 1 = recurring, 2 = main (series regular)."),
    Feature("episode_share", "share of the season's episodes", "role importance",
            "Episodes the character appears in that season divided by the season's episodes (0–1)."),
    Feature("seasons_so_far", "seasons on the show so far", "role importance",
            "Number of seasons up to and including this one in which the character appears (tenure)."),
    Feature("seasons_as_main", "seasons as main cast so far", "role importance",
            "Number of seasons up to and including this one in which the character is billed main."),
    Feature("in_finale", "in the finale", "finale prominence",
            "1 if the character appears in the season's last episode, else 0.", "not in the finale"),
    Feature("finale_share_rel", "finale share vs. an equal split", "finale prominence",
            "Finale share times the number of characters in the finale (1 = an equal share, 0 = absent), capped "
            "at 3; blank shares are imputed (see finale_share_imputed)."),
    Feature("finale_rank", "rank in the finale cast", "finale prominence",
            "Position in the finale cast ranked by finale share, then billing, then episodes, as a fraction: "
            "1 = most prominent, 1/n = least, 0 = not in the finale."),
    Feature("finale_share_imputed", "finale share was imputed", "finale prominence",
            "1 if the character is in the finale but its finale_share was blank and imputed: the share not "
            "accounted for by known shares is split in proportion to the characters' episodes that season.",
            "finale share known (not imputed)"),
    Feature("died", "died on screen", "departure history",
            "1 if the character's fate at the end of the season is dead.", "did not die on screen"),
    Feature("written_out", "written out / left alive", "departure history",
            "1 if the character's fate at the end of the season is departed (written out or left alive).",
            "not written out"),
    Feature("exit_billing_level", "billing, if died or written out", "departure history",
            "billing_level if the character died or was written out that season, else 0: lets billing weigh "
            "differently for characters who left (a main character's exit is not undone as often as billing "
            "alone would suggest).", "did not die or leave"),
    Feature("show_churn", "how much the show churns its cast", "departure history",
            "Share of the show's characters who did not return over its earlier season-to-season transitions, "
            "shrunk towards features.churn_prior by features.churn_prior_weight pseudo-characters."),
    Feature("earlier_absences", "seasons missed before", "departure history",
            "Seasons since the character's first appearance in which it did not appear (earlier absences)."),
    Feature("time_jump_years", "time jump to next season (years)", "time jump and age",
            "In-universe years between this season's setting_year and the next season's (announced) one; "
            "features.default_time_jump_years when either is unknown."),
    Feature("big_time_jump", "big time jump before next season", "time jump and age",
            "1 if the next season is set at least features.big_jump_years (5) in-universe years later, else 0; "
            "an indicator rather than the years, so a show's unusual jump is never extrapolated linearly.",
            "no big time jump before next season"),
    Feature("age_over_threshold", "years over age threshold at next season", "time jump and age",
            "Years by which the character's age at the next season's setting year exceeds "
            "features.age_threshold (0 when below, or when birth year or setting years are unknown)."),
]}



def describe(feature: str, value: float | None = None) -> str:
    """Plain words for a feature at a character's value: the label, or at 0 its negation when it has one.

    So a character who did not die reads "did not die on screen" rather than "died on screen" when that
    absence is what raises its chance.
    """
    f = FEATURES.get(feature)
    if f is None:
        return feature
    if f.absent is not None and value is not None and not pd.isna(value) and float(value) == 0.0:
        return f.absent
    return f.label


ID_COLUMNS = ["show", "season", "character", "actor", "billing", "episodes", "fate", "finale_share"]


def _finale_features(a: pd.DataFrame) -> pd.DataFrame:
    """finale share (imputed), relative share, rank and imputation flag, per (show, season)."""
    in_fin = a["in_finale"] == 1
    known = a["finale_share"].notna() & in_fin
    need = in_fin & ~known
    key = [a["show"], a["season"]]
    known_sum = a["finale_share"].where(known, 0.0).groupby(key).transform("sum")
    n_fin = in_fin.astype(int).groupby(key).transform("sum")
    eps_need = a["episodes"].where(need, 0).groupby(key).transform("sum")
    min_known = a["finale_share"].where(known).groupby(key).transform("min")
    remaining = (1.0 - known_sum).clip(lower=0.0)
    # Nothing left to split (known shares already sum to 1): give the smallest known share instead.
    fallback = min_known.fillna(1.0 / n_fin.where(n_fin > 0)) * a["episodes"] / eps_need.where(eps_need > 0)
    imputed = np.where(remaining > 1e-9, remaining * a["episodes"] / eps_need.where(eps_need > 0), fallback)
    share = np.where(known, a["finale_share"], np.where(need, imputed, 0.0))
    share = pd.Series(share, index=a.index, dtype=float).fillna(0.0)
    out = pd.DataFrame(index=a.index)
    out["finale_share_filled"] = share
    out["finale_share_imputed"] = need.astype(int)
    out["finale_share_rel"] = (share * n_fin).clip(upper=3.0)
    order = pd.DataFrame({"show": a["show"], "season": a["season"], "fin": in_fin.astype(int), "share": share,
                          "bill": a["billing"].map(BILLING_LEVEL), "eps": a["episodes"], "name": a["character"]})
    order = order.sort_values(["show", "season", "fin", "share", "bill", "eps", "name"],
                              ascending=[True, True, False, False, False, False, True], kind="mergesort")
    position = order.groupby(["show", "season"]).cumcount() + 1
    rank = position.reindex(a.index)
    out["finale_rank"] = np.where(in_fin, 1.0 - (rank - 1) / n_fin.where(n_fin > 0, 1), 0.0)
    return out


def _churn(a: pd.DataFrame, returned: pd.Series, prior: float, weight: float) -> pd.Series:
    """Shrunk share of non-returns over each show's transitions strictly before each season."""
    t = pd.DataFrame({"show": a["show"], "season": a["season"], "left": (returned == 0).astype(int),
                      "known": returned.notna().astype(int)})
    per = t.groupby(["show", "season"], sort=True)[["left", "known"]].sum()
    # A season's own transition (to s+1) is the future: shift so season s sees transitions t < s only.
    cum = per.groupby(level="show").cumsum().groupby(level="show").shift(1, fill_value=0)
    churn = (cum["left"] + prior * weight) / (cum["known"] + weight) if weight > 0 else (
        cum["left"] / cum["known"].where(cum["known"] > 0)).fillna(prior)
    return pd.Series(churn.reindex(pd.MultiIndex.from_arrays([a["show"], a["season"]])).to_numpy(), index=a.index)


def _unrecorded_between(a: pd.DataFrame, first: pd.Series, unrecorded: pd.DataFrame) -> np.ndarray:
    """Per row, the character's unrecorded seasons between its first season and this one: not absences."""
    if unrecorded.empty:
        return np.zeros(len(a), dtype=int)
    pairs = a[["show", "character", "season"]].assign(first=first.to_numpy(), row=np.arange(len(a)))
    hits = pairs.merge(unrecorded.rename(columns={"season": "gap"}), on=["show", "character"])
    hits = hits.loc[(hits["gap"] > hits["first"]) & (hits["gap"] < hits["season"])]
    return np.bincount(hits["row"].to_numpy(dtype=int), minlength=len(a))


def _labels(rows: pd.DataFrame, has_next: np.ndarray, unrecorded: pd.DataFrame) -> pd.Series:
    """``returned``: 1/0 when the next season is in the data and not listed as unrecorded for the character
    (a next season show.yaml lists as unrecorded is unknown, not a non-return), else missing."""
    present = pd.MultiIndex.from_arrays([rows["show"], rows["season"], rows["character"]])
    following = pd.MultiIndex.from_arrays([rows["show"], rows["season"] + 1, rows["character"]])
    hidden = pd.MultiIndex.from_arrays([unrecorded["show"], unrecorded["season"], unrecorded["character"]])
    labelled = has_next & ~following.isin(hidden)
    return pd.Series(np.where(labelled, following.isin(present).astype(float), np.nan), index=rows.index)


def _time_and_age(library: Library, rows: pd.DataFrame, has_next: np.ndarray, settings: dict) -> pd.DataFrame:
    """time_jump_years, big_time_jump and age_over_threshold: the in-universe jump to the next season (its
    setting year, else the announced one) and each character's age then."""
    by_season = library.seasons.set_index(["show", "season"])
    key = pd.MultiIndex.from_arrays([rows["show"], rows["season"]])
    next_key = pd.MultiIndex.from_arrays([rows["show"], rows["season"] + 1])
    setting = by_season["setting_year"].reindex(key).to_numpy()
    next_setting = by_season["setting_year"].reindex(next_key).to_numpy()
    announced = rows["show"].map(library.next_setting_years).to_numpy(dtype=float)
    next_setting = np.where(has_next, next_setting, announced)
    jump = next_setting - setting
    out = pd.DataFrame(index=rows.index)
    out["time_jump_years"] = np.where(np.isnan(jump), float(settings["default_time_jump_years"]), jump)
    out["big_time_jump"] = (out["time_jump_years"] >= float(settings["big_jump_years"])).astype(int)
    # Age at the next season: from its setting year, else this season's setting (or air) year + the jump.
    air = by_season["year"].reindex(key).to_numpy()
    here = np.where(np.isnan(setting), air, setting)
    at_next = np.where(np.isnan(next_setting), here + out["time_jump_years"].to_numpy(), next_setting)
    age = at_next - rows["birth_year"].to_numpy(dtype=float)
    out["age_over_threshold"] = np.nan_to_num(np.clip(age - float(settings["age_threshold"]), 0, None), nan=0.0)
    return out


def build_features(source: Show | Library, config: dict | None = None) -> pd.DataFrame:
    """The feature table of a show or library: identifiers, every feature in FEATURES, and ``returned``.

    Rows are sorted by show, season, character so the table is deterministic.
    """
    settings = (config or default_config())["features"]
    library = source if isinstance(source, Library) else Library({source.slug: source})
    rows = library.appearances.sort_values(["show", "season", "character"], kind="mergesort").reset_index(drop=True)
    if rows.empty:
        return pd.DataFrame(columns=ID_COLUMNS + list(FEATURES) + ["returned"])
    key = pd.MultiIndex.from_arrays([rows["show"], rows["season"]])
    season_eps = library.seasons.set_index(["show", "season"])["episodes"].reindex(key).to_numpy()
    last_season = library.seasons.groupby("show")["season"].max()
    has_next = (rows["season"] < rows["show"].map(last_season)).to_numpy()
    unrecorded = library.unrecorded
    returned = _labels(rows, has_next, unrecorded)

    table = rows[ID_COLUMNS].copy()
    table["billing_level"] = rows["billing"].map(BILLING_LEVEL).astype(int)
    table["episode_share"] = rows["episodes"] / season_eps
    by_character = rows.groupby(["show", "character"], sort=False)
    table["seasons_so_far"] = by_character.cumcount() + 1
    as_main = (rows["billing"] == "main").astype(int)
    table["seasons_as_main"] = as_main.groupby([rows["show"], rows["character"]]).cumsum()
    table["in_finale"] = rows["in_finale"].astype(int)
    finale = _finale_features(rows)
    for name in ("finale_share_rel", "finale_rank", "finale_share_imputed"):
        table[name] = finale[name]
    table["died"] = (rows["fate"] == "dead").astype(int)
    table["written_out"] = (rows["fate"] == "departed").astype(int)
    table["exit_billing_level"] = np.where((table["died"] + table["written_out"]) > 0, table["billing_level"], 0)
    table["show_churn"] = _churn(rows, returned, float(settings["churn_prior"]),
                                 float(settings["churn_prior_weight"]))
    first = by_character["season"].transform("min")
    table["earlier_absences"] = ((rows["season"] - first + 1) - table["seasons_so_far"]
                                 - _unrecorded_between(rows, first, unrecorded))
    for name, values in _time_and_age(library, rows, has_next, settings).items():
        table[name] = values
    table["finale_share"] = finale["finale_share_filled"]
    table["returned"] = returned
    return table


def feature_docs_markdown() -> str:
    """The features table of docs/features.md, generated from the registry."""
    lines = ["| feature | group | definition |", "|---|---|---|"]
    lines += [f"| `{f.name}` | {f.group} | {f.definition} |" for f in FEATURES.values()]
    return "\n".join(lines) + "\n"


def load_config(path=None, overrides: dict | None = None) -> dict:
    """:func:`speculation.io.config.load_config` with ``model.features`` checked against this registry."""
    return _read_config(path, overrides, features=FEATURES)

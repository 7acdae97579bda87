"""Explanations of one score: each feature's contribution, in log-odds and in points, and what-ifs.

Pure functions of a :class:`~speculation.core.score.ScoreResult` — nothing is refitted and nothing is read or
written. A character's log-odds (logit) is the model's intercept (the log-odds of an average character)
plus one contribution per feature, ``weight × (value − training average) / training spread``; its
probability is ``sigmoid(logit)``. Points re-express log-odds on the scorecard scale of ``model_points.csv``:
``points.pdo`` points (20 by default) double the odds of returning.
"""
from __future__ import annotations

import difflib
import re
import unicodedata

import numpy as np
import pandas as pd

from ..errors import SpeculationError
from .features import FEATURES
from .model import sigmoid

__all__ = ["explain_character", "what_if", "find_character", "character_summary", "points_factor",
           "format_value", "character_slugs", "slugify"]


# ------------------------------------------------------------------------------------------------ names
def find_character(result, name: str) -> str:
    """The scored character called ``name`` (exact, else case- and space-insensitive).

    An unknown name raises :class:`SpeculationError` in one line that suggests the closest names.
    """
    names = list(result.ranking["character"]) if hasattr(result, "ranking") else list(result)
    return match_name(names, name, where=_where(result))


def match_name(names: list[str], name: str, where: str = "the scored cast") -> str:
    if name in names:
        return name
    norm = {" ".join(n.casefold().split()): n for n in names}
    key = " ".join(str(name).casefold().split())
    if key in norm:
        return norm[key]
    close = difflib.get_close_matches(key, list(norm), n=3, cutoff=0.5)
    hint = (f"; did you mean {', '.join(norm[c] for c in close)}?" if close
            else f"; scored characters: {', '.join(sorted(names)[:8])}{', …' if len(names) > 8 else ''}")
    raise SpeculationError(f"no character {name!r} in {where}{hint}")


def _where(result) -> str:
    if hasattr(result, "show"):
        return f"{result.show.title} season {result.season}"
    return "the scored cast"


def slugify(name: str) -> str:
    """A file-name-safe slug: ``"Lee Jung-gil"`` → ``"lee-jung-gil"`` (ASCII, lowercase, hyphens)."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "character"


def character_slugs(names) -> dict[str, str]:
    """``{name: slug}`` with unique slugs (a repeated slug gets ``-2``, ``-3`` …), in the given order."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = slugify(name)
        slug, k = base, 2
        while slug in used:
            slug, k = f"{base}-{k}", k + 1
        used.add(slug)
        out[name] = slug
    return out


# ------------------------------------------------------------------------------------------------ values
def points_factor(result) -> float:
    """Points per unit of log-odds: ``pdo / ln 2``."""
    return float(result.config["points"]["pdo"]) / np.log(2.0)


def base_points(result) -> float:
    """Scorecard points of the intercept (an average character), as in ``model_points.csv``."""
    p = result.config["points"]
    factor = points_factor(result)
    return float(p["base_points"]) - factor * np.log(float(p["base_odds"])) + factor * result.model.intercept_


def is_flag(feature: str) -> bool:
    """Features that are 0/1 flags (their definition starts with "1 if")."""
    return feature in FEATURES and FEATURES[feature].definition.startswith("1 if")


def format_value(feature: str, value) -> str:
    """A feature value for people: yes/no for flags, whole numbers without decimals, else 2 decimals."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    v = float(value)
    if is_flag(feature):
        return "yes" if v >= 0.5 else "no"
    if abs(v - round(v)) < 1e-9:
        return f"{int(round(v))}"
    return f"{v:.2f}"


def character_summary(result, name: str) -> dict:
    """Rank, probability, interval, logit and intercept of one character, as plain Python values."""
    name = find_character(result, name)
    row = result.ranking.loc[result.ranking["character"] == name].iloc[0]
    out = {"character": name, "actor": row["actor"], "billing": row["billing"], "rank": int(row["rank"]),
           "of": int(len(result.ranking)), "probability": float(row["probability"]), "logit": float(row["logit"]),
           "intercept": float(row["intercept"])}
    for key in ("low", "high"):
        if key in row:
            out[key] = float(row[key])
    for key in ("rank_low", "rank_high"):
        if key in row:
            out[key] = int(row[key])
    return out


# ------------------------------------------------------------------------------------------------ explain
def explain_character(result, name: str) -> pd.DataFrame:
    """Every step from an average character to ``name``'s probability, one row per step.

    Rows: ``base`` (the intercept), one ``feature`` row per feature (largest absolute contribution first),
    and ``total``. Columns: ``character, step, feature, label, value`` (the character's feature value),
    ``average`` (its training average), ``contribution`` (log-odds; the base row holds the intercept, the
    total row the logit), ``points`` (the same on the scorecard scale), and the running ``logit`` and
    ``probability`` after the step. The feature contributions plus the intercept add up to the logit exactly.
    """
    name = find_character(result, name)
    ranking, features = result.ranking, result.features
    i = int(np.flatnonzero(ranking["character"].to_numpy() == name)[0])
    j_feat = int(np.flatnonzero(features["character"].to_numpy() == name)[0])
    feats = result.feature_names
    contrib = ranking[[f"contrib_{f}" for f in feats]].to_numpy(dtype=float)[i]
    values = features[feats].to_numpy(dtype=float)[j_feat]
    order = sorted(range(len(feats)), key=lambda j: -abs(contrib[j]))  # stable: ties keep model order
    factor = points_factor(result)
    intercept = float(ranking["intercept"].iloc[i])
    total_logit = float(ranking["logit"].iloc[i])
    step_contrib = np.r_[intercept, contrib[order]]
    points = np.r_[base_points(result), factor * contrib[order]]
    logit = np.r_[np.cumsum(step_contrib), total_logit]
    nan = [np.nan]
    table = pd.DataFrame({
        "character": name,
        "step": ["base"] + ["feature"] * len(feats) + ["total"],
        "feature": ["(base)"] + [feats[j] for j in order] + ["(total)"],
        "label": ["an average character (start)"] + [FEATURES[feats[j]].label for j in order] + [f"{name} (end)"],
        "value": np.r_[nan, values[order], nan],
        "average": np.r_[nan, result.model.mean_[order], nan],
        "contribution": np.r_[step_contrib, total_logit],
        "points": np.r_[points, points.sum()],
        "logit": logit,
        "probability": sigmoid(logit)})
    return table



def what_if(result, name: str, **changes) -> pd.DataFrame:
    """``name``'s probability recomputed with changed feature values, using the fitted model (no refit).

    ``what_if(result, "Ed Baldwin", died=1)`` returns two rows — ``as scored`` and ``what if`` — with the
    changed features' values and contributions, the logit, the probability and its change. Features not
    named keep their values; other features are not updated to stay consistent (e.g. ``died=1`` leaves
    ``in_finale`` as it was), so a what-if isolates one feature's effect.
    """
    name = find_character(result, name)
    feats = result.feature_names
    unknown = [k for k in changes if k not in feats]
    if unknown:
        raise SpeculationError(f"what_if: unknown feature(s) {', '.join(unknown)} "
                               f"(the model's features: {', '.join(feats)})")
    if not changes:
        raise SpeculationError("what_if: name at least one feature to change, e.g. died=1")
    before = result.features.loc[result.features["character"] == name, feats].iloc[[0]].astype(float)
    after = before.copy()
    for key, value in changes.items():
        after[key] = float(value)
    frame = pd.concat([before, after], ignore_index=True)
    contrib = result.model.contributions(frame)
    out = pd.DataFrame({"character": name, "scenario": ["as scored", "what if"]})
    for key in changes:
        out[key] = frame[key].to_numpy()
        out[f"contrib_{key}"] = contrib[f"contrib_{key}"].to_numpy()
    out["logit"] = contrib["logit"].to_numpy()
    out["probability"] = contrib["probability"].to_numpy()
    out["change"] = out["probability"] - out["probability"].iloc[0]
    return out

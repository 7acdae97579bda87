"""Published claims about the next season (``claims.csv``): reading, validating, comparing with the model.

A show folder may hold a ``claims.csv`` (docs/data-format.md): what publications said about who returns.
Claims never enter the features, the fit or a backtest. After scoring they do two things:

- every claim is set beside the model's probability for that character (``claims_table``), so a reader
  sees where the press and the model agree;
- the two hard-fact stances, ``confirmed`` (the character returns) and ``departed`` (it does not), are
  *overrides*, as in credit-scorecard practice: the ranking keeps the model's probability and its exact
  contributions, and gains ``hard_fact`` and ``final_probability`` columns (``apply_hard_facts``).
"""
from __future__ import annotations

import difflib
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import Problem

__all__ = ["CLAIM_COLUMNS", "STANCES", "read_claims", "claims_table", "apply_hard_facts"]

CLAIM_COLUMNS = ["source", "date", "character", "stance"]
# What each stance says about the next season: 1 = returns, 0 = does not, NaN = no direction.
STANCES = {"confirmed": 1.0, "likely": 1.0, "possible": np.nan, "unlikely": 0.0, "departed": 0.0}
HARD_FACTS = {"confirmed": "returns", "departed": "leaves"}


def read_claims(path: Path, characters: set[str], problems: list[Problem]) -> pd.DataFrame | None:
    """The claims of ``path`` (a claims.csv), checked against the show's ``characters``; None if invalid.

    Problems are appended (every one, for ``speculation validate``), each naming file, line and column.
    Rows come back sorted by date, then character, then source, so outputs are deterministic.
    """
    from .data import read_text_table

    file = str(path)
    raw = read_text_table(path, CLAIM_COLUMNS, problems)
    if raw is None:
        return None
    raw = raw[CLAIM_COLUMNS].apply(lambda s: s.str.strip())
    before = len(problems)
    for i, row in enumerate(raw.itertuples(index=False), start=2):
        if not row.source:
            problems.append(Problem(file, "expected a publication or URL, got ''", line=i, column="source"))
        if pd.isna(pd.to_datetime(row.date, format="%Y-%m-%d", errors="coerce")):
            problems.append(Problem(file, f"expected an ISO date (YYYY-MM-DD), got {row.date!r}", line=i,
                                    column="date"))
        if row.character not in characters:
            close = difflib.get_close_matches(row.character, sorted(characters), n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(Problem(file, f"expected a character of appearances.csv, got {row.character!r}{hint}",
                                    line=i, column="character"))
        if row.stance.lower() not in STANCES:
            problems.append(Problem(file, "expected one of " + " / ".join(STANCES) + f", got {row.stance!r}",
                                    line=i, column="stance"))
    if len(problems) > before:
        return None
    claims = raw.assign(stance=raw["stance"].str.lower())
    return claims.sort_values(["date", "character", "source"], kind="mergesort").reset_index(drop=True)


def claims_table(claims: pd.DataFrame | None, ranking: pd.DataFrame) -> pd.DataFrame:
    """One row per claim beside the model: its direction, the character's rank and probability, agreement.

    ``says`` is returns / leaves / unsure; ``agrees`` is 1 when the model's probability is on the claim's
    side of 50%, 0 when not, blank for unsure claims or characters not in the scored season.
    """
    columns = ["date", "source", "character", "stance", "says", "hard_fact", "rank", "probability", "agrees"]
    if claims is None or claims.empty:
        return pd.DataFrame(columns=columns)
    direction = claims["stance"].map(STANCES)
    scored = ranking.set_index("character")
    out = claims[["date", "source", "character", "stance"]].copy()
    out["says"] = np.select([direction == 1, direction == 0], ["returns", "leaves"], "unsure")
    out["hard_fact"] = claims["stance"].map(HARD_FACTS).fillna("")
    out["rank"] = claims["character"].map(scored["rank"]).astype("Int64")
    out["probability"] = claims["character"].map(scored["probability"])
    model_says = (out["probability"] > 0.5).astype(float).where(out["probability"].notna())
    agrees = (model_says == direction).astype(float).where(model_says.notna() & direction.notna())
    out["agrees"] = agrees.astype("Int64")
    return out[columns].reset_index(drop=True)


def apply_hard_facts(ranking: pd.DataFrame, claims: pd.DataFrame | None) -> pd.DataFrame:
    """The ranking with ``hard_fact`` (returns / leaves / blank) and ``final_probability`` columns appended.

    The latest hard claim (confirmed / departed) per character wins; its final probability is 1 or 0, every
    other character keeps the model's. Without a claims.csv the ranking is returned unchanged. The model's
    ``probability``, ``logit`` and contributions are never changed, so they still add up.
    """
    if claims is None:
        return ranking
    hard = claims.loc[claims["stance"].isin(list(HARD_FACTS))]
    latest = hard.drop_duplicates("character", keep="last").set_index("character")["stance"].map(HARD_FACTS)
    out = ranking.copy()
    out["hard_fact"] = out["character"].map(latest).fillna("")
    out["final_probability"] = np.select([out["hard_fact"] == "returns", out["hard_fact"] == "leaves"],
                                         [1.0, 0.0], out["probability"])
    return out

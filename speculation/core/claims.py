"""Published claims about the next season beside the model: comparison and hard-fact overrides.

Reading and checking ``claims.csv`` is io (:func:`speculation.io.showfolder.read_claims`). A show folder may
hold a ``claims.csv`` (docs/data-format.md): what publications said about who returns. Claims never
enter the features, the fit or a backtest. After scoring they do two things:

- every claim is set beside the model's probability for that character (``claims_table``), so a reader
  sees where the press and the model agree;
- the two hard-fact stances, ``confirmed`` (the character returns) and ``departed`` (it does not), are
  *overrides*, as in credit-scorecard practice: the ranking keeps the model's probability and its exact
  contributions, and gains ``hard_fact`` and ``final_probability`` columns (``apply_hard_facts``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..io.showfolder import STANCES

__all__ = ["claims_table", "apply_hard_facts"]

HARD_FACTS = {"confirmed": "returns", "departed": "leaves"}


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

"""Library summary: shows, seasons, characters, labelled transitions and return rates."""
from __future__ import annotations

import pandas as pd

from .data import Library
from .features import build_features

__all__ = ["library_summary"]


def library_summary(library: Library) -> pd.DataFrame:
    """One row per show (sorted by slug) plus a total row."""
    feats = build_features(library)
    rows = []
    for slug, show in library.shows.items():
        f = feats.loc[feats["show"] == slug]
        labelled = f.loc[f["returned"].notna()]
        mains = labelled.loc[labelled["billing"] == "main"]
        rows.append({"show": slug, "title": show.title, "network": show.meta.get("network") or "",
                     "seasons": int(show.seasons["season"].nunique()), "characters": int(f["character"].nunique()),
                     "rows": int(len(f)), "transitions": int(len(labelled)),
                     "return_rate": float(labelled["returned"].mean()) if len(labelled) else float("nan"),
                     "main_return_rate": float(mains["returned"].mean()) if len(mains) else float("nan"),
                     "estimated": ", ".join(show.meta.get("estimated_columns") or [])})
    table = pd.DataFrame(rows)
    if len(table):
        lab = feats.loc[feats["returned"].notna()]
        total = {"show": "(all)", "title": f"{len(table)} shows", "network": "", "seasons": int(table["seasons"].sum()),
                 "characters": int(table["characters"].sum()), "rows": int(table["rows"].sum()),
                 "transitions": int(table["transitions"].sum()), "return_rate": float(lab["returned"].mean()),
                 "main_return_rate": float(lab.loc[lab["billing"] == "main", "returned"].mean()), "estimated": ""}
        table = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    return table

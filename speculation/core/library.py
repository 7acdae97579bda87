"""Library summary: shows, seasons, characters, labelled transitions and return rates.

``unrecorded`` counts the transitions show.yaml leaves unlabelled (a next season listed under
``unrecorded`` for the character), so a reader sees how much of a show's data is gaps rather than outcomes.
"""
from __future__ import annotations

import pandas as pd

from ..io.config import PROVENANCES
from ..io.showfolder import Library
from .features import build_features

__all__ = ["library_summary", "library_sources", "provenance", "training_library", "PROVENANCES"]



def provenance(show) -> str:
    """Where the show's facts come from (show.yaml ``provenance``): derived (built by code from public data),
    verified (hand-curated, checked label by label against cited pages), recollection (typed from memory), or
    unspecified when show.yaml has no key (a user's own show)."""
    return str(show.meta.get("provenance") or "unspecified")


def training_library(library: Library, allowed) -> Library:
    """The shows of ``library`` the model may learn from: those whose provenance is in ``allowed``
    (``training.provenance`` of the config; by default the record — derived, verified — and users' own shows)."""
    return library.subset(slug for slug, show in library.shows.items() if provenance(show) in set(allowed))


def _years(show) -> str:
    """Years the show aired, e.g. "2019–2023" (blank when show.yaml gives no years)."""
    years = show.seasons["year"].dropna()
    if years.empty:
        return ""
    first, last = int(years.min()), int(years.max())
    return str(first) if first == last else f"{first}–{last}"


def library_summary(library: Library) -> pd.DataFrame:
    """One row per show (sorted by slug) plus a total row."""
    feats = build_features(library)
    rows = []
    for slug, show in library.shows.items():
        f = feats.loc[feats["show"] == slug]
        labelled = f.loc[f["returned"].notna()]
        mains = labelled.loc[labelled["billing"] == "main"]
        rows.append({"show": slug, "title": show.title, "provenance": provenance(show),
                     "network": show.meta.get("network") or "",
                     "years": _years(show), "seasons": int(show.seasons["season"].nunique()),
                     "characters": int(f["character"].nunique()),
                     "rows": int(len(f)), "transitions": int(len(labelled)),
                     "unrecorded": int((f["returned"].isna() & (f["season"] < show.last_season)).sum()),
                     "return_rate": float(labelled["returned"].mean()) if len(labelled) else float("nan"),
                     "main_return_rate": float(mains["returned"].mean()) if len(mains) else float("nan"),
                     "estimated": ", ".join(show.meta.get("estimated_columns") or [])})
    table = pd.DataFrame(rows)
    if len(table):
        lab = feats.loc[feats["returned"].notna()]
        kinds = table["provenance"].value_counts()
        total = {"show": "(all)", "title": f"{len(table)} shows",
                 "provenance": ", ".join(f"{kinds[k]} {k}" for k in PROVENANCES if k in kinds),
                 "network": "", "years": "",
                 "seasons": int(table["seasons"].sum()),
                 "characters": int(table["characters"].sum()), "rows": int(table["rows"].sum()),
                 "transitions": int(table["transitions"].sum()), "unrecorded": int(table["unrecorded"].sum()),
                 "return_rate": float(lab["returned"].mean()),
                 "main_return_rate": float(lab.loc[lab["billing"] == "main", "returned"].mean()), "estimated": ""}
        table = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    return table


def library_sources(library: Library) -> pd.DataFrame:
    """One row per show: slug, title and the ``source`` of its show.yaml (where its facts come from)."""
    rows = [{"show": slug, "title": show.title, "source": " ".join(str(show.meta.get("source", "")).split())}
            for slug, show in library.shows.items()]
    return pd.DataFrame(rows, columns=["show", "title", "source"])

"""Loading a library of show folders: ``load_library``, one pass over every show folder of the library.

The show folders are read and checked together by :func:`speculation.io.showfolder.load_folders` — plain
``appearances.csv`` files sharing a header line are parsed with one ``pandas.read_csv``, and the schema's rules
(io/schema.py) run once over the concatenated rows — so a library of 100k shows costs a few vectorised passes,
not 100k small ones. Loading one show (``load_show``) is the same path with a library of one, so both give the
same tables and the same first error. Each show's tables are slices of the library's; in large libraries they
are sliced on first use (:class:`BulkShow`).
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SpeculationError
from .showfolder import SEASON_COLUMNS, Library, Show, load_folders, show_folders

__all__ = ["BulkShow", "bundled_library", "load_library", "load_library_bulk"]

LAZY_MIN_SHOWS = 200   # from this many shows on, each show's tables are sliced on first use


class BulkShow(Show):
    """A show loaded in bulk: ``seasons`` and ``appearances`` are slices of the library's tables, made on use."""

    def __init__(self, slug: str, title: str, path: Path, meta: dict, library_tables: dict, rows: tuple[int, int],
                 season_rows: tuple[int, int], claims: pd.DataFrame | None = None):
        self.slug, self.title, self.path, self.meta, self.claims = slug, title, path, meta, claims
        self._tables, self._rows, self._season_rows = library_tables, rows, season_rows
        self._cache: dict[str, pd.DataFrame] = {}

    @property
    def seasons(self) -> pd.DataFrame:
        if "seasons" not in self._cache:
            lo, hi = self._season_rows
            self._cache["seasons"] = self._tables["seasons"].iloc[lo:hi].reset_index(drop=True)
        return self._cache["seasons"]

    @property
    def appearances(self) -> pd.DataFrame:
        if "appearances" not in self._cache:
            lo, hi = self._rows
            self._cache["appearances"] = self._tables["appearances"].iloc[lo:hi].reset_index(drop=True)
        return self._cache["appearances"]

    def __reduce__(self):   # pickle as a plain Show
        return (Show, (self.slug, self.title, self.path, self.meta, self.seasons, self.appearances, self.claims))


def _bounds(keys: pd.Series) -> dict[int, tuple[int, int]]:
    """First and past-the-last row of each key of ``keys`` (grouped, in order)."""
    values = keys.to_numpy()
    names, first = np.unique(values, return_index=True)
    order = np.argsort(first)
    names, first = names[order], first[order]
    last = np.append(first[1:], len(values))
    return {int(n): (int(a), int(b)) for n, a, b in zip(names, first, last)}


def load_library_bulk(folders: list[Path], lazy: bool | None = None) -> Library:
    """Load the show folders ``folders`` (sorted by slug); the first invalid show stops with its first problem.

    ``lazy`` (default: from ``LAZY_MIN_SHOWS`` shows on) gives :class:`BulkShow` objects whose tables are
    sliced on first use; otherwise every show is a plain :class:`Show` with its tables sliced right away.
    """
    lazy = len(folders) >= LAZY_MIN_SHOWS if lazy is None else lazy
    loaded = load_folders(folders)
    for i in range(len(folders)):
        if loaded.problems[i]:
            raise SpeculationError.from_problems(loaded.problems[i])
    appearances, seasons = loaded.appearances, loaded.seasons
    rows, season_rows = _bounds(appearances["folder"]), _bounds(seasons["folder"])
    tables = {"seasons": seasons[SEASON_COLUMNS].reset_index(drop=True),
              "appearances": appearances.drop(columns=["folder"]).reset_index(drop=True)}
    shows: dict[str, Show] = {}
    for i, path in enumerate(folders):
        meta = loaded.metas[i]
        show = BulkShow(path.resolve().name, meta["title"], path, meta, tables, rows[i], season_rows[i],
                        loaded.claims.get(i))
        shows[path.name] = show if lazy else Show(show.slug, show.title, path, meta, show.seasons, show.appearances,
                                                  show.claims)
    return Library(shows, _tables=tables)


def load_library(library_dir: str | Path) -> Library:
    """Load every show folder in ``library_dir``; the first invalid show stops with its first problem."""
    return load_library_bulk(show_folders(library_dir))


def bundled_library() -> Path:
    """The bundled library: ``data/shows``, shipped in the wheel as the package data ``speculation/_library``
    (pyproject.toml maps it there), or read in place from the checkout of an editable install."""
    packaged = resources.files("speculation").joinpath("_library")
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "data" / "shows"

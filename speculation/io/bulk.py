"""Loading a library of show folders: ``load_library``, with a bulk path for libraries of many shows.

Loading show folders one by one costs a dozen small pandas operations per show (~15 ms): a third of a second
for the bundled library, and minutes at 100k shows. This path reads every ``appearances.csv`` as bytes,
parses the plain ones with one ``pandas.read_csv`` per distinct header line (files with quotes, carriage
returns, blank or ragged lines or a byte-order mark are parsed on their own, with the very call
``showfolder._read_appearances`` makes), runs the checks of ``showfolder._read_appearances`` and
``showfolder._check_fates`` once over the whole library, and builds the library's concatenated tables
directly. Each show's own tables are slices of them; in large libraries they are sliced on first use
(:class:`BulkShow`).

Validation behaviour is identical by construction: this path only *accepts* shows. Any show that fails a
check, or that it cannot read, is loaded with :func:`speculation.io.showfolder.load_show`, in library order,
so the first invalid show raises exactly the error the one-by-one path raises. Accepted shows give the same values
and dtypes (tested in tests/test_data_bulk.py).
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Problem
from .showfolder import APPEARANCE_COLUMNS, CLAIMS_FILE, BILLINGS, FATES, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, Library, \
    Show, _read_show_yaml, load_show, show_folders, unrecorded_pairs

__all__ = ["BulkShow", "load_library", "load_library_bulk"]

SEASON_COLUMNS = ["show", "season", "episodes", "year", "setting_year"]
BULK_MIN_SHOWS = 2   # load_library reads libraries of this many shows or more in bulk
LAZY_MIN_SHOWS = 200   # from this many shows on, each show's tables are sliced on first use
_INT_LITERAL = r"[+-]?\d+"


class BulkShow(Show):
    """A show loaded in bulk: ``seasons`` and ``appearances`` are slices of the library's tables, made on use."""

    def __init__(self, slug: str, title: str, path: Path, meta: dict, library_tables: dict, rows: tuple[int, int],
                 season_rows: tuple[int, int], int_columns: tuple[str, ...]):
        self.slug, self.title, self.path, self.meta = slug, title, path, meta
        self._tables, self._rows, self._season_rows, self._int_columns = library_tables, rows, season_rows, int_columns
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
            frame = self._tables["appearances"].iloc[lo:hi].reset_index(drop=True)
            # one-by-one loading keeps integer dtypes where every value of the show is an integer literal
            self._cache["appearances"] = frame.astype({c: "int64" for c in self._int_columns}) \
                if self._int_columns else frame
        return self._cache["appearances"]

    def __reduce__(self):   # pickle as a plain Show
        return (Show, (self.slug, self.title, self.path, self.meta, self.seasons, self.appearances))


def _plain_csv(data: bytes) -> str | None:
    """The text of a CSV that one joint parse reads exactly as a parse of its own would, else None."""
    if not data or b'"' in data or b"\r" in data or b"\x00" in data or data.startswith(b"\xef\xbb\xbf"):
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text.endswith("\n"):
        text += "\n"
    lines = text.split("\n")[:-1]
    if len(lines) < 2:
        return None
    commas = lines[0].count(",")
    if any(line.count(",") != commas or not line.strip() for line in lines):
        return None
    return text


def _own_parse(data: bytes) -> pd.DataFrame | None:
    """A CSV that is not plain, parsed on its own exactly as showfolder._read_appearances does (None on failure)."""
    try:
        raw = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8",
                          skipinitialspace=False)
    except (UnicodeDecodeError, pd.errors.EmptyDataError, pd.errors.ParserError):
        return None
    if raw.empty or any(c not in raw.columns for c in REQUIRED_COLUMNS):
        return None
    raw = raw[[c for c in APPEARANCE_COLUMNS if c in raw.columns]].copy()
    for col in OPTIONAL_COLUMNS:
        if col not in raw.columns:
            raw[col] = ""
    return raw


def load_library_bulk(folders: list[Path], lazy: bool | None = None) -> Library:
    """Load the show folders ``folders`` (sorted by slug) as :func:`load_library` does, in bulk.

    ``lazy`` (default: from ``LAZY_MIN_SHOWS`` shows on) gives :class:`BulkShow` objects whose tables are
    sliced on first use; otherwise every show is a plain :class:`Show` with its tables sliced right away.
    """
    lazy = len(folders) >= LAZY_MIN_SHOWS if lazy is None else lazy
    metas, groups, suspect, frames = {}, {}, set(), []
    for path in folders:
        slug = path.resolve().name
        problems: list[Problem] = []
        meta = _read_show_yaml(path / "show.yaml", problems)
        try:
            data = (path / "appearances.csv").read_bytes()
        except OSError:
            data = None
        if problems or meta is None or data is None or (path / CLAIMS_FILE).exists():
            suspect.add(path.name)   # loaded one by one (claims.csv is read and checked there)
            continue
        metas[path.name] = (slug, meta)
        text = _plain_csv(data)
        if text is None:   # quotes, blank lines, ...: parse this file on its own, check it with the others
            own = _own_parse(data)
            if own is None:
                suspect.add(path.name)
            else:
                own.insert(0, "folder", path.name)
                frames.append(own)
            continue
        header, body = text.split("\n", 1)
        groups.setdefault(header, []).append((path.name, body))

    # ------------------------------------------------------------------ one parse per distinct header line
    for header, members in groups.items():
        columns = header.split(",")
        if any(c not in columns for c in REQUIRED_COLUMNS) or len(set(columns)) != len(columns):
            suspect.update(name for name, _ in members)
            continue
        raw = pd.read_csv(io.StringIO(header + "\n" + "".join(b for _, b in members)), dtype=str,
                          keep_default_na=False, encoding="utf-8", skipinitialspace=False)
        counts = [b.count("\n") for _, b in members]
        raw = raw[[c for c in APPEARANCE_COLUMNS if c in raw.columns]]
        for col in OPTIONAL_COLUMNS:
            if col not in raw.columns:
                raw[col] = ""
        raw.insert(0, "folder", np.repeat([name for name, _ in members], counts))
        frames.append(raw)
    raw = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["folder"] + APPEARANCE_COLUMNS)
    raw = raw.loc[~raw["folder"].isin(suspect)]
    raw = raw.sort_values("folder", kind="mergesort").reset_index(drop=True)   # library order, file order kept
    for col in APPEARANCE_COLUMNS:
        raw[col] = raw[col].str.strip()

    # --------------------------------------------------------------------------------- seasons from show.yaml
    season_rows = [(name, e["number"], e["episodes"], e.get("year"), e.get("setting_year"))
                   for name in sorted(metas) if name not in suspect for e in metas[name][1]["seasons"]]
    seasons = pd.DataFrame(season_rows, columns=["folder", "season", "episodes", "year", "setting_year"])
    seasons = seasons.astype({"season": "int64", "episodes": "int64", "year": "float64", "setting_year": "float64"})

    # ------------------------------------------------------- the checks of showfolder._read_appearances, all rows
    def integer(col: str, lo: int | None = None, optional: bool = False) -> tuple[pd.Series, pd.Series]:
        values = pd.to_numeric(raw[col], errors="coerce")
        ok = values.notna() & (values == values.round())
        if lo is not None:
            ok &= values >= lo
        if optional:
            ok |= raw[col] == ""
        return values.where(ok), ok

    bad = pd.Series(False, index=raw.index)
    season, ok = integer("season", 1)
    bad |= ~ok
    listed = pd.MultiIndex.from_frame(seasons[["folder", "season"]])
    key = pd.MultiIndex.from_arrays([raw["folder"], season])
    bad |= ~key.isin(listed)
    bad |= (raw["character"] == "") | (raw["actor"] == "")
    billing = raw["billing"].str.lower()
    bad |= ~billing.isin(BILLINGS)
    episodes, ok = integer("episodes", 1)
    bad |= ~ok
    season_eps = pd.Series(seasons["episodes"].to_numpy(), index=listed).reindex(key).to_numpy()
    bad |= pd.Series(episodes.to_numpy() > season_eps, index=raw.index).fillna(False)
    fin = raw["in_finale"]
    bad |= ~fin.isin(["0", "1"])
    share = pd.to_numeric(raw["finale_share"], errors="coerce")
    ok = (raw["finale_share"] == "") | (share.notna() & (share >= 0) & (share <= 1))
    bad |= ~ok | (ok & share.gt(0) & (fin == "0"))
    fate = raw["fate"].str.lower().replace("", "alive")
    bad |= ~fate.isin(FATES)
    birth, ok = integer("birth_year", optional=True)
    bad |= ~ok
    bad |= season.notna() & pd.DataFrame({"f": raw["folder"], "s": season, "c": raw["character"]}).duplicated()
    suspect.update(raw.loc[bad, "folder"])
    present = set(zip(raw["folder"], season))
    suspect.update(f for f, s in zip(seasons["folder"], seasons["season"]) if (f, s) not in present)
    # a dead character appearing later must be declared in returns_after_death
    died = raw.loc[fate == "dead"].assign(season=season).groupby(["folder", "character"])["season"].min()
    if len(died):
        later = pd.DataFrame({"folder": raw["folder"], "character": raw["character"], "season": season})
        later = later.merge(died.rename("died_in").reset_index(), on=["folder", "character"])
        later = later.loc[later["season"] > later["died_in"]]
        for folder, character, number in zip(later["folder"], later["character"], later["season"]):
            declared = metas[folder][1].get("returns_after_death") or []
            if not any(isinstance(r, dict) and r.get("character") == character and r.get("season") == number
                       for r in declared):
                suspect.add(folder)

    # a season listed under 'unrecorded' must not also have a row (load_show then names the row)
    listed = [(folder, c, n) for folder, (_, meta) in metas.items() for c, n in unrecorded_pairs(meta)]
    if listed:
        rows = pd.MultiIndex.from_arrays([raw["folder"], raw["character"], season])
        suspect.update(raw.loc[rows.isin(pd.MultiIndex.from_tuples(listed)), "folder"])

    # ----------------------------------------------------------------------------------- typed tables
    keep = ~raw["folder"].isin(suspect).to_numpy()
    slugs = raw["folder"].map({name: metas[name][0] for name in metas})
    appearances = pd.DataFrame({
        "show": slugs.to_numpy(dtype=object)[keep], "season": season.to_numpy()[keep].astype("int64"),
        "character": raw["character"].to_numpy()[keep], "actor": raw["actor"].to_numpy()[keep],
        "billing": billing.to_numpy()[keep], "episodes": episodes.to_numpy()[keep].astype("int64"),
        "in_finale": fin.to_numpy()[keep].astype("int64"), "finale_share": share.to_numpy(dtype=float)[keep],
        "fate": fate.to_numpy()[keep], "birth_year": birth.to_numpy(dtype=float)[keep]})
    for col in ("character", "actor", "billing", "fate"):
        appearances[col] = appearances[col].astype(raw[col].dtype)
    # integer-typed optional columns, as pd.to_numeric gives them when every value of a show is an integer
    int_like = pd.DataFrame({c: raw[c].str.fullmatch(_INT_LITERAL) for c in ("finale_share", "birth_year")})
    int_like["folder"] = raw["folder"]
    int_shows = int_like.loc[keep].groupby("folder", sort=False)[["finale_share", "birth_year"]].all()

    folders_kept = raw["folder"].to_numpy()[keep]
    seasons = seasons.loc[~seasons["folder"].isin(suspect)].reset_index(drop=True)
    season_folders = seasons["folder"].to_numpy()
    seasons.insert(0, "show", seasons.pop("folder").map({name: metas[name][0] for name in metas}).astype(object))
    seasons = seasons[SEASON_COLUMNS]
    tables = {"seasons": seasons, "appearances": appearances}

    def bounds(values: np.ndarray) -> dict[str, tuple[int, int]]:
        names, first = np.unique(values, return_index=True)
        order = np.argsort(first)
        names, first = names[order], first[order]
        last = np.append(first[1:], len(values))
        return {n: (int(a), int(b)) for n, a, b in zip(names, first, last)}

    rows, season_bounds = bounds(folders_kept), bounds(season_folders)
    shows: dict[str, Show] = {}
    for path in folders:
        name = path.name
        if name in suspect:
            shows[name] = load_show(path)   # raises the one-by-one path's first problem, if any
            continue
        slug, meta = metas[name]
        flags = int_shows.loc[name]
        ints = tuple(c for c in ("finale_share", "birth_year") if flags[c])
        show = BulkShow(slug, meta["title"], path, meta, tables, rows[name], season_bounds[name], ints)
        shows[name] = show if lazy else Show(slug, meta["title"], path, meta, show.seasons, show.appearances)
    single = [name for name in shows if name in suspect]
    if single:   # add the individually loaded shows' tables, in library order
        order = {name: i for i, name in enumerate(shows)}
        for key in ("seasons", "appearances"):
            frames = [tables[key]] + [getattr(shows[name], key) for name in single]
            frames = [f for f in frames if len(f)]
            joined = pd.concat(frames, ignore_index=True) if frames else tables[key]
            slug_order = {shows[name].slug: order[name] for name in shows}
            tables = {**tables, key: joined.sort_values("show", key=lambda c: c.map(slug_order),
                                                        kind="mergesort").reset_index(drop=True)}
    return Library(shows, _tables=tables)


def load_library(library_dir: str | Path) -> Library:
    """Load every show folder in ``library_dir``; the first invalid show stops with its problem.

    Libraries of ``BULK_MIN_SHOWS`` shows or more are loaded by the equivalent bulk path, :func:`load_library_bulk`.
    """
    folders = show_folders(library_dir)
    if len(folders) >= BULK_MIN_SHOWS:
        return load_library_bulk(folders)
    return Library({p.name: load_show(p) for p in folders})

"""Reading show folders: loading and validation against the schema of docs/data-format.md (claims.csv included).

The schema itself is declared once, in io/schema.py, and checked over the rows of every folder at once:
:func:`load_folders` reads any number of show folders (a show is a library of one) and gives each folder's
problems and the typed tables of the valid ones. ``validate_show`` lists *every* problem (for ``speculation
validate``); ``load_show`` stops at the first one with the same wording; ``load_library`` (io/bulk.py) loads a
whole library through the same path. ``Library`` concatenates the shows' tables so later stages work on all
shows at once.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ..errors import Problem, SpeculationError
from .config import PROVENANCES
from .schema import APPEARANCE_COLUMNS, BILLINGS, FATES, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, SEASON_RULES, \
    SETTING_YEARS, check_appearances, check_value, parse_csv, parse_many, read_bytes

__all__ = ["Show", "Library", "load_show", "validate_show", "resolve_show", "show_folders", "read_claims",
           "read_show_yaml", "parse_show_yaml", "season_table", "load_folders", "APPEARANCE_COLUMNS", "BILLINGS",
           "FATES", "CLAIM_COLUMNS", "STANCES", "REQUIRED_COLUMNS", "OPTIONAL_COLUMNS"]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SHOW_PROVENANCES = tuple(p for p in PROVENANCES if p != "unspecified")   # what a show.yaml may say

CLAIMS_FILE = "claims.csv"  # optional: what publications said about the next season (core/claims.py)
CLAIM_COLUMNS = ["source", "date", "character", "stance"]
# What each stance says about the next season: 1 = returns, 0 = does not, NaN = no direction.
STANCES = {"confirmed": 1.0, "likely": 1.0, "possible": np.nan, "unlikely": 0.0, "departed": 0.0}
SEASON_COLUMNS = ["show", "season", "episodes", "year", "setting_year"]


@dataclass
class Show:
    """One validated show: its metadata, its seasons and its appearances (one row per character-season)."""

    slug: str
    title: str
    path: Path
    meta: dict[str, Any]
    seasons: pd.DataFrame       # show, season, episodes, year, setting_year
    appearances: pd.DataFrame   # show + APPEARANCE_COLUMNS, typed
    claims: pd.DataFrame | None = None   # claims.csv when the folder has one (see claims.py), else None

    @property
    def last_season(self) -> int:
        return int(self.seasons["season"].max())

    @property
    def unrecorded(self) -> pd.DataFrame:
        """show, character, season for every season show.yaml lists under ``unrecorded``: the character
        appears there (or may) but has no row, so its transition into that season is unknown, not a non-return."""
        return _unrecorded_frame([(self.slug, c, n) for c, n in unrecorded_pairs(self.meta)])

    @property
    def next_setting_year(self) -> float:
        """In-universe year of the season after the last one, when show.yaml announces it."""
        value = (self.meta.get("next_season") or {}).get("setting_year")
        return float(value) if value is not None else np.nan


@dataclass
class Library:
    """Several shows, with their tables concatenated (``show`` column = slug) for vectorised stages."""

    shows: dict[str, Show] = field(default_factory=dict)
    # The concatenated tables, when load_library built them in bulk (see io/bulk.py); else made on use.
    _tables: dict[str, pd.DataFrame] | None = field(default=None, repr=False, compare=False)

    @property
    def seasons(self) -> pd.DataFrame:
        if self._tables is not None:
            return self._tables["seasons"].copy(deep=False)
        return _concat([s.seasons for s in self.shows.values()], ["show", "season", "episodes", "year", "setting_year"])

    @property
    def appearances(self) -> pd.DataFrame:
        if self._tables is not None:
            return self._tables["appearances"].copy(deep=False)
        return _concat([s.appearances for s in self.shows.values()], ["show"] + APPEARANCE_COLUMNS)

    @property
    def next_setting_years(self) -> pd.Series:
        return pd.Series({slug: s.next_setting_year for slug, s in self.shows.items()}, dtype=float)

    @property
    def unrecorded(self) -> pd.DataFrame:
        return _unrecorded_frame([(s.slug, c, n) for s in self.shows.values() for c, n in unrecorded_pairs(s.meta)])

    def subset(self, slugs) -> "Library":
        """The library restricted to the shows ``slugs`` names, keeping its concatenated tables when it has them
        (rebuilding them from per-show frames costs memory and time for big libraries)."""
        wanted = set(slugs)
        keep = [slug for slug in self.shows if slug in wanted]
        if len(keep) == len(self.shows):
            return self
        tables = None if self._tables is None else {
            name: table.loc[table["show"].isin(keep)].reset_index(drop=True) for name, table in self._tables.items()}
        return Library({slug: self.shows[slug] for slug in keep}, _tables=tables)

    def with_show(self, show: Show) -> "Library":
        """A copy of this library where ``show`` is added, or replaces the show with its slug."""
        shows = dict(self.shows)
        shows[show.slug] = show
        same = self._tables is not None and self.shows.get(show.slug) is show
        return Library(dict(sorted(shows.items())), _tables=self._tables if same else None)


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)


# ----------------------------------------------------------------------------------------------- show.yaml
def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def read_show_yaml(path: Path, problems: list[Problem]) -> dict | None:
    """The checked mapping of a show.yaml, or None when it cannot be read as one; problems are appended."""
    file = str(path)
    data, problem = read_bytes(path, "a show.yaml (every show folder needs one)")
    if problem:
        problems.append(problem)
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(Problem(file, "expected UTF-8 text"))
        return None
    return parse_show_yaml(text, file, problems)


def parse_show_yaml(text: str, file: str, problems: list[Problem]) -> dict | None:
    """The checked mapping of a show.yaml's text (``file`` names it in problems), or None when it is not one."""
    try:
        meta = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(Problem(file, f"not valid YAML ({getattr(exc, 'problem', None) or 'syntax error'})",
                                line=mark.line + 1 if mark else None))
        return None
    if not isinstance(meta, dict):
        problems.append(Problem(file, "expected a mapping with keys title, source and seasons"))
        return None
    for key in ("title", "source"):
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            problems.append(Problem(file, f"key '{key}' is required and must be a non-empty text"))
    if "network" in meta and meta["network"] is not None and not isinstance(meta["network"], str):
        problems.append(Problem(file, "key 'network' must be a text"))
    if meta.get("provenance") is not None and meta["provenance"] not in SHOW_PROVENANCES:
        problems.append(Problem(file, f"key 'provenance' must be one of {' / '.join(SHOW_PROVENANCES)}, got "
                                      f"{meta['provenance']!r}"))
    seasons = meta.get("seasons")
    if not isinstance(seasons, list) or not seasons:
        problems.append(Problem(file, "key 'seasons' is required: a list with one entry per aired season"))
        meta["seasons"] = []
        return meta
    _check_seasons(seasons, file, problems)
    _check_extras(meta, file, problems)
    return meta


def _check_seasons(seasons: list, file: str, problems: list[Problem]) -> None:
    """Each entry of `seasons` against :data:`SEASON_RULES`; numbers 1, 2, 3… in order."""
    previous = 0
    for i, entry in enumerate(seasons, start=1):
        where = f"key 'seasons', entry {i}"
        if not isinstance(entry, dict):
            problems.append(Problem(file, f"{where}: expected a mapping with number and episodes"))
            continue
        for rule in SEASON_RULES:
            if not check_value(rule, entry.get(rule.column)):
                problems.append(Problem(file, f"{where}: '{rule.column}' must be {rule.expected()}, "
                                              f"got {entry.get(rule.column)!r}"))
        number = entry.get("number")
        if not check_value(SEASON_RULES[0], number):
            continue
        if number <= previous:
            problems.append(Problem(file, f"{where}: season numbers must increase, got {number} after {previous}"))
            continue
        if number != previous + 1:
            problems.append(Problem(file, f"{where}: seasons must be consecutive, got {number} after {previous}"))
        previous = number


def _check_extras(meta: dict, file: str, problems: list[Problem]) -> None:
    """The optional keys: next_season, returns_after_death, unrecorded, estimated_columns."""
    seasons = meta["seasons"]
    nxt = meta.get("next_season")
    lo, hi = SETTING_YEARS
    if nxt is not None and not (isinstance(nxt, dict) and (nxt.get("setting_year") is None or (
            _is_int(nxt["setting_year"]) and lo <= nxt["setting_year"] <= hi))):
        problems.append(Problem(file, "key 'next_season' must be a mapping whose 'setting_year' is an integer year "
                                      f"from {lo} to {hi}"))
    rad = meta.get("returns_after_death")
    if rad is not None:
        if not isinstance(rad, list) or not all(isinstance(r, dict) and isinstance(r.get("character"), str)
                                                and _is_int(r.get("season")) for r in rad):
            problems.append(Problem(file, "key 'returns_after_death' must be a list of {character, season, note}"))
    unrecorded = meta.get("unrecorded")
    if unrecorded is not None:
        numbers = {e.get("number") for e in seasons if isinstance(e, dict)}
        if not isinstance(unrecorded, list):
            problems.append(Problem(file, "key 'unrecorded' must be a list of {character, seasons, note}"))
        else:
            for i, entry in enumerate(unrecorded, start=1):
                ok = (isinstance(entry, dict) and isinstance(entry.get("character"), str) and entry["character"].strip()
                      and isinstance(entry.get("seasons"), list) and entry["seasons"]
                      and all(_is_int(n) and n in numbers for n in entry["seasons"]))
                if not ok:
                    problems.append(Problem(file, f"key 'unrecorded', entry {i}: expected {{character: NAME, seasons: "
                                                  f"[season numbers listed under 'seasons'], note: TEXT}}, got {entry!r}"))
    est = meta.get("estimated_columns")
    if est is not None and not (isinstance(est, list) and all(c in APPEARANCE_COLUMNS for c in est)):
        problems.append(Problem(file, "key 'estimated_columns' must list columns of appearances.csv, got " + repr(est)))


def _season_rows(meta: dict) -> list[tuple]:
    """(season, episodes, year, setting_year) of every well-formed entry of a show.yaml's seasons."""
    return [(e["number"], e["episodes"], e.get("year"), e.get("setting_year")) for e in meta.get("seasons", [])
            if isinstance(e, dict) and all(check_value(r, e.get(r.column)) for r in SEASON_RULES[:2])]


def _seasons_ok(meta: dict) -> bool:
    seasons = meta.get("seasons") or []
    return bool(seasons) and all(isinstance(e, dict) and all(check_value(r, e.get(r.column)) for r in SEASON_RULES)
                                 for e in seasons)


def season_table(slug: str, meta: dict) -> pd.DataFrame:
    rows = _season_rows(meta)
    return _typed_seasons(pd.DataFrame([(slug,) + r for r in rows], columns=SEASON_COLUMNS))


def _typed_seasons(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.astype({"season": "int64", "episodes": "int64", "year": "float64", "setting_year": "float64"})
    frame["show"] = frame["show"].astype(object)
    return frame


# ---------------------------------------------------------------------------------------- fates, unrecorded
def unrecorded_pairs(meta: dict) -> list[tuple[str, int]]:
    """(character, season) for every season a validated show.yaml lists under ``unrecorded``."""
    return [(e["character"], int(n)) for e in (meta.get("unrecorded") or []) for n in e["seasons"]]


def _unrecorded_frame(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame({"show": pd.Series([r[0] for r in rows], dtype=object),
                         "character": pd.Series([r[1] for r in rows], dtype=object),
                         "season": pd.Series([r[2] for r in rows], dtype="int64")})


def _check_fates(rows: pd.DataFrame, metas: dict[int, dict]) -> list[tuple[int, Problem]]:
    """A character marked dead who appears in a later season must be declared in returns_after_death."""
    dead = rows.loc[rows["fate"] == "dead"].groupby(["folder", "character"])["season"].min()
    if dead.empty:
        return []
    later = rows.merge(dead.rename("died_in").reset_index(), on=["folder", "character"])
    later = later.loc[later["season"] > later["died_in"]]
    found = []
    for row in later.itertuples(index=False):
        declared = metas[row.folder].get("returns_after_death") or []
        if not any(r.get("character") == row.character and r.get("season") == row.season for r in declared):
            found.append((row.folder, Problem(row.file, f"{row.character!r} died in season {row.died_in} but "
                                              f"appears in season {row.season}; if the show really brought them "
                                              f"back, list it under returns_after_death in show.yaml",
                                              line=int(row.line), column="fate")))
    return found


def _check_unrecorded(rows: pd.DataFrame, metas: dict[int, dict]) -> list[tuple[int, Problem]]:
    """A season listed as unrecorded for a character must not also have a row for it."""
    listed = [(f, c, n) for f, meta in metas.items() for c, n in unrecorded_pairs(meta)]
    if not listed or rows.empty:
        return []
    key = pd.MultiIndex.from_arrays([rows["folder"], rows["character"], rows["season"]])
    clash = rows.loc[key.isin(pd.MultiIndex.from_tuples(listed))]
    return [(r.folder, Problem(r.file, f"{r.character!r} has a row for season {r.season}, which show.yaml lists "
                                       f"under 'unrecorded'; expected one or the other", line=int(r.line),
                               column="season")) for r in clash.itertuples(index=False)]


# ------------------------------------------------------------------------------------------------ claims.csv
def read_claims(path: Path, characters: set[str], problems: list[Problem]) -> pd.DataFrame | None:
    """The claims of ``path`` (a claims.csv), checked against the show's ``characters``; None if invalid.

    Problems are appended (every one, for ``speculation validate``), each naming file, line and column.
    Rows come back sorted by date, then character, then source, so outputs are deterministic.
    """
    file = str(path)
    data, problem = read_bytes(path, "a claims.csv")
    raw, found = (None, [problem]) if problem else parse_csv(data, file, CLAIM_COLUMNS)
    if raw is None:
        problems += found
        return None
    lines = raw["line"].tolist()
    raw = raw[CLAIM_COLUMNS].apply(lambda s: s.str.strip())
    before = len(problems)
    for i, row in zip(lines, raw.itertuples(index=False)):
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


# ------------------------------------------------------------------------------- loading folders in one pass
@dataclass
class Loaded:
    """What :func:`load_folders` read: per folder (by position) its problems, and for the valid ones their
    show.yaml, claims and rows of the library-wide ``seasons`` and ``appearances`` tables (``folder`` column)."""

    folders: list[Path]
    problems: dict[int, list[Problem]]
    metas: dict[int, dict]
    claims: dict[int, pd.DataFrame]
    seasons: pd.DataFrame
    appearances: pd.DataFrame

    @property
    def valid(self) -> list[int]:
        return [i for i in range(len(self.folders)) if not self.problems[i]]


def _read_folders(folders: list[Path], problems: dict[int, list[Problem]]) -> tuple[dict, pd.DataFrame, list]:
    """Every show.yaml (checked) and the bytes of every appearances.csv; the seasons table of all of them."""
    metas, season_rows, files = {}, [], []
    for i, path in enumerate(folders):
        if not path.is_dir():
            problems[i].append(Problem(str(path), "not a show folder (expected a folder with show.yaml and "
                                                  "appearances.csv)"))
            continue
        meta = read_show_yaml(path / "show.yaml", problems[i])
        if meta is not None:
            metas[i] = meta
        slug, file = path.resolve().name, str(path / "appearances.csv")
        if meta is not None and _seasons_ok(meta):   # rows are checked against valid seasons only (no cascade)
            season_rows += [(i, file, slug) + r for r in _season_rows(meta)]
        data, problem = read_bytes(path / "appearances.csv", "an appearances.csv (every show folder needs one)")
        if problem:
            problems[i].append(problem)
        else:
            files.append((i, file, data))
    seasons = pd.DataFrame(season_rows, columns=["folder", "file"] + SEASON_COLUMNS)
    return metas, seasons, files


def load_folders(folders: list[Path]) -> Loaded:
    """Read and check the show folders ``folders`` together: the schema's rules run once over all their rows."""
    problems: dict[int, list[Problem]] = {i: [] for i in range(len(folders))}
    metas, seasons, files = _read_folders(folders, problems)
    raw, unreadable = parse_many(files, REQUIRED_COLUMNS, APPEARANCE_COLUMNS)
    for i, found in unreadable.items():
        problems[i] += found
    with_rows = set(raw["folder"])
    for i, file, _ in files:
        if i not in unreadable and i not in with_rows:
            problems[i].append(Problem(file, "no rows: expected one row per character per season"))
    typed, found = check_appearances(raw, seasons.loc[seasons["folder"].isin(with_rows)])
    for i, problem in found:
        problems[i].append(problem)
    clean = [i for i in metas if not problems[i]]
    typed = typed.loc[typed["folder"].isin(clean)].astype({"season": "int64", "episodes": "int64"})
    for i, problem in _check_fates(typed, metas) + _check_unrecorded(typed, metas):
        problems[i].append(problem)
    claims = {}
    for i in clean:
        if not problems[i] and (folders[i] / CLAIMS_FILE).exists():
            chars = set(typed.loc[typed["folder"] == i, "character"])
            found = read_claims(folders[i] / CLAIMS_FILE, chars, problems[i])
            if found is not None:
                claims[i] = found
    valid = [i for i in clean if not problems[i]]
    return Loaded(folders, problems, {i: metas[i] for i in valid}, claims,
                  _typed_seasons(seasons.loc[seasons["folder"].isin(valid)].reset_index(drop=True)),
                  _typed_appearances(typed.loc[typed["folder"].isin(valid)], raw["character"].dtype, folders))


def _typed_appearances(typed: pd.DataFrame, text: Any, folders: list[Path]) -> pd.DataFrame:
    """The appearances table of valid rows: folder, show (slug) and the schema's columns, typed."""
    slugs = {i: folders[i].resolve().name for i in set(typed["folder"])}
    out = pd.DataFrame({"folder": typed["folder"].to_numpy(dtype="int64"),
                        "show": typed["folder"].map(slugs).astype(text).to_numpy()})
    for col in APPEARANCE_COLUMNS:
        out[col] = typed[col].to_numpy()
    out = out.astype({"season": "int64", "episodes": "int64", "in_finale": "int64", "finale_share": "float64",
                      "birth_year": "float64"})
    for col in ("show", "character", "actor", "billing", "fate"):
        out[col] = out[col].astype(text)
    return out.reset_index(drop=True)


# ------------------------------------------------------------------------------------------ public functions
def validate_show(path: str | Path) -> list[Problem]:
    """Every problem in the show folder at ``path`` (empty list = valid)."""
    return load_folders([Path(path)]).problems[0]


def show_from(loaded: Loaded, i: int, appearances: pd.DataFrame, seasons: pd.DataFrame) -> Show:
    """The Show of valid folder ``i`` of ``loaded``, given its slices of the library tables."""
    path, meta = loaded.folders[i], loaded.metas[i]
    return Show(slug=path.resolve().name, title=meta["title"], path=path, meta=meta,
                seasons=seasons.drop(columns=["folder", "file"]).reset_index(drop=True),
                appearances=appearances.drop(columns=["folder"]).reset_index(drop=True), claims=loaded.claims.get(i))


def load_show(path: str | Path) -> Show:
    """Load and validate one show folder; raises :class:`SpeculationError` on the first problem."""
    loaded = load_folders([Path(path)])
    if loaded.problems[0]:
        raise SpeculationError.from_problems(loaded.problems[0])
    return show_from(loaded, 0, loaded.appearances, loaded.seasons)


def show_folders(library_dir: str | Path) -> list[Path]:
    """The show folders of a library: its sub-folders holding a show.yaml, sorted by slug."""
    root = Path(library_dir)
    if not root.is_dir():
        raise SpeculationError(f"{root}: library folder not found (expected a folder of show folders)")
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / "show.yaml").exists())


def resolve_show(spec: str | Path, library: Library) -> Show:
    """SHOW on the command line: a path to a show folder, or the slug of a library show."""
    path = Path(spec)
    if path.is_dir():
        return load_show(path)
    if str(spec) in library.shows:
        return library.shows[str(spec)]
    close = difflib.get_close_matches(str(spec), list(library.shows), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else f"; known shows: {', '.join(library.shows) or 'none'}"
    raise SpeculationError(f"{spec}: not a show folder and not a show of the library{hint}")

"""Reading one show folder: the schema of docs/data-format.md (claims.csv included), loading and validation.

With io/bulk.py (which loads whole libraries) this is the only code that reads show folders. ``validate_show``
collects *every* problem (for ``speculation validate``); ``load_show`` stops at the first one with the same
wording. A library is a folder of show folders; ``Library`` concatenates their tables so later stages work on
all shows at once (``load_library`` lives in io/bulk.py).
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

__all__ = ["Show", "Library", "load_show", "validate_show", "resolve_show", "show_folders", "read_claims",
           "APPEARANCE_COLUMNS", "BILLINGS", "FATES", "CLAIM_COLUMNS", "STANCES"]

REQUIRED_COLUMNS = ["season", "character", "actor", "billing", "episodes", "in_finale"]
OPTIONAL_COLUMNS = ["finale_share", "fate", "birth_year"]
APPEARANCE_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
BILLINGS = ("main", "recurring", "guest")
FATES = ("alive", "dead", "departed", "unknown")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
CLAIMS_FILE = "claims.csv"  # optional: what publications said about the next season (core/claims.py)
CLAIM_COLUMNS = ["source", "date", "character", "stance"]
# What each stance says about the next season: 1 = returns, 0 = does not, NaN = no direction.
STANCES = {"confirmed": 1.0, "likely": 1.0, "possible": np.nan, "unlikely": 0.0, "departed": 0.0}


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


def _read_show_yaml(path: Path, problems: list[Problem]) -> dict | None:
    file = str(path)
    if not path.is_file():
        problems.append(Problem(file, "missing: every show folder needs a show.yaml (see docs/data-format.md)"))
        return None
    try:
        meta = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except UnicodeDecodeError:
        problems.append(Problem(file, "expected UTF-8 text"))
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(Problem(file, f"not valid YAML ({getattr(exc, 'problem', 'syntax error')})",
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
    seasons = meta.get("seasons")
    if not isinstance(seasons, list) or not seasons:
        problems.append(Problem(file, "key 'seasons' is required: a list with one entry per aired season"))
        meta["seasons"] = []
        return meta
    previous = 0
    for i, entry in enumerate(seasons, start=1):
        where = f"key 'seasons', entry {i}"
        if not isinstance(entry, dict):
            problems.append(Problem(file, f"{where}: expected a mapping with number and episodes"))
            continue
        number, episodes = entry.get("number"), entry.get("episodes")
        if not _is_int(number) or number < 1:
            problems.append(Problem(file, f"{where}: 'number' must be an integer ≥ 1, got {number!r}"))
        elif number <= previous:
            problems.append(Problem(file, f"{where}: season numbers must increase, got {number} after {previous}"))
        else:
            if number != previous + 1:
                problems.append(Problem(file, f"{where}: seasons must be consecutive, got {number} after {previous}"))
            previous = number
        if not _is_int(episodes) or episodes < 1:
            problems.append(Problem(file, f"{where}: 'episodes' must be an integer ≥ 1, got {episodes!r}"))
        for key in ("year", "setting_year"):
            if entry.get(key) is not None and not _is_int(entry[key]):
                problems.append(Problem(file, f"{where}: '{key}' must be an integer year, got {entry[key]!r}"))
    nxt = meta.get("next_season")
    if nxt is not None and not (isinstance(nxt, dict) and (nxt.get("setting_year") is None or _is_int(nxt["setting_year"]))):
        problems.append(Problem(file, "key 'next_season' must be a mapping whose 'setting_year' is an integer year"))
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
    return meta


def _season_table(slug: str, meta: dict) -> pd.DataFrame:
    rows = [e for e in meta.get("seasons", []) if isinstance(e, dict) and _is_int(e.get("number"))
            and _is_int(e.get("episodes"))]
    return pd.DataFrame({
        "show": pd.Series([slug] * len(rows), dtype=object),
        "season": pd.Series([e["number"] for e in rows], dtype="int64"),
        "episodes": pd.Series([e["episodes"] for e in rows], dtype="int64"),
        "year": pd.Series([e.get("year") for e in rows], dtype="float64"),
        "setting_year": pd.Series([e.get("setting_year") for e in rows], dtype="float64"),
    })


# ---------------------------------------------------------------------------------------- appearances.csv
def _bad(problems: list[Problem], file: str, frame: pd.DataFrame, mask: pd.Series, column: str,
         expected: str) -> None:
    for idx in np.flatnonzero(mask.to_numpy()):
        got = frame[column].iloc[idx]
        problems.append(Problem(file, f"expected {expected}, got {got!r}", line=int(idx) + 2, column=column))


def read_text_table(path: Path, required: list[str], problems: list[Problem]) -> pd.DataFrame | None:
    """A CSV file as text cells (no type guessing), or None with one problem when it cannot be read as a
    UTF-8 CSV holding the ``required`` columns in its header row."""
    file = str(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8", skipinitialspace=False)
    except UnicodeDecodeError:
        problems.append(Problem(file, "expected UTF-8 text"))
        return None
    except pd.errors.EmptyDataError:
        problems.append(Problem(file, "empty file: expected a header row " + ",".join(required)))
        return None
    except pd.errors.ParserError as exc:
        problems.append(Problem(file, f"not a well-formed CSV ({str(exc).strip()})"))
        return None
    missing = [c for c in required if c not in raw.columns]
    if missing:
        problems.append(Problem(file, "missing required column(s) " + ", ".join(missing) + " in the header row",
                                line=1))
        return None
    return raw


def _read_appearances(path: Path, slug: str, seasons: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame | None:
    file = str(path)
    if not path.is_file():
        problems.append(Problem(file, "missing: every show folder needs an appearances.csv (see docs/data-format.md)"))
        return None
    raw = read_text_table(path, REQUIRED_COLUMNS, problems)
    if raw is None:
        return None
    if raw.empty:
        problems.append(Problem(file, "no rows: expected one row per character per season"))
        return None
    for col in OPTIONAL_COLUMNS:
        if col not in raw.columns:
            raw[col] = ""
    raw = raw.apply(lambda s: s.str.strip())
    out = pd.DataFrame({"show": [slug] * len(raw)})

    def integer(col: str, lo: int | None = None, optional: bool = False) -> pd.Series:
        values = pd.to_numeric(raw[col], errors="coerce")
        blank = raw[col] == ""
        ok = values.notna() & (values == values.round())
        if lo is not None:
            ok &= values >= lo
        if optional:
            ok |= blank
        expected = "an integer" + (f" ≥ {lo}" if lo is not None else "") + (" or blank" if optional else "")
        _bad(problems, file, raw, ~ok, col, expected)
        return values.where(ok)

    season = integer("season", 1)
    listed = set(seasons["season"].tolist())
    # With no readable season list, show.yaml's own problem is the one to report, not every row.
    unlisted = season.notna() & ~season.isin(listed) & bool(listed)
    _bad(problems, file, raw, unlisted, "season",
         "a season listed in show.yaml (" + ", ".join(map(str, sorted(listed))) + ")")
    season = season.where(~unlisted)
    out["season"] = season
    for col in ("character", "actor"):
        _bad(problems, file, raw, raw[col] == "", col, "a non-empty name")
        out[col] = raw[col]
    billing = raw["billing"].str.lower()
    _bad(problems, file, raw, ~billing.isin(BILLINGS), "billing", "one of " + " / ".join(BILLINGS))
    out["billing"] = billing
    episodes = integer("episodes", 1)
    season_eps = season.map(seasons.set_index("season")["episodes"])
    too_many = episodes.notna() & season_eps.notna() & (episodes > season_eps)
    for idx in np.flatnonzero(too_many.to_numpy()):
        problems.append(Problem(file, f"expected at most {int(season_eps.iloc[idx])} (the episodes of season "
                                      f"{int(season.iloc[idx])} in show.yaml), got {raw['episodes'].iloc[idx]!r}",
                                line=int(idx) + 2, column="episodes"))
    out["episodes"] = episodes
    fin = raw["in_finale"]
    _bad(problems, file, raw, ~fin.isin(["0", "1"]), "in_finale", "0 or 1")
    out["in_finale"] = pd.to_numeric(fin.where(fin.isin(["0", "1"])), errors="coerce")
    share = pd.to_numeric(raw["finale_share"], errors="coerce")
    ok = (raw["finale_share"] == "") | (share.notna() & (share >= 0) & (share <= 1))
    _bad(problems, file, raw, ~ok, "finale_share", "a number between 0 and 1, or blank")
    absent_share = ok & share.gt(0) & (fin == "0")
    _bad(problems, file, raw, absent_share, "finale_share", "blank or 0 for a character not in the finale (in_finale = 0)")
    out["finale_share"] = share.where(ok)
    fate = raw["fate"].str.lower().replace("", "alive")
    _bad(problems, file, raw, ~fate.isin(FATES), "fate", "one of " + " / ".join(FATES) + " (blank = alive)")
    out["fate"] = fate
    out["birth_year"] = integer("birth_year", optional=True)
    dup = out["season"].notna() & out.duplicated(["season", "character"], keep="first")
    for idx in np.flatnonzero(dup.to_numpy()):
        problems.append(Problem(file, f"expected one row per (season, character), but season "
                                      f"{int(out['season'].iloc[idx])} already has {out['character'].iloc[idx]!r}",
                                line=int(idx) + 2, column="character"))
    present = set(out["season"].dropna().astype(int))
    for number in sorted(listed - present):
        problems.append(Problem(file, f"season {number} is listed in show.yaml but has no rows"))
    for col in ("season", "episodes", "in_finale"):
        out[col] = out[col].astype("Int64")
    return out


def _check_fates(slug: str, meta: dict, appearances: pd.DataFrame, file: str, problems: list[Problem]) -> None:
    """A character marked dead who appears in a later season must be declared in returns_after_death."""
    declared = {(r.get("character"), r.get("season")) for r in (meta.get("returns_after_death") or [])
                if isinstance(r, dict)}
    dead = appearances.loc[appearances["fate"] == "dead"].groupby("character")["season"].min()
    if dead.empty:
        return
    later = appearances.merge(dead.rename("died_in").reset_index(), on="character")
    later = later.loc[later["season"] > later["died_in"]]
    for _, row in later.iterrows():
        if (row["character"], int(row["season"])) not in declared:
            problems.append(Problem(file, f"{row['character']!r} died in season {int(row['died_in'])} but appears in "
                                          f"season {int(row['season'])}; if the show really brought them back, list it "
                                          f"under returns_after_death in show.yaml", column="fate"))


def unrecorded_pairs(meta: dict) -> list[tuple[str, int]]:
    """(character, season) for every season a validated show.yaml lists under ``unrecorded``."""
    return [(e["character"], int(n)) for e in (meta.get("unrecorded") or []) for n in e["seasons"]]


def _unrecorded_frame(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame({"show": pd.Series([r[0] for r in rows], dtype=object),
                         "character": pd.Series([r[1] for r in rows], dtype=object),
                         "season": pd.Series([r[2] for r in rows], dtype="int64")})


def _check_unrecorded(meta: dict, appearances: pd.DataFrame, file: str, problems: list[Problem]) -> None:
    """A season listed as unrecorded for a character must not also have a row for it."""
    listed = set(unrecorded_pairs(meta))
    if not listed:
        return
    clash = [(c, int(s)) in listed for c, s in zip(appearances["character"], appearances["season"])]
    for idx in np.flatnonzero(clash):
        row = appearances.iloc[idx]
        problems.append(Problem(file, f"{row['character']!r} has a row for season {int(row['season'])}, which "
                                      f"show.yaml lists under 'unrecorded'; expected one or the other",
                                line=int(appearances.index[idx]) + 2, column="season"))


def read_claims(path: Path, characters: set[str], problems: list[Problem]) -> pd.DataFrame | None:
    """The claims of ``path`` (a claims.csv), checked against the show's ``characters``; None if invalid.

    Problems are appended (every one, for ``speculation validate``), each naming file, line and column.
    Rows come back sorted by date, then character, then source, so outputs are deterministic.
    """
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


def validate_show(path: str | Path) -> list[Problem]:
    """Every problem in the show folder at ``path`` (empty list = valid)."""
    problems: list[Problem] = []
    _load(Path(path), problems)
    return problems


def _load(path: Path, problems: list[Problem]) -> Show | None:
    if not path.is_dir():
        problems.append(Problem(str(path), "not a show folder (expected a folder with show.yaml and appearances.csv)"))
        return None
    slug = path.resolve().name
    meta = _read_show_yaml(path / "show.yaml", problems)
    seasons = _season_table(slug, meta or {})
    appearances = _read_appearances(path / "appearances.csv", slug, seasons, problems)
    if meta is None or appearances is None:
        return None
    if not problems:
        _check_fates(slug, meta, appearances, str(path / "appearances.csv"), problems)
        _check_unrecorded(meta, appearances, str(path / "appearances.csv"), problems)
    claims = None
    if (path / CLAIMS_FILE).exists() and not problems:
        claims = read_claims(path / CLAIMS_FILE, set(appearances["character"]), problems)
    if problems:
        return None
    appearances = appearances.astype({"season": "int64", "episodes": "int64", "in_finale": "int64"})
    return Show(slug=slug, title=meta["title"], path=path, meta=meta, seasons=seasons, appearances=appearances,
                claims=claims)


def load_show(path: str | Path) -> Show:
    """Load and validate one show folder; raises :class:`SpeculationError` on the first problem."""
    problems: list[Problem] = []
    show = _load(Path(path), problems)
    if problems:
        raise SpeculationError.from_problems(problems)
    assert show is not None
    return show


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

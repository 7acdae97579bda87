"""The show-folder schema, declared once, and its checks, run vectorised over a whole library's rows.

:data:`APPEARANCE_RULES` declares every column of appearances.csv (type, required, bounds, allowed values) and
:data:`SEASON_RULES` every key of a show.yaml season entry; :func:`check_appearances` runs the rules over the
concatenated rows of any number of show folders (a show is a library of one) and maps every failure to one
:class:`~speculation.errors.Problem` (``file, line N, column 'x': expected …, got …``). Reading a CSV file
(:func:`parse_csv`) keeps each row's physical line number, so blank lines and quoted line breaks never shift
the line a problem names. docs/data-format.md documents the same rules.
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import Problem

__all__ = ["Rule", "APPEARANCE_RULES", "SEASON_RULES", "APPEARANCE_COLUMNS", "REQUIRED_COLUMNS",
           "OPTIONAL_COLUMNS", "BILLINGS", "FATES", "MAX_SEASONS", "MAX_EPISODES", "YEARS", "SETTING_YEARS",
           "read_bytes", "parse_csv", "parse_many", "check_appearances", "check_value"]

BILLINGS = ("main", "recurring", "guest")
FATES = ("alive", "dead", "departed", "unknown")
MAX_SEASONS = 200        # a season number above this is a typo, not a show
MAX_EPISODES = 1000      # episodes in one season (daily soaps run ~250)
YEARS = (1800, 2200)     # air years and birth years
SETTING_YEARS = (-9999, 9999)   # in-universe years (science fiction is set far ahead)


@dataclass(frozen=True)
class Rule:
    """One column (or key): its kind ("int", "number", "text" or "choice"), whether the header must have it,
    what a blank cell means (None = not allowed, "" = missing), inclusive bounds and allowed values."""

    column: str
    kind: str
    required: bool = True
    blank: str | None = None
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] = ()

    def expected(self) -> str:
        if self.kind == "choice":
            text = " or ".join(self.choices) if len(self.choices) == 2 else "one of " + " / ".join(self.choices)
            return text + (f" (blank = {self.blank})" if self.blank else "")
        if self.kind == "text":
            return "a non-empty name"
        noun = "an integer" if self.kind == "int" else "a number"
        if self.lo is not None and self.hi is not None:
            word = "from {} to {}" if self.kind == "int" else "between {} and {}"
            noun += " " + word.format(_num(self.lo), _num(self.hi))
        elif self.lo is not None:
            noun += f" ≥ {_num(self.lo)}"
        return noun + (", or blank" if self.blank is not None else "")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


APPEARANCE_RULES = (
    Rule("season", "int", lo=1, hi=MAX_SEASONS),
    Rule("character", "text"),
    Rule("actor", "text"),
    Rule("billing", "choice", choices=BILLINGS),
    Rule("episodes", "int", lo=1, hi=MAX_EPISODES),    # and at most the season's episodes in show.yaml
    Rule("in_finale", "choice", choices=("0", "1")),
    Rule("finale_share", "number", required=False, blank="", lo=0, hi=1),
    Rule("fate", "choice", required=False, blank="alive", choices=FATES),
    Rule("birth_year", "int", required=False, blank="", lo=YEARS[0], hi=YEARS[1]),
)
REQUIRED_COLUMNS = [r.column for r in APPEARANCE_RULES if r.required]
OPTIONAL_COLUMNS = [r.column for r in APPEARANCE_RULES if not r.required]
APPEARANCE_COLUMNS = [r.column for r in APPEARANCE_RULES]
# The keys of a show.yaml `seasons` entry (blank = the key may be left out).
SEASON_RULES = (
    Rule("number", "int", lo=1, hi=MAX_SEASONS),
    Rule("episodes", "int", lo=1, hi=MAX_EPISODES),
    Rule("year", "int", blank="", lo=YEARS[0], hi=YEARS[1]),
    Rule("setting_year", "int", blank="", lo=SETTING_YEARS[0], hi=SETTING_YEARS[1]),
)


def check_value(rule: Rule, value: Any) -> bool:
    """Whether a YAML value (a Python object) satisfies ``rule``; None passes where blanks are allowed."""
    if value is None:
        return rule.blank is not None
    if rule.kind == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            return False
    elif rule.kind == "number":
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            return False
    else:
        return isinstance(value, str) and (value in rule.choices if rule.kind == "choice" else bool(value.strip()))
    return (rule.lo is None or value >= rule.lo) and (rule.hi is None or value <= rule.hi)


# ------------------------------------------------------------------------------------------ reading CSV
def read_bytes(path: Path, what: str) -> tuple[bytes | None, Problem | None]:
    """The bytes of ``path``, or one problem saying why it cannot be read (``what``: what the file should be)."""
    if path.is_dir():
        return None, Problem(str(path), f"is a folder, expected {what}")
    try:
        return path.read_bytes(), None
    except FileNotFoundError:
        return None, Problem(str(path), f"missing: expected {what} (see docs/data-format.md)")
    except OSError as exc:
        return None, Problem(str(path), f"cannot be read ({exc.strerror or exc}), expected {what}")


def _decode(data: bytes, file: str, required: list[str]) -> tuple[str | None, Problem | None]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, Problem(file, f"expected UTF-8 text (byte {exc.start + 1} is not)")
    if not text.strip():
        return None, Problem(file, "empty file: expected a header row " + ",".join(required))
    return text, None


def _plain(text: str) -> bool:
    """Whether one joint parse reads ``text`` exactly as the careful line-by-line parse would."""
    if '"' in text or "\r" in text or "\x00" in text:
        return False
    lines = (text[:-1] if text.endswith("\n") else text).split("\n")
    commas = lines[0].count(",")
    return len(lines) >= 2 and all(line.strip() and line.count(",") == commas for line in lines)


def _careful(text: str, file: str) -> tuple[list[str], list[list[str]], list[int], list[Problem]]:
    """Header, rows and each row's first physical line, by the csv module; blank lines are skipped."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header, rows, lines, problems = [], [], [], []
    try:
        header = next(reader)
        start = reader.line_num + 1
        for row in reader:
            line, start = start, reader.line_num + 1
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != len(header):
                problems.append(Problem(file, f"expected {len(header)} fields (as in the header row), got {len(row)}",
                                        line=line))
                continue
            rows.append(row)
            lines.append(line)
    except csv.Error as exc:
        problems.append(Problem(file, f"not a well-formed CSV ({exc})", line=reader.line_num))
    return header, rows, lines, problems


def _check_header(header: list[str], file: str, required: list[str]) -> Problem | None:
    twice = sorted({c for c in header if header.count(c) > 1})
    if twice:
        return Problem(file, "column(s) " + ", ".join(twice) + " appear more than once in the header row", line=1)
    missing = [c for c in required if c not in header]
    if missing:
        return Problem(file, "missing required column(s) " + ", ".join(missing) + " in the header row", line=1)
    return None


def parse_csv(data: bytes, file: str, required: list[str]) -> tuple[pd.DataFrame | None, list[Problem]]:
    """A CSV file as text cells (no type guessing) plus ``line``, each row's line number in the file; or None
    with the problems that make it unreadable (not UTF-8, not CSV, ragged rows, required columns missing)."""
    text, problem = _decode(data, file, required)
    if problem:
        return None, [problem]
    if _plain(text):
        header = text.split("\n", 1)[0].split(",")
        problem = _check_header(header, file, required)
        if problem:
            return None, [problem]
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        frame["line"] = np.arange(2, len(frame) + 2)
        return frame, []
    header, rows, lines, problems = _careful(text, file)
    problem = _check_header(header, file, required)
    if problem or problems:
        return None, [problem] if problem else problems
    frame = pd.DataFrame(rows, columns=header, dtype=str) if rows else pd.DataFrame(columns=header, dtype=str)
    frame["line"] = np.asarray(lines, dtype="int64")
    return frame, []


def parse_many(files: list[tuple[int, str, bytes]], required: list[str], columns: list[str]
               ) -> tuple[pd.DataFrame, dict[int, list[Problem]]]:
    """Many CSV files as one frame of text cells (``folder`` = each file's key, ``file``, ``line`` and
    ``columns``, missing optional ones blank), in the order of ``files``; plain files sharing a header line are
    parsed with one ``pandas.read_csv``. Files that cannot be read give their problems instead of rows."""
    groups: dict[str, list[tuple[int, str, str]]] = {}
    frames, problems = [], {}
    for key, file, data in files:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = ""
        if text and _plain(text) and _check_header(text.split("\n", 1)[0].split(","), file, required) is None:
            header, body = text.split("\n", 1)
            groups.setdefault(header, []).append((key, file, body if body.endswith("\n") else body + "\n"))
            continue
        frame, found = parse_csv(data, file, required)
        if found:
            problems[key] = found
        else:
            frames.append(frame.assign(folder=key, file=file))
    for header, members in groups.items():
        frame = pd.read_csv(io.StringIO(header + "\n" + "".join(b for _, _, b in members)), dtype=str,
                            keep_default_na=False)
        counts = [b.count("\n") for _, _, b in members]
        frame["folder"] = np.repeat([k for k, _, _ in members], counts)
        frame["file"] = np.repeat([f for _, f, _ in members], counts)
        frame["line"] = np.concatenate([np.arange(2, n + 2) for n in counts])
        frames.append(frame)
    frames = [f.reindex(columns=["folder", "file", "line"] + columns, fill_value="") for f in frames]
    raw = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["folder", "file", "line"] + columns)
    raw = raw.sort_values("folder", kind="mergesort").reset_index(drop=True)
    for col in columns:
        raw[col] = raw[col].astype(str).str.strip()
    return raw, problems


# ------------------------------------------------------------------------------------ checking the rows
def _cells(rule: Rule, text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The typed values of one column and where they satisfy ``rule`` (vectorised)."""
    blank = text == ""
    if rule.kind in ("int", "number"):
        values = pd.to_numeric(text, errors="coerce").astype(float)
        ok = pd.Series(np.isfinite(values.to_numpy()), index=text.index)
        if rule.kind == "int":
            ok &= values == values.round()
        ok &= (values >= rule.lo) if rule.lo is not None else True
        ok &= (values <= rule.hi) if rule.hi is not None else True
    elif rule.kind == "choice":
        values = text.str.lower()
        if rule.blank:
            values = values.mask(blank, rule.blank)
        ok = values.isin(rule.choices)
    else:
        values, ok = text, ~blank
    if rule.blank is not None:
        ok |= blank
    return values.where(ok), ok


def _problems(raw: pd.DataFrame, mask, column: str, message) -> list[tuple[int, Problem]]:
    """(folder, Problem) for every row of ``mask``; ``message(i)`` or a fixed text for row position i."""
    where = np.flatnonzero(np.asarray(mask, dtype=bool))
    cells = raw[column].to_numpy() if column in raw else None
    out = []
    for i in where:
        text = message(i) if callable(message) else f"expected {message}, got {cells[i]!r}"
        out.append((raw["folder"].iat[i], Problem(raw["file"].iat[i], text, line=int(raw["line"].iat[i]),
                                                  column=column)))
    return out


def check_appearances(raw: pd.DataFrame, seasons: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[int, Problem]]]:
    """Every rule of :data:`APPEARANCE_RULES` and the cross-checks against show.yaml (``seasons``: folder,
    season, episodes), over the rows of every folder at once. Returns the typed rows (NaN where a cell is
    invalid) and (folder, Problem) for every failure, ordered by folder, line and column."""
    typed = raw[["folder", "file", "line"]].copy()
    found: list[tuple[int, Problem]] = []
    for rule in APPEARANCE_RULES:
        typed[rule.column], ok = _cells(rule, raw[rule.column])
        found += _problems(raw, ~ok, rule.column, rule.expected())
    found += _against_seasons(raw, typed, seasons)
    share = typed["finale_share"]
    found += _problems(raw, share.gt(0) & typed["in_finale"].eq("0"), "finale_share",
                       "blank or 0 for a character not in the finale (in_finale = 0)")
    dup = typed["season"].notna() & typed.duplicated(["folder", "season", "character"], keep="first")
    found += _problems(raw, dup, "character", lambda i: f"expected one row per (season, character), but season "
                       f"{int(typed['season'].iat[i])} already has {typed['character'].iat[i]!r}")
    order = {c: i for i, c in enumerate(APPEARANCE_COLUMNS)}
    found.sort(key=lambda fp: (fp[0], fp[1].line if fp[1].line is not None else math.inf, order.get(fp[1].column, 99)))
    return typed, found


def _against_seasons(raw: pd.DataFrame, typed: pd.DataFrame, seasons: pd.DataFrame) -> list[tuple[int, Problem]]:
    """Seasons listed in show.yaml, episodes within the season's, and no listed season without rows."""
    listed = pd.MultiIndex.from_frame(seasons[["folder", "season"]].astype({"season": float}))
    key = pd.MultiIndex.from_arrays([typed["folder"], typed["season"]])
    has_list = typed["folder"].isin(set(seasons["folder"]))   # no readable season list: show.yaml says why
    unlisted = typed["season"].notna() & has_list & ~key.isin(listed)
    lists = seasons.groupby("folder")["season"].agg(lambda s: ", ".join(map(str, s)))
    found = _problems(raw, unlisted, "season",
                      lambda i: f"expected a season listed in show.yaml ({lists[typed['folder'].iat[i]]}), "
                                f"got {raw['season'].iat[i]!r}")
    typed.loc[unlisted.to_numpy(), "season"] = np.nan
    limit = pd.Series(seasons["episodes"].to_numpy(dtype=float), index=listed).reindex(key).to_numpy()
    too_many = typed["episodes"].to_numpy() > limit   # NaN compares False
    found += _problems(raw, too_many, "episodes", lambda i: f"expected at most {int(limit[i])} (the episodes of "
                       f"season {int(typed['season'].iat[i])} in show.yaml), got {raw['episodes'].iat[i]!r}")
    present = set(zip(typed["folder"], typed["season"]))
    for folder, number, file in zip(seasons["folder"], seasons["season"], seasons["file"]):
        if (folder, float(number)) not in present:
            found.append((folder, Problem(file, f"season {number} is listed in show.yaml but has no rows")))
    return found

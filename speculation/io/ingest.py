"""Building a show folder from an episode-level table (docs/ingest.md).

The input is a long table with one row per character per episode — or per line, scene or credit: rows of
the same (season, episode, character) are added up — the shape of transcript datasets, scene logs and
credit lists. :func:`read_episodes` reads and checks it (every problem with file, line and column, like
:mod:`speculation.io.showfolder`); :func:`build_appearances` turns it into the rows of ``appearances.csv`` (pure:
DataFrames in, DataFrame out); :func:`ingest` does both and returns the files of the show folder, which the
CLI writes with :func:`speculation.io.write.write_files`. Every rule is configured in the ``ingest:`` section
of the configuration (docs/configuration.md).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import regex

from ..errors import Problem, SpeculationError
from .config import TABLE_KEYS, load_config
from .showfolder import APPEARANCE_COLUMNS, BILLINGS, read_show_yaml, season_table

__all__ = ["IngestResult", "read_episodes", "speaker_mask", "build_appearances", "appearances_csv", "ingest"]

BILLING_ORDER = {"main": 2, "recurring": 1, "guest": 0}


@dataclass
class IngestResult:
    """What :func:`ingest` made: the show folder's files, its appearances and the speakers it dropped."""

    files: dict[str, str]          # {"show.yaml": ..., "appearances.csv": ...}
    appearances: pd.DataFrame      # APPEARANCE_COLUMNS, one row per (season, character)
    dropped: pd.Series = field(default_factory=lambda: pd.Series(dtype="int64"))  # name -> rows dropped
    notes: list[str] = field(default_factory=list)   # per-season decisions worth telling the user


# -------------------------------------------------------------------------------------------- the table
def _normalise_name(value: str) -> str:
    return " ".join(value.split())


def _read_header(reader, file: str, columns: dict[str, str], weight: str | None) -> tuple[list[str], dict]:
    """The header row, checked for the required columns, and the position of each wanted column (None: absent)."""
    header = next(reader, None)
    if header is None:
        raise SpeculationError(Problem(file, "empty file: expected a header row with columns "
                                             f"{columns['season']}, {columns['episode']}, {columns['character']}"))
    header = [name.strip() for name in header]
    required = [columns[k] for k in ("season", "episode", "character")] + ([weight] if weight else [])
    missing = [name for name in required if name not in header]
    if missing:
        raise SpeculationError(Problem(file, "missing column(s) " + ", ".join(missing) + " in the header row "
                                             "(found: " + ", ".join(header) + ")", line=1))
    index = {name: i for i, name in enumerate(header)}
    wanted = {k: index.get(columns[k]) for k in TABLE_KEYS} | {"weight": index.get(weight) if weight else None}
    return header, wanted


def _read_records(path: str | Path, columns: dict[str, str], weight: str | None,
                  problems: list[Problem]) -> pd.DataFrame:
    """The wanted cells of every non-blank row, stripped, with its line number (rows with the wrong number of
    fields become problems); a file that cannot be read as a CSV table is one :class:`SpeculationError`."""
    file = str(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header, wanted = _read_header(reader, file, columns, weight)
            records: list[tuple] = []
            start = reader.line_num + 1
            for row in reader:
                line, start = start, reader.line_num + 1
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue  # blank line
                if len(row) != len(header):
                    problems.append(Problem(file, f"expected {len(header)} fields (as in the header row), got "
                                                  f"{len(row)}", line=line))
                    continue
                records.append((line,) + tuple(row[i].strip() if i is not None else "" for i in wanted.values()))
    except FileNotFoundError:
        raise SpeculationError(Problem(file, "file not found (expected the episode table, a CSV file)")) from None
    except IsADirectoryError:
        raise SpeculationError(Problem(file, "is a folder (expected the episode table, a CSV file)")) from None
    except UnicodeDecodeError:
        raise SpeculationError(Problem(file, "expected UTF-8 text")) from None
    except OSError as exc:
        raise SpeculationError(Problem(file, f"cannot be read ({exc.strerror or exc}), expected the episode "
                                             "table, a CSV file")) from None
    except csv.Error as exc:
        raise SpeculationError(Problem(file, f"not a well-formed CSV ({exc})", line=reader.line_num)) from None
    return pd.DataFrame.from_records(records, columns=["line", *TABLE_KEYS, "weight"])


@dataclass
class _Cells:
    """The raw cells of an episode table and the problems found in them so far (file, line, column each)."""

    file: str
    raw: pd.DataFrame
    problems: list[Problem]

    def bad(self, mask: pd.Series, key: str, expected: str, column: str) -> None:
        """One problem per row of ``mask`` whose ``key`` cell is not what was ``expected``."""
        for line, got in zip(self.raw.loc[mask, "line"], self.raw.loc[mask, key]):
            self.problems.append(Problem(self.file, f"expected {expected}, got {got!r}", line=int(line),
                                         column=column))

    def integer(self, key: str, column: str) -> pd.Series:
        """The ``key`` cells as integers ≥ 1, missing where they are not (each one a problem)."""
        values = pd.to_numeric(self.raw[key], errors="coerce")
        ok = values.notna() & (values == values.round()) & (values >= 1)
        self.bad(~ok, key, "an integer ≥ 1", column)
        return values.where(ok)


def _season_and_episode(cells: _Cells, seasons: pd.DataFrame, columns: dict[str, str]
                        ) -> tuple[pd.Series, pd.Series]:
    """Season and episode numbers, checked against the seasons and episode counts of show.yaml."""
    season = cells.integer("season", columns["season"])
    listed = seasons.set_index("season")["episodes"]
    unlisted = season.notna() & ~season.isin(listed.index)
    cells.bad(unlisted, "season", "a season listed in show.yaml (" + ", ".join(map(str, listed.index)) + ")",
              columns["season"])
    season = season.where(~unlisted)
    episode = cells.integer("episode", columns["episode"])
    limit = season.map(listed)
    too_high = episode.notna() & limit.notna() & (episode > limit)
    for line, got, number, count in zip(cells.raw.loc[too_high, "line"], cells.raw.loc[too_high, "episode"],
                                        season[too_high], limit[too_high]):
        cells.problems.append(Problem(cells.file, f"expected at most {int(count)} (the episodes of season "
                                                  f"{int(number)} in show.yaml), got {got!r}", line=int(line),
                                      column=columns["episode"]))
    return season, episode


def _billing_and_weight(cells: _Cells, columns: dict[str, str], weight: str | None) -> tuple[pd.Series, pd.Series]:
    """Billing (lower case, blank = not given) and weight (1 per row without a weight column), checked."""
    raw = cells.raw
    cells.bad(raw["character"] == "", "character", "a non-empty name", columns["character"])
    billing = raw["billing"].str.lower()
    cells.bad(~billing.isin(BILLINGS + ("",)), "billing", "one of " + " / ".join(BILLINGS) + " or blank",
              columns["billing"])
    if not weight:
        return billing, pd.Series(1.0, index=raw.index)
    values = pd.to_numeric(raw["weight"], errors="coerce")
    ok = values.notna() & np.isfinite(values) & (values >= 0)
    cells.bad(~ok, "weight", "a number ≥ 0 (the --weight column)", weight)
    return billing, values


def read_episodes(path: str | Path, seasons: pd.DataFrame, columns: dict[str, str] | None = None,
                  weight: str | None = None) -> pd.DataFrame:
    """Read and check the episode table at ``path`` against ``seasons`` (the show.yaml season table).

    Returns one row per input row: ``line`` (line number in the file), ``season``, ``episode``,
    ``character``, ``actor``, ``billing`` (blank = not given) and ``weight`` (1 per row without a weight
    column). Raises :class:`SpeculationError` naming the file, line and column of the first problem and
    keeping all of them in ``.problems``.
    """
    file = str(path)
    columns = dict(zip(TABLE_KEYS, TABLE_KEYS)) | dict(columns or {})
    problems: list[Problem] = []
    raw = _read_records(path, columns, weight, problems)
    if raw.empty and not problems:
        raise SpeculationError(Problem(file, "no rows: expected one row per character per episode"))
    cells = _Cells(file, raw, problems)
    season, episode = _season_and_episode(cells, seasons, columns)
    billing, values = _billing_and_weight(cells, columns, weight)
    if problems:
        problems.sort(key=lambda problem: problem.line or 0)
        more = len(problems) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''} in this table)" if more else ""
        raise SpeculationError(str(problems[0]) + suffix, problems)
    return pd.DataFrame({"line": raw["line"].astype("int64"), "season": season.astype("int64"),
                         "episode": episode.astype("int64"), "character": raw["character"].map(_normalise_name),
                         "actor": raw["actor"].map(_normalise_name), "billing": billing,
                         "weight": values.astype(float)})


# Seconds one user pattern may take on one speaker name: enough for any sensible pattern on any name, and a
# pattern that backtracks catastrophically stops with one line instead of hanging the run.
PATTERN_TIMEOUT = 0.25


def _pattern_timed_out(pattern: str, name: str) -> SpeculationError:
    shown = name if len(name) <= 40 else name[:37] + "..."
    return SpeculationError(f"ingest.drop_speakers.patterns: the pattern {pattern!r} took more than "
                            f"{PATTERN_TIMEOUT:g} s on the speaker name {shown!r} (catastrophic backtracking); "
                            "rewrite it so that no part can match the same text in many ways (as (a|aa)+ or "
                            "(.*a){20} can), or list the names under ingest.drop_speakers.names")


def speaker_mask(names: pd.Series, rules: dict) -> pd.Series:
    """True for speaker names that are not characters: an exact name of ``rules['names']`` or a full match of
    one of ``rules['patterns']``, both case-insensitive.

    Patterns come from a user's config, so each match has a time limit (:data:`PATTERN_TIMEOUT`, with the
    ``regex`` module): a pattern that would backtrack for ever raises :class:`SpeculationError` instead.
    """
    exact = {_normalise_name(n).casefold() for n in rules["names"]}
    patterns = [regex.compile(text, regex.IGNORECASE) for text in rules["patterns"]]

    def matches(pattern, name: str) -> bool:
        try:
            return pattern.fullmatch(name, timeout=PATTERN_TIMEOUT) is not None
        except TimeoutError:
            raise _pattern_timed_out(pattern.pattern, name) from None

    def drop(name: str) -> bool:
        name = _normalise_name(name)
        return name.casefold() in exact or any(matches(pattern, name) for pattern in patterns)

    unique = pd.unique(names)
    return names.map(dict(zip(unique, map(drop, unique)))).astype(bool)


def _most_frequent(rows: pd.DataFrame, value: str, tie_order: dict | None = None) -> pd.Series:
    """Per (season, character), the value of ``value`` in the most episodes; ties broken by ``tie_order``
    (higher first) or else by name (alphabetically first). Blank values are ignored."""
    rows = rows.loc[rows[value] != ""]
    counts = rows.groupby(["season", "character", value])["episode"].nunique().rename("n").reset_index()
    counts["tie"] = counts[value].map(tie_order).fillna(0) if tie_order else 0
    counts = counts.sort_values(["season", "character", "n", "tie", value], ascending=[True, True, False, False, True],
                                kind="mergesort")
    return counts.drop_duplicates(["season", "character"]).set_index(["season", "character"])[value]


def _finale_episodes(rows: pd.DataFrame, season_eps: pd.Series, rule: str, file: str) -> pd.Series:
    """Each season's finale episode (``ingest.finale``: show.yaml's last episode or the table's), checked to
    have character rows."""
    finale = season_eps if rule == "show_yaml" else rows.groupby("season")["episode"].max()
    for number in season_eps.index:
        if not (rows["season"] == number).any():
            raise SpeculationError(Problem(file, f"season {int(number)} is listed in show.yaml but has no character "
                                                 "rows in the table (after dropping non-character speakers)"))
        if not ((rows["season"] == number) & (rows["episode"] == finale[number])).any():
            hint = " (set ingest.finale: table to use the last episode the table has)" if rule == "show_yaml" else ""
            raise SpeculationError(Problem(file, f"season {int(number)}: the finale, episode {int(finale[number])}, "
                                                 f"has no character rows in the table{hint}"))
    return finale


def _finale_shares(rows: pd.DataFrame, finale: pd.Series, has_weight: bool) -> tuple[pd.DataFrame, list[str]]:
    """Per (season, character): episodes, in_finale, finale weight and finale_share, and a note per season
    whose shares are left blank (no weight in the finale, or equal rows and no weight column to tell apart)."""
    key = ["season", "character"]
    per = rows.groupby(key)["episode"].nunique().rename("episodes").reset_index()
    in_finale = rows.loc[rows["episode"] == rows["season"].map(finale)]
    finale_weight = in_finale.groupby(key)["weight"].sum()
    pairs = pd.MultiIndex.from_frame(per[key])
    per["in_finale"] = pairs.isin(finale_weight.index).astype(int)
    per["weight"] = pairs.map(lambda pair: finale_weight.get(pair, 0.0)).to_numpy(dtype=float)
    total = per.groupby("season")["weight"].transform("sum")
    share = (per["weight"] / total).where(total > 0)
    notes: list[str] = []
    for number, group in per.loc[per["in_finale"] == 1].groupby("season"):
        blank = bool(group["weight"].sum() <= 0)
        equal = not has_weight and group["weight"].nunique() == 1
        if blank or equal:
            share = share.where(per["season"] != number)
            why = "the finale's total weight is 0" if blank else \
                "every finale character has the same number of rows and there is no weight column"
            notes.append(f"season {int(number)}: finale_share left blank ({why})")
    per["finale_share"] = share.round(6)
    return per, notes


def _billing(per: pd.DataFrame, rows: pd.DataFrame, season_eps: pd.Series, rule: dict) -> list[str]:
    """Each row's billing: the table's billing where given (most episodes, higher billing on ties), else
    ``ingest.billing_rule`` applied to its share of the season's episodes."""
    episode_share = per["episodes"] / per["season"].map(season_eps)
    recurring = episode_share >= rule["recurring_share"]
    if rule["recurring_episodes"] is not None:
        recurring |= per["episodes"] >= rule["recurring_episodes"]
    by_rule = np.where(episode_share >= rule["main_share"], "main", np.where(recurring, "recurring", "guest"))
    given = _most_frequent(rows, "billing", BILLING_ORDER)
    index = pd.MultiIndex.from_frame(per[["season", "character"]])
    return [given.get(pair, str(billing)) for pair, billing in zip(index, by_rule)]


def _drop_guest_only(per: pd.DataFrame, season_eps: pd.Series, file: str) -> pd.DataFrame:
    """Without the characters billed guest in every season they appear in; a season left empty is an error."""
    ever = per.loc[per["billing"] != "guest", "character"].unique()
    per = per.loc[per["character"].isin(ever)]
    for number in sorted(set(season_eps.index) - set(per["season"])):
        raise SpeculationError(Problem(file, f"season {int(number)} has no characters left: all are guests and "
                                             "ingest.drop_guest_only is true"))
    return per


def build_appearances(episodes: pd.DataFrame, seasons: pd.DataFrame, config: dict, has_weight: bool = False,
                      file: str = "episode table") -> tuple[pd.DataFrame, pd.Series, list[str]]:
    """The rows of appearances.csv from a checked episode table (see :func:`read_episodes`).

    Returns ``(appearances, dropped, notes)``: the appearances (APPEARANCE_COLUMNS, sorted by season,
    billing, episodes and name), the rows dropped per non-character speaker name, and notes on per-season
    decisions (finale shares left blank).
    """
    drop = speaker_mask(episodes["character"], config["drop_speakers"])
    dropped = episodes.loc[drop, "character"].value_counts().sort_index()
    rows = episodes.loc[~drop]
    season_eps = seasons.set_index("season")["episodes"]
    finale = _finale_episodes(rows, season_eps, config["finale"], file)
    per, notes = _finale_shares(rows, finale, has_weight)
    actor = _most_frequent(rows, "actor")
    per["actor"] = pd.MultiIndex.from_frame(per[["season", "character"]]).map(
        lambda pair: actor.get(pair, config["actor_placeholder"]))
    per["billing"] = _billing(per, rows, season_eps, config["billing_rule"])
    if config["drop_guest_only"]:
        per = _drop_guest_only(per, season_eps, file)
    per["fate"] = config["fate"]
    per["birth_year"] = pd.NA
    per["_order"] = per["billing"].map(BILLING_ORDER)
    per = per.sort_values(["season", "_order", "episodes", "character"], ascending=[True, False, False, True],
                          kind="mergesort")
    return per[APPEARANCE_COLUMNS].reset_index(drop=True), dropped, notes


def appearances_csv(appearances: pd.DataFrame) -> str:
    out = appearances.copy()
    out["finale_share"] = out["finale_share"].map(lambda v: "" if pd.isna(v) else f"{v:.6g}")
    out["birth_year"] = ""
    return out.to_csv(index=False, lineterminator="\n")


def ingest(episodes_path: str | Path, show_yaml_path: str | Path, config: dict | None = None,
           weight: str | None = None) -> IngestResult:
    """Read the episode table and show.yaml, apply the ``ingest`` rules and return the show folder's files.

    ``config`` is a full configuration (:func:`speculation.load_config`); the default one if None.
    The show.yaml is copied unchanged; it must be a valid show.yaml listing every season of the table.
    """
    if config is None:
        config = load_config()
    settings = config["ingest"]
    show_yaml_path = Path(show_yaml_path)
    problems: list[Problem] = []
    meta = read_show_yaml(show_yaml_path, problems)
    if problems:
        raise SpeculationError(str(problems[0]) + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
                               problems)
    assert meta is not None
    seasons = season_table("ingest", meta)
    episodes = read_episodes(episodes_path, seasons, settings["columns"], weight)
    appearances, dropped, notes = build_appearances(episodes, seasons, settings, has_weight=weight is not None,
                                                    file=str(episodes_path))
    files = {"show.yaml": show_yaml_path.read_text(encoding="utf-8"), "appearances.csv": appearances_csv(appearances)}
    return IngestResult(files=files, appearances=appearances, dropped=dropped, notes=notes)

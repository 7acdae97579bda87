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
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Problem, SpeculationError
from .config import TABLE_KEYS, load_config
from .showfolder import APPEARANCE_COLUMNS, BILLINGS, _read_show_yaml, _season_table

__all__ = ["IngestResult", "read_episodes", "speaker_mask", "build_appearances", "ingest"]

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
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise SpeculationError(Problem(file, "empty file: expected a header row with columns "
                                                     f"{columns['season']}, {columns['episode']}, "
                                                     f"{columns['character']}"))
            header = [h.strip() for h in header]
            required = [columns[k] for k in ("season", "episode", "character")] + ([weight] if weight else [])
            missing = [c for c in required if c not in header]
            if missing:
                raise SpeculationError(Problem(file, "missing column(s) " + ", ".join(missing) + " in the header row "
                                                     "(found: " + ", ".join(header) + ")", line=1))
            index = {name: i for i, name in enumerate(header)}
            wanted = {k: index.get(columns[k]) for k in TABLE_KEYS} | {"weight": index.get(weight) if weight else None}
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
    raw = pd.DataFrame.from_records(records, columns=["line", *TABLE_KEYS, "weight"])
    if raw.empty and not problems:
        raise SpeculationError(Problem(file, "no rows: expected one row per character per episode"))

    def bad(mask: pd.Series, key: str, expected: str, column: str) -> None:
        for line, got in zip(raw.loc[mask, "line"], raw.loc[mask, key]):
            problems.append(Problem(file, f"expected {expected}, got {got!r}", line=int(line), column=column))

    def integer(key: str) -> pd.Series:
        values = pd.to_numeric(raw[key], errors="coerce")
        ok = values.notna() & (values == values.round()) & (values >= 1)
        bad(~ok, key, "an integer ≥ 1", columns[key])
        return values.where(ok)

    season = integer("season")
    listed = seasons.set_index("season")["episodes"]
    unlisted = season.notna() & ~season.isin(listed.index)
    bad(unlisted, "season", "a season listed in show.yaml (" + ", ".join(map(str, listed.index)) + ")",
        columns["season"])
    season = season.where(~unlisted)
    episode = integer("episode")
    limit = season.map(listed)
    too_high = episode.notna() & limit.notna() & (episode > limit)
    for line, got, s, n in zip(raw.loc[too_high, "line"], raw.loc[too_high, "episode"], season[too_high],
                               limit[too_high]):
        problems.append(Problem(file, f"expected at most {int(n)} (the episodes of season {int(s)} in show.yaml), "
                                      f"got {got!r}", line=int(line), column=columns["episode"]))
    bad(raw["character"] == "", "character", "a non-empty name", columns["character"])
    billing = raw["billing"].str.lower()
    bad(~billing.isin(BILLINGS + ("",)), "billing", "one of " + " / ".join(BILLINGS) + " or blank", columns["billing"])
    if weight:
        values = pd.to_numeric(raw["weight"], errors="coerce")
        ok = values.notna() & np.isfinite(values) & (values >= 0)
        bad(~ok, "weight", "a number ≥ 0 (the --weight column)", weight)
    else:
        values = pd.Series(1.0, index=raw.index)
    if problems:
        problems.sort(key=lambda p: (p.line or 0))
        more = len(problems) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''} in this table)" if more else ""
        raise SpeculationError(str(problems[0]) + suffix, problems)
    return pd.DataFrame({"line": raw["line"].astype("int64"), "season": season.astype("int64"),
                         "episode": episode.astype("int64"), "character": raw["character"].map(_normalise_name),
                         "actor": raw["actor"].map(_normalise_name), "billing": billing,
                         "weight": values.astype(float)})


def speaker_mask(names: pd.Series, rules: dict) -> pd.Series:
    """True for speaker names that are not characters: an exact name of ``rules['names']`` or a full match of
    one of ``rules['patterns']``, both case-insensitive."""
    exact = {_normalise_name(n).casefold() for n in rules["names"]}
    regexes = [re.compile(p, re.IGNORECASE) for p in rules["patterns"]]

    def drop(name: str) -> bool:
        name = _normalise_name(name)
        return name.casefold() in exact or any(r.fullmatch(name) for r in regexes)

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
    notes: list[str] = []
    if config["finale"] == "show_yaml":
        finale = season_eps
    else:
        finale = rows.groupby("season")["episode"].max()
    for number in season_eps.index:
        if not (rows["season"] == number).any():
            raise SpeculationError(Problem(file, f"season {int(number)} is listed in show.yaml but has no character "
                                                 "rows in the table (after dropping non-character speakers)"))
        if not ((rows["season"] == number) & (rows["episode"] == finale[number])).any():
            hint = (" (set ingest.finale: table to use the last episode the table has)"
                    if config["finale"] == "show_yaml" else "")
            raise SpeculationError(Problem(file, f"season {int(number)}: the finale, episode {int(finale[number])}, "
                                                 f"has no character rows in the table{hint}"))
    key = ["season", "character"]
    per = rows.groupby(key)["episode"].nunique().rename("episodes").reset_index()
    in_fin = rows.loc[rows["episode"] == rows["season"].map(finale)]
    fin_weight = in_fin.groupby(key)["weight"].sum()
    per["in_finale"] = pd.MultiIndex.from_frame(per[key]).isin(fin_weight.index).astype(int)
    w = pd.MultiIndex.from_frame(per[key]).map(lambda k: fin_weight.get(k, 0.0)).to_numpy(dtype=float)
    per["weight"] = w
    total = per.groupby("season")["weight"].transform("sum")
    share = (per["weight"] / total).where(total > 0)
    for number, group in per.loc[per["in_finale"] == 1].groupby("season"):
        blank = bool(group["weight"].sum() <= 0)
        equal = not has_weight and group["weight"].nunique() == 1
        if blank or equal:
            share = share.where(per["season"] != number)
            why = "the finale's total weight is 0" if blank else \
                "every finale character has the same number of rows and there is no weight column"
            notes.append(f"season {int(number)}: finale_share left blank ({why})")
    per["finale_share"] = share.round(6)
    actor = _most_frequent(rows, "actor")
    idx = pd.MultiIndex.from_frame(per[key])
    per["actor"] = idx.map(lambda k: actor.get(k, config["actor_placeholder"]))
    rule = config["billing_rule"]
    ep_share = per["episodes"] / per["season"].map(season_eps)
    recurring = ep_share >= rule["recurring_share"]
    if rule["recurring_episodes"] is not None:
        recurring |= per["episodes"] >= rule["recurring_episodes"]
    by_rule = np.where(ep_share >= rule["main_share"], "main", np.where(recurring, "recurring", "guest"))
    given = _most_frequent(rows, "billing", BILLING_ORDER)
    per["billing"] = [given.get(k, str(r)) for k, r in zip(idx, by_rule)]
    if config["drop_guest_only"]:
        ever = per.loc[per["billing"] != "guest", "character"].unique()
        per = per.loc[per["character"].isin(ever)]
        for number in sorted(set(season_eps.index) - set(per["season"])):
            raise SpeculationError(Problem(file, f"season {int(number)} has no characters left: all are guests and "
                                                 "ingest.drop_guest_only is true"))
    per["fate"] = config["fate"]
    per["birth_year"] = pd.NA
    per["_order"] = per["billing"].map(BILLING_ORDER)
    per = per.sort_values(["season", "_order", "episodes", "character"], ascending=[True, False, False, True],
                          kind="mergesort")
    return per[APPEARANCE_COLUMNS].reset_index(drop=True), dropped, notes


def _appearances_csv(appearances: pd.DataFrame) -> str:
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
    meta = _read_show_yaml(show_yaml_path, problems)
    if problems:
        raise SpeculationError(str(problems[0]) + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
                               problems)
    assert meta is not None
    seasons = _season_table("ingest", meta)
    episodes = read_episodes(episodes_path, seasons, settings["columns"], weight)
    appearances, dropped, notes = build_appearances(episodes, seasons, settings, has_weight=weight is not None,
                                                    file=str(episodes_path))
    files = {"show.yaml": show_yaml_path.read_text(encoding="utf-8"), "appearances.csv": _appearances_csv(appearances)}
    return IngestResult(files=files, appearances=appearances, dropped=dropped, notes=notes)

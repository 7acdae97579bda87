"""Building a derived show folder from a source table and its recipe (docs/recipes.md).

A recipe (``data/recipes/<slug>.yaml``) says which extracted table of ``data/sources/`` a show comes from,
how its speaker names map to characters, who the credited main cast is per season and which deaths and
on-screen exits the seasons showed, each with a citation. :func:`build_recipe` applies it through the same
rules as ``speculation ingest`` and returns the three files of ``data/shows/<slug>/``: ``show.yaml``
(``provenance: derived``), ``appearances.csv`` and ``citations.csv``. Building is pure: the same recipe and
table give byte-identical files, which the test suite checks against what is committed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd
import yaml

from ..errors import Problem, SpeculationError
from .config import load_config
from .ingest import BILLING_ORDER, appearances_csv, build_appearances, read_episodes
from .showfolder import FATES, parse_show_yaml, season_table

__all__ = ["Recipe", "read_recipe", "build_recipe", "recipe_paths", "CITATION_COLUMNS"]

CITATION_COLUMNS = ["season", "character", "field", "source", "url"]
RECIPE_KEYS = {"table", "weight", "show", "ingest", "aliases", "drop", "main_cast", "actors", "fates"}
EXIT_FATES = ("dead", "departed")


@dataclass
class Recipe:
    """A checked recipe: where its table is and every rule it applies."""

    slug: str
    path: Path
    table: Path
    weight: str | None
    show: dict
    ingest: dict = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    drop: list[str] = field(default_factory=list)
    main_cast: dict[int, list[str]] = field(default_factory=dict)
    main_cite: dict[int, dict[str, str]] = field(default_factory=dict)   # season -> {title, url}
    actors: dict[str, str] = field(default_factory=dict)
    fates: list[dict] = field(default_factory=list)


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _text_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) and v.strip()
                                           for k, v in value.items())


def _cite_ok(entry: Any) -> bool:
    return isinstance(entry, dict) and all(isinstance(entry.get(k), str) and entry[k].strip() for k in ("title", "url"))


def _load_spec(path: Path) -> Any:
    """The parsed YAML of the recipe at ``path``; one :class:`SpeculationError` when it cannot be read."""
    file = str(path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpeculationError(Problem(file, "file not found (expected a recipe, a YAML file)")) from None
    except (UnicodeDecodeError, IsADirectoryError, PermissionError) as exc:
        raise SpeculationError(Problem(file, f"cannot read it as UTF-8 text ({type(exc).__name__})")) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SpeculationError(Problem(file, "not valid YAML", line=mark.line + 1 if mark else None)) from None


def _fail(file: str, key: str, expected: str, got: Any) -> NoReturn:
    """One line naming the recipe, the key, what it must be and what it is."""
    raise SpeculationError(Problem(file, f"key '{key}' must be {expected}, got {got!r}"))


def _check_top_level(spec: Any, file: str) -> None:
    """The recipe's keys and the shape of every key except main_cast and fates."""
    if not isinstance(spec, dict):
        _fail(file, "(top level)", "a mapping with keys table and show", spec)
    unknown = sorted(set(spec) - RECIPE_KEYS)
    if unknown:
        _fail(file, unknown[0], "one of " + ", ".join(sorted(RECIPE_KEYS)) + " (unknown key)", spec[unknown[0]])
    if not isinstance(spec.get("table"), str) or not spec["table"].strip():
        _fail(file, "table", "a path under the sources folder", spec.get("table"))
    if spec.get("weight") is not None and not isinstance(spec["weight"], str):
        _fail(file, "weight", "a column name", spec["weight"])
    if not isinstance(spec.get("show"), dict):
        _fail(file, "show", "a mapping (the show.yaml of the built folder)", spec.get("show"))
    if not isinstance(spec.get("ingest", {}), dict):
        _fail(file, "ingest", "a mapping of ingest settings", spec["ingest"])
    for key in ("aliases", "actors"):
        if not _text_map(spec.get(key, {})):
            _fail(file, key, "a mapping of names to names", spec[key])
    if not _texts(spec.get("drop", [])):
        _fail(file, "drop", "a list of speaker names", spec["drop"])


def _main_cast(block: Any, file: str) -> tuple[dict[int, list[str]], dict[int, dict[str, str]]]:
    """The checked ``main_cast`` block: names per season, and the citation of each season (its own or the
    block's)."""
    if block is None:
        return {}, {}
    cites = block.get("cites", {}) if isinstance(block, dict) else None
    if not (isinstance(block, dict) and _cite_ok(block.get("cite")) and isinstance(block.get("seasons"), dict)
            and isinstance(cites, dict) and all(_cite_ok(cite) for cite in cites.values())):
        _fail(file, "main_cast", "{cite: {title, url}, seasons: {N: [names]}, cites: {N: {title, url}} (optional)}",
              block)
    main_cast = {}
    for number, names in block["seasons"].items():
        if not isinstance(number, int) or isinstance(number, bool) or not _texts(names):
            _fail(file, f"main_cast.seasons.{number}", "a list of character names under a season number", names)
        main_cast[number] = list(names)
    main_cite = {number: {"title": (cites.get(number) or block["cite"])["title"],
                          "url": (cites.get(number) or block["cite"])["url"]} for number in main_cast}
    return main_cast, main_cite


def _check_fates(fates: Any, file: str) -> None:
    """``fates``: a list of cited deaths and exits, each with its season, character, fate, title and url."""
    if not isinstance(fates, list):
        _fail(file, "fates", "a list of {season, character, fate, title, url}", fates)
    for i, entry in enumerate(fates, start=1):
        if not (_cite_ok(entry) and isinstance(entry.get("character"), str) and entry.get("fate") in EXIT_FATES
                and isinstance(entry.get("season"), int) and not isinstance(entry.get("season"), bool)):
            _fail(file, f"fates[{i}]", "{season: N, character: NAME, fate: dead|departed, title: PAGE, url: URL}",
                  entry)


def read_recipe(path: str | Path, sources: str | Path | None = None) -> Recipe:
    """Read and check a recipe; ``sources`` is the folder its ``table`` is relative to (default
    ``<recipe folder>/../sources``)."""
    path = Path(path)
    spec = _load_spec(path)
    _check_top_level(spec, str(path))
    main_cast, main_cite = _main_cast(spec.get("main_cast"), str(path))
    fates = spec.get("fates", [])
    _check_fates(fates, str(path))
    sources = Path(sources) if sources is not None else path.resolve().parent.parent / "sources"
    return Recipe(slug=path.stem, path=path, table=sources / spec["table"], weight=spec.get("weight"),
                  show=spec["show"], ingest=spec.get("ingest", {}), aliases=spec.get("aliases", {}),
                  drop=spec.get("drop", []), main_cast=main_cast, main_cite=main_cite,
                  actors=spec.get("actors", {}), fates=list(fates))


def recipe_paths(paths: list[str | Path]) -> list[Path]:
    """Recipe files from files and folders (every ``*.yaml`` of a folder), sorted and unique."""
    found: set[Path] = set()
    for entry in map(Path, paths):
        found.update(sorted(entry.glob("*.yaml")) if entry.is_dir() else [entry])
    return sorted(found)


def show_yaml_text(recipe: Recipe) -> str:
    """The built show.yaml: the recipe's ``show`` with ``provenance: derived``, behind a do-not-edit header."""
    meta = {"title": recipe.show.get("title"), "provenance": "derived"}
    meta.update({k: v for k, v in recipe.show.items() if k not in meta})
    header = (f"# Built by `speculation ingest --recipe data/recipes/{recipe.slug}.yaml` from "
              f"data/sources/{Path(recipe.table).parent.name}/{Path(recipe.table).name}; edit the recipe, not this file.\n")
    return header + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=110)


def _apply_main_cast(rows: pd.DataFrame, recipe: Recipe, file: str) -> pd.DataFrame:
    """Credited main cast per season: listed characters are main, the rule's other mains become recurring."""
    rows = rows.copy()
    for season, names in recipe.main_cast.items():
        in_season = rows["season"] == season
        present = set(rows.loc[in_season, "character"])
        missing = [n for n in names if n not in present]
        if missing:
            raise SpeculationError(Problem(file, f"main_cast season {season}: {missing[0]!r} has no row in that "
                                                 "season of the table (after aliases and dropped guests)"))
        listed = in_season & rows["character"].isin(names)
        rows.loc[listed, "billing"] = "main"
        rows.loc[in_season & ~listed & (rows["billing"] == "main"), "billing"] = "recurring"
    return rows


def _apply_fates(rows: pd.DataFrame, recipe: Recipe, file: str) -> pd.DataFrame:
    rows = rows.copy()
    rows["fate"] = "alive"
    for entry in recipe.fates:
        at = (rows["season"] == entry["season"]) & (rows["character"] == entry["character"])
        if not at.any():
            raise SpeculationError(Problem(file, f"fates: {entry['character']!r} has no row in season "
                                                 f"{entry['season']} (after aliases and dropped guests)"))
        rows.loc[at, "fate"] = entry["fate"]
    assert rows["fate"].isin(FATES).all()
    return rows


def _aliased(episodes: pd.DataFrame, aliases: dict[str, str]) -> pd.Series:
    """Character names after ``aliases``: ``NAME@N`` maps NAME in season N only (a one-off namesake) and wins
    over a plain ``NAME`` entry, which maps it in every season."""
    scoped = episodes["character"] + "@" + episodes["season"].astype(str)
    everywhere = episodes["character"].map(aliases).fillna(episodes["character"])
    return scoped.map(aliases).fillna(everywhere)


def citations_frame(recipe: Recipe) -> pd.DataFrame:
    """One row per cited fact: each main-cast billing and each fate."""
    rows = [(season, name, "billing", recipe.main_cite[season]["title"], recipe.main_cite[season]["url"])
            for season, names in recipe.main_cast.items() for name in names]
    rows += [(e["season"], e["character"], "fate", e["title"], e["url"]) for e in recipe.fates]
    frame = pd.DataFrame(rows, columns=CITATION_COLUMNS)
    return frame.sort_values(["season", "character", "field", "source"], kind="mergesort").reset_index(drop=True)


def _recipe_seasons(recipe: Recipe, shown: str) -> pd.DataFrame:
    """The season table of the built show.yaml, checked as every show.yaml is."""
    problems: list[Problem] = []
    meta = parse_show_yaml(shown, str(recipe.path), problems)
    if problems:
        raise SpeculationError(Problem(str(recipe.path), f"key 'show': {problems[0].message}"))
    return season_table(recipe.slug, meta)


def build_recipe(recipe: Recipe, config: dict | None = None) -> dict[str, str]:
    """The files of the derived show folder: ``{"show.yaml", "appearances.csv", "citations.csv"}``."""
    config = load_config(overrides={"ingest": recipe.ingest}) if config is None else config
    settings = dict(config["ingest"])
    settings["drop_speakers"] = {"names": list(settings["drop_speakers"]["names"]) + [d.lower() for d in recipe.drop],
                                 "patterns": list(settings["drop_speakers"]["patterns"])}
    file = str(recipe.path)
    shown = show_yaml_text(recipe)
    seasons = _recipe_seasons(recipe, shown)
    episodes = read_episodes(recipe.table, seasons, settings["columns"], recipe.weight)
    episodes["character"] = _aliased(episodes, recipe.aliases)
    if recipe.actors:
        named = episodes["character"].map(recipe.actors)
        episodes["actor"] = named.where(named.notna(), episodes["actor"])
    appearances, _, _ = build_appearances(episodes, seasons, settings, has_weight=recipe.weight is not None,
                                          file=str(recipe.table))
    appearances = _apply_fates(_apply_main_cast(appearances, recipe, file), recipe, file)
    order = appearances["billing"].map(BILLING_ORDER)
    appearances = (appearances.assign(_order=order)
                   .sort_values(["season", "_order", "episodes", "character"], ascending=[True, False, False, True],
                                kind="mergesort").drop(columns="_order").reset_index(drop=True))
    return {"show.yaml": shown, "appearances.csv": appearances_csv(appearances),
            "citations.csv": citations_frame(recipe).to_csv(index=False, lineterminator="\n")}

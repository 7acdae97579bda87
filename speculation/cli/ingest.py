"""``speculation ingest``: build a show folder from an episode-level table (docs/ingest.md)."""
from __future__ import annotations

import tempfile
from pathlib import Path

from ..core.features import load_config
from ..errors import SpeculationError
from ..io.ingest import ingest
from ..io.recipe import build_recipe, read_recipe, recipe_paths
from ..io.showfolder import validate_show
from ..io.write import write_files

__all__ = ["register", "cmd_ingest"]


def cmd_recipes(args) -> int:
    """``--recipe``: rebuild derived show folders from data/sources tables and data/recipes (docs/recipes.md)."""
    paths = recipe_paths(args.recipe)
    if not paths:
        raise SpeculationError(f"{', '.join(args.recipe)}: no recipe (*.yaml) found")
    built = []
    for path in paths:   # build and check every folder before writing any
        recipe = read_recipe(path, args.sources)
        files = build_recipe(recipe)
        with tempfile.TemporaryDirectory(prefix="speculation-recipe-") as tmp:
            write_files(files, Path(tmp) / recipe.slug)
            problems = validate_show(Path(tmp) / recipe.slug)
        if problems:
            raise SpeculationError(f"{path}: the built folder would not load: {problems[0]}", problems)
        built.append((recipe, files))
    for recipe, files in built:
        library = Path(args.library) if args.library else recipe.path.resolve().parent.parent / "shows"
        written = write_files(files, library / recipe.slug, keep="all")
        rows = files["appearances.csv"].count("\n") - 1
        print(f"{recipe.slug}: {rows} rows; wrote {', '.join(p.name for p in written)} to {library / recipe.slug}/")
    return 0


def cmd_ingest(args) -> int:
    if args.recipe:
        return cmd_recipes(args)
    missing = [flag for flag, value in (("EPISODES.csv", args.episodes), ("--show-yaml", args.show_yaml),
                                        ("--out", args.out)) if not value]
    if missing:
        raise SpeculationError(f"ingest needs {', '.join(missing)} (or --recipe to build from recipes)")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise SpeculationError(f"{out}: exists and is not a folder (expected a new or empty output folder)")
    # A folder holding nothing but the given show.yaml is fine: that is where a curator writes it first.
    others = [p for p in out.iterdir() if p.resolve() != Path(args.show_yaml).resolve()] if out.is_dir() else []
    if others and not args.force:
        raise SpeculationError(f"{out}: the output folder is not empty; pass --force to overwrite its "
                               "show.yaml and appearances.csv")
    config = load_config(args.config)
    result = ingest(args.episodes, args.show_yaml, config, weight=args.weight)
    # Check the folder as `speculation score` will read it before writing anything where the user asked.
    with tempfile.TemporaryDirectory(prefix="speculation-ingest-") as tmp:
        staged = Path(tmp) / (out.resolve().name or "show")
        write_files(result.files, staged)
        problems = validate_show(staged)
    if problems:  # pragma: no cover - the rules above should always produce a valid folder
        raise SpeculationError(f"the ingested folder would not load: {problems[0]}", problems)
    written = write_files(result.files, out, keep="all")
    a = result.appearances
    counts = a["billing"].value_counts()
    print(f"{len(a)} rows: {a['character'].nunique()} characters over {a['season'].nunique()} season(s) "
          f"({', '.join(f'{counts.get(b, 0)} {b}' for b in ('main', 'recurring', 'guest'))} character-seasons)")
    if len(result.dropped):
        names = [f"{name} ({n})" for name, n in result.dropped.sort_values(ascending=False, kind="mergesort").items()]
        shown = ", ".join(names[:12]) + (f", … {len(names) - 12} more" if len(names) > 12 else "")
        print(f"dropped {int(result.dropped.sum())} rows of {len(names)} non-character speaker name(s): {shown}")
    for note in result.notes:
        print(note)
    print(f"fate is '{config['ingest']['fate']}' everywhere: fill in deaths and departures by hand "
          "(docs/data-curation-guide.md)")
    print(f"wrote {', '.join(p.name for p in written)} to {out}/")
    return 0


def register(sub, common) -> None:
    """Add the ``ingest`` sub-command to the ``speculation`` parser (called by :mod:`speculation.cli.main`)."""
    p = sub.add_parser("ingest", help="build a show folder from an episode-level table (one row per character "
                                      "per episode, line or scene)",
                       description="Build a show folder (show.yaml + appearances.csv) from a table with one row "
                                   "per character per episode (or per line/scene): columns season, episode, "
                                   "character, optional actor, billing and a weight column. See docs/ingest.md.")
    p.add_argument("episodes", metavar="EPISODES.csv", nargs="?", help="the episode-level table (CSV, UTF-8)")
    p.add_argument("--show-yaml", metavar="FILE",
                   help="the show's show.yaml (title, source, seasons); copied unchanged into the folder")
    p.add_argument("--out", metavar="DIR", help="the show folder to create (its name is the slug)")
    p.add_argument("--recipe", nargs="+", metavar="RECIPE",
                   help="instead of a table: rebuild derived show folders from recipes (files, or folders of "
                        "*.yaml such as data/recipes) and their source tables; see docs/recipes.md")
    p.add_argument("--sources", metavar="DIR", help="with --recipe: folder of source tables (default: sources/ "
                                                    "beside the recipes folder)")
    p.add_argument("--library", metavar="DIR", help="with --recipe: where the show folders go (default: shows/ "
                                                    "beside the recipes folder)")
    p.add_argument("--weight", metavar="COLUMN",
                   help="column weighing each row (lines, scenes, seconds…) for finale_share; "
                        "without it each row counts 1")
    p.add_argument("--config", metavar="FILE", help="YAML file overriding default settings (section ingest:)")
    p.add_argument("--force", action="store_true", help="overwrite show.yaml and appearances.csv in a non-empty --out")
    p.set_defaults(func=cmd_ingest)

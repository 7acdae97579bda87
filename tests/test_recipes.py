"""The library from the record: derived shows rebuild byte-identically from data/sources + data/recipes, every
bundled show states its provenance, and the default training set leaves recollection out."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from speculation import load_library, score_show
from speculation.core.features import load_config
from speculation.core.library import library_summary, provenance
from tests.conftest import BUNDLED, ROOT

RECIPES = ROOT / "data" / "recipes"
SOURCES = ROOT / "data" / "sources"
BUILT = ("show.yaml", "appearances.csv", "citations.csv")


def test_every_derived_show_rebuilds_byte_identically(cli, tmp_path):
    """One command rebuilds every derived show; the result is exactly what is committed."""
    done = cli("ingest", "--recipe", str(RECIPES), "--library", str(tmp_path))
    assert done.returncode == 0, done.stderr
    slugs = sorted(p.stem for p in RECIPES.glob("*.yaml"))
    assert len(slugs) >= 16
    for slug in slugs:
        for name in BUILT:
            assert (tmp_path / slug / name).read_bytes() == (BUNDLED / slug / name).read_bytes(), f"{slug}/{name}"


def test_derived_means_built_from_a_recipe_and_every_show_states_its_provenance():
    slugs = {p.stem for p in RECIPES.glob("*.yaml")}
    for folder in sorted(p for p in BUNDLED.iterdir() if p.is_dir()):
        meta = yaml.safe_load((folder / "show.yaml").read_text(encoding="utf-8"))
        assert meta.get("provenance") in ("derived", "verified", "recollection"), folder.name
        assert (meta["provenance"] == "derived") == (folder.name in slugs), folder.name
        if meta["provenance"] in ("derived", "verified"):
            assert (folder / "citations.csv").is_file(), folder.name


def test_each_source_folder_says_where_its_tables_come_from():
    tables = {yaml.safe_load(p.read_text(encoding="utf-8"))["table"] for p in RECIPES.glob("*.yaml")}
    for table in tables:
        folder = SOURCES / Path(table).parent
        assert (SOURCES / table).is_file() and (folder / "SOURCE.md").is_file() and (folder / "extract.py").is_file()
        source = (folder / "SOURCE.md").read_text(encoding="utf-8").lower()
        assert "commit" in source and "licen" in source, folder


def test_the_record_holds_most_of_the_labelled_transitions():
    summary = library_summary(load_library()).set_index("show").drop(index="(all)")
    by_kind = summary.groupby("provenance")["transitions"].sum()
    record = by_kind.get("derived", 0) + by_kind.get("verified", 0)
    assert record / by_kind.sum() >= 0.75, by_kind.to_dict()
    dramas = {"24", "battlestar-galactica-2004", "breaking-bad", "buffy-the-vampire-slayer", "doctor-who", "er",
              "homeland", "lost", "six-feet-under", "star-trek-deep-space-nine", "star-trek-the-next-generation",
              "star-trek-the-original-series", "star-trek-voyager", "the-walking-dead"}
    derived = set(summary.index[summary["provenance"] == "derived"])
    assert len(derived) >= 16 and len(derived & dramas) >= 10


def test_default_training_leaves_recollection_out_and_the_flag_adds_it():
    library = load_library()
    show = library.shows["for-all-mankind"]
    assert provenance(show) == "verified"
    config = load_config()
    result = score_show(show, library, config)
    record = {slug for slug, s in library.shows.items() if provenance(s) in ("derived", "verified")}
    assert result.training["shows"] == len(record)
    assert "recollection" not in result.training["provenance"]
    config["training"]["provenance"] = [*config["training"]["provenance"], "recollection"]
    config["uncertainty"]["n_boot"] = 0
    wider = score_show(show, library, config)
    assert wider.training["shows"] == len(library.shows)
    assert wider.training["provenance"]["recollection"] > 0


def test_a_fate_without_a_row_is_one_line(cli, tmp_path):
    recipes = tmp_path / "recipes"
    recipes.mkdir()
    text = (RECIPES / "breaking-bad.yaml").read_text(encoding="utf-8")
    spec = yaml.safe_load(text)
    spec["fates"].append({"season": 1, "character": "Nobody At All", "fate": "dead", "title": "t", "url": "u"})
    (recipes / "breaking-bad.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    shutil.copytree(SOURCES / "plumcot", tmp_path / "sources" / "plumcot")
    done = cli("ingest", "--recipe", str(recipes))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "Nobody At All" in done.stderr and "breaking-bad.yaml" in done.stderr
    assert not (tmp_path / "shows").exists()   # nothing written


@pytest.mark.parametrize("change, expected", [
    ({"fates": [{"season": 1, "character": "Walter White", "fate": "missing", "title": "t", "url": "u"}]}, "fates[1]"),
    ({"main_cast": {"seasons": {1: ["Walter White"]}}}, "main_cast"),
    ({"colour": "blue"}, "colour"),
])
def test_a_malformed_recipe_is_one_line(cli, tmp_path, change, expected):
    (tmp_path / "recipes").mkdir()
    spec = yaml.safe_load((RECIPES / "breaking-bad.yaml").read_text(encoding="utf-8")) | change
    (tmp_path / "recipes" / "bb.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    done = cli("ingest", "--recipe", str(tmp_path / "recipes" / "bb.yaml"), "--sources", str(SOURCES))
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and expected in done.stderr, done.stderr


def test_every_citations_file_has_the_documented_columns():
    for path in sorted(BUNDLED.glob("*/citations.csv")):
        header = path.read_text(encoding="utf-8").splitlines()[0]
        assert header == "season,character,field,source,url", path


def test_an_unknown_provenance_is_one_line(cli, tmp_path):
    shutil.copytree(BUNDLED / "for-all-mankind", tmp_path / "fam")
    yaml_path = tmp_path / "fam" / "show.yaml"
    yaml_path.write_text(yaml_path.read_text(encoding="utf-8").replace("provenance: verified", "provenance: hearsay"),
                         encoding="utf-8")
    done = cli("validate", str(tmp_path / "fam"))
    assert done.returncode == 2 and "provenance" in done.stdout + done.stderr


@pytest.mark.parametrize("slug, character, seasons, fate", [
    ("better-call-saul", "Daniel Wormald", {1, 2, 3}, None),       # back in season 3
    ("bridgerton", "Marina Thompson", {1, 2}, None),               # back in season 2
    ("scrubs", "The Janitor", set(range(1, 10)), None),            # appears in season 9
    ("yellowstone", "Mia", {3, 4}, None),                          # first in season 3, still in season 4
    ("for-all-mankind", "Deke Slayton", {1}, "dead"),              # dies in the season-1 finale
])
def test_the_errors_a_spot_check_found_are_fixed(slug, character, seasons, fate):
    rows = load_library().shows[slug].appearances
    mine = rows.loc[rows["character"] == character]
    assert set(mine["season"]) == seasons
    if fate:
        assert mine.sort_values("season")["fate"].iloc[-1] == fate


def test_season_scoped_aliases_and_per_season_main_cast_citations(cli, tmp_path):
    """``NAME@N`` renames a one-off namesake in season N only; ``cites`` gives a season its own citation."""
    (tmp_path / "sources" / "toy").mkdir(parents=True)
    rows = ["season,episode,character,lines"]
    rows += [f"{s},{e},ANA,10" for s in (1, 2) for e in (1, 2)] + [f"{s},{e},TOM,5" for s in (1, 2) for e in (1, 2)]
    (tmp_path / "sources" / "toy" / "toy.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    recipe = {"table": "toy/toy.csv", "weight": "lines",
              "show": {"title": "Toy", "source": "a toy table", "seasons": [{"number": 1, "episodes": 2},
                                                                          {"number": 2, "episodes": 2}]},
              "aliases": {"ANA": "Ana", "TOM": "Tom Friendly", "TOM@1": "Tom Brennan"},
              "main_cast": {"cite": {"title": "Page A", "url": "https://a"}, "seasons": {1: ["Ana"], 2: ["Ana"]},
                            "cites": {2: {"title": "Page B", "url": "https://b"}}}}
    (tmp_path / "recipes").mkdir()
    (tmp_path / "recipes" / "toy.yaml").write_text(yaml.safe_dump(recipe, sort_keys=False), encoding="utf-8")
    done = cli("ingest", "--recipe", str(tmp_path / "recipes"))
    assert done.returncode == 0, done.stderr
    built = (tmp_path / "shows" / "toy" / "appearances.csv").read_text(encoding="utf-8")
    assert "1,Tom Brennan," in built and "2,Tom Friendly," in built and "1,Tom Friendly," not in built
    citations = (tmp_path / "shows" / "toy" / "citations.csv").read_text(encoding="utf-8").splitlines()
    assert citations[1:] == ["1,Ana,billing,Page A,https://a", "2,Ana,billing,Page B,https://b"]


def test_the_training_library_keeps_only_the_record_and_its_tables():
    from speculation.core.library import training_library
    library = load_library()
    train = training_library(library, ["derived", "verified"])
    kinds = {provenance(show) for show in train.shows.values()}
    assert kinds == {"derived", "verified"}
    assert set(train.appearances["show"]) == set(train.shows)
    expected = sum(len(show.appearances) for show in train.shows.values())
    assert len(train.appearances) == expected
    assert train._tables is not None             # the bulk tables are filtered, not rebuilt show by show

"""Loading and validating show folders: what a user sees for good and bad input."""
from __future__ import annotations

import pytest

from speculation import SpeculationError, load_show, validate_show
from tests.conftest import APPEARANCES, SHOW_YAML, write_show


def test_valid_show_loads_with_types(tmp_path):
    show = load_show(write_show(tmp_path))
    assert show.slug == "test-show"
    assert show.last_season == 3
    a = show.appearances
    assert len(a) == 15
    assert a["episodes"].dtype.kind == "i" and a["in_finale"].dtype.kind == "i"
    assert set(a["fate"]) <= {"alive", "dead", "departed", "unknown"}
    assert validate_show(show.path) == []


@pytest.mark.parametrize("line_no, column, bad, expected", [
    (3, "episodes", "1,Ben,B. Actor,main,11,1,,alive,", "at most 10"),
    (4, "billing", "1,Cleo,C. Actor,star,4,0,,dead,", "main / recurring / guest"),
    (5, "in_finale", "1,Dov,D. Actor,recurring,3,yes,,departed,", "0 or 1"),
    (6, "fate", "1,Eve,E. Actor,guest,1,0,,missing,", "alive / dead / departed / unknown"),
    (2, "finale_share", "1,Ana,A. Actor,main,10,1,1.4,alive,", "between 0 and 1"),
    (7, "season", "7,Ana,A. Actor,main,10,1,,alive,", "listed in show.yaml"),
    (8, "character", "2,Ana,A. Actor,main,10,1,,alive,", "one row per (season, character)"),
    (3, "episodes", "1,Ben,B. Actor,main,many,1,,alive,", "an integer from 1 to 1000"),
    (3, "birth_year", "1,Ben,B. Actor,main,9,1,,alive,19x0", "an integer from 1800 to 2200, or blank"),
])
def test_bad_cell_names_file_line_column(tmp_path, line_no, column, bad, expected):
    lines = APPEARANCES.splitlines()
    if column == "character":  # duplicate: a second season-2 Ana row right after the first (line 7)
        lines.insert(line_no - 1, bad)
    else:
        lines[line_no - 1] = bad
    path = write_show(tmp_path, csv_text="\n".join(lines) + "\n")
    with pytest.raises(SpeculationError) as info:
        load_show(path)
    message = str(info.value)
    assert "appearances.csv" in message and f"line {line_no}" in message and f"column '{column}'" in message
    assert expected in message
    assert "\n" not in message


def test_validate_reports_every_problem(tmp_path):
    lines = APPEARANCES.splitlines()
    lines[1] = "1,Ana,A. Actor,boss,10,1,,alive,"
    lines[2] = "1,Ben,B. Actor,main,0,1,,alive,"
    path = write_show(tmp_path, csv_text="\n".join(lines) + "\n")
    problems = validate_show(path)
    assert [(p.line, p.column) for p in problems] == [(2, "billing"), (3, "episodes")]


@pytest.mark.parametrize("yaml_text, expected", [
    ("title: X\nseasons: [{number: 1, episodes: 10}]\n", "key 'source' is required"),
    ("title: X\nsource: s\nseasons: [{number: 1, episodes: ten}]\n", "'episodes' must be an integer"),
    ("title: X\nsource: s\nseasons: [{number: 1, episodes: 10}, {number: 3, episodes: 10}]\n", "consecutive"),
    ("title: [unclosed\n", "not valid YAML"),
])
def test_bad_show_yaml(tmp_path, yaml_text, expected):
    path = write_show(tmp_path, yaml_text=yaml_text)
    with pytest.raises(SpeculationError) as info:
        load_show(path)
    assert "show.yaml" in str(info.value) and expected in str(info.value)


def test_listed_season_without_rows_is_an_error(tmp_path):
    yaml_text = SHOW_YAML.format(n=1) + "  - {number: 4, episodes: 8}\n"
    with pytest.raises(SpeculationError, match="season 4 is listed in show.yaml but has no rows"):
        load_show(write_show(tmp_path, yaml_text=yaml_text))


def test_dead_character_reappearing_must_be_declared(tmp_path):
    csv_text = APPEARANCES + "3,Cleo,C. Actor,guest,1,0,,alive,\n"
    path = write_show(tmp_path, csv_text=csv_text)
    with pytest.raises(SpeculationError, match="returns_after_death"):
        load_show(path)
    declared = SHOW_YAML.format(n=1) + "returns_after_death:\n  - {character: Cleo, season: 3, note: flashback}\n"
    write_show(tmp_path, yaml_text=declared, csv_text=csv_text)
    assert load_show(path).appearances["character"].eq("Cleo").sum() == 2


def test_missing_required_column(tmp_path):
    csv_text = "\n".join(",".join(l.split(",")[:5] + l.split(",")[6:]) for l in APPEARANCES.splitlines()) + "\n"
    with pytest.raises(SpeculationError, match="missing required column.*in_finale"):
        load_show(write_show(tmp_path, csv_text=csv_text))


def test_inputs_are_never_modified(tmp_path):
    path = write_show(tmp_path)
    before = {p.name: p.read_bytes() for p in path.iterdir()}
    load_show(path)
    assert {p.name: p.read_bytes() for p in path.iterdir()} == before

"""`speculation validate PATH...`: every problem of every show folder, one line each, exit 2 if any."""
from __future__ import annotations

import re

from tests.conftest import APPEARANCES, SHOW_YAML, write_show


def _broken_csv() -> str:
    lines = APPEARANCES.splitlines()
    lines[1] = "1,Ana,A. Actor,boss,10,1,0.4,alive,"            # line 2: billing
    lines[2] = "1,Ben,B. Actor,main,12,1,,alive,"               # line 3: more episodes than the season has
    lines[4] = "1,Dov,D. Actor,recurring,3,maybe,,departed,"    # line 5: in_finale
    lines[8] = "2,Eve,E. Actor,recurring,5,1,,missing,"         # line 9: fate
    return "\n".join(lines) + "\n"


def test_every_problem_of_one_file_is_listed(cli, tmp_path):
    path = write_show(tmp_path, "broken", csv_text=_broken_csv())
    r = cli("validate", str(path))
    assert r.returncode == 2
    lines = r.stdout.splitlines()
    found = [(int(m.group(1)), m.group(2)) for m in
             (re.search(r"appearances\.csv, line (\d+), column '(\w+)': expected", line) for line in lines) if m]
    assert found == [(2, "billing"), (3, "episodes"), (5, "in_finale"), (9, "fate")], r.stdout
    assert all(str(path / "appearances.csv") in line for line in lines)
    assert "at most 10" in lines[1] and "'12'" in lines[1]
    assert "4 problems in 1 show folder(s)" in r.stderr and "Traceback" not in r.stderr


def test_problems_of_show_yaml_and_csv_are_listed_together(cli, tmp_path):
    yaml_text = SHOW_YAML.format(n=1).replace("source: written for the test suite\n", "")
    path = write_show(tmp_path, "two-files", yaml_text=yaml_text, csv_text=_broken_csv())
    r = cli("validate", str(path))
    assert r.returncode == 2
    assert "show.yaml: key 'source' is required" in r.stdout
    assert r.stdout.count("appearances.csv, line") == 4


def test_a_library_folder_is_checked_entirely(cli, tiny_library):
    write_show(tiny_library, "show-1", csv_text=_broken_csv())
    write_show(tiny_library, "show-2",
               csv_text=APPEARANCES.replace("3,Hal,H. Actor,recurring,5", "3,Hal,H. Actor,recurring,50"))
    half = tiny_library / "half-written"
    half.mkdir()
    (half / "appearances.csv").write_text(APPEARANCES, encoding="utf-8")
    r = cli("validate", str(tiny_library))
    assert r.returncode == 2
    assert f"{tiny_library / 'show-0'}: ok" in r.stdout
    assert r.stdout.count(str(tiny_library / "show-1" / "appearances.csv")) == 4
    assert f"{tiny_library / 'show-2' / 'appearances.csv'}, line 15, column 'episodes'" in r.stdout
    assert f"{half / 'show.yaml'}: missing" in r.stdout
    assert re.search(r"\d+ problems in 4 show folder\(s\)", r.stderr)
    r = cli("validate", "--quiet", str(tiny_library))
    assert "ok" not in r.stdout and r.returncode == 2


def test_valid_folders_exit_0(cli, tiny_library):
    r = cli("validate", str(tiny_library), str(tiny_library / "show-1"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count(": ok") == 4 and r.stderr == ""
    r = cli("validate", "--quiet", str(tiny_library))
    assert r.returncode == 0 and r.stdout == ""


def test_missing_or_empty_paths_are_problems(cli, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    r = cli("validate", str(tmp_path / "nowhere"), str(empty))
    assert r.returncode == 2
    assert f"{tmp_path / 'nowhere'}: not a show folder" in r.stdout
    assert f"{empty}: no show folders found" in r.stdout


def test_unrecorded_season_that_has_a_row_is_a_problem(cli, tmp_path):
    yaml_text = SHOW_YAML.format(n=1) + "unrecorded:\n  - {character: Ana, seasons: [2]}\n"
    folder = write_show(tmp_path, yaml_text=yaml_text)
    result = cli("validate", str(folder))
    assert result.returncode == 2
    assert "appearances.csv, line 7, column 'season'" in result.stdout + result.stderr
    assert "unrecorded" in result.stdout + result.stderr


def test_malformed_unrecorded_entry_is_a_problem(cli, tmp_path):
    yaml_text = SHOW_YAML.format(n=1) + "unrecorded:\n  - {character: Dov, seasons: [9]}\n"
    result = cli("validate", str(write_show(tmp_path, yaml_text=yaml_text)))
    assert result.returncode == 2 and "key 'unrecorded', entry 1" in result.stdout + result.stderr

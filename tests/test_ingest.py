"""`speculation ingest`: episode-level tables (transcripts, scene logs, credit lists) into show folders."""
from __future__ import annotations

import subprocess
import sys
import time

import pandas as pd
import pytest

from speculation import SpeculationError, load_config, load_show
from speculation.io.ingest import build_appearances, ingest, read_episodes, speaker_mask
from tests.conftest import ROOT

SHOW_YAML = """\
title: Transcript Show
source: a table written for the test suite
seasons:
  - {number: 1, episodes: 4, year: 2010}
  - {number: 2, episodes: 2, year: 2011}
"""

# A transcript-like table: one row per speaker per episode with its number of lines, speakers that are not
# characters, a recast (Dov) and a season-2 finale without Cleo.
TRANSCRIPT = """\
season,episode,character,actor,lines
1,1,Ana,A. Actor,40
1,1,Ben,B. Actor,20
1,1,All,,3
1,2,Ana,A. Actor,35
1,2,Ben,B. Actor,25
1,2,Man #2,,1
1,2,Eli,E. Actor,3
1,3,Ana,A. Actor,30
1,3,Cleo,C. Actor,12
1,3,Ross and Rachel,,2
1,4,Ana,A. Actor,50
1,4,Ben,B. Actor,30
1,4,Dov,D. Actor,20
1,4,NARRATOR,,9
1,4,Woman 1,,4
2,1,Ana,A. Actor,10
2,1,Cleo,C. Actor,10
2,1,Dov,D. Actor,2
2,1,Dov,Other Actor,3
2,2,Ana,A. Actor,5
2,2,Dov,Other Actor,15
2,2,Everyone,,6
"""


def _files(tmp_path, table: str = TRANSCRIPT, yaml_text: str = SHOW_YAML):
    (tmp_path / "episodes.csv").write_text(table, encoding="utf-8")
    (tmp_path / "show.yaml").write_text(yaml_text, encoding="utf-8")
    return tmp_path / "episodes.csv", tmp_path / "show.yaml"


def _rows(result) -> dict:
    a = result.appearances
    return {(int(r.season), r.character): r for r in a.itertuples(index=False)}


def test_transcript_with_lines_weight(tmp_path):
    episodes, show_yaml = _files(tmp_path)
    result = ingest(episodes, show_yaml, weight="lines")
    rows = _rows(result)
    assert set(rows) == {(1, "Ana"), (1, "Ben"), (1, "Cleo"), (1, "Dov"), (1, "Eli"), (2, "Ana"), (2, "Cleo"),
                         (2, "Dov")}
    assert set(result.dropped.index) == {"All", "Man #2", "Ross and Rachel", "NARRATOR", "Woman 1", "Everyone"}
    assert rows[1, "Ana"].episodes == 4 and rows[1, "Ben"].episodes == 3 and rows[2, "Dov"].episodes == 2
    # the finale is episode 4 (show.yaml): 50 + 30 + 20 lines of characters; the narrator does not count
    assert rows[1, "Ana"].finale_share == pytest.approx(0.5)
    assert rows[1, "Ben"].finale_share == pytest.approx(0.3)
    assert rows[1, "Dov"].finale_share == pytest.approx(0.2)
    assert rows[1, "Cleo"].in_finale == 0 and rows[1, "Cleo"].finale_share == 0
    assert rows[2, "Dov"].finale_share == pytest.approx(0.75) and rows[2, "Cleo"].in_finale == 0
    # actor: the one in most of the season's episodes, ties by name (Dov S2: Other Actor in 2 episodes)
    assert rows[2, "Dov"].actor == "Other Actor" and rows[1, "Dov"].actor == "D. Actor"
    assert set(result.appearances["fate"]) == {"unknown"}
    assert result.files["show.yaml"] == SHOW_YAML


def test_billing_rule_from_episode_share(tmp_path):
    episodes, show_yaml = _files(tmp_path)
    rows = _rows(ingest(episodes, show_yaml, weight="lines"))
    # season 1 has 4 episodes: Ana 4/4 and Ben 3/4 main (≥ 0.5), Cleo 1/4 recurring (≥ 0.2)
    assert [rows[1, c].billing for c in ("Ana", "Ben", "Cleo", "Dov")] == ["main", "main", "recurring", "recurring"]
    config = load_config(overrides={"ingest": {"billing_rule": {"main_share": 0.8, "recurring_share": 0.3,
                                                                "recurring_episodes": None}}})
    rows = _rows(ingest(episodes, show_yaml, config, weight="lines"))
    assert [rows[1, c].billing for c in ("Ana", "Ben", "Cleo", "Dov")] == ["main", "recurring", "guest", "guest"]
    config = load_config(overrides={"ingest": {"billing_rule": {"main_share": 1.0, "recurring_share": 1.0,
                                                                "recurring_episodes": 3}}})
    rows = _rows(ingest(episodes, show_yaml, config, weight="lines"))
    assert rows[1, "Ana"].billing == "main" and rows[1, "Ben"].billing == "recurring"   # 3 episodes
    config = load_config(overrides={"ingest": {"billing_rule": {"recurring_share": 0.3, "recurring_episodes": None},
                                               "drop_guest_only": True}})
    rows = _rows(ingest(episodes, show_yaml, config, weight="lines"))
    assert rows[1, "Cleo"].billing == "guest" and rows[2, "Cleo"].billing == "main"   # kept: 1 of 2 in S2
    assert (1, "Eli") not in rows    # guest (1 of 4 episodes) in every season he appears in
    config = load_config(overrides={"ingest": {"billing_rule": {"main_share": 0.6, "recurring_share": 0.6,
                                                                "recurring_episodes": None}, "drop_guest_only": True}})
    table = "season,episode,character\n1,1,Ana\n1,2,Ana\n1,3,Ana\n1,4,Ana\n2,2,Ben\n"   # Ben: 1 of 2 episodes
    with pytest.raises(SpeculationError, match="season 2 has no characters left"):
        ingest(*_files(tmp_path, table), config)


def test_billing_column_wins_over_the_rule(tmp_path):
    table = ("season,episode,character,billing\n1,1,Ana,main\n1,2,Ana,main\n1,3,Ana,\n1,4,Ana,recurring\n"
             "1,4,Ben,main\n1,1,Cleo,\n1,4,Cleo,\n2,1,Ana,main\n2,2,Ana,Main\n2,2,Ben,guest\n2,1,Ben,recurring\n")
    rows = _rows(ingest(*_files(tmp_path, table)))
    assert rows[1, "Ana"].billing == "main"          # most frequent given billing
    assert rows[1, "Ben"].billing == "main"          # given, although 1 episode of 4
    assert rows[1, "Cleo"].billing == "main"         # never given: the rule (2 of 4 episodes)
    assert rows[2, "Ben"].billing == "recurring"     # tie (1 episode each) goes to the higher billing
    assert rows[1, "Ana"].actor == "unknown"         # no actor column: the configured placeholder


def test_without_weight_each_row_counts_one(tmp_path):
    # line-level transcript without a weight column: rows are lines
    table = "season,episode,character\n" + "1,4,Ana\n" * 3 + "1,4,Ben\n" + "1,1,Ana\n2,2,Ana\n2,2,Ben\n2,1,Ben\n"
    result = ingest(*_files(tmp_path, table))
    rows = _rows(result)
    assert rows[1, "Ana"].finale_share == pytest.approx(0.75) and rows[1, "Ana"].episodes == 2
    assert rows[1, "Ben"].finale_share == pytest.approx(0.25)
    # season 2: one row each in the finale, an equal split that says nothing: left blank
    assert pd.isna(rows[2, "Ana"].finale_share) and rows[2, "Ana"].in_finale == 1
    assert result.notes == ["season 2: finale_share left blank (every finale character has the same number of rows "
                            "and there is no weight column)"]


def test_finale_rule_show_yaml_or_table(tmp_path):
    table = "season,episode,character\n1,1,Ana\n1,3,Ana\n1,3,Ben\n2,1,Ana\n2,2,Ana\n"
    files = _files(tmp_path, table)
    with pytest.raises(SpeculationError, match="season 1: the finale, episode 4, has no character rows.*ingest.finale"):
        ingest(*files)
    config = load_config(overrides={"ingest": {"finale": "table"}})
    rows = _rows(ingest(*files, config))
    assert rows[1, "Ben"].in_finale == 1 and rows[1, "Ana"].in_finale == 1


def test_speaker_filter_names_and_patterns():
    rules = load_config()["ingest"]["drop_speakers"]
    names = pd.Series(["All", "everyone", "Man #2", "Narrator", "Voice", "Crowd", "Both", "Woman 1", "Guard",
                       "Ross and Rachel", "Joey/Chandler", "Voice on Phone", "  ALL  ", "Guard #3",
                       "Ana", "Allison", "Ben Wyatt", "Guy Fleming", "Bothwell", "Dr. Cox", "Number Six"])
    dropped = speaker_mask(names, rules)
    assert dropped[:14].all(), list(names[:14][~dropped[:14]])
    assert not dropped[14:].any(), list(names[14:][dropped[14:]])
    custom = {"names": ["ana"], "patterns": [r"b\w+"]}
    assert list(speaker_mask(pd.Series(["ANA", "Ben", "Ben Wyatt", "All"]), custom)) == [True, True, False, False]


def test_nested_repeats_that_would_hang_re_run_in_no_time():
    # re.fullmatch takes ~2^n steps on these for a name of n letters and a "!" (years for n = 60); the regex
    # module does not backtrack on them. In a subprocess, so that a regression fails instead of hanging the suite.
    code = ("import pandas as pd; from speculation.io.ingest import speaker_mask; "
            "names = pd.Series(['a' * 60 + '!', 'Ana', 'a' * 60]); "
            "print([list(speaker_mask(names, {'names': [], 'patterns': [p]})) for p in ['(a+)+$', r'(.+)+\\d']])")
    started = time.monotonic()
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[[False, False, True], [False, False, False]]"
    assert time.monotonic() - started < 15


def test_a_pattern_that_backtracks_for_ever_stops_the_cli_with_one_line(tmp_path):
    episodes, show_yaml = _files(tmp_path, TRANSCRIPT + "2,2," + "a" * 60 + "!,,1\n")
    config = tmp_path / "c.yaml"
    config.write_text("ingest:\n  drop_speakers:\n    patterns: ['(a|aa)+$']\n", encoding="utf-8")
    out = tmp_path / "out"
    started = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "speculation", "ingest", str(episodes), "--show-yaml", str(show_yaml),
                        "--out", str(out), "--config", str(config)], capture_output=True, text=True, cwd=ROOT,
                       timeout=60)
    assert time.monotonic() - started < 30
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.startswith("error: ingest.drop_speakers.patterns: the pattern '(a|aa)+$' took more than 0.25 s")
    assert "aaaa" in r.stderr and "ingest.drop_speakers.names" in r.stderr and not out.exists()


def test_pure_build_on_a_frame():
    seasons = pd.DataFrame({"season": [1], "episodes": [2]})
    episodes = pd.DataFrame({"line": [2, 3, 4], "season": [1, 1, 1], "episode": [1, 2, 2],
                             "character": ["Ana", "Ana", "Crowd"], "actor": ["A", "A", ""],
                             "billing": ["", "", ""], "weight": [1.0, 5.0, 5.0]})
    appearances, dropped, _ = build_appearances(episodes, seasons, load_config()["ingest"], has_weight=True)
    assert appearances.to_dict("records")[0] | {"birth_year": None} == {
        "season": 1, "character": "Ana", "actor": "A", "billing": "main", "episodes": 2, "in_finale": 1,
        "finale_share": 1.0, "fate": "unknown", "birth_year": None}
    assert dict(dropped) == {"Crowd": 1}


@pytest.mark.parametrize("table, weight, where, expected", [
    ("season,episode,character,lines\n1,1,Ana,4\n1,5,Ben,3\n", "lines", "line 3, column 'episode'", "at most 4"),
    ("season,episode,character,lines\n1,1,Ana,4\n3,1,Ben,3\n", "lines", "line 3, column 'season'",
     "listed in show.yaml"),
    ("season,episode,character,lines\n1,1,Ana,4\n1,x,Ben,3\n", "lines", "line 3, column 'episode'", "an integer ≥ 1"),
    ("season,episode,character,lines\n1,1,Ana,many\n", "lines", "line 2, column 'lines'", "a number ≥ 0"),
    ("season,episode,character,lines\n1,1,,4\n", "lines", "line 2, column 'character'", "a non-empty name"),
    ("season,episode,character,billing\n1,1,Ana,star\n", None, "line 2, column 'billing'", "main / recurring / guest"),
    ("season,episode,character\n1,1,Ana,extra\n", None, "line 2", "expected 3 fields"),
    ("season,episode,name\n1,1,Ana\n", None, "line 1", "missing column(s) character"),
    ("season,episode,character\n1,1,Ana\n", "lines", "line 1", "missing column(s) lines"),
    ("", None, "episodes.csv", "empty file"),
])
def test_bad_table_names_file_line_column(tmp_path, table, weight, where, expected):
    with pytest.raises(SpeculationError) as info:
        ingest(*_files(tmp_path, table), weight=weight)
    message = str(info.value)
    assert "episodes.csv" in message and where in message and expected in message and "\n" not in message


def test_every_problem_is_kept_and_lines_count_multiline_fields(tmp_path):
    table = 'season,episode,character,text\n1,1,Ana,"two\nlines"\n1,9,Ben,x\n0,1,Cleo,y\n'
    episodes, _ = _files(tmp_path, table)
    seasons = pd.DataFrame({"season": [1, 2], "episodes": [4, 2]})
    with pytest.raises(SpeculationError) as info:
        read_episodes(episodes, seasons)
    assert [(p.line, p.column) for p in info.value.problems] == [(4, "episode"), (5, "season")]
    assert "(and 1 more problem in this table)" in str(info.value)


def test_show_yaml_is_checked(tmp_path):
    with pytest.raises(SpeculationError, match="show.yaml.*key 'source' is required"):
        ingest(*_files(tmp_path, yaml_text="title: X\nseasons: [{number: 1, episodes: 4}]\n"), weight="lines")
    with pytest.raises(SpeculationError, match="season 2 is listed in show.yaml but has no character rows"):
        ingest(*_files(tmp_path, "season,episode,character\n1,4,Ana\n"))


def test_config_section_is_checked(tmp_path):
    with pytest.raises(SpeculationError, match="ingest.finale"):
        load_config(overrides={"ingest": {"finale": "last"}})
    with pytest.raises(SpeculationError, match="ingest.drop_speakers.patterns"):
        load_config(overrides={"ingest": {"drop_speakers": {"patterns": ["(unclosed"]}}})
    with pytest.raises(SpeculationError, match="ingest.billing_rule.main_share"):
        load_config(overrides={"ingest": {"billing_rule": {"main_share": 2}}})
    with pytest.raises(SpeculationError, match="unknown key 'ingest.colums'"):
        load_config(overrides={"ingest": {"colums": {}}})


def test_column_names_are_configurable(tmp_path):
    table = "Season,Ep,Speaker\n1,4,Ana\n1,4,Ana\n1,4,Ben\n2,2,Ana\n"
    config_file = tmp_path / "c.yaml"
    config_file.write_text("ingest:\n  columns: {season: Season, episode: Ep, character: Speaker}\n", encoding="utf-8")
    rows = _rows(ingest(*_files(tmp_path, table), load_config(config_file)))
    assert rows[1, "Ana"].finale_share == pytest.approx(2 / 3)


# ------------------------------------------------------------------------------------------ the command line
def test_cli_output_loads_and_scores_in_a_library(cli, tiny_library, tmp_path):
    episodes, show_yaml = _files(tmp_path)
    folder = tiny_library / "transcript-show"
    r = cli("ingest", str(episodes), "--show-yaml", str(show_yaml), "--out", str(folder), "--weight", "lines")
    assert r.returncode == 0, r.stderr
    assert "dropped 6 rows of 6 non-character speaker name(s)" in r.stdout and "Man #2 (1)" in r.stdout
    show = load_show(folder)
    assert show.slug == "transcript-show" and len(show.appearances) == 8
    assert (folder / "show.yaml").read_text(encoding="utf-8") == SHOW_YAML
    out = tmp_path / "report"
    r = cli("score", "transcript-show", "--library", str(tiny_library), "--out", str(out), "--no-charts",
            "--format", "csv")
    assert r.returncode == 0, r.stderr
    ranking = pd.read_csv(out / "ranking.csv")
    assert set(ranking["character"]) == {"Ana", "Cleo", "Dov"}
    r = cli("validate", str(tiny_library))
    assert r.returncode == 0, r.stdout + r.stderr


def test_cli_refuses_a_non_empty_out_unless_forced(cli, tmp_path):
    episodes, show_yaml = _files(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    r = cli("ingest", str(episodes), "--show-yaml", str(show_yaml), "--out", str(out))
    assert r.returncode == 2 and "not empty" in r.stderr and "--force" in r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    r = cli("ingest", str(episodes), "--show-yaml", str(show_yaml), "--out", str(out), "--force")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["appearances.csv", "notes.txt", "show.yaml"]


def test_cli_bad_input_is_one_line_exit_2_and_writes_nothing(cli, tmp_path):
    episodes, show_yaml = _files(tmp_path, TRANSCRIPT + "1,5,Ana,A. Actor,3\n2,1,Ben,B. Actor,lots\n")
    out = tmp_path / "out"
    r = cli("ingest", str(episodes), "--show-yaml", str(show_yaml), "--out", str(out), "--weight", "lines")
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "episodes.csv, line 24, column 'episode': expected at most 4" in r.stderr
    assert "(and 1 more problem in this table)" in r.stderr
    assert not out.exists()
    config = tmp_path / "c.yaml"
    config.write_text("ingest:\n  billing_rule: {main_share: -1}\n", encoding="utf-8")
    r = cli("ingest", str(tmp_path / "episodes.csv"), "--show-yaml", str(show_yaml), "--out", str(out),
            "--config", str(config))
    assert r.returncode == 2 and "ingest.billing_rule.main_share" in r.stderr and not out.exists()


def test_cli_accepts_an_out_folder_holding_only_its_show_yaml(cli, tmp_path):
    folder = tmp_path / "my-show"
    folder.mkdir()
    episodes, show_yaml = _files(tmp_path)
    (folder / "show.yaml").write_text(SHOW_YAML, encoding="utf-8")
    r = cli("ingest", str(episodes), "--show-yaml", str(folder / "show.yaml"), "--out", str(folder),
            "--weight", "lines")
    assert r.returncode == 0, r.stderr
    assert load_show(folder).title == "Transcript Show"

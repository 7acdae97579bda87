"""`speculation explain SHOW CHARACTER` as a user runs it."""
from __future__ import annotations

import numpy as np
import pandas as pd


def test_explain_prints_contributions_and_writes_the_waterfall(cli, tiny_library, tmp_path):
    out = tmp_path / "explain"
    r = cli("explain", "show-0", "eve", "--library", str(tiny_library), "--out", str(out))
    assert r.returncode == 0, r.stderr
    text = r.stdout
    assert text.startswith("Eve (E. Actor, main) — Test Show 0, season 3 → season 4")
    assert "probability of returning:" in text and "80% interval" in text and "rank " in text
    for words in ("base: an average character", "died on screen", "in the finale", "total: log-odds", "points"):
        assert words in text, words
    for ext in ("png", "svg", "csv"):
        assert (out / f"eve.{ext}").is_file()
    wf = pd.read_csv(out / "eve.csv", keep_default_na=False)
    ranking_run = cli("score", "show-0", "--library", str(tiny_library), "--out", str(tmp_path / "score"),
                      "--format", "csv", "--no-charts")
    assert ranking_run.returncode == 0, ranking_run.stderr
    ranking = pd.read_csv(tmp_path / "score" / "ranking.csv").set_index("character")
    assert np.isclose(wf["end"].iloc[-1], ranking.loc["Eve", "logit"])
    assert np.isclose(wf["probability_end"].iloc[-1], ranking.loc["Eve", "probability"])
    # the printed total log-odds is the ranking's logit
    total = next(line for line in text.splitlines() if line.startswith("total: log-odds"))
    assert f"{ranking.loc['Eve', 'logit']:+.3f}" in total


def test_unknown_character_is_one_line_with_suggestions_and_exit_2(cli, tiny_library, tmp_path):
    out = tmp_path / "explain"
    r = cli("explain", "show-0", "Evee", "--library", str(tiny_library), "--out", str(out))
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "no character 'Evee'" in r.stderr and "did you mean Eve" in r.stderr
    assert not out.exists()


def test_default_output_folder_and_bundled_show(cli, tmp_path):
    r = cli("explain", "for-all-mankind", "Ed Baldwin", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Ed Baldwin" in r.stdout and "season 4 → season 5" in r.stdout
    folder = tmp_path / "reports" / "for-all-mankind" / "season-4" / "explain"
    assert sorted(p.name for p in folder.iterdir()) == ["ed-baldwin.csv", "ed-baldwin.png", "ed-baldwin.svg"]

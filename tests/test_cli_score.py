"""`speculation score` as a user runs it: files written, read back, deterministic, errors as one line."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from tests.conftest import APPEARANCES, BUNDLED, write_show

FEATURE_START = ["rank", "character", "actor", "billing", "probability", "low", "high", "logit", "intercept"]


def test_score_bundled_show_writes_every_format(cli, tmp_path):
    out = tmp_path / "out"
    result = cli("score", "for-all-mankind", "--out", str(out), "--no-charts")
    assert result.returncode == 0, result.stderr
    assert "who returns in season 5" in result.stdout and "Ed Baldwin" in result.stdout
    ranking = pd.read_csv(out / "ranking.csv")
    assert list(ranking.columns[:9]) == FEATURE_START
    contrib = [c for c in ranking.columns if c.startswith("contrib_")]
    assert list(ranking.columns[9:9 + len(contrib)]) == contrib and len(contrib) >= 10
    assert np.allclose(ranking[["intercept"] + contrib].sum(axis=1), ranking["logit"], atol=1e-9)
    assert np.allclose(1 / (1 + np.exp(-ranking["logit"])), ranking["probability"])
    assert (ranking["low"] <= ranking["high"]).all()
    assert list(ranking["rank"]) == list(range(1, len(ranking) + 1))
    order = ranking.sort_values(["probability", "character"], ascending=[False, True], kind="mergesort")
    assert list(order["character"]) == list(ranking["character"])
    fam = pd.read_csv(BUNDLED / "for-all-mankind" / "appearances.csv")
    assert set(ranking["character"]) == set(fam.loc[fam["season"] == 4, "character"])
    payload = json.loads((out / "ranking.json").read_text(encoding="utf-8"))
    assert payload["season"] == 4 and [r["character"] for r in payload["ranking"]] == list(ranking["character"])
    assert "| 1 | " + ranking["character"][0] in (out / "ranking.md").read_text(encoding="utf-8")
    html_tables = pd.read_html(out / "ranking.html") if _has_lxml() else None
    html_text = (out / "ranking.html").read_text(encoding="utf-8")
    assert html_text.startswith("<!DOCTYPE html>") and ranking["character"][0] in html_text
    if html_tables is not None:
        assert len(html_tables[0]) == len(ranking)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "config" in manifest and any(k.endswith("appearances.csv") for k in manifest["inputs"])


def _has_lxml() -> bool:
    try:
        import lxml  # noqa: F401
        return True
    except ImportError:
        return False


def test_identical_inputs_give_byte_identical_files(cli, tiny_library, tmp_path):
    for run in ("a", "b"):
        r = cli("score", "show-0", "--library", str(tiny_library), "--out", str(tmp_path / run), "--no-charts")
        assert r.returncode == 0, r.stderr
    for name in ("ranking.csv", "ranking.md", "ranking.json", "ranking.html", "manifest.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_path_with_library_slug_replaces_that_show(cli, tiny_library, tmp_path):
    edited = write_show(tmp_path / "edited", "show-1", csv_text=APPEARANCES + "3,Ivy,I. Actor,main,8,1,,alive,\n")
    out = tmp_path / "out"
    r = cli("score", str(edited), "--library", str(tiny_library), "--out", str(out), "--format", "csv", "--no-charts")
    assert r.returncode == 0, r.stderr
    assert "Ivy" in set(pd.read_csv(out / "ranking.csv")["character"])
    assert not (out / "ranking.md").exists()


def test_bad_folder_gives_one_line_and_exit_2(cli, tiny_library, tmp_path):
    bad = write_show(tmp_path / "bad", "broken", csv_text=APPEARANCES.replace("2,Fay,F. Actor,recurring,6", "2,Fay,F. Actor,recurring,16"))
    out = tmp_path / "out"
    r = cli("score", str(bad), "--library", str(tiny_library), "--out", str(out))
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "appearances.csv, line 10, column 'episodes'" in r.stderr and "at most 10" in r.stderr
    assert not out.exists()


def test_unknown_show_and_bad_config(cli, tiny_library, tmp_path):
    r = cli("score", "show-9", "--library", str(tiny_library))
    assert r.returncode == 2 and "did you mean" in r.stderr and "Traceback" not in r.stderr
    config = tmp_path / "c.yaml"
    config.write_text("model:\n  C: -1\n", encoding="utf-8")
    r = cli("score", "show-0", "--library", str(tiny_library), "--config", str(config))
    assert r.returncode == 2 and "model.C" in r.stderr and r.stderr.count("\n") == 1
    config.write_text("modle: {}\n", encoding="utf-8")
    r = cli("score", "show-0", "--library", str(tiny_library), "--config", str(config))
    assert r.returncode == 2 and "unknown key 'modle'" in r.stderr


def test_config_changes_features_used(cli, tiny_library, tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("model:\n  features: [billing_level, died]\n  C: 1.0\nuncertainty:\n  n_boot: 0\n", encoding="utf-8")
    out = tmp_path / "out"
    r = cli("score", "show-0", "--library", str(tiny_library), "--config", str(config), "--out", str(out), "--no-charts")
    assert r.returncode == 0, r.stderr
    cols = list(pd.read_csv(out / "ranking.csv").columns)
    assert cols == ["rank", "character", "actor", "billing", "probability", "logit", "intercept",
                    "contrib_billing_level", "contrib_died"]


def test_python_m_and_console_script_agree(tmp_path):
    import shutil
    import subprocess

    exe = shutil.which("speculation")
    assert exe, "the console script is installed by `pip install -e .`"
    r = subprocess.run([exe, "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "score" in r.stdout


def test_warnings_are_shown_as_one_line_each_not_swallowed(cli, tiny_library, tmp_path):
    """A feature constant in the training data (no birth years here) is said once, on stderr, and scoring goes on."""
    r = cli("score", str(tiny_library / "show-0"), "--library", str(tiny_library), "--out", str(tmp_path / "o"))
    assert r.returncode == 0, r.stderr
    lines = [line for line in r.stderr.splitlines() if line]
    assert lines and all(line.startswith("warning: ") for line in lines)
    assert any("constant in the training data" in line and "age_over_threshold" in line for line in lines)
    assert "Traceback" not in r.stderr and "UserWarning" not in r.stderr

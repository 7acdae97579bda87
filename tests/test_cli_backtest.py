"""`speculation backtest` as a user runs it: files written and read back, reproducible, errors as one line."""
from __future__ import annotations

import json

import pandas as pd

from tests.conftest import write_show

METHODS = ["model", "baseline_alive", "baseline_main", "baseline_library_rate", "baseline_show_rate"]


def test_backtest_writes_tables_charts_and_manifest(cli, tiny_library, tmp_path):
    out = tmp_path / "bt"
    r = cli("backtest", "--library", str(tiny_library), "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "walk-forward, pooled" in r.stdout and "baseline_main" in r.stdout
    summary = pd.read_csv(out / "backtest.csv")
    pooled = summary.loc[summary["show"] == "(pooled)"]
    assert set(pooled["scheme"]) == {"walk_forward", "leave_one_show_out"}
    assert sorted(pooled.loc[pooled["scheme"] == "walk_forward", "method"]) == sorted(METHODS)
    assert set(summary["show"]) == {"(pooled)", "show-0", "show-1", "show-2"}
    assert pooled[["auc", "brier", "log_loss", "accuracy", "ece"]].notna().all().all()
    preds = pd.read_csv(out / "predictions.csv")
    # each tiny show has 10 labelled transitions (seasons 1 and 2), predicted once per scheme
    assert len(preds) == 2 * 3 * 10 and preds[METHODS].apply(lambda c: c.between(0, 1)).all().all()
    assert (pooled["n"] == 30).all()
    payload = json.loads((out / "backtest.json").read_text(encoding="utf-8"))
    assert set(payload["C"]) == {"show-0", "show-1", "show-2"} and "walk_forward" in payload["pooled"]
    assert "C" in pd.read_csv(out / "model_selection.csv").columns
    assert "## walk-forward, pooled" in (out / "backtest.md").read_text(encoding="utf-8")
    for chart in ("calibration", "backtest_by_season"):
        assert (out / f"{chart}.png").read_bytes().startswith(b"\x89PNG")
        assert b"<svg" in (out / f"{chart}.svg").read_bytes()[:500]
        assert len(pd.read_csv(out / f"{chart}.csv"))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["command"] == "speculation backtest" and "backtest.csv" in manifest["outputs"]
    assert any(k.endswith("show-0/appearances.csv") for k in manifest["inputs"])


def test_named_show_is_the_only_one_held_out_and_reruns_are_identical(cli, tiny_library, tmp_path):
    for run in ("a", "b"):
        r = cli("backtest", "show-1", "--library", str(tiny_library), "--out", str(tmp_path / run))
        assert r.returncode == 0, r.stderr
    assert set(pd.read_csv(tmp_path / "a" / "predictions.csv")["show"]) == {"show-1"}
    for name in ("backtest.csv", "backtest.md", "backtest.json", "predictions.csv", "calibration.csv",
                 "calibration.svg", "backtest_by_season.svg", "manifest.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def _one_line_error(r) -> str:
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    return r.stderr


def test_errors_are_one_line_with_exit_2(cli, tiny_library, tmp_path):
    out = tmp_path / "out"
    assert "show-9" in _one_line_error(cli("backtest", "show-9", "--library", str(tiny_library), "--out", str(out)))
    assert "library folder not found" in _one_line_error(cli("backtest", "--library", str(tmp_path / "nope")))
    assert "--bins" in _one_line_error(cli("backtest", "--library", str(tiny_library), "--bins", "1"))
    single = tmp_path / "single"
    write_show(single, "one", yaml_text="title: One\nsource: test\nseasons:\n  - {number: 1, episodes: 3}\n",
               csv_text="season,character,actor,billing,episodes,in_finale\n1,Ana,A,main,3,1\n")
    assert "nothing to backtest" in _one_line_error(cli("backtest", "--library", str(single), "--out", str(out)))
    assert not out.exists()

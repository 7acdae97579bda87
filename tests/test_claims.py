"""claims.csv: published claims are checked, set beside the model, and hard facts become flagged overrides."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from speculation import load_library, load_show

CLAIMS = """\
source,date,character,stance
Example Weekly,2004-05-01,Eve,confirmed
Example Daily,2004-04-01,Hal,departed
Example Daily,2004-06-01,Hal,likely
Example Weekly,2004-03-01,Ana,unlikely
Example Weekly,2004-03-02,Ben,possible
"""


def _score(cli, lib, slug, out):
    return cli("score", str(lib / slug), "--library", str(lib), "--out", str(out), "--format", "csv", "md", "json")


def test_claims_flag_hard_facts_and_never_change_the_model(cli, tiny_library, tmp_path):
    plain, claimed = tmp_path / "plain", tmp_path / "claimed"
    assert _score(cli, tiny_library, "show-1", plain).returncode == 0
    (tiny_library / "show-1" / "claims.csv").write_text(CLAIMS, encoding="utf-8")
    r = _score(cli, tiny_library, "show-1", claimed)
    assert r.returncode == 0, r.stderr
    assert "5 claim(s), 2 hard fact(s)" in r.stdout

    before = pd.read_csv(plain / "ranking.csv")
    after = pd.read_csv(claimed / "ranking.csv")
    # the model's columns are untouched: same probabilities, same contributions, same order
    pd.testing.assert_frame_equal(after[before.columns], before)
    assert list(after.columns[-2:]) == ["hard_fact", "final_probability"]
    facts = after.set_index("character")
    assert facts.loc["Eve", "hard_fact"] == "returns" and facts.loc["Eve", "final_probability"] == 1.0
    # Hal's latest *hard* claim is "departed" (a later "likely" is not a hard fact)
    assert facts.loc["Hal", "hard_fact"] == "leaves" and facts.loc["Hal", "final_probability"] == 0.0
    other = facts.loc["Ana"]
    assert pd.isna(other["hard_fact"]) and np.isclose(other["final_probability"], other["probability"])
    contrib = after[[c for c in after.columns if c.startswith("contrib_")]].sum(axis=1) + after["intercept"]
    assert np.allclose(contrib, after["logit"])

    table = pd.read_csv(claimed / "claims_vs_model.csv")
    assert list(table["date"]) == sorted(table["date"])
    assert list(table.columns) == ["date", "source", "character", "stance", "says", "hard_fact", "rank",
                                   "probability", "agrees"]
    ana = table.set_index("character").loc["Ana"]
    assert ana["says"] == "leaves" and ana["agrees"] == int(facts.loc["Ana", "probability"] <= 0.5)
    ben = table.set_index("character").loc["Ben"]    # not in the scored season: no rank, no agreement
    assert pd.isna(ben["rank"]) and pd.isna(ben["agrees"])
    assert "confirmed exit" in (claimed / "ranking.md").read_text(encoding="utf-8")
    payload = json.loads((claimed / "ranking.json").read_text(encoding="utf-8"))
    assert len(payload["claims"]) == 5


def test_report_has_a_claims_section_only_when_there_are_claims(cli, tiny_library, tmp_path):
    r = cli("score", "show-0", "--library", str(tiny_library), "--out", str(tmp_path / "a"))
    assert r.returncode == 0 and 'id="claims"' not in (tmp_path / "a" / "report.html").read_text("utf-8")
    (tiny_library / "show-0" / "claims.csv").write_text(CLAIMS, encoding="utf-8")
    r = cli("score", "show-0", "--library", str(tiny_library), "--out", str(tmp_path / "b"))
    page = (tmp_path / "b" / "report.html").read_text("utf-8")
    assert r.returncode == 0 and 'id="claims"' in page and "Example Weekly" in page
    twin = pd.read_csv(tmp_path / "b" / "charts" / "ranking.csv").set_index("character")
    assert twin.loc["Eve", "hard_fact"] == "returns"          # the chart's table twin carries the flag
    assert "Eve (confirmed return)" in (tmp_path / "b" / "charts" / "ranking.svg").read_text("utf-8")


def test_bad_claims_are_one_line_errors_and_validate_lists_them_all(cli, tiny_library, tmp_path):
    bad = "source,date,character,stance\n,2004-13-01,Evee,sure\n"
    (tiny_library / "show-2" / "claims.csv").write_text(bad, encoding="utf-8")
    out = tmp_path / "out"
    r = cli("score", "show-2", "--library", str(tiny_library), "--out", str(out))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "claims.csv, line 2, column 'source'" in r.stderr
    assert not out.exists()
    v = cli("validate", str(tiny_library / "show-2"))
    assert v.returncode == 2
    lines = [line for line in v.stdout.splitlines() if "claims.csv" in line]
    assert [line.split("column ")[1].split(":")[0] for line in lines] == ["'source'", "'date'", "'character'",
                                                                           "'stance'"]
    assert "did you mean 'Eve'" in v.stdout


def test_claims_load_in_libraries_and_missing_columns_are_named(tiny_library):
    (tiny_library / "show-1" / "claims.csv").write_text(CLAIMS, encoding="utf-8")
    library = load_library(tiny_library)
    assert library.shows["show-1"].claims is not None and len(library.shows["show-1"].claims) == 5
    assert library.shows["show-0"].claims is None
    (tiny_library / "show-1" / "claims.csv").write_text("source,character\nX,Eve\n", encoding="utf-8")
    try:
        load_show(tiny_library / "show-1")
    except Exception as exc:   # SpeculationError
        assert "claims.csv, line 1" in str(exc) and "date, stance" in str(exc)
    else:
        raise AssertionError("a claims.csv without date and stance must not load")

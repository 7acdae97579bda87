"""Outputs a hostile show folder cannot turn against their reader: no formula runs from a CSV, no HTML or link
from ranking.md, no escape sequence reaches the terminal."""
from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from speculation.cli.main import main
from speculation.render.text import csv_text, markdown_table, safe_cell, strip_control
from tests.conftest import write_show

HOSTILE = {   # all in the scored season (3) of the test show, so in the ranking, the waterfalls and the terminal
    "Ana": '=HYPERLINK("http://x","click")',
    "Dov": "@SUM(1)",
    "Fay": "-1+1",
    "Ben": "+cmd",
    "Eve": "\x1b[31mRed\x1b[0m\x07",
    "Hal": "<b>bold</b> [link](http://x) | pipe",
}


@pytest.fixture
def hostile_run(tmp_path, capsys):
    """A small library whose characters carry hostile names, scored through the CLI."""
    library = tmp_path / "library"
    for n in (1, 2):
        folder = write_show(library, f"show-{n}", n)
        path = folder / "appearances.csv"
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame["character"] = frame["character"].map(lambda name: HOSTILE.get(name, name))
        path.write_text(frame.to_csv(index=False, lineterminator="\n"), encoding="utf-8")
        meta = (folder / "show.yaml").read_text(encoding="utf-8")
        title = f'title: "Test\\n# Heading [x](http://y) Show {n}"'
        (folder / "show.yaml").write_text(meta.replace(f"title: Test Show {n}", title), encoding="utf-8")
    out = tmp_path / "out"
    config = tmp_path / "fast.yaml"
    config.write_text("uncertainty: {n_boot: 0}\nmodel: {C: 1.0}\n", encoding="utf-8")
    code = main(["score", str(library / "show-1"), "--library", str(library), "--out", str(out),
                 "--config", str(config)])
    return code, out, capsys.readouterr()


def test_no_csv_cell_starts_like_a_formula(hostile_run):
    code, out, _ = hostile_run
    assert code == 0
    csvs = sorted(out.rglob("*.csv"))
    assert any(p.name == "ranking.csv" for p in csvs) and any("waterfall" in str(p) for p in csvs)
    seen = set()
    for path in csvs:
        for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8"))):
            for cell in row:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (path, cell)
                assert not (cell.startswith("-") and not _number(cell)), (path, cell)
                seen.add(cell)
    assert "'=HYPERLINK(\"http://x\",\"click\")" in seen and "'@SUM(1)" in seen and "'-1+1" in seen


def _number(cell: str) -> bool:
    try:
        float(cell)
        return True
    except ValueError:
        return False


def test_numbers_stay_numbers():
    frame = pd.DataFrame({"character": ["-1+1", "Ana"], "logit": [-1.5, 2.0]})
    rows = list(csv.reader(io.StringIO(csv_text(frame))))
    assert rows[1] == ["'-1+1", "-1.5"] and rows[2] == ["Ana", "2.0"]
    assert safe_cell(-3) == -3 and safe_cell("Ana") == "Ana"


def test_ranking_md_is_inert(hostile_run):
    _, out, _ = hostile_run
    text = (out / "ranking.md").read_text(encoding="utf-8")
    assert "<b>" not in text and "[link](" not in text and "[x](" not in text     # no HTML, no links
    assert "\\<b\\>bold\\</b\\>" in text and "\\[link\\](http://x)" in text
    assert text.count("\n# ") == 0 and text.startswith("# ")          # the title stays one heading line
    assert all(line.count(" | ") >= 1 for line in text.splitlines() if line.startswith("| "))
    header = [line for line in text.splitlines() if line.startswith("| rank")][0]
    body = [line for line in text.splitlines() if "pipe" in line][0]
    assert body.count(" | ") == header.count(" | ")                     # the pipe in a name splits no cell


def test_terminal_output_has_no_control_characters(hostile_run):
    code, _, printed = hostile_run
    assert code == 0 and "Red" in printed.out
    assert "\x1b" not in printed.out + printed.err and "\x07" not in printed.out + printed.err
    assert strip_control("a\x1b[2Jb\tc\nd\r") == "a[2Jb\tc\nd"


def test_markdown_table_escapes_cells():
    table = markdown_table(pd.DataFrame({"name": ["*x*", "a\nb"], "n": [1, 2]}))
    assert "\\*x\\*" in table and "a b" in table

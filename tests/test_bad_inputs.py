"""Every bad input gets one line naming file, line and column (or key) and exit code 2, never a traceback.

Each case runs through the CLI (`speculation validate` and `speculation score`, in-process), and its message
(with the temporary folder left out) must be a row of docs/errors.md.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from speculation.cli.main import main
from speculation.errors import SpeculationError
from speculation.io.config import ALLOWED, default_config, load_config
from tests.conftest import APPEARANCES, ROOT, SHOW_YAML, write_show

ERRORS_DOC = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
BEN = "1,Ben,B. Actor,main,9,1,,alive,"   # line 3 of APPEARANCES


def _cell(column: str, value: str) -> str:
    """APPEARANCES with Ben's season-1 ``column`` (line 3) set to ``value``."""
    header = APPEARANCES.splitlines()[0].split(",")
    cells = BEN.split(",")
    cells[header.index(column)] = value
    return APPEARANCES.replace(BEN, ",".join(cells))


CSV_CASES = [(col, v) for col, values in {
    "episodes": ["inf", "1e400", "nan", "100000000000000000000000", "0", "11"],
    "birth_year": ["-1e400", "-1e300", "1e300", "1700", "19x0"],
    "finale_share": ["1.5", "-0.1", "nan", "inf"],
}.items() for v in values]

YAML_CASES = [
    ("number", "{number: 100000000000000000000000, episodes: 8, year: 2003}"),
    ("episodes", "{number: 3, episodes: 100000000000000000000000, year: 2003}"),
    ("number", "{number: 201, episodes: 8, year: 2003}"),
    ("episodes", "{number: 3, episodes: 1001, year: 2003}"),
    ("year", "{number: 3, episodes: 8, year: 1700}"),
    ("year", "{number: 3, episodes: 8, year: 2300}"),
    ("setting_year", "{number: 3, episodes: 8, setting_year: .inf}"),
]


def _run(capsys, *args: str) -> tuple[int, list[str], list[str]]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out.splitlines(), err.splitlines()


def _documented(line: str, folder: Path) -> str:
    """The message without the show folder's path (as docs/errors.md shows it)."""
    return line.replace("error: ", "", 1).replace(str(folder) + os.sep, "").split(" (and ")[0]


def _check_both(capsys, library: Path, show: Path, where: str) -> str:
    """validate and score both reject ``show`` (a show of ``library``) with one line naming ``where``."""
    code, out, err = _run(capsys, "validate", str(show))
    assert code == 2 and len(out) == 1 and len(err) == 1, (out, err)
    assert where in out[0] and "Traceback" not in "\n".join(out + err)
    code, out2, err2 = _run(capsys, "score", "show-1", "--library", str(library), "--out", str(library / "out"))
    assert code == 2 and len(err2) == 1 and err2[0].startswith("error: ") and where in err2[0], err2
    assert _documented(err2[0], show) == _documented(out[0], show)
    return _documented(out[0], show)


@pytest.mark.parametrize("column, value", CSV_CASES)
def test_bad_cell_one_line_exit_2(capsys, tiny_library, column, value):
    show = write_show(tiny_library, "show-1", csv_text=_cell(column, value))
    message = _check_both(capsys, tiny_library, show, f"appearances.csv, line 3, column '{column}'")
    assert f"got '{value}'" in message
    assert message in ERRORS_DOC, message


@pytest.mark.parametrize("key, entry", YAML_CASES)
def test_bad_show_yaml_number_one_line_exit_2(capsys, tiny_library, key, entry):
    yaml_text = SHOW_YAML.format(n=1).replace("{number: 3, episodes: 8, year: 2003}", entry)
    show = write_show(tiny_library, "show-1", yaml_text=yaml_text)
    message = _check_both(capsys, tiny_library, show, f"show.yaml: key 'seasons', entry 3: '{key}' must be")
    assert message in ERRORS_DOC, message


def _unreadable(path: Path, monkeypatch) -> None:
    """Make ``path`` unreadable: chmod 000, and (as root, who reads anyway) a read that fails the same way."""
    path.chmod(0)
    if os.access(path, os.R_OK):
        real = Path.read_bytes

        def read_bytes(self):
            if self == path:
                raise PermissionError(13, "Permission denied", str(self))
            return real(self)
        monkeypatch.setattr(Path, "read_bytes", read_bytes)


@pytest.mark.parametrize("name, how", [("appearances.csv", "chmod"), ("show.yaml", "chmod"),
                                       ("appearances.csv", "folder"), ("show.yaml", "folder")])
def test_unreadable_file_one_line_exit_2(capsys, monkeypatch, tiny_library, name, how):
    show = tiny_library / "show-1"
    if how == "chmod":
        _unreadable(show / name, monkeypatch)
    else:
        (show / name).unlink()
        (show / name).mkdir()
    try:
        message = _check_both(capsys, tiny_library, show, f"{name}: ")
    finally:
        (show / name).chmod(0o755)
    assert ("Permission denied" if how == "chmod" else "is a folder") in message
    assert message in ERRORS_DOC, message


def test_line_numbers_after_blank_lines(capsys, tiny_library):
    lines = _cell("episodes", "inf").splitlines()
    lines[1:1] = ["", ""]                                  # two blank lines after the header: Ben is on line 5
    show = write_show(tiny_library, "show-1", csv_text="\n".join(lines) + "\n")
    _check_both(capsys, tiny_library, show, "appearances.csv, line 5, column 'episodes'")


def test_line_numbers_after_a_quoted_line_break(capsys, tiny_library):
    text = _cell("fate", "missing").replace("1,Ana,A. Actor,", '1,Ana,"A.\nActor",')   # Ana's row takes 2 lines
    show = write_show(tiny_library, "show-1", csv_text=text)
    _check_both(capsys, tiny_library, show, "appearances.csv, line 4, column 'fate'")
    text = APPEARANCES.replace("2,Gus,G. Actor,recurring,3,1,,departed,",
                               '2,Gus,"G.\n\nActor",recurring,3,1,,departed,').replace("3,Hal,H. Actor,recurring,5",
                                                                                      "3,Hal,H. Actor,recurring,9")
    write_show(tiny_library, "show-1", csv_text=text)   # Hal (line 15) is on line 17, after a field with 2 breaks
    _check_both(capsys, tiny_library, show, "appearances.csv, line 17, column 'episodes'")


def test_validate_never_passes_what_score_rejects(capsys, tiny_library):
    """birth_year -1e400 was 'ok' for validate, then crashed score: now both reject it, and a good show
    passes both (load only: the CLI score runs elsewhere)."""
    show = write_show(tiny_library, "show-1", csv_text=_cell("birth_year", "-1e400"))
    _check_both(capsys, tiny_library, show, "column 'birth_year'")
    write_show(tiny_library, "show-1", csv_text=_cell("birth_year", "1970"))
    code, out, err = _run(capsys, "validate", str(tiny_library))
    assert code == 0 and err == [] and len(out) == 3


# ------------------------------------------------------------------------------------------------ config
CONFIG_CASES = [
    ("points:\n  base_points: abc\n", "points.base_points"),
    ("points:\n  pdo: .nan\n", "points.pdo"),
    ("model:\n  features: [[billing_level]]\n", "model.features"),
    ("model:\n  features: [billing_levl]\n", "model.features"),
    ("uncertainty:\n  seed: -1\n", "uncertainty.seed"),
    ("model:\n  C: .inf\n", "model.C"),
    ("model:\n  C_grid: [.inf]\n", "model.C_grid"),
    ("model:\n  max_iter: 2\n", "model.max_iter"),
    ("uncertainty:\n  n_boot: 1\n", "uncertainty.n_boot"),
    ("uncertainty:\n  n_boot: 100000000\n", "uncertainty.n_boot"),
    ("uncertainty:\n  level: 1.5\n", "uncertainty.level"),
    ("uncertainty:\n  level: 0\n", "uncertainty.level"),
    ("modle:\n  C: 1\n", "unknown key 'modle'"),
    ("- model\n- C\n", "expected a mapping"),
    ("model: [unclosed\n", "not valid YAML"),
    (b"model:\n  C: \xff\n", "expected UTF-8 text"),
]


@pytest.mark.parametrize("text, where", CONFIG_CASES)
def test_bad_config_one_line_exit_2(capsys, tiny_library, text, where):
    config = tiny_library.parent / "config.yaml"
    config.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    code, out, err = _run(capsys, "score", "show-1", "--library", str(tiny_library), "--config", str(config))
    assert code == 2 and len(err) == 1 and err[0].startswith(f"error: {config}") and where in err[0], err
    message = err[0].replace(f"error: {tiny_library.parent}{os.sep}", "")
    if "feature names from" in message or "unknown key" in message:   # lists that grow: the doc shows the start
        message = message.split(" (")[0]
    assert message in ERRORS_DOC, message


def test_defaults_and_documented_bounds_are_allowed():
    load_config(overrides={"uncertainty": {"n_boot": 0, "level": 0.95, "seed": 0}, "model": {"C": 0.5,
                                                                                           "max_iter": 20}})
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert all(f"`{key}`" in doc for key in ALLOWED)
    assert default_config()["uncertainty"]["n_boot"] >= 50


@pytest.mark.parametrize("n_boot", [1, 5, 49])
def test_code_overrides_meet_the_same_floor_as_a_config_file(n_boot):
    with pytest.raises(SpeculationError, match=r"overrides: key 'uncertainty.n_boot' must be 0 \(no intervals\) "
                                               rf"or an integer in \[50, 10000\], got {n_boot}$"):
        load_config(overrides={"uncertainty": {"n_boot": n_boot}})
    assert load_config(overrides={"uncertainty": {"n_boot": 50}})["uncertainty"]["n_boot"] == 50

"""Shared fixtures: small show folders written to temporary directories, and a CLI runner."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "data" / "shows"

SHOW_YAML = """\
title: Test Show {n}
source: written for the test suite
seasons:
  - {{number: 1, episodes: 10, year: 2001}}
  - {{number: 2, episodes: 10, year: 2002}}
  - {{number: 3, episodes: 8, year: 2003}}
"""

APPEARANCES = """\
season,character,actor,billing,episodes,in_finale,finale_share,fate,birth_year
1,Ana,A. Actor,main,10,1,0.4,alive,
1,Ben,B. Actor,main,9,1,,alive,
1,Cleo,C. Actor,recurring,4,0,,dead,
1,Dov,D. Actor,recurring,3,1,,departed,
1,Eve,E. Actor,guest,1,0,,alive,
2,Ana,A. Actor,main,10,1,,alive,
2,Ben,B. Actor,main,10,1,,dead,
2,Eve,E. Actor,recurring,5,1,,alive,
2,Fay,F. Actor,recurring,6,0,,alive,
2,Gus,G. Actor,recurring,3,1,,departed,
3,Ana,A. Actor,main,8,1,,alive,
3,Eve,E. Actor,main,8,1,,alive,
3,Fay,F. Actor,recurring,2,0,,departed,
3,Hal,H. Actor,recurring,5,1,,alive,
3,Dov,D. Actor,guest,1,1,,alive,
"""


def write_show(folder: Path, slug: str = "test-show", n: int = 1, yaml_text: str | None = None,
               csv_text: str | None = None) -> Path:
    path = folder / slug
    path.mkdir(parents=True, exist_ok=True)
    (path / "show.yaml").write_text(yaml_text if yaml_text is not None else SHOW_YAML.format(n=n), encoding="utf-8")
    (path / "appearances.csv").write_text(csv_text if csv_text is not None else APPEARANCES, encoding="utf-8")
    return path


@pytest.fixture
def tiny_library(tmp_path: Path) -> Path:
    """A library of three small, valid shows."""
    lib = tmp_path / "library"
    for i in range(3):
        write_show(lib, f"show-{i}", n=i)
    return lib


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m speculation ARGS`` as a user would; returns the completed process."""
    return subprocess.run([sys.executable, "-m", "speculation", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=600)


@pytest.fixture
def cli():
    return run_cli


def dedent(text: str) -> str:
    return textwrap.dedent(text)

"""Install anywhere: the built wheel carries the bundled library, so `speculation score` runs from any folder.

The wheel is built offline (``--no-build-isolation``) from a copy of the checkout and installed into a fresh
virtual environment that borrows the system's dependencies (``--system-site-packages``), so nothing is
downloaded. The run happens in an unrelated folder, with ``-I``-style isolation from the checkout.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from speculation.io.bulk import bundled_library

ROOT = Path(__file__).resolve().parent.parent
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")


def _clean_env() -> dict[str, str]:
    """The environment without anything pointing back at the checkout or another library."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SPECULATION_LIBRARY", "PYTHONHOME")}
    env["PYTHONNOUSERSITE"] = "1"
    return env


def _build_wheel(tmp: Path) -> Path:
    """Build the wheel from a copy of the files a release ships (the checkout itself is left untouched)."""
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "speculation", src / "speculation", ignore=SKIP)
    shutil.copytree(ROOT / "data" / "shows", src / "data" / "shows", ignore=SKIP)
    (src / "data" / "sources").mkdir()   # present in the checkout, and must stay out of the wheel
    (src / "data" / "sources" / "SOURCE.md").write_text("raw\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                        "-q", "-w", str(tmp / "dist"), str(src)], capture_output=True, text=True, cwd=tmp,
                       env=_clean_env(), timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    (wheel,) = (tmp / "dist").glob("speculation-*.whl")
    return wheel


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh virtual environment with the wheel installed; returns (venv, wheel)."""
    tmp = tmp_path_factory.mktemp("install")
    wheel = _build_wheel(tmp)
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
                   check=True, timeout=120)
    python = venv / "bin" / "python"
    # pip comes from the system site; --ignore-installed so the checkout's editable install is not "enough"
    r = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--ignore-installed",
                        str(wheel)], capture_output=True, text=True, cwd=tmp, env=_clean_env(), timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    return venv, wheel


def test_wheel_holds_every_package_and_the_library_but_not_sources(installed):
    _, wheel = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "speculation").rglob("__init__.py")}
    assert {f"{p}/__init__.py" for p in packages} <= names   # every sub-package listed in pyproject.toml
    shows = sorted(p.name for p in (ROOT / "data" / "shows").iterdir() if (p / "show.yaml").is_file())
    assert {f"speculation/_library/{s}/appearances.csv" for s in shows} <= names
    assert "speculation/io/default.yaml" in names
    assert not any("sources" in n or "recipes" in n for n in names)


def test_installed_wheel_scores_from_an_unrelated_folder(installed, tmp_path):
    venv, _ = installed
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run([str(venv / "bin" / "python"), "-I", "-c",
                            "import speculation, speculation.cli.common as c; "
                            "print(speculation.__file__); print(c.DEFAULT_LIBRARY)"],
                           capture_output=True, text=True, cwd=elsewhere, env=_clean_env(), timeout=120)
    module, library = where.stdout.split("\n")[:2]
    assert Path(module).is_relative_to(venv), module         # the wheel, not the checkout
    assert Path(library).is_relative_to(venv) and (Path(library) / "for-all-mankind" / "show.yaml").is_file()

    exe = venv / "bin" / "speculation"
    version = subprocess.run([str(exe), "--version"], capture_output=True, text=True, cwd=elsewhere,
                             env=_clean_env(), timeout=120)
    assert version.returncode == 0 and version.stdout.strip().startswith("speculation ")
    out = tmp_path / "out"
    r = subprocess.run([str(exe), "score", "for-all-mankind", "--out", str(out), "--no-charts"],
                       capture_output=True, text=True, cwd=elsewhere, env=_clean_env(), timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Ed Baldwin" in (out / "ranking.csv").read_text(encoding="utf-8")
    inputs = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["inputs"]
    assert inputs and all(Path(k).is_relative_to(venv) for k in inputs)


def test_editable_checkout_reads_data_shows_in_place():
    """In this (editable) checkout the default library is data/shows itself, so curated edits show at once."""
    assert bundled_library() == ROOT / "data" / "shows"

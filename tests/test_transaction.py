"""A run is one transaction: the output folder holds one complete run (old or new), never a mix or leftovers.

Covers a failure in the middle of writing (disk full), runs killed with SIGKILL at random points, a concurrent
second run, file modes under umask 022, stale files of an earlier run, and which input files the manifest hashes.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from speculation.cli.main import main
from speculation.io import write
from speculation.io.write import manifest, write_files

from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file semantics (flock, rename, umask)")


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative name, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _assert_one_complete_run(out: Path) -> str:
    """The folder holds exactly the files its manifest lists, each with the content the manifest hashes;
    returns the run's identity (its outputs and their hashes)."""
    files = _tree(out)
    meta = json.loads(files["manifest.json"])
    assert set(files) == set(meta["outputs"])
    for name, digest in meta["output_sha256"].items():
        assert hashlib.sha256(files[name]).hexdigest() == digest, name
    return json.dumps(meta["output_sha256"], sort_keys=True)


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


ERRORS_DOC = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")


def _error_line(stderr: str, out: Path) -> str:
    """The one error line (warnings about the fit may come before it), as docs/errors.md shows it."""
    (line,) = [line for line in stderr.splitlines() if line.startswith("error:")]
    documented = re.sub(r"process \d+", "process 12345", line.replace("error: ", "", 1).replace(str(out), "DIR"))
    assert f"`{documented}`" in ERRORS_DOC, documented
    return line


def _score(tiny_library: Path, out: Path, *extra: str) -> list[str]:
    return ["score", "show-0", "--library", str(tiny_library), "--out", str(out), "--no-charts", *extra]


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), RuntimeError("a bug")])
def test_a_failure_while_writing_leaves_the_previous_run_and_no_temp_files(tiny_library, tmp_path, monkeypatch,
                                                                           capsys, failure):
    out = tmp_path / "out"
    assert main(_score(tiny_library, out)) == 0
    before = _tree(out)
    real, calls = write._write_file, []

    def fails_on_the_fourth_file(path, data):   # e.g. the disk is full by then
        calls.append(path)
        if len(calls) > 3:
            raise failure
        real(path, data)

    monkeypatch.setattr(write, "_write_file", fails_on_the_fourth_file)
    capsys.readouterr()
    if isinstance(failure, OSError):
        assert main(_score(tiny_library, out, "--format", "csv", "md")) == 2
        assert "output folder not writable (No space left on device)" in _error_line(capsys.readouterr().err, out)
    else:
        with pytest.raises(RuntimeError):
            main(_score(tiny_library, out, "--format", "csv", "md"))
    assert len(calls) == 4
    assert _tree(out) == before
    assert _leftovers(out) == []
    _assert_one_complete_run(out)


def test_fewer_formats_leave_nothing_stale_and_foreign_files_stay(tiny_library, tmp_path):
    out = tmp_path / "out"
    assert main(_score(tiny_library, out)) == 0
    assert (out / "ranking.md").is_file()
    (out / "explain").mkdir()                       # what `speculation explain` writes inside a run folder
    (out / "explain" / "eve.csv").write_text("kept\n", encoding="utf-8")
    assert main(_score(tiny_library, out, "--format", "csv")) == 0
    files = _tree(out)
    assert "ranking.md" not in files and "ranking.html" not in files and "ranking.csv" in files
    assert files["explain/eve.csv"] == b"kept\n"
    assert set(files) - {"explain/eve.csv"} == set(json.loads(files["manifest.json"])["outputs"])


def test_a_folder_that_is_not_a_run_is_never_replaced(tiny_library, tmp_path, capsys):
    out = tmp_path / "notes"
    out.mkdir()
    (out / "thesis.txt").write_text("mine\n", encoding="utf-8")
    assert main(_score(tiny_library, out)) == 2
    assert "no manifest.json of an earlier run" in _error_line(capsys.readouterr().err, out)
    assert _tree(out) == {"thesis.txt": b"mine\n"}


def test_merge_mode_keeps_other_files_and_replaces_its_own(tmp_path):
    """explain and ingest write into folders holding other files (other characters' charts, citations.csv)."""
    out = tmp_path / "show"
    write_files({"show.yaml": "old\n", "citations.csv": "cited\n"}, out, keep="all")
    write_files({"show.yaml": "new\n", "appearances.csv": "rows\n"}, out, keep="all")
    assert _tree(out) == {"show.yaml": b"new\n", "citations.csv": b"cited\n", "appearances.csv": b"rows\n"}


def test_a_second_run_on_a_folder_in_use_gets_one_line_and_exit_2(tiny_library, tmp_path, cli):
    out = tmp_path / "out"
    with write._locked(out):   # a first run holding the folder
        r = cli(*_score(tiny_library, out))
    assert r.returncode == 2, r.stderr
    line = _error_line(r.stderr, out)
    assert f"(process {os.getpid()})" in line and "output folder in use by another run" in line
    assert not out.exists()


def test_stale_lock_and_staging_of_a_dead_run_do_not_block(tiny_library, tmp_path):
    out = tmp_path / "out"
    (tmp_path / ".out.lock").write_text("999999", encoding="utf-8")       # left by a killed run
    (tmp_path / ".out.staging-999999-dead").mkdir()
    (tmp_path / ".out.staging-999999-dead" / "ranking.csv").write_text("half", encoding="utf-8")
    assert main(_score(tiny_library, out)) == 0
    assert _leftovers(out) == []
    _assert_one_complete_run(out)


def test_files_are_0644_and_folders_0755_under_umask_022(tiny_library, tmp_path):
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "speculation", *_score(tiny_library, out)[:-1]], cwd=ROOT,
                       capture_output=True, text=True, timeout=600, preexec_fn=lambda: os.umask(0o022))
    assert r.returncode == 0, r.stderr
    modes = {p.relative_to(out).as_posix(): p.stat().st_mode & 0o777 for p in out.rglob("*")}
    assert modes["charts"] == 0o755 and out.stat().st_mode & 0o777 == 0o755
    assert {m for name, m in modes.items() if (out / name).is_file()} == {0o644}


def test_manifest_hashes_only_the_files_a_run_reads(tiny_library, tmp_path, capsys):
    show = tiny_library / "show-0"
    stray = show / "notes.txt"
    stray.write_text("scratch\n", encoding="utf-8")
    stray.chmod(0)                                   # unreadable (for anyone but root)
    (show / "old").mkdir()
    (show / "old" / "appearances.csv").write_text("an old copy\n", encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text("uncertainty:\n  n_boot: 0\n", encoding="utf-8")
    out = tmp_path / "out"
    try:
        assert main(_score(tiny_library, out, "--config", str(config))) == 0
    finally:
        stray.chmod(0o644)
    inputs = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["inputs"]
    assert not any("notes.txt" in k or "/old/" in k for k in inputs)
    appearances = (show / "appearances.csv")
    assert inputs[appearances.as_posix()] == hashlib.sha256(appearances.read_bytes()).hexdigest()
    assert inputs[config.as_posix()] == hashlib.sha256(config.read_bytes()).hexdigest()
    assert {Path(k).name for k in inputs} == {"show.yaml", "appearances.csv", "config.yaml"}


def _kill_at_random(command: list[str], start_after: float, window: float, rng: random.Random, cwd: Path) -> None:
    """Start ``command``, kill it with SIGKILL at a random point of its run, and reap it."""
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if start_after < 0:                               # wait for the child to say it is about to write
        proc.stdout.readline()
        start_after = 0
    time.sleep(start_after + rng.uniform(0, window))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)


def test_score_killed_at_random_points_leaves_old_or_new_run(tiny_library, tmp_path):
    out = tmp_path / "out"
    command = [sys.executable, "-m", "speculation", *_score(tiny_library, out)]
    started = time.monotonic()
    assert subprocess.run(command + ["--format", "csv"], cwd=tmp_path, timeout=600).returncode == 0
    full = time.monotonic() - started
    old = _assert_one_complete_run(out)
    rng = random.Random(7)
    states = []
    for _ in range(3):                                # kill points spread over the end of the run, where it writes
        _kill_at_random(command, 0.6 * full, 0.6 * full, rng, tmp_path)
        states.append(_assert_one_complete_run(out))
    assert subprocess.run(command, cwd=tmp_path, capture_output=True, timeout=600).returncode == 0
    new = _assert_one_complete_run(out)
    assert new != old and set(states) <= {old, new} and _leftovers(out) == []


def _files(tag: str, n: int = 300) -> dict[str, str]:
    """A run of ``n`` small files and its manifest."""
    files = {f"part/{i:04d}.csv": f"{tag},{i}\n" * 200 for i in range(n)}
    files["manifest.json"] = manifest("test", {}, [], files)
    return files


def _write_in_child(files: dict[str, str], out: Path, kill_after: float | None) -> float:
    """Fork a child that writes ``files`` into ``out``; SIGKILL it after ``kill_after`` seconds (None: let it
    finish). Returns how long the child lived."""
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:   # the child: write, and leave without running any of pytest's clean-up
        try:
            write_files(files, out)
        finally:
            os._exit(0)
    if kill_after is not None:
        time.sleep(kill_after)
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return time.monotonic() - started


def test_writing_killed_at_random_points_leaves_old_or_new_run(tmp_path):
    """Many files, so that most kills land in the middle of writing or swapping."""
    out = tmp_path / "out"
    old_files, new_files = _files("old"), _files("new")
    _write_in_child(old_files, out, None)
    old = _assert_one_complete_run(out)
    writing = _write_in_child(new_files, out, None)
    new = _assert_one_complete_run(out)
    rng = random.Random(11)
    states = []
    for i in range(8):
        _write_in_child(old_files if i % 2 else new_files, out, rng.uniform(0, writing))
        states.append(_assert_one_complete_run(out))
    _write_in_child(new_files, out, None)
    assert _assert_one_complete_run(out) == new and _leftovers(out) == []
    assert set(states) <= {old, new}

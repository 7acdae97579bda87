"""Writing run outputs: every file of a run written atomically per file, and the run manifest.

The only code that writes run outputs. Every output of a run is rendered in memory first and then written
with :func:`write_files`, which writes each file to a temporary name and renames it into place, so a
failure never leaves a half-written table. Text is UTF-8 with ``\\n`` line ends.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ..errors import SpeculationError

__all__ = ["FORMATS", "write_files", "manifest"]

FORMATS = ("csv", "md", "json", "html")


def write_files(files: dict[str, bytes | str], out_dir: str | Path) -> list[Path]:
    """Write ``{relative name: content}`` into ``out_dir`` atomically per file; returns the paths written."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SpeculationError(f"{out}: cannot create the output folder ({exc.strerror})") from None
    staged: list[tuple[str, Path]] = []
    try:
        for name, content in files.items():
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            data = content.encode("utf-8") if isinstance(content, str) else content
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            staged.append((name, Path(tmp)))
        written = []
        for name, tmp in staged:
            os.replace(tmp, out / name)
            written.append(out / name)
        return written
    except OSError as exc:
        for _, tmp in staged:
            tmp.unlink(missing_ok=True)
        raise SpeculationError(f"{out}: cannot write outputs ({exc.strerror})") from None


# ------------------------------------------------------------------------------------------------ manifest
def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _git_commit() -> str | None:
    root = Path(__file__).resolve().parents[2]   # the checkout holding speculation/io/write.py
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def manifest(command: str, config: dict, input_paths: list[Path], outputs: list[str]) -> str:
    """JSON text recording how a run's outputs were made: config, input hashes, versions, git commit.

    Deliberately holds no timestamp, so identical runs write identical manifests.
    """
    versions = {}
    for pkg in ("speculation", "pandas", "numpy", "scikit-learn", "matplotlib", "PyYAML"):
        try:
            versions[pkg] = version(pkg)
        except PackageNotFoundError:
            versions[pkg] = None
    inputs = {}
    for folder in input_paths:
        for f in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
            inputs[f.as_posix()] = _sha256(f)
    payload = {"command": command, "python": platform.python_version(), "packages": versions,
               "git_commit": _git_commit(), "config": config, "inputs": inputs, "outputs": sorted(outputs)}
    return json.dumps(payload, indent=2, ensure_ascii=False, default=float) + "\n"

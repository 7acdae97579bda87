"""Writing run outputs: each run is one transaction on its output folder, and the run manifest.

The only code that writes run outputs. Every output of a run is rendered in memory first and then handed to
:func:`write_files`, which

- locks the output folder against a concurrent run (``flock`` on ``.<name>.lock`` beside it; a lock dies with
  its process, so a killed run never blocks the next one);
- builds the whole new folder in a staging folder beside it (``.<name>.staging-…``, same file system);
- swaps it into place (an atomic exchange where Linux offers ``renameat2``, else rename aside + rename in), so
  the folder always holds one complete run, old or new, and nothing stale from the previous run;
- removes every staging file on any failure, and the leftovers of a killed run on the next one.

Files are created 0666 and folders 0777 minus the umask (0644 / 0755 under umask 022). Text is UTF-8 with
``\\n`` line ends.
"""
from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import platform
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ..errors import SpeculationError

try:   # POSIX; elsewhere runs are not locked against each other
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

__all__ = ["FORMATS", "SHOW_FILES", "write_files", "manifest", "input_files"]

FORMATS = ("csv", "md", "json", "html")
SHOW_FILES = ("show.yaml", "appearances.csv", "claims.csv", "citations.csv")   # what loading a show reads
CHUNK = 1 << 20   # inputs are hashed 1 MiB at a time
_TRANSIENT = re.compile(r"\..+\.(lock|staging-.+|old-.+)")   # a nested run's lock or staging: never carried
RENAME_EXCHANGE = 2
AT_FDCWD = -100


# ------------------------------------------------------------------------------------------------ transaction
def write_files(files: Mapping[str, bytes | str], out_dir: str | Path, keep: str = "foreign") -> list[Path]:
    """Replace the folder ``out_dir`` by one holding ``{relative name: content}``, as one transaction.

    What else of the old folder survives: ``keep="foreign"`` (a run such as score or backtest) keeps what the
    previous run did not write (per its manifest.json ``outputs``: e.g. an ``explain/`` folder), so nothing of an
    older run goes stale; ``keep="all"`` (explain, ingest) keeps every file it does not overwrite. Returns the
    paths written. Raises :class:`SpeculationError` if the folder is in use by another run or not writable.
    """
    if keep not in ("foreign", "all"):
        raise ValueError(f"keep must be 'foreign' or 'all', got {keep!r}")
    out = _target(out_dir)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _not_writable(out, exc) from None
    with _locked(out):
        staging = None
        try:
            _recover(out)
            carried = _carried_over(out, files, keep)
            staging = _new_staging(out)
            _fill(staging, files, out, carried)
            old = _swap(staging, out)
            _sync_dir(out.parent)
        except OSError as exc:
            raise _not_writable(out, exc) from None
        finally:
            _remove(staging)
        _remove(old)
    return [out / name for name in files]


def _target(out_dir: str | Path) -> Path:
    """The absolute output folder (a symlink is followed: the folder it names is replaced, not the link)."""
    out = Path(os.path.abspath(out_dir))
    out = out.resolve() if out.is_symlink() else out
    if out.exists() and not out.is_dir():
        raise SpeculationError(f"{out}: exists and is not a folder (expected an output folder)")
    return out


def _not_writable(out: Path, exc: OSError) -> SpeculationError:
    return SpeculationError(f"{out}: output folder not writable ({exc.strerror or exc}); "
                            "the previous run, if any, is left as it was")


@contextmanager
def _locked(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``.<name>.lock`` beside ``out``; another live run holding it is an error."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    path = out.with_name(f".{out.name}.lock")
    for _ in range(20):   # retry if the lock file was replaced between open and flock
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise _not_writable(out, exc) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip()
            os.close(fd)
            who = f" (process {holder})" if holder.isdigit() else ""
            raise SpeculationError(f"{out}: output folder in use by another run{who}; wait for it to finish or "
                                   "choose another --out") from None
        if _same_file(fd, path):
            break
        os.close(fd)
    else:  # pragma: no cover
        raise SpeculationError(f"{out}: could not lock the output folder")
    try:
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode("ascii"))
        yield
    finally:
        try:
            path.unlink(missing_ok=True)
        finally:
            os.close(fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        a, b = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _recover(out: Path) -> None:
    """Under the lock: put back a run moved aside by a killed swap, and remove leftover staging folders."""
    aside = sorted(out.parent.glob(f".{_glob_escape(out.name)}.old-*"))
    if aside and not out.exists():
        os.rename(aside.pop(), out)
    for leftover in aside + list(out.parent.glob(f".{_glob_escape(out.name)}.staging-*")):
        _remove(leftover)


def _glob_escape(name: str) -> str:
    """``name`` with glob's special characters taken literally."""
    return "".join(f"[{c}]" if c in "*?[]" else c for c in name)


def _carried_over(out: Path, files: Mapping[str, bytes | str], keep: str) -> list[str]:
    """The top-level entries of the old folder that the new one keeps (hard-linked, not copied)."""
    if not out.is_dir():
        return []
    entries = sorted(p.name for p in out.iterdir() if not _TRANSIENT.fullmatch(p.name))
    if not entries:
        return []
    new = {Path(name).parts[0] for name in files}
    if keep == "all":
        folders = [e for e in entries if e not in new and (out / e).is_dir() and not (out / e).is_symlink()]
        if folders and not (out / "manifest.json").is_file():
            raise SpeculationError(f"{out}: holds folders ({', '.join(folders[:3])}) and is not a run folder; "
                                   "choose a new folder, or one holding only files")
        return [e for e in entries if e not in new]
    previous = _previous_outputs(out)
    if previous is None:
        raise SpeculationError(f"{out}: not empty and holds no manifest.json of an earlier run; choose a new "
                               "or empty folder (a run replaces its whole output folder)")
    return [e for e in entries if e not in new and e not in previous]


def _previous_outputs(out: Path) -> set[str] | None:
    """Top-level names the previous run wrote (its manifest's ``outputs``), or None when there is no manifest."""
    try:
        outputs = json.loads((out / "manifest.json").read_text(encoding="utf-8")).get("outputs", [])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, AttributeError):
        return {"manifest.json"}
    return {Path(str(name)).parts[0] for name in outputs if str(name)} | {"manifest.json"}


def _new_staging(out: Path) -> Path:
    """A new empty folder beside ``out`` (mode 0777 minus the umask, as ``out`` itself will have)."""
    while True:
        staging = out.with_name(f".{out.name}.staging-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            staging.mkdir()
            return staging
        except FileExistsError:  # pragma: no cover
            continue
        except OSError as exc:
            raise _not_writable(out, exc) from None


def _fill(staging: Path, files: Mapping[str, bytes | str], out: Path, carried: list[str]) -> None:
    """Write every file into ``staging``, hard-link the carried-over entries of ``out`` beside them, and flush
    it all to disk (so the swap never exposes files the disk does not hold yet)."""
    written = []
    for name, content in files.items():
        rel = Path(name)
        if rel.is_absolute() or ".." in rel.parts or not rel.parts:
            raise ValueError(f"output names must be relative paths inside the folder, got {name!r}")
        target = staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_file(target, content.encode("utf-8") if isinstance(content, str) else content)
        written.append(target)
    for name in carried:
        source, target = out / name, staging / name
        if source.is_dir() and not source.is_symlink():
            shutil.copytree(source, target, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(source, target)
    if out.is_dir():   # keep the folder's own mode (0777 minus the umask for a new one)
        os.chmod(staging, os.stat(out).st_mode & 0o7777)
    _flush(staging, written)


def _write_file(path: Path, data: bytes) -> None:
    """Create ``path`` (mode 0666 minus the umask) holding ``data``."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _flush(folder: Path, files: list[Path]) -> None:
    """Make the written files durable: one ``syncfs`` of their file system on Linux, else an fsync each."""
    syncfs = getattr(_LIBC, "syncfs", None) if _LIBC is not None else None
    if syncfs is not None:
        fd = os.open(folder, os.O_RDONLY)
        try:
            if syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    for path in files:  # pragma: no cover - not Linux
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _sync_dir(folder: Path) -> None:
    """Make a rename inside ``folder`` durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse fsync on a folder
        pass
    finally:
        os.close(fd)


def _link_or_copy(source, target) -> None:
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, target, follow_symlinks=False)


def _swap(staging: Path, out: Path) -> Path | None:
    """Put ``staging`` in place of ``out``; returns where the old run now is (to be removed), if any."""
    if not out.exists():
        os.rename(staging, out)
        return None
    if _exchange(staging, out):
        return staging
    aside = out.with_name(f".{out.name}.old-{os.getpid()}-{secrets.token_hex(4)}")
    os.rename(out, aside)       # a run killed between these two renames is put back by _recover
    os.rename(staging, out)
    return aside


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths with Linux ``renameat2(RENAME_EXCHANGE)``; False where it is unavailable."""
    renameat2 = getattr(_LIBC, "renameat2", None) if _LIBC is not None else None
    if renameat2 is None:
        return False
    if renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _load_libc():
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover
        return None


_LIBC = _load_libc() if os.name == "posix" else None


def _remove(path: Path | None) -> None:
    """Remove a staging or set-aside folder if it exists (never raises)."""
    if path is not None and os.path.lexists(path):
        shutil.rmtree(path, ignore_errors=True)


# ------------------------------------------------------------------------------------------------ manifest
def _sha256(path: Path) -> str:
    """SHA-256 of a file, read 1 MiB at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def input_files(paths: list[Path]) -> list[Path]:
    """The files a run read from ``paths``: a file itself (a config), a show folder's SHOW_FILES, or those of
    every show folder of a library folder. Stray files in a show folder are not inputs."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            shows = [path] if any((path / f).is_file() for f in SHOW_FILES) else \
                sorted(p for p in path.iterdir() if p.is_dir() and (p / "show.yaml").is_file())
            found += [show / f for show in shows for f in SHOW_FILES if (show / f).is_file()]
    return sorted(set(found))


def _git_commit() -> str | None:
    root = Path(__file__).resolve().parents[2]   # the checkout holding speculation/io/write.py, if any
    if not (root / ".git").exists():            # an installed wheel: no checkout to ask
        return None
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def manifest(command: str, config: dict, input_paths: list[Path], outputs: Mapping[str, bytes | str] | list[str]
             ) -> str:
    """JSON text recording how a run's outputs were made: config, input hashes, versions, git commit.

    ``input_paths`` are show folders, library folders and files (a config) — see :func:`input_files`.
    ``outputs`` is the run's ``{name: content}`` (hashed into ``output_sha256``, and ``manifest.json`` added to
    the names) or just the names. Deliberately holds no timestamp, so identical runs write identical manifests.
    """
    versions = {}
    for pkg in ("speculation", "pandas", "numpy", "scikit-learn", "matplotlib", "PyYAML", "Jinja2"):
        try:
            versions[pkg] = version(pkg)
        except PackageNotFoundError:
            versions[pkg] = None
    try:
        inputs = {f.as_posix(): _sha256(f) for f in input_files(input_paths)}
    except OSError as exc:
        raise SpeculationError(f"{exc.filename}: cannot be read ({exc.strerror})") from None
    payload = {"command": command, "python": platform.python_version(), "packages": versions,
               "git_commit": _git_commit(), "config": config, "inputs": inputs}
    if isinstance(outputs, Mapping):
        payload["outputs"] = sorted({*outputs, "manifest.json"})
        payload["output_sha256"] = {name: hashlib.sha256(c.encode("utf-8") if isinstance(c, str) else c).hexdigest()
                                    for name, c in sorted(outputs.items()) if name != "manifest.json"}
    else:
        payload["outputs"] = sorted(outputs)
    return json.dumps(payload, indent=2, ensure_ascii=False, default=float) + "\n"

"""Reading the YAML configuration: the packaged defaults (``default.yaml``) overridden by a user's file.

Every key's allowed values are declared once, in :data:`ALLOWED` (scikit-learn style: an :class:`Interval`,
a set of :class:`Options`, a :class:`ListOf` …), and every wrong value gets one message shape naming the file
and key: "key 'uncertainty.n_boot' must be 0 (no intervals) or an integer in [50, 10000], got 100000000".
Unknown keys are errors too, so a typo never silently falls back to a default. docs/configuration.md lists
the same bounds.
"""
from __future__ import annotations

import copy
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import regex
import yaml

from ..errors import SpeculationError
from .schema import FATES

__all__ = ["load_config", "default_config", "ALLOWED"]

TABLE_KEYS = ("season", "episode", "character", "actor", "billing")   # keys of ingest.columns
FINALE_RULES = ("show_yaml", "table")
PROVENANCES = ("derived", "verified", "recollection", "unspecified")   # show.yaml `provenance` (core/library.py)


@dataclass(frozen=True)
class Interval:
    """A finite number (``integer``: an int) between ``lo`` and ``hi``; ``closed`` says which ends belong."""

    integer: bool
    lo: float | None = None
    hi: float | None = None
    closed: str = "both"   # "both", "left", "right" or "neither"

    def ok(self, v: Any) -> bool:
        if isinstance(v, bool) or not isinstance(v, int if self.integer else (int, float)):
            return False
        if not math.isfinite(v):
            return False
        left = self.lo is None or (v >= self.lo if self.closed in ("both", "left") else v > self.lo)
        right = self.hi is None or (v <= self.hi if self.closed in ("both", "right") else v < self.hi)
        return left and right

    def __str__(self) -> str:
        noun = "an integer" if self.integer else "a finite number"
        if self.lo is None and self.hi is None:
            return noun
        a = "[" if self.closed in ("both", "left") else "("
        b = "]" if self.closed in ("both", "right") else ")"
        return f"{noun} in {a}{'-inf' if self.lo is None else self.lo}, {'inf' if self.hi is None else self.hi}{b}"


@dataclass(frozen=True)
class Options:
    """One of a few values (``what``: how to say them)."""

    values: tuple
    what: str

    def ok(self, v: Any) -> bool:
        return any(v == x and type(v) is type(x) for x in self.values)

    def __str__(self) -> str:
        return self.what


@dataclass(frozen=True)
class ListOf:
    """A list whose every item is allowed by ``item`` (``names``: a non-empty text each)."""

    item: Any
    nonempty: bool = True
    what: str | None = None

    def ok(self, v: Any) -> bool:
        return isinstance(v, list) and (bool(v) or not self.nonempty) and all(self.item.ok(x) for x in v)

    def __str__(self) -> str:
        return self.what or f"a{' non-empty' if self.nonempty else ''} list of {str(self.item).replace('a ', '', 1)}s"


class _Text:
    def ok(self, v: Any) -> bool:
        return isinstance(v, str) and bool(v.strip())

    def __str__(self) -> str:
        return "a non-empty text"


class _Regex(_Text):
    """A pattern the ``regex`` module compiles, as :func:`speculation.io.ingest.speaker_mask` does (which matches
    with a time limit, so a pattern that backtracks for ever stops the run instead of hanging it)."""

    def ok(self, v: Any) -> bool:
        if not isinstance(v, str):
            return False
        try:
            regex.compile(v, regex.IGNORECASE)
        except regex.error:
            return False
        return True

    def __str__(self) -> str:
        return "a regular expression"


TEXT = _Text()
POSITIVE = Interval(False, 0, None, "neither")
SHARE = Interval(False, 0, 1)
# Every key's allowed values (alternatives in a tuple); model.features is also checked against the registry.
ALLOWED: dict[str, tuple] = {
    "features.churn_prior": (SHARE,),
    "features.churn_prior_weight": (Interval(False, 0, 1000),),
    "features.default_time_jump_years": (Interval(False, 0, 1000),),
    "features.big_jump_years": (Interval(False, 0, 1000),),
    "features.age_threshold": (Interval(False, 0, 200),),
    "model.features": (ListOf(TEXT, what="a non-empty list of feature names"),),
    "model.C": (POSITIVE, Options(("auto",), "'auto'")),
    "model.C_grid": (ListOf(POSITIVE, what="a non-empty list of finite numbers in (0, inf)"),),
    "model.cv_folds": (Interval(True, 2, 100),),
    "model.class_weight": (Options((None, "balanced"), "null or 'balanced'"),),
    # below 20 iterations lbfgs stops before converging on any real library; above 10000 a run never ends
    "model.max_iter": (Interval(True, 20, 10000),),
    "points.pdo": (POSITIVE,),
    "points.base_points": (Interval(False, -10**6, 10**6),),
    "points.base_odds": (POSITIVE,),
    # fewer than 50 refits give intervals from a handful of values: often zero-width, always unstable
    "uncertainty.n_boot": (Options((0,), "0 (no intervals)"), Interval(True, 50, 10000)),
    "uncertainty.level": (Interval(False, 0, 1, "neither"),),
    "uncertainty.seed": (Interval(True, 0, 2**32 - 1),),
    "ingest.columns.season": (TEXT,), "ingest.columns.episode": (TEXT,), "ingest.columns.character": (TEXT,),
    "ingest.columns.actor": (TEXT,), "ingest.columns.billing": (TEXT,),
    "ingest.finale": (Options(FINALE_RULES, "one of " + " / ".join(FINALE_RULES)),),
    "ingest.billing_rule.main_share": (SHARE,),
    "ingest.billing_rule.recurring_share": (SHARE,),
    "ingest.billing_rule.recurring_episodes": (Options((None,), "null"), Interval(True, 1, 1000)),
    "ingest.drop_speakers.names": (ListOf(TEXT, nonempty=False, what="a list of texts"),),
    "ingest.drop_speakers.patterns": (ListOf(_Regex(), nonempty=False, what="a list of regular expressions"),),
    "ingest.drop_guest_only": (Options((True, False), "true or false"),),
    "ingest.actor_placeholder": (TEXT,),
    "ingest.fate": (Options(FATES, "one of " + " / ".join(FATES)),),
    "training.provenance": (ListOf(Options(PROVENANCES, ""), what="a non-empty list of "
                                   + " / ".join(PROVENANCES)),),
}



def default_config() -> dict[str, Any]:
    """The packaged defaults, as a fresh nested dict."""
    text = (Path(__file__).resolve().parent / "default.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _merge(base: dict, override: dict, source: str, prefix: str = "") -> dict:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        dotted = f"{prefix}{key}"
        if key not in base:
            known = ", ".join(sorted(map(str, base)))
            raise SpeculationError(f"{source}: unknown key '{dotted}' (expected one of: {known})")
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise SpeculationError(f"{source}: key '{dotted}' must be a mapping, got {value!r}")
            merged[key] = _merge(base[key], value, source, dotted + ".")
        else:
            merged[key] = value
    return merged


_ABSENT = object()


def _value(config: dict, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(config, dict) or part not in config:
            return _ABSENT
        config = config[part]
    return config


def _check(config: dict, source: str, features: Iterable[str] | None) -> None:
    """Every key against :data:`ALLOWED`, the same bounds for a config file and for code's overrides;
    ``features``: the known feature names, for ``model.features``."""
    def fail(key: str, expected: str, got: Any) -> None:
        raise SpeculationError(f"{source}: key '{key}' must be {expected}, got {got!r}")

    for key, allowed in ALLOWED.items():
        value = _value(config, key)
        if value is not _ABSENT and not any(a.ok(value) for a in allowed):
            fail(key, " or ".join(map(str, allowed)), value)
    feats = config["model"]["features"]
    known = None if features is None else list(features)
    for name in feats:
        if known is not None and name not in known:
            fail("model.features", "feature names from docs/features.md (" + ", ".join(known) + ")", name)
    if len(set(feats)) != len(feats):
        fail("model.features", "a list without repeats", feats)


def _read_user_file(path: Path) -> dict:
    """The mapping of a user's config file, or one line saying why it is not one."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise SpeculationError(f"{path}: is a folder, expected a YAML config file") from None
    except OSError as exc:
        raise SpeculationError(f"{path}: cannot read the config file ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpeculationError(f"{path}: expected UTF-8 text (byte {exc.start + 1} is not)") from None
    try:
        user = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        raise SpeculationError(f"{path}{where}: not valid YAML ({getattr(exc, 'problem', None) or 'syntax error'})"
                               ) from None
    if user is None:
        return {}
    if not isinstance(user, dict):
        raise SpeculationError(f"{path}: expected a mapping of settings (key: value) at the top level, "
                               f"got {type(user).__name__}")
    return user


def load_config(path: str | Path | None = None, overrides: dict | None = None,
                features: Iterable[str] | None = None) -> dict[str, Any]:
    """Defaults, overridden by the YAML file at ``path`` (if given) and then by ``overrides``.

    ``features`` are the known feature names (core's registry; :func:`speculation.load_config` passes it):
    ``model.features`` is checked against them. io knows no features, so without it that check is skipped.
    """
    config = default_config()
    if path is not None:
        path = Path(path)
        config = _merge(config, _read_user_file(path), str(path))
        _check(config, str(path), features)
    if overrides or path is None:
        config = _merge(config, overrides or {}, "overrides")
        _check(config, "overrides" if overrides else "config", features)
    return config

"""Reading the YAML configuration: the packaged defaults (``default.yaml``) overridden by a user's file.

Unknown keys and wrongly typed values are errors naming the file and key, so a typo never silently falls
back to a default.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from ..errors import SpeculationError
from .schema import FATES

__all__ = ["load_config", "default_config"]

TABLE_KEYS = ("season", "episode", "character", "actor", "billing")   # keys of ingest.columns
FINALE_RULES = ("show_yaml", "table")


def default_config() -> dict[str, Any]:
    """The packaged defaults, as a fresh nested dict."""
    text = (Path(__file__).resolve().parent / "default.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _merge(base: dict, override: dict, source: str, prefix: str = "") -> dict:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        dotted = f"{prefix}{key}"
        if key not in base:
            known = ", ".join(sorted(base))
            raise SpeculationError(f"{source}: unknown key '{dotted}' (expected one of: {known})")
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise SpeculationError(f"{source}: key '{dotted}' must be a mapping, got {value!r}")
            merged[key] = _merge(base[key], value, source, dotted + ".")
        else:
            merged[key] = value
    return merged


def _check(config: dict, source: str, features: Iterable[str] | None) -> None:
    """Type/range checks for the values a user is likely to set; ``features``: the known feature names."""
    def fail(key: str, expected: str, got: Any) -> None:
        raise SpeculationError(f"{source}: key '{key}' must be {expected}, got {got!r}")

    feats = config["model"]["features"]
    if not isinstance(feats, list) or not feats:
        fail("model.features", "a non-empty list of feature names", feats)
    known = None if features is None else list(features)
    for name in feats:
        if known is not None and name not in known:
            fail("model.features", "feature names from docs/features.md (" + ", ".join(known) + ")", name)
    if len(set(feats)) != len(feats):
        fail("model.features", "a list without repeats", feats)
    c = config["model"]["C"]
    if not (c == "auto" or (isinstance(c, (int, float)) and not isinstance(c, bool) and c > 0)):
        fail("model.C", "a positive number or 'auto'", c)
    grid = config["model"]["C_grid"]
    if not isinstance(grid, list) or not grid or not all(isinstance(g, (int, float)) and g > 0 for g in grid):
        fail("model.C_grid", "a non-empty list of positive numbers", grid)
    if config["model"]["class_weight"] not in (None, "balanced"):
        fail("model.class_weight", "null or 'balanced'", config["model"]["class_weight"])
    for key in ("cv_folds", "max_iter"):
        v = config["model"][key]
        if not isinstance(v, int) or isinstance(v, bool) or v < 2:
            fail(f"model.{key}", "an integer ≥ 2", v)
    level = config["uncertainty"]["level"]
    if not isinstance(level, (int, float)) or not 0 < level < 1:
        fail("uncertainty.level", "a number between 0 and 1", level)
    n_boot = config["uncertainty"]["n_boot"]
    if not isinstance(n_boot, int) or isinstance(n_boot, bool) or n_boot < 0:
        fail("uncertainty.n_boot", "an integer ≥ 0 (0 turns intervals off)", n_boot)
    if not isinstance(config["uncertainty"]["seed"], int):
        fail("uncertainty.seed", "an integer", config["uncertainty"]["seed"])
    prior = config["features"]["churn_prior"]
    if not isinstance(prior, (int, float)) or not 0 <= prior <= 1:
        fail("features.churn_prior", "a number between 0 and 1", prior)
    for key in ("churn_prior_weight", "default_time_jump_years", "big_jump_years", "age_threshold"):
        v = config["features"][key]
        if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
            fail(f"features.{key}", "a number ≥ 0", v)
    pts = config["points"]
    for key in ("pdo", "base_odds"):
        if not isinstance(pts[key], (int, float)) or pts[key] <= 0:
            fail(f"points.{key}", "a positive number", pts[key])
    _check_ingest(config["ingest"], source)   # the `ingest:` section (docs/ingest.md)


def load_config(path: str | Path | None = None, overrides: dict | None = None,
                features: Iterable[str] | None = None) -> dict[str, Any]:
    """Defaults, overridden by the YAML file at ``path`` (if given) and then by ``overrides``.

    ``features`` are the known feature names (core's registry; :func:`speculation.load_config` passes it):
    ``model.features`` is checked against them. io knows no features, so without it that check is skipped.
    """
    config = default_config()
    if path is not None:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise SpeculationError(f"{path}: cannot read the config file ({exc.strerror})") from None
        try:
            user = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f", line {mark.line + 1}" if mark else ""
            raise SpeculationError(f"{path}{where}: not valid YAML") from None
        if not isinstance(user, dict):
            raise SpeculationError(f"{path}: expected a mapping of settings at the top level")
        config = _merge(config, user, str(path))
    if overrides:
        config = _merge(config, overrides, "overrides")
    _check(config, str(path) if path else "config", features)
    return config


def _check_ingest(section: Any, source: str) -> None:
    """Type/range checks of the ``ingest:`` config section (docs/ingest.md)."""
    def fail(key: str, expected: str, got: Any) -> None:
        raise SpeculationError(f"{source}: key 'ingest.{key}' must be {expected}, got {got!r}")

    for key in TABLE_KEYS:
        name = section["columns"][key]
        if not isinstance(name, str) or not name.strip():
            fail(f"columns.{key}", "a column name", name)
    if section["finale"] not in FINALE_RULES:
        fail("finale", "one of " + " / ".join(FINALE_RULES), section["finale"])
    rule = section["billing_rule"]
    for key in ("main_share", "recurring_share"):
        v = rule[key]
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not 0 <= v <= 1:
            fail(f"billing_rule.{key}", "a number between 0 and 1", v)
    v = rule["recurring_episodes"]
    if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 1):
        fail("billing_rule.recurring_episodes", "an integer ≥ 1, or null", v)
    drop = section["drop_speakers"]
    for key in ("names", "patterns"):
        if not isinstance(drop[key], list) or not all(isinstance(x, str) for x in drop[key]):
            fail(f"drop_speakers.{key}", "a list of texts", drop[key])
    for pattern in drop["patterns"]:
        try:
            re.compile(pattern)
        except re.error as exc:
            fail("drop_speakers.patterns", f"regular expressions ({exc})", pattern)
    if not isinstance(section["drop_guest_only"], bool):
        fail("drop_guest_only", "true or false", section["drop_guest_only"])
    if not isinstance(section["actor_placeholder"], str) or not section["actor_placeholder"].strip():
        fail("actor_placeholder", "a non-empty text", section["actor_placeholder"])
    if section["fate"] not in FATES:
        fail("fate", "one of " + " / ".join(FATES), section["fate"])

"""speculation — who comes back next season? Transparent cast-return probabilities for TV shows.

The Python API, one call per step, each returning a DataFrame, a result object or a Figure::

    import speculation as sp
    library = sp.load_library()                 # the bundled data/shows
    show = library.shows["for-all-mankind"]
    features = sp.build_features(show)          # one row per (show, season, character)
    result = sp.score_show(show, library)       # fit + rank + contributions + intervals
    result.ranking
"""
from __future__ import annotations

from pathlib import Path

from .config import default_config, load_config
from .data import Library, Show, load_show, resolve_show, validate_show
from .data import load_library as _load_library
from .errors import Problem, SpeculationError
from .features import FEATURES, build_features
from .model import ReturnModel
from .score import ScoreResult, fit_model, score_show

__version__ = "0.1.0"

BUNDLED_LIBRARY = Path(__file__).resolve().parent.parent / "data" / "shows"


def load_library(path: str | Path | None = None) -> Library:
    """Load a library folder of show folders (default: the bundled ``data/shows``)."""
    return _load_library(BUNDLED_LIBRARY if path is None else path)


__all__ = ["BUNDLED_LIBRARY", "FEATURES", "Library", "Problem", "ReturnModel", "ScoreResult", "Show",
           "SpeculationError", "build_features", "default_config", "fit_model", "load_config", "load_library",
           "load_show", "resolve_show", "score_show", "validate_show"]

# Explanations, charts and the report (issue 5). `sp.explain(result, name)` is the function (the module is
# `explanation`, so the name is never shadowed); the charts and the report are imported on first use.
from .explanation import explain_character, what_if  # noqa: E402

explain = explain_character
_LAZY = {name: "charts" for name in ("plot_ranking", "plot_waterfall", "plot_drivers", "plot_feature_map",
                                     "plot_return_rates", "ranking_table", "waterfall_table", "drivers_table",
                                     "feature_map_table", "return_rates_table")}
_LAZY["score_artifacts"] = "report"


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    globals()[name] = value
    return value


__all__ += ["explain", "explain_character", "what_if", *_LAZY]

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

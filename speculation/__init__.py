"""speculation — who comes back next season? Transparent cast-return probabilities for TV shows.

Layers, each importing only from its own layer or below: errors → io → core → render → cli.

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

from .core.explanation import explain_character, what_if
from .core.features import FEATURES, build_features, load_config
from .core.model import ReturnModel
from .core.score import ScoreResult, fit_model, score_show
from .errors import Problem, SpeculationError
from .io.bulk import load_library as _load_library
from .io.config import default_config
from .io.showfolder import Library, Show, load_show, resolve_show, validate_show
from .render.charts import (drivers_table, feature_map_table, plot_drivers, plot_feature_map, plot_ranking,
                            plot_return_rates, plot_waterfall, ranking_table, return_rates_table, waterfall_table)
from .render.report import score_artifacts

__version__ = "0.1.0"

BUNDLED_LIBRARY = Path(__file__).resolve().parent.parent / "data" / "shows"


def load_library(path: str | Path | None = None) -> Library:
    """Load a library folder of show folders (default: the bundled ``data/shows``)."""
    return _load_library(BUNDLED_LIBRARY if path is None else path)


__all__ = ["BUNDLED_LIBRARY", "FEATURES", "Library", "Problem", "ReturnModel", "ScoreResult", "Show",
           "SpeculationError", "build_features", "default_config", "fit_model", "load_config", "load_library",
           "load_show", "resolve_show", "score_show", "validate_show"]

# Explanations, charts and the report (issue 5). `sp.explain(result, name)` is the function (the module is
# `core.explanation`, so the name is never shadowed). The chart modules import matplotlib only when drawing.
explain = explain_character
_CHARTS = ["plot_ranking", "plot_waterfall", "plot_drivers", "plot_feature_map", "plot_return_rates", "ranking_table",
           "waterfall_table", "drivers_table", "feature_map_table", "return_rates_table"]
__all__ += ["explain", "explain_character", "what_if", *_CHARTS, "score_artifacts"]

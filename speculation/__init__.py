"""speculation — who comes back next season? Transparent cast-return probabilities for TV shows.

Layers, each importing only from its own layer or below: errors → io → core → render → cli.

The Python API, one call per step, each returning a DataFrame, a result object or a Figure::

    import speculation as sp
    library = sp.load_library()                 # the bundled data/shows
    show = library.shows["for-all-mankind"]
    features = sp.build_features(show)          # one row per (show, season, character)
    result = sp.score_show(show, library)       # fit + rank + contributions + intervals
    result.ranking                              # or result.summary; in a notebook `result` shows the top
    result.plot_ranking()                       # and plot_drivers, plot_feature_map, plot_waterfall(name)
    result.to_files("out/")                     # the files of `speculation score`
    backtest = sp.run_backtest(library)         # BacktestResult: .pooled(), .plot_calibration(), .to_files()
"""
from __future__ import annotations

from pathlib import Path

from .core.explanation import explain_character, what_if
from .core.features import FEATURES, build_features, load_config
from .core.model import ReturnModel
from .core import evaluate as _evaluate
from .core import score as _score
from .core.evaluate import METHODS
from .core.library import library_summary
from .core.score import fit_model
from .errors import Problem, SpeculationError
from .io.bulk import bundled_library
from .io.bulk import load_library as _load_library
from .io.config import default_config
from .io.showfolder import Library, Show, load_show, resolve_show, validate_show
from .render.charts import (drivers_table, feature_map_table, plot_drivers, plot_feature_map, plot_ranking,
                            plot_return_rates, plot_waterfall, ranking_table, return_rates_table, waterfall_table)
from .render.report import score_artifacts
from .render.results import BacktestResult, ScoreResult

__version__ = "0.1.0"

BUNDLED_LIBRARY = bundled_library()   # data/shows: packaged in the wheel, in place in a checkout


def load_library(path: str | Path | None = None) -> Library:
    """Load a library folder of show folders (default: the bundled ``data/shows``)."""
    return _load_library(BUNDLED_LIBRARY if path is None else path)


def score_show(show: Show, library: Library | None = None, config: dict | None = None) -> ScoreResult:
    """Rank ``show``'s latest cast by probability of returning next season (see
    :func:`speculation.core.score.score_show`); the result draws, words and writes itself."""
    return ScoreResult.of(_score.score_show(show, library, config))


def run_backtest(library: Library, config: dict | None = None, shows: list[str] | None = None,
                 n_bins: int = 10) -> BacktestResult:
    """Out-of-sample predictions of every labelled transition of ``shows`` (default: all), metrics against
    the baselines and calibration (see :func:`speculation.core.evaluate.run_backtest`)."""
    return BacktestResult.of(_evaluate.run_backtest(library, config or load_config(), shows, n_bins))


__all__ = ["BUNDLED_LIBRARY", "BacktestResult", "FEATURES", "Library", "METHODS", "Problem", "ReturnModel",
           "ScoreResult", "Show", "SpeculationError", "build_features", "default_config", "fit_model",
           "library_summary", "load_config", "load_library", "load_show", "resolve_show", "run_backtest",
           "score_show", "validate_show"]

# Explanations, charts and the report (issue 5). `sp.explain(result, name)` is the function (the module is
# `core.explanation`, so the name is never shadowed). The chart modules import matplotlib only when drawing.
explain = explain_character
_CHARTS = ["plot_ranking", "plot_waterfall", "plot_drivers", "plot_feature_map", "plot_return_rates", "ranking_table",
           "waterfall_table", "drivers_table", "feature_map_table", "return_rates_table"]
__all__ += ["explain", "explain_character", "what_if", *_CHARTS, "score_artifacts"]

"""Result objects that render themselves: :class:`ScoreResult` and :class:`BacktestResult` with their views.

``core`` computes the numbers into plain dataclasses and may not import ``render`` (the layers point down), so
the views live here, in subclasses that add methods and no data: plots returning matplotlib Figures, the files
``speculation score`` / ``speculation backtest`` write, and a compact ``_repr_html_`` for notebooks (in the
manner of lifelines' fitters and skrub's ``TableReport``: compute once, render many). ``sp.score_show`` and
``sp.run_backtest`` return these; :meth:`ScoreResult.of` / :meth:`BacktestResult.of` wrap a core result.
"""
from __future__ import annotations

import html
from dataclasses import fields
from pathlib import Path

import pandas as pd

from ..core import evaluate, score
from ..io.write import FORMATS, write_files
from . import charts
from .backtest import backtest_files, backtest_markdown, pooled_view
from .eval_charts import calibration_figure, season_figure
from .report import score_artifacts, score_files
from .text import character_reasons, interval_level, interval_text, percent

__all__ = ["ScoreResult", "BacktestResult", "REPR_ROWS"]

REPR_ROWS = 10   # characters shown by a notebook's view of a ScoreResult


def _wrap(cls, result):
    """``result`` (a core dataclass) as ``cls``, sharing its frames (no copy)."""
    if isinstance(result, cls):
        return result
    return cls(**{f.name: getattr(result, f.name) for f in fields(result)})


class ScoreResult(score.ScoreResult):
    """A scoring run (see :class:`speculation.core.score.ScoreResult`) that draws, words and writes itself."""

    @classmethod
    def of(cls, result: score.ScoreResult) -> "ScoreResult":
        """A core ScoreResult with these views (same frames, nothing recomputed)."""
        return _wrap(cls, result)

    def plot_ranking(self, ax=None, title: str | None = None):
        """Every character's probability with its interval, coloured by billing (a Figure)."""
        return charts.plot_ranking(self, ax=ax, title=title)

    def plot_drivers(self, ax=None, title: str | None = None):
        """The fitted weight of each feature per standard deviation (a Figure)."""
        return charts.plot_drivers(self, ax=ax, title=title)

    def plot_feature_map(self, ax=None, title: str | None = None, annotate: bool | None = None):
        """Characters × features, each cell a contribution in log-odds (a Figure)."""
        return charts.plot_feature_map(self, ax=ax, title=title, annotate=annotate)

    def plot_waterfall(self, character: str, ax=None, **kwargs):
        """From an average character to ``character``'s probability, one bar per contribution (a Figure)."""
        return charts.plot_waterfall(self, character, ax=ax, **kwargs)

    def files(self, formats=FORMATS, with_charts: bool = True, library_paths=(),
              command: str = "speculation score") -> dict[str, bytes | str]:
        """``{file name: content}`` of everything ``speculation score`` writes, in memory."""
        return score_files(self, formats, with_charts, library_paths, command)

    def to_files(self, out: str | Path, formats=FORMATS, with_charts: bool = True, library_paths=(),
                 command: str = "speculation score") -> list[Path]:
        """Write the files of ``speculation score`` into ``out`` as one transaction; returns their paths.

        ``library_paths`` are the library folders the manifest hashes besides the show folder."""
        return write_files(self.files(formats, with_charts, library_paths, command), out)

    def report_html(self) -> str:
        """The self-contained report.html page of this run."""
        return score_artifacts(self)["report.html"]

    def _repr_html_(self) -> str:
        r = self.ranking
        t = self.training
        top = r.head(REPR_ROWS)
        table = pd.DataFrame({"#": top["rank"], "character": top["character"], "billing": top["billing"],
                              "probability": top["probability"].map(percent)})
        if "low" in r:
            table[f"{interval_level(self.config)}% interval"] = list(map(interval_text, top["low"], top["high"]))
        table["main reasons"] = character_reasons(self, rows=len(top))
        more = (f"<p><small>… and {len(r) - len(top)} more: <code>.ranking</code> holds every character with "
                f"every contribution.</small></p>" if len(r) > len(top) else "")
        header = (f"<p><strong>{html.escape(self.show.title)}</strong>: who returns in season {self.season + 1}? "
                  f"Season {self.season}, {len(r)} characters; model fitted on {t['transitions']} transitions "
                  f"of {t['shows']} shows (C = {t['C']:g}).</p>")
        return f"<div>{header}{table.to_html(index=False, escape=True, border=0)}{more}</div>"


class BacktestResult(evaluate.BacktestResult):
    """A backtest (see :class:`speculation.core.evaluate.BacktestResult`) that draws, words and writes itself."""

    @classmethod
    def of(cls, result: evaluate.BacktestResult) -> "BacktestResult":
        """A core BacktestResult with these views (same frames, nothing recomputed)."""
        return _wrap(cls, result)

    def plot_calibration(self, ax=None, title: str | None = None):
        """Observed return rate against mean predicted probability per quantile bin (a Figure)."""
        return calibration_figure(self.calibration, ax=ax, title=title)

    def plot_by_season(self, metric: str = "brier", scheme: str = "walk_forward", ax=None, title: str | None = None):
        """``metric`` of every method per season at whose end the prediction is made (a Figure)."""
        return season_figure(self.seasons, metric=metric, scheme=scheme, ax=ax, title=title)

    def to_markdown(self) -> str:
        """backtest.md: the schemes, pooled metrics, Brier score per show and C per show."""
        return backtest_markdown(self)

    def files(self, command: str = "speculation backtest", input_paths=()) -> dict[str, bytes | str]:
        """``{file name: content}`` of everything ``speculation backtest`` writes, manifest included."""
        return backtest_files(self, command, input_paths)

    def to_files(self, out: str | Path, command: str = "speculation backtest", input_paths=()) -> list[Path]:
        """Write the files of ``speculation backtest`` into ``out``; ``input_paths`` are hashed in the manifest."""
        return write_files(self.files(command, input_paths), out)

    def _repr_html_(self) -> str:
        p = self.predictions
        n = int((p["scheme"] == "walk_forward").sum())
        parts = [f"<p><strong>Backtest</strong>: {len(self.shows)} shows held out, {n} labelled transitions "
                 f"predicted out of sample per scheme.</p>"]
        for scheme in [s for s in evaluate.SCHEMES if s in set(p["scheme"])]:
            view = pooled_view(self, scheme).drop(columns="what").round(
                {"auc": 3, "brier": 4, "log_loss": 3, "accuracy": 3, "ece": 3})
            parts.append(f"<p>{scheme.replace('_', '-')}, pooled:</p>"
                         + view.to_html(index=False, escape=True, border=0))
        return "<div>" + "".join(parts) + "</div>"

"""Result objects as a notebook user meets them: short reprs, a compact HTML table, plots, explanations, files."""
from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

import speculation as sp
from speculation.render.results import REPR_ROWS
from tests.conftest import write_show
from tests.test_charts import BIG_YAML, big_show_csv

SCRIPT = "<script>alert(1)</script>"


class _Tables(HTMLParser):
    """The text of every cell of every table of a page, as DataFrames (header row = columns)."""

    def __init__(self, page: str):
        super().__init__()
        self.tables, self._cell = [], None
        self.feed(page)
        self.frames = [pd.DataFrame(rows[1:], columns=rows[0]) for rows in self.tables]

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[-1][-1].append(self._cell.strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    lib = tmp_path_factory.mktemp("results") / "library"
    for i in range(3):
        write_show(lib, f"show-{i}", n=i)
    write_show(lib, "ensemble", yaml_text=BIG_YAML.replace("Synthetic Ensemble", "Ensemble & <i>Co</i>"),
               csv_text=big_show_csv(14).replace("Ben Wolfe 1", SCRIPT))
    return lib


@pytest.fixture(scope="module")
def result(library):
    lib = sp.load_library(library)
    return sp.score_show(lib.shows["ensemble"], lib, sp.load_config(overrides={"uncertainty": {"n_boot": 50}}))


@pytest.fixture(scope="module")
def backtest(library):
    lib = sp.load_library(library)
    return sp.run_backtest(lib, shows=["show-0", "show-1"])


def test_repr_is_one_short_line_naming_the_show_and_the_favourite(result):
    text = repr(result)
    top = result.ranking.iloc[0]
    assert "\n" not in text and len(text) < 200
    assert "ensemble" in text and "season 3" in text and repr(top["character"]) in text


def test_notebook_view_is_a_compact_escaped_table_of_the_top(result):
    page = result._repr_html_()
    assert len(page) < 6000
    assert "Ensemble &amp; &lt;i&gt;Co&lt;/i&gt;" in page and "who returns in season 4?" in page
    assert f"{result.training['transitions']} transitions" in page
    table = _Tables(page).frames[0]
    assert list(table["character"]) == list(result.ranking["character"].head(REPR_ROWS))
    assert table["probability"].str.endswith("%").all() and "80% interval" in table
    assert f"and {len(result.ranking) - REPR_ROWS} more" in page
    assert SCRIPT in list(table["character"])   # a main character: in the top, shown as text
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_summary_is_the_ranking_without_contributions(result):
    s = result.summary
    assert list(s["character"]) == list(result.ranking["character"])
    assert list(s.columns) == ["rank", "character", "actor", "billing", "probability", "low", "high", "rank_low",
                               "rank_high"]
    assert s["probability"].equals(result.ranking["probability"])


def test_plots_return_figures_and_draw_into_a_given_ax(result, backtest):
    name = result.ranking["character"].iloc[2]
    for fig in (result.plot_ranking(), result.plot_drivers(), result.plot_feature_map(),
                result.plot_waterfall(name), backtest.plot_calibration(), backtest.plot_by_season()):
        assert isinstance(fig, Figure) and fig.axes
    own = Figure()
    ax = own.add_subplot()
    assert result.plot_ranking(ax=ax) is own and len(ax.patches) == len(result.ranking)
    assert name in "".join(t.get_text() for t in result.plot_waterfall(name).texts)


def test_explain_and_what_if_are_the_package_functions(result):
    name = result.ranking["character"].iloc[0]
    assert result.explain(name.lower()).equals(sp.explain(result, name))
    assert result.what_if(name, died=1).equals(sp.what_if(result, name, died=1))
    with pytest.raises(sp.SpeculationError, match="no character"):
        result.explain("Nobody At All")


def test_to_files_writes_exactly_what_speculation_score_writes(cli, library, result, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("uncertainty:\n  n_boot: 50\n", encoding="utf-8")   # as the result fixture
    r = cli("score", "ensemble", "--library", str(library), "--config", str(config), "--out", str(tmp_path / "cli"))
    assert r.returncode == 0, r.stderr
    written = result.to_files(tmp_path / "api", library_paths=[library, config])   # what the CLI hashes
    names = sorted(p.relative_to(tmp_path / "api").as_posix() for p in written)
    cli_names = sorted(p.relative_to(tmp_path / "cli").as_posix() for p in (tmp_path / "cli").rglob("*")
                       if p.is_file())
    assert names == cli_names and "report.html" in names
    for name in names:
        api, by_cli = (tmp_path / "api" / name).read_bytes(), (tmp_path / "cli" / name).read_bytes()
        if name == "manifest.json":   # the checkout's commit may move between the two runs
            api, by_cli = ({**json.loads(m), "git_commit": None} for m in (api, by_cli))
        assert api == by_cli, name
    assert result.report_html() == (tmp_path / "cli" / "report.html").read_text(encoding="utf-8")


def test_backtest_result_shows_pooled_metrics_and_writes_the_cli_files(cli, library, backtest, tmp_path):
    assert "\n" not in repr(backtest) and "2 shows held out" in repr(backtest)
    page = backtest._repr_html_()
    tables = _Tables(page).frames
    assert len(tables) == 2 and list(tables[0]["method"]) == list(sp.METHODS)
    assert "## walk-forward, pooled" in backtest.to_markdown()
    r = cli("backtest", "show-0", "show-1", "--library", str(library), "--out", str(tmp_path / "cli"))
    assert r.returncode == 0, r.stderr
    written = backtest.to_files(tmp_path / "api", command="speculation backtest show-0 show-1",
                                input_paths=[library])
    assert len(written) == len(list((tmp_path / "cli").iterdir()))
    for path in written:
        api, by_cli = path.read_bytes(), (tmp_path / "cli" / path.name).read_bytes()
        if path.name == "manifest.json":
            api, by_cli = ({**json.loads(m), "git_commit": None} for m in (api, by_cli))
        assert api == by_cli, path.name

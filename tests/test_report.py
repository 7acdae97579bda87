"""The report: every chart as files with CSV twins, and one self-contained report.html that a browser renders."""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from speculation.render import report
from speculation.core.explanation import character_slugs
from tests.conftest import write_show
from tests.test_charts import BIG_YAML, big_show_csv, score_small

ODD = 'Bo <b>"Jo"</b> & Co'
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    lib = tmp_path_factory.mktemp("report") / "library"
    for i in range(2):
        write_show(lib, f"show-{i}", n=i)
    write_show(lib, "ensemble", yaml_text=BIG_YAML.replace("Synthetic Ensemble", "Ensemble <i>&</i> Co"),
               csv_text=big_show_csv(14).replace("Ben Wolfe 1", SCRIPT))
    return lib


@pytest.fixture(scope="module")
def result(library):
    return score_small(library, "ensemble")


@pytest.fixture(scope="module")
def files(result):
    return report.score_artifacts(result)


def test_every_chart_comes_as_png_svg_and_csv(result, files):
    slugs = character_slugs(result.ranking["character"])
    for name in ("ranking", "drivers", "feature-map"):
        assert files[f"charts/{name}.png"][:8] == b"\x89PNG\r\n\x1a\n"
        ET.fromstring(files[f"charts/{name}.svg"])
        assert isinstance(files[f"charts/{name}.csv"], str)
    for slug in slugs.values():
        ET.fromstring(files[f"charts/waterfall/{slug}.svg"])
        assert f"charts/waterfall/{slug}.csv" in files
    assert len(set(slugs.values())) == len(slugs)
    assert "report.html" in files


def test_csv_twins_read_back_with_the_numbers_of_the_result(result, files):
    r = result.ranking
    ranking = pd.read_csv(io.StringIO(files["charts/ranking.csv"]))
    assert list(ranking["character"]) == list(r["character"])
    cols = ["probability", "low", "high"]
    assert np.array_equal(ranking[cols].to_numpy(), r[cols].to_numpy())
    fmap = pd.read_csv(io.StringIO(files["charts/feature-map.csv"]))
    for f in result.feature_names:
        assert np.array_equal(fmap[f].to_numpy(), r[f"contrib_{f}"].to_numpy())
    drivers = pd.read_csv(io.StringIO(files["charts/drivers.csv"])).set_index("feature")
    weights = result.model.weights().set_index("feature")
    assert np.array_equal(drivers.loc[weights.index, "weight_std"].to_numpy(), weights["weight_std"].to_numpy())
    for name, slug in character_slugs(r["character"]).items():
        wf = pd.read_csv(io.StringIO(files[f"charts/waterfall/{slug}.csv"]), keep_default_na=False)
        row = r.set_index("character").loc[name]
        assert wf["character"].iloc[0] == name
        assert wf["contribution"].iloc[0] == row["intercept"] and wf["end"].iloc[-1] == row["logit"]
        moves = wf.loc[wf["step"].isin(["feature", "other"]), "contribution"].astype(float)
        assert np.isclose(row["intercept"] + moves.sum(), row["logit"], atol=1e-12)


def test_report_is_self_contained_and_escaped(result, files):
    page = files["report.html"]
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    for bad in ("<script", "<link", "@import", "<iframe", "<img src=\"http"):
        assert bad not in page.lower(), bad
    attrs = re.findall(r"""\s(?:src|href|xlink:href|action|data)\s*=\s*["']([^"']*)["']""", page)
    assert attrs and all(not re.match(r"\s*(https?:)?//", a) for a in attrs), [a for a in attrs if "//" in a]
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", page)
    assert "http://" not in page and "https://" not in page
    # names from the data are text, never markup
    assert ODD not in page and "<b>" not in page and "<i>&</i>" not in page
    assert "Bo &lt;b&gt;&quot;Jo&quot;&lt;/b&gt; &amp; Co" in page
    assert "Ensemble &lt;i&gt;&amp;&lt;/i&gt; Co" in page
    # a character named like a script is text in the table, its explanation and its waterfall
    assert SCRIPT in list(result.ranking["character"])
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3
    # the ranked table, the charts, the method and one explanation per character
    assert page.count("<details") == len(result.ranking)
    assert page.count("<svg") == 3 + len(result.ranking)
    for section in ('id="ranking"', 'id="charts"', 'id="characters"', 'id="method"'):
        assert section in page
    for name in result.ranking["character"]:
        assert f"<strong>{int(result.ranking.set_index('character').loc[name, 'rank'])}. " in page
    table = page[page.index('<table class="ranking">'):page.index("</table>")]
    assert table.count("<tr>") == len(result.ranking) + 1


def test_artifacts_are_byte_identical_across_runs(result, files):
    again = report.score_artifacts(result)
    assert set(again) == set(files)
    for name in files:
        assert again[name] == files[name], name


def test_report_without_intervals(library):
    plain = score_small(library, "show-1", n_boot=0)
    assert "low" not in plain.ranking
    files = report.score_artifacts(plain)
    assert "low" not in pd.read_csv(io.StringIO(files["charts/ranking.csv"])).columns
    assert "Intervals were turned off" in files["report.html"]
    assert files["report.html"].count("<details") == len(plain.ranking)


def test_score_writes_the_charts_and_report(cli, library, tmp_path):
    out = tmp_path / "out"
    r = cli("score", "ensemble", "--library", str(library), "--out", str(out))
    assert r.returncode == 0, r.stderr
    for name in ("report.html", "charts/ranking.png", "charts/ranking.svg", "charts/ranking.csv",
                 "charts/drivers.png", "charts/feature-map.svg"):
        assert (out / name).is_file(), name
    assert len(list((out / "charts" / "waterfall").glob("*.svg"))) == 14
    r = cli("score", "show-0", "--library", str(library), "--out", str(tmp_path / "bare"), "--no-charts")
    assert r.returncode == 0 and not (tmp_path / "bare" / "report.html").exists()


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_report_renders_in_a_real_browser(files, tmp_path):
    if _chromium() is None:
        message = ("chromium is not installed (.ci/run installs the Debian package); the browser screenshot of "
                   "report.html cannot be taken")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " — and CI=true, where this test must run")
        pytest.skip(message)
    page = tmp_path / "report.html"
    page.write_text(files["report.html"], encoding="utf-8")
    shot = tmp_path / "shot.png"
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1280,2000",
           page.as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert shot.is_file(), f"chromium wrote no screenshot (exit {done.returncode}): {done.stderr[-2000:]}"
    from PIL import Image

    image = np.asarray(Image.open(shot).convert("RGB"))
    assert image.shape[:2] == (2000, 1280)
    pixels = image.reshape(-1, 3)
    not_white = (pixels < 245).any(axis=1).mean()
    colours = len(np.unique(pixels[::7], axis=0))
    assert not_white > 0.03, f"the screenshot is almost blank ({not_white:.1%} non-white pixels)"
    assert colours > 50, f"the screenshot has only {colours} distinct colours"
    blue = ((pixels[:, 2] > 150) & (pixels[:, 0] < 60)).mean()  # the billing / probability bars are drawn
    assert blue > 0.002, "no bars visible in the screenshot"

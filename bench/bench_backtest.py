"""Backtest benchmark: walk-forward + leave-one-show-out over the whole bundled library, wall time.

Times the API call (features once, grouped-CV choice of C per held-out show, one Newton fit per show-season
per scheme) and the full CLI (``speculation backtest``, with charts and files) in a subprocess; median of
several runs. Prints the fit count and the pooled walk-forward figures so a run is self-describing.

    python bench/bench_backtest.py [--runs 3]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    from speculation import default_config, load_library
    from speculation.core.evaluate import run_backtest

    config = default_config()
    api, cli = [], []
    for _ in range(args.runs):
        t = time.perf_counter()
        library = load_library()
        result = run_backtest(library, config)
        api.append(time.perf_counter() - t)
        with tempfile.TemporaryDirectory() as out:
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "speculation", "backtest", "--out", out], cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL)
            cli.append(time.perf_counter() - t)
    p = result.predictions
    n_shows = len(result.shows)
    seasons = p.loc[p["scheme"] == "walk_forward", ["show", "season"]].drop_duplicates().shape[0]
    grid, folds = len(config["model"]["C_grid"]), config["model"]["cv_folds"]
    fits = 2 * seasons + n_shows * grid * folds
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; {args.runs} runs")
    print(f"library: {n_shows} shows, {int((p['scheme'] == 'walk_forward').sum())} labelled transitions, "
          f"{seasons} show-seasons → about {fits} logistic fits (2 schemes × {seasons} + {n_shows} × {grid} C × "
          f"{folds} folds)")
    print(f"{'what':<34} {'median s':>9} {'min s':>7}")
    print(f"{'run_backtest (API, load included)':<34} {statistics.median(api):>9.2f} {min(api):>7.2f}")
    print(f"{'speculation backtest (CLI, files)':<34} {statistics.median(cli):>9.2f} {min(cli):>7.2f}")
    pooled = result.pooled("walk_forward")[["method", "auc", "brier", "log_loss", "ece"]]
    print("\nwalk-forward, pooled:\n" + pooled.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

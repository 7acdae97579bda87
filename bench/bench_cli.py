"""CLI benchmark: end-to-end ``speculation score for-all-mankind`` against the bare import floor.

Each command runs in a fresh subprocess (as a user would), several times, interleaved so machine load hits
both alike; the table shows the median and min wall time. Goal (bench/README.md): score ≤ 1.5× the floor
``python -c "import pandas, sklearn.linear_model, yaml, matplotlib"``.

    python bench/bench_cli.py              # 7 runs each
    python bench/bench_cli.py --runs 11 --no-charts
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(cmd: list[str], cwd: Path) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--show", default="for-all-mankind")
    parser.add_argument("--no-charts", action="store_true", help="pass --no-charts to score")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as out:
        commands = {
            "import floor": [sys.executable, "-c", "import pandas, sklearn.linear_model, yaml, matplotlib"],
            "python startup": [sys.executable, "-c", "pass"],
            f"score {args.show}": [sys.executable, "-m", "speculation", "score", args.show, "--out", out]
            + (["--no-charts"] if args.no_charts else []),
        }
        timed(commands[f"score {args.show}"], ROOT)   # warm the file cache and __pycache__
        times: dict[str, list[float]] = {k: [] for k in commands}
        for _ in range(args.runs):
            for name, cmd in commands.items():
                times[name].append(timed(cmd, ROOT))
    floor = statistics.median(times["import floor"])
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, {args.runs} runs each")
    print(f"{'command':<28} {'median s':>9} {'min s':>7} {'× floor':>8}")
    for name, values in times.items():
        med = statistics.median(values)
        print(f"{name:<28} {med:>9.2f} {min(values):>7.2f} {med / floor:>8.2f}")
    ratio = statistics.median(times[f"score {args.show}"]) / floor
    print(f"\ngoal score ≤ 1.5× floor: {'met' if ratio <= 1.5 else 'NOT met'} ({ratio:.2f}×)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Extract per-episode speaker line counts from a snapshot of BobAdamsEE/SouthParkData.

Usage: python extract.py PATH_TO_SNAPSHOT [OUT_DIR]

PATH_TO_SNAPSHOT is either a checkout (a folder holding by-season/) or a bare git
directory (read at HEAD with `git show`). OUT_DIR defaults to the folder of this script.

by-season/Season-N.csv holds one row per spoken line: Season, Episode, Character, Line.
Writes south-park.csv with header season,episode,character,lines: one row per
(season, episode, speaker) with the number of lines that speaker has in the episode.
The dialogue itself is not kept. Speaker names are kept as the source spells them,
with surrounding and repeated whitespace removed.
"""
import io
import os
import re
import sys
from collections import Counter

import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from snapshot import read_file, write_counts  # noqa: E402  (data/sources/snapshot.py, shared by every extract.py)

SEASONS = range(1, 20)  # Season-1.csv .. Season-19.csv



def clean(name):
    return re.sub(r"\s+", " ", str(name).replace("\u00a0", " ")).strip()


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    root = argv[1]
    out_dir = argv[2] if len(argv) > 2 else os.path.dirname(os.path.abspath(__file__))
    counts = Counter()
    for n in SEASONS:
        df = pd.read_csv(io.StringIO(read_file(root, "by-season/Season-%d.csv" % n).decode("utf-8")), dtype=str, keep_default_na=False)
        for season, episode, character in zip(df["Season"], df["Episode"], df["Character"]):
            if int(season) != n:
                raise ValueError("Season-%d.csv holds a row of season %s" % (n, season))
            name = clean(character)
            if name:
                counts[(int(season), int(episode), name)] += 1
    rows = write_counts(os.path.join(out_dir, "south-park.csv"), counts)
    print("south-park: %d rows, %d lines, seasons %s" % (len(rows), sum(counts.values()), sorted({r[0] for r in rows})))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

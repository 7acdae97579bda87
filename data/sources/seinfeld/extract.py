"""Extract per-episode speaker line counts from a snapshot of ormoses/SeinfeldScripts.

Usage: python extract.py PATH_TO_SNAPSHOT [OUT_DIR]

PATH_TO_SNAPSHOT is either a checkout (a folder holding data/seinfeld.rda) or a bare git
directory (read at HEAD with `git show`). OUT_DIR defaults to the folder of this script.
Needs pandas and pyreadr (`pip install pyreadr`) to read the R data file.

data/seinfeld.rda holds one data frame `seinfeld`, one row per spoken line of the
seinology.com transcripts: season, episode, speaker, content, num_words, total_episode.
`total_episode` is seinology's running number (1..180, a double episode is "82&83",
"179&180"; 100-101 and 177-178, the two clip shows, are not in the source).

Episode numbering: the source's `episode` field numbers season 1 wrongly (1, 1, 2, 3, 4),
so the episode is recomputed from the running number: first running number of the row
minus the first running number of its season, plus 1. This gives the aired numbering of
the show's Wikipedia episode list (a double episode takes the number of its first part;
the clip shows leave gaps: season 6 episodes 14-15, season 9 episodes 21-22).

Writes seinfeld.csv with header season,episode,character,lines: one row per
(season, episode, speaker) with the number of lines, sorted. Speaker names are kept as the
source spells them (upper case), with surrounding and repeated whitespace removed.
The dialogue is not kept. Only the Seinfeld table is read; the repository's other show is not.
"""
import os
import re
import sys
import tempfile
from collections import Counter

import pyreadr

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from snapshot import read_file, write_counts  # noqa: E402  (data/sources/snapshot.py, shared by every extract.py)

RDA = "data/seinfeld.rda"


def rda_path(root, tmpdir):
    path = os.path.join(root, RDA)
    if os.path.exists(path):
        return path
    data = read_file(root, RDA)
    path = os.path.join(tmpdir, "seinfeld.rda")
    with open(path, "wb") as f:
        f.write(data)
    return path


def clean(name):
    return re.sub(r"\s+", " ", str(name).replace("\u00a0", " ")).strip()


def first_number(value):
    return int(str(value).split("&")[0])


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    root = argv[1]
    out_dir = argv[2] if len(argv) > 2 else os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory() as tmp:
        df = pyreadr.read_r(rda_path(root, tmp), use_objects=["seinfeld"])["seinfeld"]
    df = df[["season", "episode", "speaker", "total_episode"]].copy()
    df["season"] = df["season"].map(int)
    df["total"] = df["total_episode"].map(first_number)
    first = df.groupby("season")["total"].min()
    df["ep"] = df["total"] - df["season"].map(first) + 1
    counts = Counter()
    for season, episode, speaker in zip(df["season"], df["ep"], df["speaker"]):
        name = clean(speaker)
        if name:
            counts[(int(season), int(episode), name)] += 1
    rows = write_counts(os.path.join(out_dir, "seinfeld.csv"), counts)
    eps = sorted({(r[0], r[1]) for r in rows})
    print("seinfeld: %d rows, %d lines, %d episodes" % (len(rows), sum(counts.values()), len(eps)))
    for s in sorted({e[0] for e in eps}):
        print("  season %d: episodes %s" % (s, [e for (ss, e) in eps if ss == s]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Extract per-episode speaker line counts for Doctor Who (2005 revival, series 1-13)
from LaurenceDyer/DocWho-Dataset_construction_EDA_and_ML (Raw/DoctorWho_<block>-<n>.csv,
one row per text line of a transcript page, column "Script").

Usage: python extract.py /path/to/DocWho-git-dir-or-checkout [out.csv]

The repository numbers the revival's production blocks 27..39 (27 = series 1 ...
39 = series 13); the table below maps the files of the regular series episodes to
(season, episode). Specials (Christmas / New Year / charity / animated / anniversary)
are left out. A speech turn is a speaker label in capitals followed by a colon
("ROSE: ..."), after stage directions in (...) and cues in [...] are removed; the
number of turns per (season, episode, speaker) is written as `lines`. No dialogue
is written.
"""
import io
import os
import re
import subprocess
import sys
from collections import Counter

import pandas as pd

# season -> list of file numbers within block 26+season, in aired order
EPISODES = {
    1: list(range(1, 14)),
    2: list(range(1, 14)),                    # 28-0 Christmas Invasion, 28-05 Born Again left out
    3: list(range(1, 14)),                    # 29-0 Runaway Bride, 29-14 Infinite Quest left out
    4: list(range(1, 14)),                    # 30-0 Voyage of the Damned, 30-14..18 2008-10 specials left out
    5: list(range(1, 14)),
    6: list(range(1, 14)),                    # 32-0 A Christmas Carol left out
    7: [1, 2, 3, 4, 5] + list(range(7, 15)),  # 33-0, 33-6 Snowmen, 33-15/16 anniversary/Christmas, 33-59 left out
    8: list(range(1, 13)),                    # 34-13 Last Christmas left out
    9: list(range(1, 13)),                    # 35-13 Husbands of River Song left out
    10: list(range(1, 13)),                   # 36-0, 36-13 Twice Upon a Time left out
    11: list(range(1, 11)),                   # 37-11 Resolution left out
    12: list(range(1, 11)),                   # 38-11 Revolution of the Daleks left out
    13: list(range(1, 7)),                    # 39-7/8 2022 specials left out
}

SPEAKER = re.compile(r"(?<![A-Za-z0-9'])([A-Z][A-Z0-9'.\-]*(?:[ &+/][A-Z0-9'.\-]+)*)\s*:(?!\d)")


def read(src, rel):
    path = os.path.join(src, rel)
    if os.path.exists(path):
        with open(path, "rb") as f:
            return f.read()
    return subprocess.run(["git", "-C", src, "show", "HEAD:" + rel],
                          check=True, capture_output=True).stdout


def speakers(raw):
    df = pd.read_csv(io.BytesIO(raw), index_col=0, dtype=str, keep_default_na=False)
    text = "\n".join(df["Script"].tolist())
    # transcript body: from the first scene cue to the navigation footer
    start = text.find("[")
    end = min([i for i in (text.find("<Back"), text.find("Next episode")) if i > 0] or [len(text)])
    text = text[start:end]
    for _ in range(3):  # nested stage directions
        text = re.sub(r"\([^()]*\)", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\{[^}]*\}", " ", text)
    out = Counter()
    for m in SPEAKER.finditer(text):
        name = re.sub(r"\s+", " ", m.group(1)).strip(" .-'")
        if len(name) >= 2 and any(c.isalpha() for c in name):
            out[name] += 1
    return out


def main():
    src = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "doctor-who.csv")
    rows = []
    for season, files in EPISODES.items():
        for episode, n in enumerate(files, start=1):
            rel = "Raw/DoctorWho_%d-%d.csv" % (26 + season, n)
            for name, k in speakers(read(src, rel)).items():
                rows.append((season, episode, name, k))
    t = pd.DataFrame(rows, columns=["season", "episode", "character", "lines"])
    t = t.sort_values(["season", "episode", "character"])
    t.to_csv(out, index=False, lineterminator="\n", encoding="utf-8")
    print("wrote %d rows to %s" % (len(t), out))


if __name__ == "__main__":
    main()

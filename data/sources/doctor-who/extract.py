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
import sys
from collections import Counter

import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from snapshot import read_file  # noqa: E402  (data/sources/snapshot.py, shared by every extract.py)

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

# Speaker cues tagged as a memory or a clip of an earlier story ("DONNA [memory]:") are not
# appearances in the episode: those turns are not counted.
NOT_PRESENT_TAGS = {"memory", "doctor's memory", "previously", "human nature", "dalek asylum",
                    "stolen earth", "genesis of the daleks", "resurrection of the daleks",
                    "remembrance of the daleks", "revelation of the daleks"}

# Turns that are not appearances although untagged: in series 10 episode 12 (The Doctor Falls) the
# Doctor hears the voices of earlier companions, one word each, as his regeneration starts.
NOT_PRESENT = {(10, 12, name) for name in ("AMY", "CLARA", "DONNA", "JACK", "MARTHA", "RIVER", "ROSE", "SARAH-JANE")}

# One-off characters who share a name with a recurring character of another series (checked against
# the transcript: the speaker is introduced as someone else). Renamed "NAME (SxEE)" so that a recipe
# alias of the recurring character does not pick them up.
SAME_NAME_OTHERS = {
    (1, 1, "CLIVE"),          # Clive, the Doctor-watcher in "Rose" (not Clive Jones)
    (2, 8, "DANNY"), (2, 9, "DANNY"),   # Danny Bartock (not Danny Pink)
    (6, 9, "CLAIRE"),         # George's mother in "Night Terrors" (not Claire Brown)
    (6, 11, "LUCY"),          # Lucy Hayward in "The God Complex" (not Lucy Saxon)
    (7, 12, "MISSY"),         # a soldier in "Nightmare in Silver" (not the Master)
    (8, 9, "BILL"),           # a train driver in "Flatline" (not Bill Potts)
    (8, 12, "GRAHAM"),        # a man in "Death in Heaven" (not Graham O'Brien)
    (9, 1, "RYAN"),           # a schoolboy in "The Magician's Apprentice" (not Ryan Sinclair)
    (11, 7, "DAN"),           # Dan Cooper in "Kerblam!" (not Dan Lewis)
    (12, 6, "JAKE"),          # Jake Willis in "Praxeus" (not Jake Simmonds)
    (12, 8, "CLAIRE"),        # Claire Clairmont in "The Haunting of Villa Diodati" (not Claire Brown)
}

SPEAKER = re.compile(r"(?<![A-Za-z0-9'])([A-Z][A-Z0-9'.\-]*(?:[ &+/][A-Z0-9'.\-]+)*)\s*:(?!\d)")



def speakers(raw, season=0, episode=0):
    df = pd.read_csv(io.BytesIO(raw), index_col=0, dtype=str, keep_default_na=False)
    text = "\n".join(df["Script"].tolist())
    # transcript body: from the first scene cue to the navigation footer
    start = text.find("[")
    end = min([i for i in (text.find("<Back"), text.find("Next episode")) if i > 0] or [len(text)])
    text = text[start:end]
    for _ in range(3):  # nested stage directions
        text = re.sub(r"\([^()]*\)", " ", text)
    # drop the label of turns tagged as memories / clips (their words then count for nobody)
    text = re.sub(r"(?<![A-Za-z])[A-Z][A-Z0-9' .\-]*\s*\[([^\]]{1,40})\]\s*:",
                  lambda m: " " if m.group(1).strip().lower() in NOT_PRESENT_TAGS else m.group(0), text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\{[^}]*\}", " ", text)
    out = Counter()
    for m in SPEAKER.finditer(text):
        name = re.sub(r"\s+", " ", m.group(1)).strip(" .-'")
        if len(name) >= 2 and any(c.isalpha() for c in name):
            if (season, episode, name) in NOT_PRESENT:
                continue
            if (season, episode, name) in SAME_NAME_OTHERS:
                name = "%s (%dx%02d)" % (name, season, episode)
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
            for name, k in speakers(read_file(src, rel), season, episode).items():
                rows.append((season, episode, name, k))
    t = pd.DataFrame(rows, columns=["season", "episode", "character", "lines"])
    t = t.sort_values(["season", "episode", "character"])
    t.to_csv(out, index=False, lineterminator="\n", encoding="utf-8")
    print("wrote %d rows to %s" % (len(t), out))


if __name__ == "__main__":
    main()

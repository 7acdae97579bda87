"""Extract per-episode speaker line counts from a snapshot of chipoglesby/frasier.

Usage: python extract.py PATH_TO_SNAPSHOT [OUT_DIR]

PATH_TO_SNAPSHOT is either a checkout (a folder holding data/scripts/) or a bare git
directory (read at HEAD with `git show`). OUT_DIR defaults to the folder of this script.

data/scripts/SSEE.txt holds the fan transcript (kacl780.net) of season SS, episode EE:
a header (title, credits, cast list) and, from the line starting "Transcript {",
the script, where a spoken line starts with the speaker's name and a colon
("Frasier: ...", right-aligned, so at most 8 leading spaces) and continues on lines
indented further. Only the speaker tags are read; the dialogue is not kept.

A speaker tag is a name of one to three capitalised words (optionally preceded by
Mr./Mrs./Ms./Dr.) followed by a colon. Left out as not speakers: all-capital words
without a full stop (CUT TO, FADE TO, CREDITS, TV...), and tags starting with the
structural words in STRUCTURAL (Scene..., Credits, Skyline, Title Card, Exhibit...).
One transcript (0912) is run-on prose with the tags inside the lines; for a file with
fewer than 100 tags at line starts, tags are also searched after a sentence end.

Writes frasier.csv with header season,episode,character,lines: one row per
(season, episode, speaker) with the number of speaker tags, sorted.
"""
import os
import re
import subprocess
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from snapshot import read_file, write_counts  # noqa: E402  (data/sources/snapshot.py, shared by every extract.py)

NAME = r"(?:(?:Mr|Mrs|Ms|Dr)\. )?[A-Z][A-Za-z.'\-]*(?: [A-Z][A-Za-z.'\-]*){0,2}"
LINE_TAG = re.compile(r"^ {0,8}(" + NAME + r") ?:(?:\s|$)")
INLINE_TAG = re.compile(r"(?:^|(?<=[.!?\]\"”)] ))(" + NAME + r"):\s")
STRUCTURAL = re.compile(
    r"^(scene|act|exhibit|title|credits|end credits|skyline|note|fade|cut|dissolve|reset|insert|"
    r"supra|switch|question|close-up|flashback|smash|angle|shift|later|step)\b",
    re.I,
)
FILE_NAME = re.compile(r"^(\d\d)(\d\d)\.txt$")



def list_scripts(root):
    folder = os.path.join(root, "data", "scripts")
    if os.path.isdir(folder):
        names = os.listdir(folder)
    else:
        out = subprocess.run(["git", "-C", root, "ls-tree", "--name-only", "HEAD", "data/scripts/"],
                             check=True, capture_output=True, text=True).stdout
        names = [os.path.basename(n) for n in out.split()]
    return sorted(n for n in names if FILE_NAME.match(n))


def keep(name):
    if name.upper() == name and "." not in name:
        return False
    return not STRUCTURAL.match(name)


def speakers(text):
    start = text.find("Transcript {")
    if start < 0:
        raise ValueError("no 'Transcript {' line")
    body = text[start:].splitlines()[1:]
    tags = [m.group(1) for m in map(LINE_TAG.match, body) if m]
    if len(tags) < 100:  # run-on transcript: tags inside the lines
        tags = INLINE_TAG.findall(" ".join(line.strip() for line in body))
    return [re.sub(r"\s+", " ", t).strip() for t in tags if keep(t)]


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    root = argv[1]
    out_dir = argv[2] if len(argv) > 2 else os.path.dirname(os.path.abspath(__file__))
    counts = Counter()
    for name in list_scripts(root):
        m = FILE_NAME.match(name)
        season, episode = int(m.group(1)), int(m.group(2))
        text = read_file(root, "data/scripts/" + name).decode("utf-8")
        for speaker in speakers(text):
            counts[(season, episode, speaker)] += 1
    rows = write_counts(os.path.join(out_dir, "frasier.csv"), counts)
    print("frasier: %d rows, %d lines, %d episodes" % (len(rows), sum(counts.values()), len({(r[0], r[1]) for r in rows})))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

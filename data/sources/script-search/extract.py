"""Per-episode speaker line counts from the ComputerMachine/script-search snapshot.

Usage:  python extract.py SNAPSHOT_DIR [OUT_DIR]

SNAPSHOT_DIR is a checkout (or `git archive` export) of github.com/ComputerMachine/script-search holding
`transcripts/<series>/*.htm` (chakoteya.net transcript pages, to which the repository's downloader appended
<span id="season|episode|name|production"> tags). OUT_DIR defaults to this script's folder.

Writes, for each live-action series, `<slug>.csv` with columns season,episode,character,lines: one row per
(season, episode, speaker label) with the number of dialogue lines attributed to that label (a line is one
"NAME: ..." paragraph of the transcript; qualifiers such as "[OC]" or "[on viewscreen]" are removed from the
label). No dialogue text is written. Also writes `episodes.csv` (series, season, episode, title, file, part):
which transcript file (or part of one) each episode number comes from.

Episode numbers are the aired numbers within the season; see SOURCE.md for the mapping rules (double-length
episodes held in one file, two-part stories split at their "To be continued" marker, the pilot left out...).
"""
import html
import os
import re
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from snapshot import write_table  # noqa: E402  (data/sources/snapshot.py, shared by every extract.py)

SERIES = {
    # folder: (slug, season offset, excluded files)
    "tng": ("star-trek-the-next-generation", 0, set()),
    "ds9": ("star-trek-deep-space-nine", 0, set()),
    "voy": ("star-trek-voyager", 0, set()),
    # chakoteya's Enterprise listing was read one season table late: the files hold seasons 2-4,
    # tagged 1-3, and season 1 (files 1-26) was never downloaded.
    "ent": ("star-trek-enterprise", 1, set()),
    # "The Cage" (1.htm) is the 1965 pilot, first aired in 1988; it is not one of the 79 series episodes.
    "tos": ("star-trek-the-original-series", 0, {"1.htm"}),
}

# Double-length episodes counted as two aired episodes whose production code chakoteya lists once,
# so its numbering did not skip a slot after them: (series, file) -> True.
DOUBLE_LENGTH_SINGLE_CODE = {("tng", "277.htm"), ("ds9", "401.htm"), ("ds9", "473.htm"), ("ds9", "575.htm")}

SPEAKER = re.compile(r"^([A-Z0-9][^:\[\]()a-z]{0,40}?)\s*(?:\[[^\]]*\])?\s*:")
CONTINUED_ANCHOR = re.compile(r'<a\s+name="[^"]*continued[^"]*"', re.I)
CONTINUED_TEXT = re.compile(r"to\s+be\s+continued", re.I)
# Clips of earlier episodes (only TNG 2x22 "Shades of Gray", a clip show): each clip starts at a scene heading
# holding an italic episode title and may contain ordinary headings of its own; the clips are framed by scenes in
# one location (the last ordinary heading before the first clip, "[Sickbay]"), so a clip runs to the next heading
# naming that location.
HEADING = re.compile(r"<b>\s*\[(<i>)?([^\]<]*)", re.S)


def drop_clips(fragment):
    heads = list(HEADING.finditer(fragment))
    first = next((i for i, h in enumerate(heads) if h.group(1)), None)
    if first is None or first == 0:
        return fragment
    frame = heads[first - 1].group(2).strip()
    keep, cut_from = [], None
    pos = 0
    for h in heads[first:]:
        if h.group(1) and cut_from is None:
            keep.append(fragment[pos:h.start()])
            cut_from = h.start()
        elif not h.group(1) and cut_from is not None and h.group(2).strip() == frame:
            pos, cut_from = h.start(), None
    if cut_from is None:
        keep.append(fragment[pos:])
    return "\n".join(keep)


def span(doc, name):
    m = re.search(r'<span id="%s" value="([^"]*)"' % name, doc)
    return html.unescape(m.group(1)) if m else ""


def text_lines(fragment):
    s = re.sub(r"\s+", " ", fragment)
    s = re.sub(r"<br\s*/?>|</?p[^>]*>|</?t[dr][^>]*>|</?div[^>]*>", "\n", s, flags=re.I)
    s = re.sub(r"<[^>]+>", " ", s)
    s = html.unescape(s)
    return [ln.strip() for ln in s.split("\n") if ln.strip()]


def count_speakers(fragment):
    counts = Counter()
    fragment = drop_clips(fragment)
    for ln in text_lines(fragment):
        m = SPEAKER.match(ln)
        if not m:
            continue
        name = re.sub(r"\s+", " ", m.group(1)).strip()
        if not name or name.isdigit() or not re.search(r"[A-Z]", name):
            continue
        if name.upper().startswith("ORIGINAL AIRDATE") or name.upper() == "STARDATE":
            continue
        counts[name] += 1
    return counts


def extract_series(snapshot, folder):
    slug, season_offset, excluded = SERIES[folder]
    base = os.path.join(snapshot, "transcripts", folder)
    files = []
    for fn in sorted(os.listdir(base)):
        if not fn.endswith(".htm") or fn in excluded:
            continue
        with open(os.path.join(base, fn), encoding="utf-8", errors="replace") as f:
            doc = f.read()
        files.append((int(span(doc, "season")), int(span(doc, "episode")), fn, doc))
    files.sort()
    rows, episodes = [], []
    shift = {}  # season -> slots to add (a double-length episode whose second slot chakoteya did not skip)
    for season, episode, fn, doc in files:
        season_out = season + season_offset
        if folder == "tos" and season == 1:
            episode -= 1  # "The Cage" held slot 1 of chakoteya's first-season table
        ep_out = episode + shift.get(season_out, 0)
        if (folder, fn) in DOUBLE_LENGTH_SINGLE_CODE:
            shift[season_out] = shift.get(season_out, 0) + 1
        title = span(doc, "name")
        production = span(doc, "production")
        body = doc[: doc.find('<span id="season"')] if '<span id="season"' in doc else doc
        parts = [(season_out, ep_out, body, "whole")]
        anchor = CONTINUED_ANCHOR.search(body)
        if anchor:
            # a season finale whose file also holds the next season's opening part
            parts = [(season_out, ep_out, body[: anchor.start()], "part 1"),
                     (season_out + 1, 1, body[anchor.start():], "part 2 (next season's premiere)")]
        elif re.search(r"[&+]", production):
            marker = CONTINUED_TEXT.search(body)
            if marker:
                parts = [(season_out, ep_out, body[: marker.start()], "part 1"),
                         (season_out, ep_out + 1, body[marker.start():], "part 2")]
            else:
                parts = [(season_out, ep_out, body, "whole (double-length, counted in its first slot)")]
        elif (folder, fn) in DOUBLE_LENGTH_SINGLE_CODE:
            parts = [(season_out, ep_out, body, "whole (double-length, counted in its first slot)")]
        for s, e, fragment, part in parts:
            counts = count_speakers(fragment)
            episodes.append((folder, s, e, title, fn, part))
            for name, n in counts.items():
                rows.append((s, e, name, n))
    rows.sort()
    keys = [(s, e, c) for s, e, c, _ in rows]
    assert len(keys) == len(set(keys)), "duplicate (season, episode, character)"
    return slug, rows, episodes



def main(argv):
    snapshot = argv[1]
    out = argv[2] if len(argv) > 2 else os.path.dirname(os.path.abspath(__file__))
    all_eps = []
    for folder in SERIES:
        slug, rows, episodes = extract_series(snapshot, folder)
        write_table(os.path.join(out, slug + ".csv"), ["season", "episode", "character", "lines"], rows)
        all_eps += episodes
        print(f"{slug}: {len(rows)} rows, {len(episodes)} episodes")
    all_eps.sort(key=lambda r: (list(SERIES).index(r[0]), r[1], r[2]))
    write_table(os.path.join(out, "episodes.csv"), ["series", "season", "episode", "title", "file", "part"], all_eps)


if __name__ == "__main__":
    main(sys.argv)

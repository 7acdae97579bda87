"""Extract per-episode credit tables from a snapshot of lgalmant/pyannote-db-plumcot.

Usage: python extract.py PATH_TO_SNAPSHOT [OUT_DIR]

PATH_TO_SNAPSHOT is either a checkout (a folder holding Plumcot/data/) or a bare git
directory (read at HEAD with `git show`). OUT_DIR defaults to the folder of this script.

For each kept TV series, Plumcot/data/<Show>/credits.txt holds one line per episode:
`<Show>.SeasonNN.EpisodeNN,` followed by one 0/1 flag per distinct actor id of
characters.txt, in order of first appearance (the upstream scraper keys its credit vector
on the actor id, column 2 of characters.txt). A flag of 1 means IMDb credits that actor
in that episode. Each credited actor is mapped back to the character name listed with
the actor's first entry in characters.txt.

Writes <slug>.csv with header season,episode,character,actor: one row per
(season, episode, character), sorted. Episode 0 (prequels, unaired pilots) is left out.
"""
import os
import re
import sys
import unicodedata
from collections import OrderedDict, defaultdict

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from snapshot import read_file, write_table  # noqa: E402  (data/sources/snapshot.py, shared by every extract.py)

SHOWS = {
    "24": "24",
    "BattlestarGalactica": "battlestar-galactica-2004",
    "BreakingBad": "breaking-bad",
    "BuffyTheVampireSlayer": "buffy-the-vampire-slayer",
    "ER": "er",
    "Homeland": "homeland",
    "Lost": "lost",
    "SixFeetUnder": "six-feet-under",
    "TheWalkingDead": "the-walking-dead",
}
# Not extracted: Friends, GameOfThrones, TheBigBangTheory, TheOffice (reserved),
# HarryPotter, StarWars, TheLordOfTheRings (films), Caprica (one season).

EPISODE_ID = re.compile(r"^(?P<show>\w+)\.Season(?P<season>\d+)\.Episode(?P<episode>\d+)$")



def squash(name):
    """Letters and digits only, lower case, no diacritics (to compare with the actor id)."""
    name = unicodedata.normalize("NFKD", name)
    name = "".join(c for c in name if not unicodedata.combining(c))
    name = re.sub(r"\([^()]*\)", "", name.lower())
    return re.sub(r"[^a-z0-9]", "", name)


def split_names(fields, actor_id):
    """fields = the character and actor name fields (a name may itself hold a comma)."""
    if len(fields) == 2:
        return fields[0], fields[1]
    # choose the split whose actor part matches the actor id
    for k in range(1, len(fields)):
        actor = ",".join(fields[k:])
        if squash(actor) == squash(actor_id):
            return ",".join(fields[:k]), actor
    return ",".join(fields[:-1]), fields[-1]


def clean(name):
    return re.sub(r"\s+", " ", name).strip()


def read_characters(text):
    """Ordered actor id -> (character, actor) of the actor's first entry."""
    columns = OrderedDict()
    for line in text.splitlines():
        if not line.strip():
            continue
        fields = line.split(",")
        actor_id = fields[1]
        character, actor = split_names(fields[2:-1], actor_id)
        if actor_id not in columns:
            columns[actor_id] = (clean(character), clean(actor))
    return columns


def extract_show(root, show):
    base = "Plumcot/data/%s/" % show
    columns = list(read_characters(read_file(root, base + "characters.txt").decode("utf-8")).values())
    cells = defaultdict(set)  # (season, episode, character) -> actors
    for line in read_file(root, base + "credits.txt").decode("utf-8").splitlines():
        if not line.strip():
            continue
        fields = line.split(",")
        m = EPISODE_ID.match(fields[0])
        if not m or m["show"] != show:
            raise ValueError("unexpected episode id %r" % fields[0])
        flags = fields[1:]
        if len(flags) != len(columns):
            raise ValueError("%s: %d flags for %d actor ids" % (fields[0], len(flags), len(columns)))
        season, episode = int(m["season"]), int(m["episode"])
        if episode == 0:
            continue
        for (character, actor), flag in zip(columns, flags):
            if flag.strip() == "1" and character:
                cells[(season, episode, character)].add(actor)
    rows = [
        (s, e, c, " / ".join(sorted(actors)))
        for (s, e, c), actors in cells.items()
    ]
    rows.sort(key=lambda r: (r[0], r[1], r[2], r[3]))
    return rows


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    root = argv[1]
    out_dir = argv[2] if len(argv) > 2 else os.path.dirname(os.path.abspath(__file__))
    for show, slug in SHOWS.items():
        rows = extract_show(root, show)
        write_table(os.path.join(out_dir, slug + ".csv"), ["season", "episode", "character", "actor"], rows)
        seasons = sorted({r[0] for r in rows})
        print("%s: %d rows, seasons %s" % (slug, len(rows), seasons))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

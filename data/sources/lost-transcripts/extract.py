"""Count speaker-labelled lines per (season, episode, speaker) in the Lostpedia transcript pages
stored in benjisympa/pyannote.db.plumcot (data/Lost/html_pages/transcripts/*.html).

Usage: python extract.py <path to the snapshot's git dir or work tree> [out.csv]

Only counts are written (season, episode, character, lines); no dialogue is kept.
Episode numbers are the aired numbers: each page's own navigation box marks its slot
("24 / 25" for a double-length episode), and a double page is counted once, in its first slot.
"""
import os
import re
import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from snapshot import write_counts  # noqa: E402  (data/sources/snapshot.py, shared by every extract.py)

PREFIX = "data/Lost/html_pages/transcripts/"
SPEAKER = re.compile(r"^([A-Z][A-Za-z0-9 .'\-&/#]*?)\s*(\([^)]*\))?\s*:\s*\S")


class Page(HTMLParser):
    """Collects the navbox self-link (aired slot), its season row, and transcript paragraphs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.group = None          # text of the current navbox-group cell
        self.in_group = False
        self.in_self = False
        self.slot = None           # (season label, slot text)
        self.after_toc = False
        self.in_p = False
        self.buf = []
        self.paras = []
        self.skip_depth = 0        # inside <script>/<style>

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = a.get("class") or ""
        if tag in ("script", "style"):
            self.skip_depth += 1
        if tag == "td" and "navbox-group" in cls:
            self.in_group, self.group = True, ""
        if tag == "strong" and "selflink" in cls and self.slot is None:
            self.in_self, self._self = True, ""
        if tag == "nav" and a.get("id") == "toc":
            self.after_toc = True
        if tag == "p" and self.after_toc:
            self.in_p, self.buf = True, []
        if tag == "br" and self.in_p:
            self.buf.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip_depth:
            self.skip_depth -= 1
        if tag == "td" and self.in_group:
            self.in_group = False
        if tag == "strong" and self.in_self:
            self.in_self = False
            self.slot = (self.group.strip(), self._self.strip())
        if tag == "p" and self.in_p:
            self.in_p = False
            self.paras.append("".join(self.buf))

    def handle_data(self, data):
        if self.skip_depth:
            return
        if self.in_group:
            self.group += data
        if self.in_self:
            self._self += data
        if self.in_p:
            self.buf.append(data)


def read_pages(src):
    """Yield (file name, html text) from a git dir (bare) or a work tree."""
    if os.path.isdir(os.path.join(src, PREFIX)):
        for name in sorted(os.listdir(os.path.join(src, PREFIX))):
            with open(os.path.join(src, PREFIX, name), encoding="utf-8") as f:
                yield name, f.read()
        return
    git = ["git", "--git-dir", src]
    names = subprocess.run(git + ["ls-tree", "--name-only", "HEAD", PREFIX], check=True,
                           capture_output=True, text=True).stdout.split()
    for path in sorted(names):
        html = subprocess.run(git + ["show", "HEAD:" + path], check=True, capture_output=True).stdout
        yield os.path.basename(path), html.decode("utf-8")


def main():
    src = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "lost.csv")
    counts = Counter()
    seen = {}
    for name, html in read_pages(src):
        m = re.match(r"season(\d+)\.episode(\d+)\.html$", name)
        if not m:
            continue
        page = Page()
        page.feed(html)
        group, slot = page.slot
        season = int(re.search(r"\d+", group).group())
        episode = int(re.match(r"\d+", slot).group())   # "24 / 25" -> 24 (first slot)
        if season != int(m.group(1)):
            raise SystemExit(f"{name}: navbox says season {season}")
        if (season, episode) in seen:
            raise SystemExit(f"{name}: slot {season}x{episode} already taken by {seen[(season, episode)]}")
        seen[(season, episode)] = name
        for para in page.paras:
            for line in para.split("\n"):
                line = re.sub(r"\[[^\]]*\]", "", line).strip()
                sm = SPEAKER.match(line)
                if sm:
                    speaker = " ".join(sm.group(1).split())
                    counts[(season, episode, speaker)] += 1
        print(f"{name} -> {season}x{episode:02d} ({slot})", file=sys.stderr)
    write_counts(out, counts)


if __name__ == "__main__":
    main()

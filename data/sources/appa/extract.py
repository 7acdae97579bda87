"""Extract per-episode speaker line counts from the appa R package (averyrobbins1/appa).

Usage: python extract.py /path/to/appa-git-dir-or-checkout [out.csv]

Reads data/appa.rda (an R data file: bzip2/gzip/xz-compressed XDR serialisation)
with a minimal reader written here (stdlib only), keeps the columns book_num,
chapter_num and character, drops the "Scene Description" pseudo-speaker, and
writes one row per (season, episode, character) with the number of lines.
No dialogue is written.
"""
import bz2
import gzip
import lzma
import os
import struct
import sys

import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from snapshot import read_file  # noqa: E402  (data/sources/snapshot.py, shared by every extract.py)


class RReader:
    """Minimal reader for R's XDR serialisation (enough for a data.frame)."""

    def __init__(self, data):
        self.d = data
        self.p = 0
        self.refs = []

    def int(self):
        v = struct.unpack(">i", self.d[self.p:self.p + 4])[0]
        self.p += 4
        return v

    def bytes(self, n):
        b = self.d[self.p:self.p + n]
        self.p += n
        return b

    def item(self):
        flags = self.int()
        typ = flags & 0xFF
        has_attr = bool(flags & (1 << 9))
        has_tag = bool(flags & (1 << 10))
        if typ == 254:  # NILVALUE
            return None
        if typ in (242, 251, 253, 252):  # EMPTYENV, MISSINGARG, GLOBALENV, UNBOUNDVALUE
            return None
        if typ == 255:  # REFSXP
            idx = flags >> 8
            if idx == 0:
                idx = self.int()
            return self.refs[idx - 1]
        if typ == 1:  # SYMSXP
            name = self.item()
            self.refs.append(name)
            return name
        if typ == 9:  # CHARSXP
            n = self.int()
            if n == -1:
                return None
            return self.bytes(n).decode("utf-8", "replace")
        if typ in (2, 6):  # LISTSXP / LANGSXP: pairlist
            out = {}
            items = []
            while True:
                attr = self.item() if has_attr else None
                tag = self.item() if has_tag else None
                car = self.item()
                items.append((tag, car))
                # cdr
                flags = self.int()
                typ2 = flags & 0xFF
                if typ2 == 254:
                    break
                if typ2 not in (2, 6):
                    self.p -= 4
                    self.item()
                    break
                has_attr = bool(flags & (1 << 9))
                has_tag = bool(flags & (1 << 10))
            for tag, car in items:
                out[tag] = car
            return out
        if typ in (10, 13):  # LGLSXP, INTSXP
            n = self.int()
            vals = list(struct.unpack(">%di" % n, self.bytes(4 * n)))
            vals = [None if v == -2147483648 else v for v in vals]
        elif typ == 14:  # REALSXP
            n = self.int()
            vals = list(struct.unpack(">%dd" % n, self.bytes(8 * n)))
        elif typ in (16, 19, 20):  # STRSXP, VECSXP, EXPRSXP
            n = self.int()
            vals = [self.item() for _ in range(n)]
        else:
            raise ValueError("unsupported R type %d at byte %d" % (typ, self.p))
        attrs = self.item() if has_attr else None
        return RObj(vals, attrs or {})


class RObj:
    def __init__(self, vals, attrs):
        self.vals = vals
        self.attrs = attrs


def read_rda(raw):
    if raw[:2] == b"BZ":
        raw = bz2.decompress(raw)
    elif raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    elif raw[:5] == b"\xfd7zXZ":
        raw = lzma.decompress(raw)
    assert raw[:5] in (b"RDX2\n", b"RDX3\n"), raw[:5]
    r = RReader(raw[5:])
    assert r.bytes(2) == b"X\n"
    version = r.int()
    r.int()
    r.int()
    if version == 3:
        r.bytes(r.int())  # native encoding
    return r.item()  # pairlist name -> object


def column(obj, name):
    names = obj.attrs["names"].vals
    col = obj.vals[names.index(name)]
    levels = col.attrs.get("levels")
    if levels is not None:  # factor
        return [None if v is None else levels.vals[v - 1] for v in col.vals]
    return col.vals



def main():
    src = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "avatar-the-last-airbender.csv")
    objs = read_rda(read_file(src, "data/appa.rda"))
    df = objs["appa"]
    t = pd.DataFrame({
        "season": column(df, "book_num"),
        "episode": column(df, "chapter_num"),
        "character": column(df, "character"),
    })
    t["character"] = t["character"].fillna("").str.replace(r"\s+", " ", regex=True).str.strip()
    t = t[(t["character"] != "") & (t["character"] != "Scene Description")]
    g = (t.groupby(["season", "episode", "character"]).size().rename("lines").reset_index()
         .sort_values(["season", "episode", "character"]))
    g.to_csv(out, index=False, lineterminator="\n", encoding="utf-8")
    print("wrote %d rows to %s" % (len(g), out))


if __name__ == "__main__":
    main()

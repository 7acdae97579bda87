"""What every data/sources/*/extract.py shares: reading a file of a fetched repository snapshot, and writing
the extracted table (facts only) the same way, so every table is UTF-8, "\\n"-terminated and sorted.

An extract.py imports it with ``sys.path.insert(0, <data/sources>)``; it is data tooling, not part of the
package.
"""
import csv
import io
import os
import subprocess

LINES_HEADER = ["season", "episode", "character", "lines"]


def read_file(root, relpath):
    """The bytes of ``relpath`` in a snapshot: a checkout or export (a folder holding the file), or a bare git
    directory (read at HEAD with ``git show``)."""
    path = os.path.join(root, relpath)
    if os.path.exists(path):
        with open(path, "rb") as f:
            return f.read()
    return subprocess.run(["git", "-C", root, "show", "HEAD:" + relpath], check=True, capture_output=True).stdout


def write_table(path, header, rows):
    """Write ``rows`` under ``header`` as CSV (UTF-8, "\\n" line ends) at ``path``."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())


def write_counts(path, counts):
    """Write a ``{(season, episode, character): lines}`` count as the sorted season,episode,character,lines
    table; returns its rows."""
    rows = sorted((s, e, c, k) for (s, e, c), k in counts.items())
    write_table(path, LINES_HEADER, rows)
    return rows

"""Helpers every sub-command shares: the default library, the common options, loading inputs, terminal tables."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ..core.features import load_config
from ..io.bulk import bundled_library, load_library
from ..io.showfolder import resolve_show

__all__ = ["DEFAULT_LIBRARY", "add_common", "format_table", "load_inputs"]

DEFAULT_LIBRARY = bundled_library()   # data/shows, packaged in the wheel or in place in a checkout


def _default_library() -> Path:
    """The bundled library (or $SPECULATION_LIBRARY)."""
    return Path(os.environ.get("SPECULATION_LIBRARY", DEFAULT_LIBRARY))


def add_common(p, show=True) -> None:
    """The options most sub-commands share: SHOW (if ``show``), --library and --config."""
    if show:
        p.add_argument("show", metavar="SHOW", help="a library show's slug, or a path to a show folder")
    p.add_argument("--library", default=str(_default_library()), metavar="DIR",
                   help="folder of show folders to learn from (default: the bundled data/shows)")
    p.add_argument("--config", metavar="FILE", help="YAML file overriding default settings")
    p.add_argument("--include-recollection", action="store_true",
                   help="also learn from shows typed from memory (provenance: recollection), which are left out by "
                        "default: the model learns from the record (derived and verified shows)")


def config_from_args(args) -> dict:
    """The config of ``--config``, with ``recollection`` added to ``training.provenance`` by
    ``--include-recollection``."""
    config = load_config(args.config)
    allowed = config["training"]["provenance"]
    if getattr(args, "include_recollection", False) and "recollection" not in allowed:
        config["training"]["provenance"] = [*allowed, "recollection"]
    return config


def format_table(frame, float_digits: int = 3) -> str:
    """A plain-text table for the terminal (right-aligned numbers, left-aligned text)."""
    cols = list(frame.columns)
    cells = []
    for _, row in frame.iterrows():
        out = []
        for c in cols:
            v = row[c]
            if isinstance(v, float):
                out.append("" if pd.isna(v) else f"{v:.{float_digits}f}")
            else:
                out.append(str(v))
        cells.append(out)
    widths = [max([len(str(c))] + [len(r[i]) for r in cells]) for i, c in enumerate(cols)]
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in cols]

    def line(values):
        return "  ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric)).rstrip()

    return "\n".join([line([str(c) for c in cols]), line(["-" * w for w in widths])] + [line(r) for r in cells])


def load_inputs(args):
    """The config, the library and the show named by ``args`` (``--config``, ``--library``, SHOW)."""
    config = config_from_args(args)
    library = load_library(args.library)
    show = resolve_show(args.show, library)
    return config, library, show

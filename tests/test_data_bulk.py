"""The bulk path of load_library: the same tables as loading show by show, and the same first error."""
from __future__ import annotations

import pandas as pd
import pytest

from speculation import SpeculationError
from speculation.io.showfolder import Library, load_show, show_folders
from speculation.io.bulk import BulkShow, load_library, load_library_bulk
from tests.conftest import APPEARANCES, BUNDLED, SHOW_YAML, write_show

FULL_BIRTH = APPEARANCES.replace(",alive,\n", ",alive,1970\n").replace(",dead,\n", ",dead,1960\n") \
    .replace(",departed,\n", ",departed,1950\n")
QUOTED = APPEARANCES.replace("1,Eve,E. Actor,", '1,Eve,"Actor, E.",')


def _one_by_one(folder) -> Library:
    return Library({p.name: load_show(p) for p in show_folders(folder)})


def _assert_same(a: Library, b: Library) -> None:
    pd.testing.assert_frame_equal(a.appearances, b.appearances)
    pd.testing.assert_frame_equal(a.seasons, b.seasons)
    assert list(a.shows) == list(b.shows)
    for name in a.shows:
        x, y = a.shows[name], b.shows[name]
        pd.testing.assert_frame_equal(x.appearances, y.appearances, obj=name)
        pd.testing.assert_frame_equal(x.seasons, y.seasons, obj=name)
        assert (x.slug, x.title, x.path, x.meta) == (y.slug, y.title, y.path, y.meta)


def test_bulk_tables_equal_one_by_one_tables(tiny_library):
    write_show(tiny_library, "born", csv_text=FULL_BIRTH)          # integer birth_year column
    write_show(tiny_library, "quoted", csv_text=QUOTED)            # read on its own, joined in order
    write_show(tiny_library, "blank-lines", csv_text=APPEARANCES + "\n\n")   # read on its own
    write_show(tiny_library, "no-newline", csv_text=APPEARANCES.rstrip("\n").replace("Hal", " Hal "))
    write_show(tiny_library, "a-show-bad-csv", csv_text=APPEARANCES.replace("3,Hal,", '3,"Hal,'))   # own parse
    with pytest.raises(SpeculationError) as slow:
        _one_by_one(tiny_library)
    with pytest.raises(SpeculationError) as bulk:
        load_library_bulk(show_folders(tiny_library))
    assert str(bulk.value) == str(slow.value)
    (tiny_library / "a-show-bad-csv" / "appearances.csv").write_text(APPEARANCES, encoding="utf-8")
    one_by_one = _one_by_one(tiny_library)
    for lazy in (False, True):
        bulk = load_library_bulk(show_folders(tiny_library), lazy=lazy)
        _assert_same(one_by_one, bulk)
        assert isinstance(bulk.shows["show-0"], BulkShow) == lazy and isinstance(bulk.shows["quoted"], BulkShow) == lazy
        assert bulk.shows["born"].appearances["birth_year"].dtype == "float64"   # NaN = unknown, one dtype


def test_bulk_equals_one_by_one_on_the_bundled_library():
    _assert_same(_one_by_one(BUNDLED), load_library_bulk(show_folders(BUNDLED), lazy=True))


@pytest.mark.parametrize("csv_text", [
    APPEARANCES.replace("2,Fay,F. Actor,recurring,6", "2,Fay,F. Actor,recurring,16"),   # more than the season's
    APPEARANCES.replace("3,Hal,H. Actor,recurring", "3,Hal,H. Actor,star"),
    APPEARANCES.replace("2,Eve,E. Actor,recurring,5,1,", "2,Eve,E. Actor,recurring,5,1,0.4") + "2,Eve,X,main,1,1,,,\n",
    APPEARANCES.replace("3,Ana,A. Actor,main,8,1,,alive,", "3,Ben,B. Actor,main,8,1,,alive,"),   # back from the dead
])
def test_first_invalid_show_raises_the_same_error(tiny_library, csv_text):
    write_show(tiny_library, "show-1", csv_text=csv_text)
    with pytest.raises(SpeculationError) as slow:
        _one_by_one(tiny_library)
    with pytest.raises(SpeculationError) as bulk:
        load_library_bulk(show_folders(tiny_library))
    assert str(bulk.value) == str(slow.value)


def test_load_library_uses_the_bulk_path_for_large_libraries(tiny_library, monkeypatch):
    monkeypatch.setattr("speculation.io.bulk.LAZY_MIN_SHOWS", 2)
    lib = load_library(tiny_library)
    assert all(isinstance(s, BulkShow) for s in lib.shows.values()) and lib._tables is not None
    show = lib.shows["show-1"]
    assert lib.with_show(show)._tables is lib._tables                       # same show: tables kept
    replaced = lib.with_show(load_show(tiny_library / "show-1"))
    assert replaced._tables is None
    pd.testing.assert_frame_equal(replaced.appearances, lib.appearances)


def test_unrecorded_seasons_bulk_and_one_by_one_agree(tiny_library):
    ok = SHOW_YAML.format(n=0) + "unrecorded:\n  - {character: Dov, seasons: [2]}\n"
    write_show(tiny_library, "show-0", yaml_text=ok)
    bulk, slow = load_library_bulk(show_folders(tiny_library)), _one_by_one(tiny_library)
    _assert_same(bulk, slow)
    pd.testing.assert_frame_equal(bulk.unrecorded, slow.unrecorded)
    assert bulk.unrecorded[["show", "character", "season"]].values.tolist() == [["show-0", "Dov", 2]]
    clash = SHOW_YAML.format(n=1) + "unrecorded:\n  - {character: Ana, seasons: [2]}\n"
    write_show(tiny_library, "show-1", yaml_text=clash)
    with pytest.raises(SpeculationError) as slow_error:
        _one_by_one(tiny_library)
    with pytest.raises(SpeculationError) as bulk_error:
        load_library_bulk(show_folders(tiny_library))
    assert str(bulk_error.value) == str(slow_error.value) and "unrecorded" in str(bulk_error.value)

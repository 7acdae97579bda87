"""Data checks over the bundled library (data/shows): every show valid, sourced, consistent and allowed."""
from __future__ import annotations

import functools
import re

import pytest
import yaml

from speculation import load_show, validate_show
from tests.conftest import APPEARANCES, BUNDLED, SHOW_YAML, write_show

MIN_SHOWS = 16
# Shows kept out of the library (held back for other uses), by title and by slug.
RESERVED = ["Game of Thrones", "The Office (US)", "Friends", "The Good Place", "The Big Bang Theory"]


def _folders():
    if not BUNDLED.is_dir():
        return []
    return sorted(p for p in BUNDLED.iterdir() if p.is_dir() and not p.name.startswith("."))


FOLDERS = _folders()
SLUGS = [p.name for p in FOLDERS]


@functools.lru_cache(maxsize=None)
def _show(slug: str):
    return load_show(BUNDLED / slug)


def _words(text: str) -> str:
    """Lower-case words only: "The Office (U.S.)" and "the-office-us" both give "the office us"."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.casefold().replace(".", "")).split())


def test_library_has_enough_shows():
    shows = [p.name for p in FOLDERS if (p / "show.yaml").exists()]
    assert len(shows) >= MIN_SHOWS, (f"the bundled library has {len(shows)} shows, at least {MIN_SHOWS} expected: "
                                     + ", ".join(shows))


@pytest.mark.parametrize("slug", SLUGS)
def test_show_folder_is_valid(slug):
    problems = validate_show(BUNDLED / slug)
    assert problems == [], f"{len(problems)} problem(s):\n" + "\n".join(map(str, problems))


@pytest.mark.parametrize("slug", SLUGS)
def test_show_yaml_has_title_and_source(slug):
    meta = _show(slug).meta
    for key in ("title", "source"):
        assert isinstance(meta.get(key), str) and meta[key].strip(), f"{slug}/show.yaml: '{key}' must be non-empty"


@pytest.mark.parametrize("slug", SLUGS)
def test_episodes_within_season_lengths(slug):
    show = _show(slug)
    a = show.appearances.merge(show.seasons[["season", "episodes"]].rename(columns={"episodes": "season_episodes"}),
                               on="season", how="left")
    assert a["season_episodes"].notna().all(), "every appearance's season is listed in show.yaml"
    bad = a.loc[(a["episodes"] < 1) | (a["episodes"] > a["season_episodes"])]
    assert bad.empty, bad[["season", "character", "episodes", "season_episodes"]].to_string()
    assert set(a["in_finale"]) <= {0, 1}


def _fate_problems(show) -> list[str]:
    """A dead character may appear (or die) again only when show.yaml lists that season under
    returns_after_death; and every returns_after_death entry must be a row of a season after a death."""
    a = show.appearances
    declared = {(r["character"], r["season"]) for r in show.meta.get("returns_after_death") or []}
    problems = []
    for character, rows in a.sort_values("season").groupby("character"):
        dead = rows.loc[rows["fate"] == "dead", "season"].tolist()
        if not dead:
            continue
        for season in rows.loc[rows["season"] > dead[0], "season"]:
            if (character, int(season)) not in declared:
                problems.append(f"{character!r} died in season {dead[0]} but appears in season {season}")
        for season in dead[1:]:
            if (character, int(season)) not in declared:
                problems.append(f"{character!r} died in season {dead[0]} and is marked dead again in season {season}")
    for character, season in sorted(declared):
        rows = a.loc[a["character"] == character]
        if not ((rows["season"] == season).any() and ((rows["fate"] == "dead") & (rows["season"] < season)).any()):
            problems.append(f"returns_after_death lists {character!r} in season {season}, but there is no row of that "
                            "season after a death")
    return problems


@pytest.mark.parametrize("slug", SLUGS)
def test_fates_agree_with_later_seasons(slug):
    problems = _fate_problems(_show(slug))
    assert not problems, f"{slug}: " + "; ".join(problems)


def test_fate_check_on_a_small_show(tmp_path):
    declared = SHOW_YAML.format(n=1) + ("returns_after_death:\n  - {character: Cleo, season: 3, note: flashback}\n"
                                        "  - {character: Eve, season: 3, note: stale}\n")
    csv_text = APPEARANCES + "3,Cleo,C. Actor,guest,1,0,,dead,\n"
    show = load_show(write_show(tmp_path, yaml_text=declared, csv_text=csv_text))
    assert _fate_problems(show) == ["returns_after_death lists 'Eve' in season 3, but there is no row of that season "
                                    "after a death"]
    show.appearances.loc[(show.appearances["character"] == "Cleo") & (show.appearances["season"] == 3), "season"] = 2
    assert "'Cleo' died in season 1 and is marked dead again in season 2" in "; ".join(_fate_problems(show))


def _reserved_in(folders) -> list[str]:
    """Folders whose slug or show.yaml title is a reserved show (case-insensitive, punctuation ignored)."""
    reserved = {_words(t) for t in RESERVED}
    found = []
    for path in folders:
        try:
            meta = yaml.safe_load((path / "show.yaml").read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            meta = {}
        meta = meta if isinstance(meta, dict) else {}
        network = _words(str(meta.get("network") or ""))
        for name in sorted({_words(path.name), _words(str(meta.get("title") or ""))}):
            # "The Office" alone is taken to be the US show unless the network says BBC
            us_office = name == "the office" and "bbc" not in network.split()
            if name in reserved or us_office:
                found.append(f"{path.name} ({name!r})")
    return found


def test_reserved_shows_are_absent():
    found = _reserved_in(FOLDERS)
    assert not found, "reserved shows must not be in the library: " + ", ".join(found)


def test_reserved_check_catches_titles_and_slugs(tmp_path):
    for slug, title, network in [("the-office-us", "Office", "NBC"), ("office", "The Office", "NBC"),
                                 ("office-uk", "The Office", "BBC Two"), ("tgp", "THE GOOD PLACE", "NBC"),
                                 ("friends", "Pals", "NBC"), ("got", "Game of Thrones", "HBO"),
                                 ("friends-from-college", "Friends from College", "Netflix")]:
        (tmp_path / slug).mkdir()
        (tmp_path / slug / "show.yaml").write_text(f"title: {title}\nnetwork: {network}\n", encoding="utf-8")
    found = _reserved_in(sorted(tmp_path.iterdir()))
    assert [f.split()[0] for f in found] == ["friends", "got", "office", "tgp", "the-office-us"]


def test_for_all_mankind_stops_at_season_4():
    show = _show("for-all-mankind")
    assert show.last_season == 4
    assert show.appearances["season"].max() == 4


def test_library_command_lists_every_show(cli):
    shows = [p.name for p in _folders() if (p / "show.yaml").exists()]
    r = cli("library")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    header = lines[0].split()
    for column in ("show", "title", "seasons", "characters", "transitions", "unrecorded", "return_rate",
                   "main_return_rate"):
        assert column in header
    table = lines[2:lines.index("")]
    listed = [line.split()[0] for line in table]
    assert set(shows) <= set(listed), set(shows) - set(listed)
    assert listed[-1] == "(all)" and f"{len(listed) - 1} shows" in table[-1]
    for slug in shows:
        assert f"  {slug}: " in r.stdout, f"the source of {slug} is listed"

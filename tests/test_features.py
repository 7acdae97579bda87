"""Features: definitions on a small show, and no feature ever reading a later season."""
from __future__ import annotations

import numpy as np
import pandas as pd

from speculation import FEATURES, build_features, load_show
from tests.conftest import APPEARANCES, SHOW_YAML, write_show


def _row(table, season, character):
    return table.loc[(table["season"] == season) & (table["character"] == character)].iloc[0]


def test_one_row_per_character_season_with_every_feature(tmp_path):
    table = build_features(load_show(write_show(tmp_path)))
    assert len(table) == 15
    assert not table.duplicated(["show", "season", "character"]).any()
    for name in FEATURES:
        assert name in table and table[name].notna().all(), name


def test_label_and_role_features(tmp_path):
    t = build_features(load_show(write_show(tmp_path)))
    assert _row(t, 1, "Ana")["returned"] == 1 and _row(t, 1, "Cleo")["returned"] == 0
    assert _row(t, 1, "Dov")["returned"] == 0      # absent in season 2, back in 3: not a return to season 2
    assert t.loc[t["season"] == 3, "returned"].isna().all()
    assert _row(t, 2, "Ben")["died"] == 1 and _row(t, 2, "Gus")["written_out"] == 1
    assert _row(t, 3, "Ana")["seasons_so_far"] == 3 and _row(t, 3, "Ana")["seasons_as_main"] == 3
    assert _row(t, 3, "Eve")["seasons_as_main"] == 1
    assert _row(t, 3, "Dov")["earlier_absences"] == 1
    assert _row(t, 2, "Fay")["episode_share"] == 0.6


def test_finale_share_imputation_and_rank(tmp_path):
    t = build_features(load_show(write_show(tmp_path)))
    s1 = t.loc[t["season"] == 1].set_index("character")
    # Ana's 0.4 is known; the remaining 0.6 goes to Ben (9 eps) and Dov (3 eps) in proportion to episodes.
    assert np.isclose(s1.loc["Ben", "finale_share"], 0.45) and np.isclose(s1.loc["Dov", "finale_share"], 0.15)
    assert s1.loc["Ana", "finale_share_imputed"] == 0 and s1.loc["Ben", "finale_share_imputed"] == 1
    assert s1.loc["Cleo", "finale_share"] == 0 and s1.loc["Cleo", "finale_rank"] == 0
    assert s1.loc["Ben", "finale_rank"] == 1.0 and np.isclose(s1.loc["Dov", "finale_rank"], 1 / 3)
    assert np.isclose(s1.loc["Ben", "finale_share_rel"], 0.45 * 3)


def test_churn_uses_only_earlier_transitions(tmp_path):
    t = build_features(load_show(write_show(tmp_path)))
    prior, weight = 0.3, 10  # the documented defaults
    assert np.allclose(t.loc[t["season"] == 1, "show_churn"], prior)
    # Season 1 -> 2: of Ana, Ben, Cleo, Dov, Eve, two (Cleo, Dov) did not return.
    expected = (2 + prior * weight) / (5 + weight)
    assert np.allclose(t.loc[t["season"] == 2, "show_churn"], expected)


def test_time_jump_and_age(tmp_path):
    yaml_text = SHOW_YAML.format(n=1).replace("year: 2001}", "year: 2001, setting_year: 1970}") \
        .replace("year: 2002}", "year: 2002, setting_year: 1980}").replace("year: 2003}", "year: 2003, setting_year: 1990}")
    yaml_text += "next_season: {setting_year: 2005}\n"
    csv_text = APPEARANCES.replace("3,Ana,A. Actor,main,8,1,,alive,", "3,Ana,A. Actor,main,8,1,,alive,1925")
    t = build_features(load_show(write_show(tmp_path, yaml_text=yaml_text, csv_text=csv_text)))
    assert _row(t, 1, "Ana")["time_jump_years"] == 10
    assert _row(t, 3, "Ana")["time_jump_years"] == 15      # announced next setting year
    assert _row(t, 3, "Ana")["age_over_threshold"] == 2005 - 1925 - 70
    assert _row(t, 3, "Eve")["age_over_threshold"] == 0    # birth year unknown


def test_features_never_read_a_later_season(tmp_path):
    """Rewriting everything after season s (appearances, and setting years after s+1) leaves s's features."""
    original = build_features(load_show(write_show(tmp_path / "a")))
    changed_csv = "\n".join(
        line for line in APPEARANCES.splitlines() if not line.startswith("3,")) + "\n" + (
        "3,Zed,Z. Actor,main,8,1,0.9,dead,1900\n3,Ana,A. Actor,guest,1,0,,dead,\n")
    shifted = build_features(load_show(write_show(tmp_path / "b", csv_text=changed_csv)))
    cols = ["character"] + list(FEATURES)
    for season in (1, 2):  # season 2's label may change with season 3, its features may not
        a = original.loc[original["season"] == season, cols].reset_index(drop=True)
        b = shifted.loc[shifted["season"] == season, cols].reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b)


def test_bundled_library_features_ignore_the_future():
    """For every bundled show and cut season s: dropping seasons after s leaves seasons before s unchanged."""
    from speculation import Library, load_library

    library = load_library()
    full = build_features(library)
    for slug, show in library.shows.items():
        for cut in range(2, show.last_season):
            seasons = show.seasons.loc[show.seasons["season"] <= cut]
            appearances = show.appearances.loc[show.appearances["season"] <= cut]
            meta = {k: v for k, v in show.meta.items() if k != "next_season"}
            truncated = type(show)(slug, show.title, show.path, meta, seasons, appearances)
            past = build_features(Library({slug: truncated}))
            past = past.loc[past["season"] < cut].reset_index(drop=True)
            now = full.loc[(full["show"] == slug) & (full["season"] < cut)].reset_index(drop=True)
            pd.testing.assert_frame_equal(past, now, check_dtype=False, obj=f"{slug} cut at {cut}")


def test_docs_list_every_feature_as_defined_in_the_registry():
    from speculation.core.features import feature_docs_markdown
    from tests.conftest import ROOT

    docs = (ROOT / "docs" / "features.md").read_text(encoding="utf-8")
    assert feature_docs_markdown() in docs, "regenerate the table in docs/features.md from feature_docs_markdown()"


UNRECORDED_YAML = SHOW_YAML.format(n=1) + "unrecorded:\n  - {character: Dov, seasons: [2], note: appears but count unknown}\n"


def test_unrecorded_seasons_leave_labels_unknown_not_zero(tmp_path):
    t = build_features(load_show(write_show(tmp_path, yaml_text=UNRECORDED_YAML)))
    assert np.isnan(_row(t, 1, "Dov")["returned"])          # was 0: season 2 is unrecorded, not an absence
    assert _row(t, 3, "Dov")["earlier_absences"] == 0       # nor does it count as a season missed
    assert _row(t, 1, "Cleo")["returned"] == 0               # other characters keep their labels
    plain = build_features(load_show(write_show(tmp_path / "plain")))
    # churn counts only known transitions: 1 non-return of 4 known instead of 2 of 5
    prior, weight = 0.3, 10
    assert np.isclose(_row(t, 2, "Ana")["show_churn"], (1 + prior * weight) / (4 + weight))
    assert not np.isclose(_row(plain, 2, "Ana")["show_churn"], _row(t, 2, "Ana")["show_churn"])

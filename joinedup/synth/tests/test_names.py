"""Names of the right generation: children and parents born since 1996 are named from the ONS baby
names of their own year, older parents and staff from the adult lists, and the nicknames the
linkage tests rely on are kept for the names that have them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from joinedup.synth.names import BABY_NAMES, first_names, has_nickname, middle_names, name_pools, nicknames_for


@pytest.fixture(scope="module")
def baby_names() -> pd.DataFrame:
    return pd.read_csv(BABY_NAMES, keep_default_na=False)


def test_the_ons_names_cover_every_year_from_1996_to_2024_for_boys_and_girls(baby_names):
    years = baby_names.groupby("sex")["year"].agg(["min", "max", "nunique"])
    assert years.to_dict("index") == {
        "F": {"min": 1996, "max": 2024, "nunique": 29},
        "M": {"min": 1996, "max": 2024, "nunique": 29},
    }
    assert (baby_names["count"] >= 3).all(), "ONS lists names given to three or more babies"


def test_each_year_is_named_from_its_own_list_in_proportion_to_its_births(baby_names):
    rng = np.random.default_rng(1)
    names = first_names(rng, np.full(50_000, "F", dtype=object), np.full(50_000, 2024))
    listed = baby_names[(baby_names["year"] == 2024) & (baby_names["sex"] == "F")].set_index("name")["count"]

    assert set(names) <= set(listed.index)
    olivia = listed["Olivia"] / listed.sum()  # the most common girls' name of 2024
    assert (names == "Olivia").mean() == pytest.approx(olivia, abs=0.003)


def test_babies_born_after_the_latest_list_are_named_from_the_latest():
    rng = np.random.default_rng(2)
    names = first_names(rng, np.full(5_000, "M", dtype=object), np.full(5_000, 2026))

    assert set(names) <= set(name_pools().given_in_year[(2024, "M")][0])


def test_a_toddler_is_named_like_a_toddler_and_a_parent_born_in_1980_like_their_generation():
    rng = np.random.default_rng(3)
    sexes = np.full(20_000, "F", dtype=object)
    toddlers = pd.Series(first_names(rng, sexes, np.full(20_000, 2023))).value_counts()
    parents = pd.Series(first_names(rng, sexes, np.full(20_000, 1980))).value_counts()

    assert {"Olivia", "Amelia", "Isla"} <= set(toddlers.index[:10])
    their_mothers_names = ["Susan", "Julie", "Karen"]
    assert toddlers.reindex(their_mothers_names).fillna(0).sum() / 20_000 < 0.001  # a few still are
    assert parents.reindex(their_mothers_names).fillna(0).sum() / 20_000 > 0.03
    assert set(parents.index) <= set(name_pools().female)


def test_middle_names_come_from_the_same_year_and_never_repeat_the_forename():
    rng = np.random.default_rng(4)
    sexes = np.full(10_000, "M", dtype=object)
    born_in = np.full(10_000, 2015)
    firsts = first_names(rng, sexes, born_in)
    middles = middle_names(rng, sexes, firsts, born_in)
    given_in_2015 = set(name_pools().given_in_year[(2015, "M")][0])

    words = {word for names in middles for word in names.split()}
    assert words <= given_in_2015
    assert not any(first in middle.split() for first, middle in zip(firsts, middles, strict=True))


def test_the_same_seed_gives_the_same_names():
    sexes = np.array(["F", "M", "U"] * 1_000, dtype=object)
    born_in = np.tile([1985, 2003, 2024], 1_000)

    once = first_names(np.random.default_rng(5), sexes, born_in)
    again = first_names(np.random.default_rng(5), sexes, born_in)

    assert (once == again).all()


def test_childrens_names_keep_their_nicknames():
    """The nickname error and the linkage tests need children's names that have nicknames."""
    nicknames = name_pools().nicknames
    assert "Ollie" in nicknames["Oliver"]
    assert {"Tom", "Tommy"} <= set(nicknames["Thomas"])
    assert {"Jim", "Jimmy"} <= set(nicknames["James"])

    rng = np.random.default_rng(6)
    children = first_names(rng, np.full(20_000, "M", dtype=object), np.full(20_000, 2012))
    with_nickname = has_nickname(children)
    assert with_nickname.mean() > 0.2
    chosen = nicknames_for(rng, children[with_nickname])
    assert all(nick in nicknames[name] for name, nick in zip(children[with_nickname], chosen, strict=True))

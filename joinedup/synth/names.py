"""UK names drawn from Faker's en_GB lists with numpy, and the nicknames families actually use.

Faker is slow one name at a time, so its provider lists are read once and sampled as arrays. The
surname list carries ONS frequencies; the forename lists are ordered by popularity, so they are
weighted by rank.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from faker.providers.person.en_GB import Provider as PersonNames
from nicknames import NickNamer

HYPHENATED_SURNAME_SHARE = 0.03  # assumption: Smith-Jones style surnames among families
DOUBLE_BARRELLED_SURNAME_SHARE = 0.004  # unhyphenated, e.g. "Bowes Lyon"
MIDDLE_NAME_COUNTS = {0: 0.13, 1: 0.75, 2: 0.12}

# Cross-initial diminutives everyone knows; otherwise a nickname must share the name's initial, which
# drops the package's looser pairs (Paul ~ Polly, Ian ~ John).
_WELL_KNOWN = {
    ("robert", "bob"),
    ("robert", "bobby"),
    ("william", "bill"),
    ("william", "billy"),
    ("john", "jack"),
    ("margaret", "peggy"),
    ("richard", "dick"),
    ("edward", "ted"),
    ("henry", "harry"),
    ("mary", "molly"),
    ("sarah", "sally"),
    ("anthony", "tony"),
}


@dataclass(frozen=True)
class NamePools:
    male: np.ndarray
    male_weights: np.ndarray
    female: np.ndarray
    female_weights: np.ndarray
    surnames: np.ndarray
    surname_weights: np.ndarray
    nicknames: dict[str, tuple[str, ...]]


def _rank_weights(count: int) -> np.ndarray:
    weights = 1.0 / (np.arange(count) + 8.0)
    return weights / weights.sum()


def _plausible_nickname(name: str, nickname: str) -> bool:
    if (name, nickname) in _WELL_KNOWN:
        return True
    same_initial = nickname[0] == name[0] and nickname != name
    diminutive = len(nickname) <= len(name) or nickname.endswith(("y", "ie"))
    return same_initial and diminutive and len(nickname) >= 2


@lru_cache(maxsize=1)
def name_pools() -> NamePools:
    namer = NickNamer()
    forenames = sorted(set(PersonNames.first_names_male) | set(PersonNames.first_names_female))
    nicknames = {}
    for name in forenames:
        lower = name.lower()
        options = sorted(n.title() for n in namer.nicknames_of(lower) if _plausible_nickname(lower, n))
        if options:
            nicknames[name] = tuple(options)
    surname_weights = np.array(list(PersonNames.last_names.values()), dtype=float)
    return NamePools(
        male=np.array(PersonNames.first_names_male, dtype=object),
        male_weights=_rank_weights(len(PersonNames.first_names_male)),
        female=np.array(PersonNames.first_names_female, dtype=object),
        female_weights=_rank_weights(len(PersonNames.first_names_female)),
        surnames=np.array(list(PersonNames.last_names), dtype=object),
        surname_weights=surname_weights / surname_weights.sum(),
        nicknames=nicknames,
    )


def first_names(rng: np.random.Generator, sexes: np.ndarray) -> np.ndarray:
    """One forename per person, from the list for their sex (U draws from either)."""
    pools = name_pools()
    male = rng.choice(pools.male, size=len(sexes), p=pools.male_weights)
    female = rng.choice(pools.female, size=len(sexes), p=pools.female_weights)
    use_female = (sexes == "F") | ((sexes == "U") & (rng.random(len(sexes)) < 0.5))
    return np.where(use_female, female, male)


def middle_names(rng: np.random.Generator, sexes: np.ndarray, firsts: np.ndarray) -> np.ndarray:
    """Space-separated middle names ('' for none), never repeating the forename."""
    counts = rng.choice(list(MIDDLE_NAME_COUNTS), size=len(sexes), p=list(MIDDLE_NAME_COUNTS.values()))
    one = _names_other_than(rng, sexes, firsts)
    two = _names_other_than(rng, sexes, one)
    second = np.where(two == firsts, "", two)
    result = np.where(counts >= 1, one, "")
    return np.where((counts == 2) & (second != ""), one + " " + second, result).astype(object)


def _names_other_than(rng: np.random.Generator, sexes: np.ndarray, avoid: np.ndarray) -> np.ndarray:
    names = first_names(rng, sexes)
    for _ in range(5):  # a few redraws leave a clash in about one name in a million
        clash = names == avoid
        if not clash.any():
            break
        names[clash] = first_names(rng, sexes[clash])
    return names


def surnames(
    rng: np.random.Generator,
    size: int,
    *,
    hyphenated_share: float = HYPHENATED_SURNAME_SHARE,
    double_barrelled_share: float = DOUBLE_BARRELLED_SURNAME_SHARE,
) -> np.ndarray:
    pools = name_pools()
    first = rng.choice(pools.surnames, size=size, p=pools.surname_weights)
    second = rng.choice(pools.surnames, size=size, p=pools.surname_weights)
    kind = rng.random(size)
    distinct = first != second
    hyphenated = (kind < hyphenated_share) & distinct
    double = (kind >= hyphenated_share) & (kind < hyphenated_share + double_barrelled_share) & distinct
    result = first.copy()
    result[hyphenated] = first[hyphenated] + "-" + second[hyphenated]
    result[double] = first[double] + " " + second[double]
    return result


def has_nickname(names: np.ndarray) -> np.ndarray:
    nicknames = name_pools().nicknames
    return np.fromiter((name in nicknames for name in names), dtype=bool, count=len(names))


def nicknames_for(rng: np.random.Generator, names: np.ndarray) -> np.ndarray:
    """A nickname for each name that has one (the name itself otherwise)."""
    nicknames = name_pools().nicknames
    picks = rng.random(len(names))
    return np.array(
        [nicknames[n][int(p * len(nicknames[n]))] if n in nicknames else n for n, p in zip(names, picks, strict=True)],
        dtype=object,
    )

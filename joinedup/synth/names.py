"""UK names: children's forenames from the ONS baby names of their year of birth, adults' from
Faker's en_GB lists, surnames by frequency, and the nicknames families actually use.

Faker is slow one name at a time, so its provider lists are read once and sampled as arrays. The
surname list carries frequencies; Faker's forename lists are ordered by popularity, so they are
weighted by rank. ONS has published every name given to three or more babies in England and Wales
each year since 1996 (`data/ons_baby_names.csv.gz`, see `data/SOURCE.md`): anyone born since then
is named from their own year's list, so a toddler is an Isla or a Muhammad and their mother a
Chloe, while a parent born earlier is a Claire or a Mark.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jellyfish
import numpy as np
import pandas as pd
from faker.providers.person.en_GB import Provider as PersonNames
from nicknames import NickNamer

BABY_NAMES = Path(__file__).with_name("data") / "ons_baby_names.csv.gz"
HYPHENATED_SURNAME_SHARE = 0.03  # assumption: Smith-Jones style surnames among families
DOUBLE_BARRELLED_SURNAME_SHARE = 0.004  # unhyphenated, e.g. "Bowes Lyon"
MIDDLE_NAME_COUNTS = {0: 0.13, 1: 0.75, 2: 0.12}
# Another spelling of a name that sounds the same: the same Metaphone code (doubled letters read as
# one, so Aaliyah sounds like Aliyah) and still alike letter by
# letter (Jaro-Winkler), which keeps Kathryn for Catherine (0.76) and Muhammad for Mohammed (0.85)
# but drops names that merely share consonants, like Wade and White (0.63) or Dean and Dunn (0.67).
PHONETIC_LIKENESS = 0.75

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
    male: np.ndarray  # adults born before the ONS lists begin (Faker's en_GB lists)
    male_weights: np.ndarray
    female: np.ndarray
    female_weights: np.ndarray
    given_in_year: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]]  # (year, sex): names, shares (ONS)
    surnames: np.ndarray
    surname_weights: np.ndarray
    nicknames: dict[str, tuple[str, ...]]

    @property
    def listed_years(self) -> tuple[int, int]:
        years = [year for year, _ in self.given_in_year]
        return min(years), max(years)


def _rank_weights(count: int) -> np.ndarray:
    weights = 1.0 / (np.arange(count) + 8.0)
    return weights / weights.sum()


def _plausible_nickname(name: str, nickname: str) -> bool:
    if (name, nickname) in _WELL_KNOWN:
        return True
    same_initial = nickname[0] == name[0] and nickname != name
    diminutive = len(nickname) <= len(name) or nickname.endswith(("y", "ie"))
    return same_initial and diminutive and len(nickname) >= 2


def _baby_names() -> dict[tuple[int, str], tuple[np.ndarray, np.ndarray]]:
    table = pd.read_csv(BABY_NAMES, keep_default_na=False, dtype={"name": str})  # "Nan" is a name, not NaN
    given = {}
    for (year, sex), names in table.groupby(["year", "sex"], sort=True):
        counts = names["count"].to_numpy(dtype=float)
        given[(int(year), sex)] = (names["name"].to_numpy(dtype=object), counts / counts.sum())
    return given


@lru_cache(maxsize=1)
def name_pools() -> NamePools:
    given_in_year = _baby_names()
    namer = NickNamer()
    forenames = set(PersonNames.first_names_male) | set(PersonNames.first_names_female)
    forenames |= {name for names, _ in given_in_year.values() for name in names}
    nicknames = {}
    for name in sorted(forenames):
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
        given_in_year=given_in_year,
        surnames=np.array(list(PersonNames.last_names), dtype=object),
        surname_weights=surname_weights / surname_weights.sum(),
        nicknames=nicknames,
    )


def first_names(rng: np.random.Generator, sexes: np.ndarray, born_in: np.ndarray | None = None) -> np.ndarray:
    """One forename per person, from the list for their sex (U draws from either): the ONS names of
    their year of birth (`born_in`; years after the latest list use the latest), or the adult lists
    for anyone born before 1996 or of unknown year."""
    if born_in is None:
        return _adult_first_names(rng, sexes)
    pools = name_pools()
    first_listed, last_listed = pools.listed_years
    sexes = np.asarray(sexes, dtype=object)
    years = np.minimum(np.asarray(born_in, dtype=np.int64), last_listed)
    names = np.empty(len(sexes), dtype=object)
    adults = years < first_listed
    names[adults] = _adult_first_names(rng, sexes[adults])
    female = (sexes == "F") | ((sexes == "U") & (rng.random(len(sexes)) < 0.5))
    cohort = np.where(adults, -1, years * 2 + female)  # one draw per year of birth and sex
    for key in np.unique(cohort[~adults]):
        year, is_female = divmod(int(key), 2)
        given, shares = pools.given_in_year[(year, "F" if is_female else "M")]
        those = cohort == key
        names[those] = rng.choice(given, size=int(those.sum()), p=shares)
    return names


def _adult_first_names(rng: np.random.Generator, sexes: np.ndarray) -> np.ndarray:
    pools = name_pools()
    male = rng.choice(pools.male, size=len(sexes), p=pools.male_weights)
    female = rng.choice(pools.female, size=len(sexes), p=pools.female_weights)
    use_female = (sexes == "F") | ((sexes == "U") & (rng.random(len(sexes)) < 0.5))
    return np.where(use_female, female, male)


def middle_names(
    rng: np.random.Generator, sexes: np.ndarray, firsts: np.ndarray, born_in: np.ndarray | None = None
) -> np.ndarray:
    """Space-separated middle names ('' for none), of the same year's names, never repeating the forename."""
    counts = rng.choice(list(MIDDLE_NAME_COUNTS), size=len(sexes), p=list(MIDDLE_NAME_COUNTS.values()))
    one = _names_other_than(rng, sexes, firsts, born_in)
    two = _names_other_than(rng, sexes, one, born_in)
    second = np.where(two == firsts, "", two)
    result = np.where(counts >= 1, one, "")
    return np.where((counts == 2) & (second != ""), one + " " + second, result).astype(object)


def _names_other_than(
    rng: np.random.Generator, sexes: np.ndarray, avoid: np.ndarray, born_in: np.ndarray | None
) -> np.ndarray:
    names = first_names(rng, sexes, born_in)
    for _ in range(5):  # a few redraws leave a clash in about one name in a million
        clash = names == avoid
        if not clash.any():
            break
        names[clash] = first_names(rng, sexes[clash], None if born_in is None else born_in[clash])
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


def phonetic_variants_of(name: str, kind: str) -> tuple[str, ...]:
    """The other spellings of a forename (kind M or F: the names given to that sex) or a surname
    (kind "surname") among the names the generator knows, in alphabetical order."""
    return _phonetic_variants().get((kind, name), ())


@lru_cache(maxsize=1)
def _phonetic_variants() -> dict[tuple[str, str], tuple[str, ...]]:
    pools = name_pools()
    lists = {
        "M": {*pools.male, *(n for (_, sex), (names, _) in pools.given_in_year.items() if sex == "M" for n in names)},
        "F": {*pools.female, *(n for (_, sex), (names, _) in pools.given_in_year.items() if sex == "F" for n in names)},
        "surname": set(pools.surnames),
    }
    variants = {}
    for kind, names in lists.items():
        sounds = defaultdict(list)
        for name in sorted(names):
            if re.fullmatch(r"[A-Za-z]+", name):  # not the ONS list's Ellie- or Olivia-Rae
                sounds[jellyfish.metaphone(re.sub(r"(.)\1", r"\1", name, flags=re.IGNORECASE))].append(name)
        for alike in sounds.values():
            for name in alike:
                others = tuple(
                    o for o in alike if o != name and jellyfish.jaro_winkler_similarity(name, o) >= PHONETIC_LIKENESS
                )
                if others:
                    variants[(kind, name)] = others
    return variants

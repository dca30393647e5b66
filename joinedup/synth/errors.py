"""The mistakes real agency records carry, injected at configurable rates so that linking the files
is as hard as it is in a real authority, and measurably so.

Each rate is the chance that one field of one record (where the error can happen at all) is wrong:
a name field with a typo, a forename recorded as the nickname the child goes by, a date of birth
with day and month swapped (only possible when the day is 12 or less), an identifier left blank,
an address not updated after a move, a surname not updated after a change, a child registered twice.

Those are the first error profile's errors, the ones joinedup has always made. The second profile
(`--error-profile second`) adds errors the first never makes, so that linkage can be tried on data
unlike what it was tuned on: names misspelt by two edits or as they sound, first and middle names
swapped, one half of a hyphenated surname, a date of birth with day and month swapped together with
a house move, blank names, dates of birth and postcodes, more blank identifiers, and each local
system writing dates in a format of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import jellyfish
import numpy as np

from .names import has_nickname, nicknames_for, phonetic_variants_of

PROFILES = ("first", "second")
DEFAULT_RATES = {  # the first profile's
    "typo": 0.01,  # per name field; studies of NHS and council records find 1-3% spelling variants
    "nickname": 0.04,  # of forenames that have a common nickname
    "swapped_day_month": 0.005,  # US-style or mis-keyed dates of birth
    "missing_identifier": 0.03,  # NHS number or UPN blank where the agency should hold it
    "stale_address": 0.10,  # of children who have moved, the agency still has the old address
    "stale_surname": 0.30,  # of children whose surname changed, the record keeps the old one
    "duplicate": 0.01,  # of health records, the same child registered twice
}
# Every rate here is an assumption: no study of English children's records publishes them. They are
# set so that each error touches a few hundred records of a 20,000-child authority.
SECOND_PROFILE_RATES = {
    **DEFAULT_RATES,
    "missing_identifier": 0.06,  # twice the first profile's: systems that rarely trace numbers
    "two_edits": 0.01,  # per name field, two slips in one name
    "phonetic": 0.05,  # of names with another spelling that sounds the same (Kathryn for Catherine)
    "first_middle_swapped": 0.02,  # of children with a middle name, recorded by it
    "surname_half": 0.25,  # of hyphenated or double-barrelled surnames, one half recorded
    "swapped_day_month_and_moved": 0.01,  # of dates that can be swapped, with a move the other files lack
    "missing_name": 0.01,  # per name part (forename, middle names, surname) left blank
    "missing_date_of_birth": 0.005,  # date of birth left blank
    "missing_postcode": 0.03,  # postcode left blank
}
PROFILE_RATES = {"first": DEFAULT_RATES, "second": SECOND_PROFILE_RATES}
# The date format each local system's export writes every date in (names as joinedup.common.dates
# knows them). The national returns' formats are fixed by their specifications (school census,
# SSDA903, CIN census, pupil attendance) and are the same in both profiles. The second profile gives
# each local system another authority's format (assumption: what other suppliers' exports write),
# none the one it writes in the first.
LOCAL_SYSTEM_DATE_FORMATS = {
    "first": {"child_health": "yyyymmdd", "youth_offending": "dd-mon-yyyy", "social_care": "dd/mm/yyyy"},
    "second": {"child_health": "iso", "youth_offending": "dd/mm/yyyy", "social_care": "dd-mon-yyyy"},
}
_KEYBOARD = {
    "a": "qsz",
    "b": "vgn",
    "c": "xdv",
    "d": "sfe",
    "e": "wrd",
    "f": "dgr",
    "g": "fht",
    "h": "gjy",
    "i": "uok",
    "j": "hku",
    "k": "jli",
    "l": "kop",
    "m": "nj",
    "n": "bmh",
    "o": "ipl",
    "p": "ol",
    "q": "wa",
    "r": "etf",
    "s": "adw",
    "t": "ryg",
    "u": "yij",
    "v": "cbf",
    "w": "qes",
    "x": "zcs",
    "y": "tuh",
    "z": "xa",
}


class ErrorRateProblem(ValueError):
    """An error rate that names no known error or is not a probability."""


@dataclass(frozen=True)
class ErrorRates:
    rates: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_RATES))
    profile: str = "first"

    @classmethod
    def with_overrides(cls, overrides: Mapping[str, float], profile: str = "first") -> ErrorRates:
        if profile not in PROFILE_RATES:
            raise ErrorRateProblem(f"unknown error profile {profile!r}: choose from {', '.join(PROFILES)}")
        defaults = PROFILE_RATES[profile]
        only_second = sorted(set(overrides) & (set(SECOND_PROFILE_RATES) - set(defaults)))
        if only_second:
            raise ErrorRateProblem(
                f"{', '.join(only_second)} only the second error profile makes: add --error-profile second"
            )
        unknown = sorted(set(overrides) - set(defaults))
        if unknown:
            raise ErrorRateProblem(f"unknown error rate {', '.join(unknown)}: choose from {', '.join(defaults)}")
        for name, rate in overrides.items():
            if not 0 <= rate <= 1:
                raise ErrorRateProblem(f"error rate {name}={rate} is outside 0..1")
        return cls({**defaults, **overrides}, profile)

    def __getitem__(self, name: str) -> float:
        return self.rates[name]

    @property
    def second(self) -> bool:
        return self.profile == "second"

    def date_format(self, source: str) -> str:
        """The format a local system's export writes its dates in."""
        return LOCAL_SYSTEM_DATE_FORMATS[self.profile][source]

    def in_manifest(self) -> dict:
        """What the manifest says beyond the rates: nothing for the first profile, whose manifest is
        as it always was; for the second, the profile and each local system's date format, which its
        source file (joinedup/index/sources/synthetic) must be told (every date column of the file)."""
        if not self.second:
            return {}
        return {"error_profile": self.profile, "date_formats": dict(LOCAL_SYSTEM_DATE_FORMATS[self.profile])}


def parse_error_rate(text: str) -> tuple[str, float]:
    """`typo=0.2` -> ("typo", 0.2), with a message a person can act on when it is not that shape."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise ErrorRateProblem(f"write an error rate as NAME=RATE, e.g. typo=0.2 (got {text!r})")
    try:
        rate = float(value)
    except ValueError:
        raise ErrorRateProblem(f"the rate in {text!r} is not a number") from None
    if not np.isfinite(rate):
        raise ErrorRateProblem(f"the rate in {text!r} is not a number")
    return name.strip(), rate


def chosen(rng: np.random.Generator, rate: float, eligible: np.ndarray) -> np.ndarray:
    """Which eligible records get this error."""
    return eligible & (rng.random(len(eligible)) < rate)


def typo(rng: np.random.Generator, names: np.ndarray, rate: float) -> np.ndarray:
    """A slip of the keyboard in `rate` of the names: a neighbouring key, a letter dropped,
    doubled or two letters swapped. A typo always changes the name."""
    names = names.copy()
    hit = np.flatnonzero(chosen(rng, rate, np.array([len(n) >= 2 for n in names], dtype=bool)))
    kinds = rng.integers(0, 4, len(hit))
    spots = rng.random(len(hit))
    for row, kind, spot in zip(hit, kinds, spots, strict=True):
        names[row] = _slip(names[row], int(kind), spot, rng)
    return names


def _slip(name: str, kind: int, spot: float, rng: np.random.Generator) -> str:
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    at = letters[int(spot * len(letters))]
    char = name[at]
    if kind == 0 and char.lower() in _KEYBOARD:
        near = _KEYBOARD[char.lower()]
        new = near[int(rng.integers(len(near)))]
        return name[:at] + (new.upper() if char.isupper() else new) + name[at + 1 :]
    if kind == 1 and len(letters) > 2:
        return name[:at] + name[at + 1 :]
    if kind == 2:
        return name[:at] + char + name[at:]
    swap = next((i for i in letters if i > at and name[i].lower() != char.lower()), None)
    if swap is not None and swap == at + 1:
        return name[:at] + name[swap] + char + name[swap + 1 :]
    return name[:at] + char + name[at:]  # nothing to swap with: double the letter instead


def nickname(rng: np.random.Generator, forenames: np.ndarray, rate: float) -> np.ndarray:
    forenames = forenames.copy()
    hit = chosen(rng, rate, has_nickname(forenames))
    forenames[hit] = nicknames_for(rng, forenames[hit])
    return forenames


def swapped_day_month(rng: np.random.Generator, dates: np.ndarray, rate: float) -> np.ndarray:
    """Dates of birth keyed as month/day: only possible where the day could be a month."""
    dates = np.asarray(dates).astype("datetime64[D]")
    hit = chosen(rng, rate, can_swap_day_month(dates))
    return np.where(hit, _day_month_swapped(dates), dates)


def can_swap_day_month(dates: np.ndarray) -> np.ndarray:
    """Where the day could be a month, and swapping them changes the date."""
    dates = np.asarray(dates).astype("datetime64[D]")
    year = dates.astype("datetime64[Y]")
    month = (dates.astype("datetime64[M]") - year.astype("datetime64[M]")).astype(np.int64) + 1
    day = (dates - dates.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    return ~np.isnat(dates) & (day <= 12) & (day != month)


def _day_month_swapped(dates: np.ndarray) -> np.ndarray:
    year = dates.astype("datetime64[Y]")
    month = (dates.astype("datetime64[M]") - year.astype("datetime64[M]")).astype(np.int64) + 1
    day = (dates - dates.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    return (year.astype("datetime64[M]") + (day - 1)).astype("datetime64[D]") + (month - 1)


def blanked(rng: np.random.Generator, values: np.ndarray, rate: float) -> np.ndarray:
    values = values.copy()
    values[chosen(rng, rate, values != "")] = ""
    return values


def stale(rng: np.random.Generator, rate: float, has_old: np.ndarray) -> np.ndarray:
    """Which records still hold the old value (an address or surname) where there is one."""
    return chosen(rng, rate, has_old)


# The second profile's errors. Each returns the values as recorded and which of them it changed,
# so that the extract can list every injected error beside the ground truth.


def two_edits(rng: np.random.Generator, names: np.ndarray, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Two keyboard slips in one name (Jenifer for Jennifer is one; Jenifr is two): the name as
    recorded is two edits (Damerau-Levenshtein) from the true one, beyond a one-edit tolerance."""
    names = names.copy()
    hit = chosen(rng, rate, np.array([sum(c.isalpha() for c in n) >= 4 for n in names], dtype=bool))
    for row in np.flatnonzero(hit):
        true = names[row]
        slipped = true
        while jellyfish.damerau_levenshtein_distance(slipped, true) < 2:
            slipped = _slip(slipped, int(rng.integers(0, 4)), rng.random(), rng)
        names[row] = slipped
    return names, hit


def phonetic(
    rng: np.random.Generator, names: np.ndarray, kinds: np.ndarray, rate: float
) -> tuple[np.ndarray, np.ndarray]:
    """A name written as it sounds, another spelling of it (`names.phonetic_variants_of`): Kathryn
    for Catherine, Steven for Stephen. `kinds` is M or F for forenames (a variant of a girl's name
    is a girl's name), "surname" for surnames."""
    variants = [phonetic_variants_of(name, kind) for name, kind in zip(names, kinds, strict=True)]
    hit = chosen(rng, rate, np.array([bool(v) for v in variants], dtype=bool))
    names = names.copy()
    picks = rng.random(len(names))
    for row in np.flatnonzero(hit):
        names[row] = variants[row][int(picks[row] * len(variants[row]))]
    return names, hit


def first_middle_swapped(
    rng: np.random.Generator, first: np.ndarray, middle: np.ndarray, rate: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The child recorded by their (first) middle name, the forename moved among the middle names:
    a child who goes by the middle name, or forms that ask for "names" in any order."""
    hit = chosen(rng, rate, middle != "")
    first, middle = first.copy(), middle.copy()
    for row in np.flatnonzero(hit):
        given, _, rest = middle[row].partition(" ")
        first[row], middle[row] = given, " ".join(part for part in (first[row], rest) if part)
    return first, middle, hit


def surname_half(rng: np.random.Generator, surnames: np.ndarray, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """One half of a hyphenated (Smith-Jones) or double-barrelled (Bowes Lyon) surname, either."""
    hit = chosen(rng, rate, np.array([("-" in s) or (" " in s) for s in surnames], dtype=bool))
    surnames = surnames.copy()
    second_half = rng.random(len(surnames)) < 0.5
    for row in np.flatnonzero(hit):
        halves = surnames[row].replace("-", " ").split(" ")
        surnames[row] = halves[-1] if second_half[row] else halves[0]
    return surnames, hit


def swapped_day_month_and_moved(
    rng: np.random.Generator, recorded: np.ndarray, true: np.ndarray, postcodes: np.ndarray, rate: float
) -> tuple[np.ndarray, np.ndarray]:
    """Which dates of birth are keyed month first (the true date's, whatever other error the record
    has) on a record whose address is another home than the other files hold (the caller moves the
    address): two disagreements at once."""
    true = np.asarray(true).astype("datetime64[D]")
    hit = chosen(rng, rate, can_swap_day_month(true) & (postcodes != ""))
    return np.where(hit, _day_month_swapped(true), np.asarray(recorded).astype("datetime64[D]")), hit


def missing(rng: np.random.Generator, values: np.ndarray, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Text left blank where it was known."""
    hit = chosen(rng, rate, values != "")
    values = values.copy()
    values[hit] = ""
    return values, hit


def missing_dates(rng: np.random.Generator, dates: np.ndarray, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Dates left blank (NaT) where they were known."""
    dates = np.asarray(dates).astype("datetime64[D]")
    hit = chosen(rng, rate, ~np.isnat(dates))
    return np.where(hit, np.datetime64("NaT", "D"), dates), hit

"""The mistakes real agency records carry, injected at configurable rates so that linking the files
is as hard as it is in a real authority, and measurably so.

Each rate is the chance that one field of one record (where the error can happen at all) is wrong:
a name field with a typo, a forename recorded as the nickname the child goes by, a date of birth
with day and month swapped (only possible when the day is 12 or less), an identifier left blank,
an address not updated after a move, a surname not updated after a change, a child registered twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from .names import has_nickname, nicknames_for

DEFAULT_RATES = {
    "typo": 0.01,  # per name field; studies of NHS and council records find 1-3% spelling variants
    "nickname": 0.04,  # of forenames that have a common nickname
    "swapped_day_month": 0.005,  # US-style or mis-keyed dates of birth
    "missing_identifier": 0.03,  # NHS number or UPN blank where the agency should hold it
    "stale_address": 0.10,  # of children who have moved, the agency still has the old address
    "stale_surname": 0.30,  # of children whose surname changed, the record keeps the old one
    "duplicate": 0.01,  # of health records, the same child registered twice
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

    @classmethod
    def with_overrides(cls, overrides: Mapping[str, float]) -> ErrorRates:
        unknown = sorted(set(overrides) - set(DEFAULT_RATES))
        if unknown:
            raise ErrorRateProblem(f"unknown error rate {', '.join(unknown)}: choose from {', '.join(DEFAULT_RATES)}")
        for name, rate in overrides.items():
            if not 0 <= rate <= 1:
                raise ErrorRateProblem(f"error rate {name}={rate} is outside 0..1")
        return cls({**DEFAULT_RATES, **overrides})

    def __getitem__(self, name: str) -> float:
        return self.rates[name]


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
    year = dates.astype("datetime64[Y]")
    month = (dates.astype("datetime64[M]") - year.astype("datetime64[M]")).astype(np.int64) + 1
    day = (dates - dates.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    hit = chosen(rng, rate, (day <= 12) & (day != month))
    swapped = (year.astype("datetime64[M]") + (day - 1)).astype("datetime64[D]") + (month - 1)
    return np.where(hit, swapped, dates)


def blanked(rng: np.random.Generator, values: np.ndarray, rate: float) -> np.ndarray:
    values = values.copy()
    values[chosen(rng, rate, values != "")] = ""
    return values


def stale(rng: np.random.Generator, rate: float, has_old: np.ndarray) -> np.ndarray:
    """Which records still hold the old value (an address or surname) where there is one."""
    return chosen(rng, rate, has_old)

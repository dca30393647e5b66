"""Each agency's own extract, in its own shape and keys, with the errors its records really carry.

Every person-level record is listed in ground truth (source, record_id, child) so that linkage
can be scored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from joinedup.synth import errors
from joinedup.synth.education import Schooling
from joinedup.synth.errors import ErrorRates
from joinedup.synth.history import History
from joinedup.synth.places import ADDRESS_FIELDS
from joinedup.synth.population import unique_numbers
from joinedup.synth.register import Register
from joinedup.synth.social_care import SocialCare
from joinedup.synth.staffing import Staffing


@dataclass
class Context:
    """What every extract may draw on: the truth, and how wrong the records should be."""

    la_code: str
    as_of: date
    register: Register
    schooling: Schooling
    care: SocialCare
    known_to_social_care: pd.DataFrame  # child, first_contact, level (social_care.known_to_social_care)
    staffing: Staffing
    rates: ErrorRates
    out: Path
    history: History


@dataclass
class Written:
    files: dict[str, int] = field(default_factory=dict)  # path relative to the output folder -> rows
    truth: list[pd.DataFrame] = field(default_factory=list)  # source, record_id, child

    def record(self, source: str, record_ids, children) -> None:
        self.truth.append(
            pd.DataFrame(
                {
                    "source": source,
                    "record_id": np.asarray(record_ids, dtype=object),
                    "child": np.asarray(children, dtype=np.int64),
                }
            )
        )


def agency_view(rng: np.random.Generator, context: Context, children: np.ndarray) -> pd.DataFrame:
    """The children's names and dates of birth as an agency holds them, errors and all."""
    rates = context.rates
    truth = context.register.children.iloc[children]
    first = errors.nickname(rng, errors.typo(rng, truth["first_name"].to_numpy(), rates["typo"]), rates["nickname"])
    surname = truth["surname"].to_numpy()
    latest_former = np.array([f.rsplit("|", 1)[-1] for f in truth["former_surname"].to_numpy()], dtype=object)
    old = errors.stale(rng, rates["stale_surname"], latest_former != "")
    surname = np.where(old, latest_former, surname)
    return pd.DataFrame(
        {
            "first_name": first,
            "middle_names": truth["middle_names"].to_numpy(),
            "surname": errors.typo(rng, surname, rates["typo"]),
            "true_surname": truth["surname"].to_numpy(),
            "former_surname": np.where(old, "", latest_former),
            "stale_surname": old,
            "date_of_birth": errors.swapped_day_month(
                rng, truth["date_of_birth"].to_numpy(), rates["swapped_day_month"]
            ),
        }
    )


def addresses_as_held(rng: np.random.Generator, context: Context, children: np.ndarray) -> pd.DataFrame:
    """Current addresses, except where the agency never heard about the last move."""
    current = context.register.current_addresses.iloc[children].reset_index(drop=True)
    previous = context.register.previous_addresses.iloc[children].reset_index(drop=True)
    old = errors.stale(rng, context.rates["stale_address"], previous["postcode"].notna().to_numpy())
    held = current.copy()
    held.loc[old, ADDRESS_FIELDS] = previous.loc[old, ADDRESS_FIELDS].to_numpy()
    return held


def hex_ids(rng: np.random.Generator, count: int, *, digits: int = 8, suffix_digits: int = 0) -> np.ndarray:
    """Unique random hexadecimal keys like the school census's table ids (0002e817-8ca)."""
    numbers = unique_numbers(rng, count, low=0, high=16 ** (digits + suffix_digits))
    if not suffix_digits:
        return np.array([f"{n:0{digits}x}" for n in numbers], dtype=object)
    head, tail = np.divmod(numbers, 16**suffix_digits)
    return np.array([f"{h:0{digits}x}-{t:0{suffix_digits}x}" for h, t in zip(head, tail, strict=True)], dtype=object)

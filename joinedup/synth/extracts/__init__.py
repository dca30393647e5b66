"""Each agency's own extract, in its own shape and keys, with the errors its records really carry.

Every person-level record is listed in ground truth (source, record_id, child) so that linkage
can be scored; under the second error profile every error only that profile makes is listed too
(injected_errors/<source>.csv).
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
from joinedup.synth.output import write_csv
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
    """The children's names and dates of birth as an agency holds them, errors and all; `errors`
    lists the second profile's errors of each row ("kind:field;" each, empty under the first)."""
    rates = context.rates
    truth = context.register.children.iloc[children]
    first = errors.nickname(rng, errors.typo(rng, truth["first_name"].to_numpy(), rates["typo"]), rates["nickname"])
    surname = truth["surname"].to_numpy()
    latest_former = np.array([f.rsplit("|", 1)[-1] for f in truth["former_surname"].to_numpy()], dtype=object)
    old = errors.stale(rng, rates["stale_surname"], latest_former != "")
    surname = np.where(old, latest_former, surname)
    view = pd.DataFrame(
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
            "true_date_of_birth": truth["date_of_birth"].to_numpy(),
            "errors": "",
        }
    )
    if not rates.second:
        return view
    # A stream of its own (spawned, so the agency's other draws are the first profile's): the second
    # profile's records differ from the first's only where its errors are.
    return _misspelt(rng.spawn(1)[0], rates, truth["sex"].to_numpy(), view)


def _misspelt(rng: np.random.Generator, rates: ErrorRates, sexes: np.ndarray, view: pd.DataFrame) -> pd.DataFrame:
    noted = Noted(len(view))
    first, middle, hit = errors.first_middle_swapped(
        rng, view["first_name"].to_numpy(), view["middle_names"].to_numpy(), rates["first_middle_swapped"]
    )
    noted.add(hit, "first_middle_swapped", "forename")
    surname, hit = errors.surname_half(rng, view["surname"].to_numpy(), rates["surname_half"])
    noted.add(hit, "surname_half", "surname")
    first, hit = errors.phonetic(rng, first, np.where(sexes == "F", "F", "M"), rates["phonetic"])
    noted.add(hit, "phonetic", "forename")
    surname, hit = errors.phonetic(rng, surname, np.full(len(view), "surname"), rates["phonetic"])
    noted.add(hit, "phonetic", "surname")
    first, hit = errors.two_edits(rng, first, rates["two_edits"])
    noted.add(hit, "two_edits", "forename")
    surname, hit = errors.two_edits(rng, surname, rates["two_edits"])
    noted.add(hit, "two_edits", "surname")
    return view.assign(first_name=first, middle_names=middle, surname=surname, errors=noted.errors)


def as_local_system_holds(
    rng: np.random.Generator, context: Context, view: pd.DataFrame, address: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A local system's record (child health, youth justice, social care: the national returns'
    validation would refuse these) under the second profile: a date of birth keyed month first on a
    record with another home's address, and names, date of birth and postcode left blank. Under the
    first profile the record is as agency_view and addresses_as_held made it."""
    rates = context.rates
    if not rates.second:
        return view, address
    rng = rng.spawn(1)[0]  # as in agency_view: the agency's other draws stay the first profile's
    noted = Noted(len(view), view["errors"].to_numpy())
    address = address.copy()
    postcode = address["postcode"].fillna("").to_numpy()
    born, moved = errors.swapped_day_month_and_moved(
        rng,
        view["date_of_birth"].to_numpy(),
        view["true_date_of_birth"].to_numpy(),
        postcode,
        rates["swapped_day_month_and_moved"],
    )
    noted.add(moved, "swapped_day_month_and_moved", "date_of_birth")
    address.loc[moved, ADDRESS_FIELDS] = _other_homes(rng, context, postcode[moved])
    blanks = {}
    for column, part in (("first_name", "forename"), ("middle_names", "middle_names"), ("surname", "surname")):
        blanks[column], hit = errors.missing(rng, view[column].to_numpy(), rates["missing_name"])
        noted.add(hit, "missing_name", part)
    born, hit = errors.missing_dates(rng, born, rates["missing_date_of_birth"])
    noted.add(hit, "missing_date_of_birth", "date_of_birth")
    address["postcode"], hit = errors.missing(rng, address["postcode"].fillna("").to_numpy(), rates["missing_postcode"])
    noted.add(hit, "missing_postcode", "postcode")
    return view.assign(**blanks, date_of_birth=born, errors=noted.errors), address


def _other_homes(rng: np.random.Generator, context: Context, postcodes: np.ndarray) -> np.ndarray:
    """Another household's address in the authority for each record, never in the same postcode."""
    homes = context.register.current_addresses
    picked = rng.integers(0, len(homes), len(postcodes))
    for _ in range(10):  # a clash needs the same postcode drawn again: about one in a few thousand
        clash = homes["postcode"].to_numpy()[picked] == postcodes
        if not clash.any():
            break
        picked[clash] = rng.integers(0, len(homes), int(clash.sum()))
    return homes[ADDRESS_FIELDS].to_numpy()[picked]


class Noted:
    """Each record's injected errors as "kind:field;" text, the form record_errors reads."""

    def __init__(self, size: int, errors: np.ndarray | None = None):
        self.errors = np.full(size, "", dtype=object) if errors is None else errors.copy()

    def add(self, hit: np.ndarray, kind: str, field: str) -> None:
        self.errors[hit] = self.errors[hit] + f"{kind}:{field};"


def record_errors(written: Written, context: Context, source: str, record_ids, noted) -> None:
    """Under the second profile, list each error it injected in `injected_errors/<source>.csv`
    (record_id as ground truth keys the record, error, field); the first profile lists none."""
    if not context.rates.second:
        return
    rows = [
        (record_id, *part.split(":"))
        for record_id, note in zip(np.asarray(record_ids), np.asarray(noted), strict=True)
        for part in note.split(";")
        if part
    ]
    name = f"injected_errors/{source}.csv"
    table = pd.DataFrame(rows, columns=["record_id", "error", "field"])
    written.files[name] = write_csv(table, context.out / name)


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

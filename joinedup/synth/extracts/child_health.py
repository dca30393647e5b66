"""The child health information system's export, in an NHS system's own shape: NHS number and its
trace status, the system's patient id, names, CCYYMMDD dates, gender coded 1/2/9 and ethnic
category coded A-Z as the NHS Data Dictionary has them, the usual address and the GP practice
(ODS code). Columns are described in joinedup/synth/README.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from joinedup.synth import codes, errors
from joinedup.synth.output import format_dates, write_csv
from joinedup.synth.population import unique_numbers
from joinedup.synth.randomness import flags

from . import Context, Written, addresses_as_held, agency_view, as_local_system_holds, record_errors

SOURCE = "child_health"
COLUMNS = [
    "NHS_NUMBER",
    "NHS_NUMBER_STATUS",
    "LOCAL_PATIENT_ID",
    "GIVEN_NAME",
    "OTHER_GIVEN_NAMES",
    "FAMILY_NAME",
    "DATE_OF_BIRTH",
    "STATED_GENDER_CODE",
    "ETHNIC_CATEGORY",
    "ADDRESS_LINE_1",
    "ADDRESS_LINE_2",
    "ADDRESS_LINE_3",
    "POSTCODE",
    "GP_PRACTICE_CODE",
    "GP_REGISTRATION_DATE",
    "SCHOOL_URN",
]
GENDER_CODES = {"M": "1", "F": "2", "U": "9"}  # NHS Data Dictionary PERSON STATED GENDER CODE
NOT_REGISTERED_WITH_GP = 0.01
CHILDREN_PER_PRACTICE = 2200  # assumption: about 9,500 patients a practice, a fifth of them children
NHS_NUMBER_STATUS = {"verified": "01", "not traced": "02", "trace required": "03"}


def write(rng: np.random.Generator, context: Context) -> Written:
    children_frame = context.register.children
    with_number = np.flatnonzero(children_frame["nhs_number"].to_numpy() != "")
    children = with_number[~flags(rng, NOT_REGISTERED_WITH_GP, len(with_number))]
    duplicates = children[errors.chosen(rng, context.rates["duplicate"], np.ones(len(children), dtype=bool))]
    practices = _practice_codes(rng, context)
    table = pd.concat(
        [
            _records(rng, context, children, practices, duplicate=False),
            _records(rng, context, duplicates, practices, duplicate=True),
        ],
        ignore_index=True,
    )
    everyone = np.concatenate([children, duplicates])
    order = rng.permutation(len(table))  # systems list records in their own order, not the register's
    table, everyone = table.iloc[order].reset_index(drop=True), everyone[order]
    table["LOCAL_PATIENT_ID"] = _patient_ids(rng, len(table))
    written = Written(
        files={
            "child_health/child_health_records.csv": write_csv(
                table[COLUMNS], context.out / "child_health" / "child_health_records.csv"
            )
        }
    )
    written.record(SOURCE, table["LOCAL_PATIENT_ID"].to_numpy(), everyone)
    record_errors(written, context, SOURCE, table["LOCAL_PATIENT_ID"], table["errors"])
    return written


def _records(rng, context: Context, children: np.ndarray, practices: np.ndarray, *, duplicate: bool) -> pd.DataFrame:
    truth = context.register.children.iloc[children]
    view = agency_view(rng, context, children)
    address = addresses_as_held(rng, context, children)
    view, address = as_local_system_holds(rng, context, view, address)
    number = errors.blanked(rng, truth["nhs_number"].to_numpy(), context.rates["missing_identifier"])
    if duplicate:  # a temporary registration made without tracing the child's NHS number
        number = np.full(len(children), "", dtype=object)
    status = np.where(
        number == "",
        NHS_NUMBER_STATUS["trace required"],
        np.where(flags(rng, 0.02, len(children)), NHS_NUMBER_STATUS["not traced"], NHS_NUMBER_STATUS["verified"]),
    )
    practice, registered = _registrations(rng, context, children, practices)
    if duplicate:  # registered again at another practice
        practice = practices[rng.integers(0, len(practices), len(children))]
    return pd.DataFrame(
        {
            "NHS_NUMBER": number,
            "NHS_NUMBER_STATUS": status,
            "GIVEN_NAME": view["first_name"],
            "OTHER_GIVEN_NAMES": view["middle_names"],
            "FAMILY_NAME": view["surname"],
            "DATE_OF_BIRTH": format_dates(view["date_of_birth"], context.rates.date_format(SOURCE)),
            "STATED_GENDER_CODE": truth["sex"].map(GENDER_CODES).to_numpy(),
            "ETHNIC_CATEGORY": truth["ethnicity"].map(codes.NHS_ETHNIC_CATEGORY).to_numpy(),
            "ADDRESS_LINE_1": address["address_line_1"].to_numpy(),
            "ADDRESS_LINE_2": address["address_line_2"].to_numpy(),
            "ADDRESS_LINE_3": address["town"].to_numpy(),
            "POSTCODE": address["postcode"].to_numpy(),
            "GP_PRACTICE_CODE": practice,
            "GP_REGISTRATION_DATE": format_dates(registered, context.rates.date_format(SOURCE)),
            "SCHOOL_URN": _school_urns(context, children),
            "errors": view["errors"].to_numpy(),
        }
    )


def _practice_codes(rng, context: Context) -> np.ndarray:
    """ODS codes of the area's GP practices: the region's letter and five digits."""
    count = max(3, len(context.register.children) // CHILDREN_PER_PRACTICE)
    letter = "CDEFGHJKLMNP"[int(context.la_code) % 12]
    return np.array(
        [f"{letter}{n:05d}" for n in rng.choice(np.arange(81001, 99999), count, replace=False)], dtype=object
    )


def _registrations(rng, context: Context, children: np.ndarray, practices: np.ndarray):
    """A family's GP practice, registered within six weeks of birth or after moving in."""
    register = context.register
    family = register.children["family"].to_numpy()[children]
    # Brothers and sisters share a practice: families are spread over practices by a fixed hash.
    practice = practices[(family * 2654435761) % len(practices)]
    dob = register.children["date_of_birth"].to_numpy().astype("datetime64[D]")[children]
    current = register.current_addresses.iloc[children]
    moved_in = current["moved_in"].to_numpy().astype("datetime64[D]")
    after_birth = dob + rng.integers(7, 42, len(children)).astype("timedelta64[D]")
    after_move = moved_in + rng.integers(3, 60, len(children)).astype("timedelta64[D]")
    changed = flags(rng, 0.5, len(children)) & (moved_in > dob)
    registered = np.where(changed, np.maximum(after_birth, after_move), after_birth)
    return practice, np.minimum(registered, np.datetime64(context.as_of, "D"))


def _school_urns(context: Context, children: np.ndarray) -> np.ndarray:
    pupils = context.schooling.pupils
    urns = pd.Series(
        context.schooling.schools["urn"].to_numpy()[pupils["school"].to_numpy()], index=pupils["child"].to_numpy()
    )
    return urns.reindex(children).fillna("").to_numpy()


def _patient_ids(rng, count: int) -> np.ndarray:
    return np.array([f"CH{n}" for n in unique_numbers(rng, count, low=10_000_000, high=99_999_999)], dtype=object)

"""The children's social care system's person report, as a case management system (Liquidlogic
LCS, Mosaic, Eclipse) exports it: one row per child the system holds, keyed by the person id that
the CIN census (LAchildID) and SSDA903 (CHILD) carry, with names, known-as and former surnames,
date of birth, gender, ethnicity, NHS number where recorded, UPN, address and the first contact.
Columns are described in joinedup/synth/README.md.

It lists every child with a contact, not only children in need: most never got further.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from joinedup.synth import errors, prevalence
from joinedup.synth.names import has_nickname, nicknames_for
from joinedup.synth.output import format_dates, write_csv
from joinedup.synth.population import unique_numbers
from joinedup.synth.randomness import flags

from . import Context, Written, addresses_as_held, agency_view, as_local_system_holds, record_errors

SOURCE = "social_care"
COLUMNS = [
    "PERSON_ID",
    "FORENAME",
    "MIDDLE_NAMES",
    "SURNAME",
    "KNOWN_AS",
    "FORMER_SURNAMES",
    "DOB",
    "GENDER",
    "ETHNICITY",
    "NHS_NUMBER",
    "UPN",
    "ADDRESS_LINE_1",
    "ADDRESS_LINE_2",
    "TOWN",
    "POSTCODE",
    "FIRST_CONTACT_DATE",
    "INVOLVEMENT_LEVEL",
]
GENDERS = {"M": "Male", "F": "Female", "U": "Unknown"}
LEVELS = {
    "looked_after": "Looked after",
    "protection": "Child protection",
    "in_need": "Child in need",
    "contact": "Contact",
}
KNOWN_AS_RECORDED = 0.3  # assumption: of children with a usual nickname, the share whose record notes it


def write(rng: np.random.Generator, context: Context) -> Written:
    known = context.known_to_social_care
    children = known["child"].to_numpy()
    # A duplicate person: a later contact recorded as a new person, the existing record not found.
    twice = errors.chosen(rng, context.rates["duplicate"], np.ones(len(children), dtype=bool))
    table = pd.concat(
        [
            _records(rng, context, known, duplicate=False),
            _records(rng, context, known[twice].reset_index(drop=True), duplicate=True),
        ],
        ignore_index=True,
    )
    everyone = np.concatenate([children, children[twice]])
    order = np.argsort(table["PERSON_ID"].to_numpy().astype(np.int64), kind="stable")
    table, everyone = table.iloc[order].reset_index(drop=True), everyone[order]
    written = Written(
        files={"social_care/persons.csv": write_csv(table[COLUMNS], context.out / "social_care" / "persons.csv")}
    )
    written.record(SOURCE, table["PERSON_ID"].to_numpy(), everyone)
    record_errors(written, context, SOURCE, table["PERSON_ID"], table["errors"])
    return written


def _records(rng, context: Context, known: pd.DataFrame, *, duplicate: bool) -> pd.DataFrame:
    children = known["child"].to_numpy()
    size = len(children)
    truth = context.register.children.iloc[children]
    view = agency_view(rng, context, children)
    address = addresses_as_held(rng, context, children)
    view, address = as_local_system_holds(rng, context, view, address)
    level = known["level"].to_numpy()
    first = truth["first_name"].to_numpy()
    known_as = np.where(has_nickname(first) & flags(rng, KNOWN_AS_RECORDED, size), nicknames_for(rng, first), "")
    coverage = prevalence.NHS_NUMBER_IN_SOCIAL_CARE.value
    has_number = flags(
        rng,
        np.where(
            np.isin(level, ["looked_after", "protection"]),
            coverage["cp_is"],
            np.where(level == "in_need", coverage["in_need"], coverage["contact"]),
        ),
        size,
    )
    rates = context.rates
    nhs_number = errors.blanked(
        rng, np.where(has_number, truth["nhs_number"].to_numpy(), ""), rates["missing_identifier"]
    )
    # The UPN is recorded for the statutory returns (CIN census, SSDA903), not for contacts.
    upn = errors.blanked(rng, np.where(level != "contact", truth["upn"].to_numpy(), ""), rates["missing_identifier"])
    first_contact = known["first_contact"].to_numpy().astype("datetime64[D]")
    person_id = truth["la_child_id"].to_numpy()
    if duplicate:
        nhs_number = np.full(size, "", dtype=object)
        upn = np.full(size, "", dtype=object)
        reference = np.datetime64(context.as_of, "D")
        later = (rng.random(size) * (reference - first_contact).astype(np.int64)).astype(np.int64)
        first_contact = first_contact + later.astype("timedelta64[D]")
        level = np.full(size, "contact", dtype=object)
        person_id = _new_person_ids(rng, context, size)
    return pd.DataFrame(
        {
            "PERSON_ID": person_id,
            "FORENAME": view["first_name"].to_numpy(),
            "MIDDLE_NAMES": view["middle_names"].to_numpy(),
            "SURNAME": view["surname"].to_numpy(),
            "KNOWN_AS": known_as,
            # Social care knows every earlier surname, unless it never heard of the change.
            "FORMER_SURNAMES": np.where(view["stale_surname"].to_numpy(), "", truth["former_surname"].to_numpy()),
            "DOB": format_dates(view["date_of_birth"], context.rates.date_format(SOURCE)),
            "GENDER": truth["sex"].map(GENDERS).to_numpy(),
            "ETHNICITY": truth["ethnicity"].to_numpy(),
            "NHS_NUMBER": nhs_number,
            "UPN": upn,
            "ADDRESS_LINE_1": address["address_line_1"].to_numpy(),
            "ADDRESS_LINE_2": address["address_line_2"].to_numpy(),
            "TOWN": address["town"].to_numpy(),
            "POSTCODE": address["postcode"].to_numpy(),
            "FIRST_CONTACT_DATE": format_dates(first_contact, context.rates.date_format(SOURCE)),
            "INVOLVEMENT_LEVEL": [LEVELS[value] for value in level],
            "errors": view["errors"].to_numpy(),
        }
    )


def _new_person_ids(rng, context: Context, count: int) -> np.ndarray:
    """Person ids the system has not given to any child of the register."""
    taken = set(context.register.children["la_child_id"].to_numpy())
    fresh = unique_numbers(rng, count + len(taken), low=1_000_000, high=9_999_999).astype(str)
    return np.array([n for n in fresh if n not in taken][:count], dtype=object)

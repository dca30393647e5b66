"""The youth justice service's case list, as its case management system exports it: one row per
case, each young person under one reference of the service's own across their cases, names with
the name they are known by, dates as 16-Jan-2025, gender and ethnicity in words, a one-line
address, and each case's outcome, dates and case manager. Columns are described in
joinedup/synth/README.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from joinedup.synth import codes, errors
from joinedup.synth.names import has_nickname, nicknames_for
from joinedup.synth.output import format_dates, write_csv

from . import Context, Written, addresses_as_held, agency_view, as_local_system_holds, record_errors

SOURCE = "youth_offending"
COLUMNS = [
    "YOT_REF",
    "SURNAME",
    "FORENAME",
    "MIDDLE_NAME",
    "KNOWN_AS",
    "DOB",
    "GENDER",
    "ETHNICITY",
    "ADDRESS",
    "POSTCODE",
    "UPN",
    "LOOKED_AFTER",
    "OUTCOME",
    "START_DATE",
    "END_DATE",
    "CASE_MANAGER",
]
GENDERS = {"M": "Male", "F": "Female", "U": "Not known"}


def write(rng: np.random.Generator, context: Context) -> Written:
    involvements = context.staffing.involvements
    cases = involvements[involvements["service"] == "YJS-CASE"].sort_values(["child", "started"], kind="stable")
    # The young person's details are held once and shown on each of their cases.
    children, person = np.unique(cases["child"].to_numpy(), return_inverse=True)
    truth = context.register.children.iloc[children]
    view = agency_view(rng, context, children)
    address = addresses_as_held(rng, context, children)
    view, address = as_local_system_holds(rng, context, view, address)
    dates = context.rates.date_format(SOURCE)
    first = truth["first_name"].to_numpy()
    known_as = np.where(has_nickname(first), nicknames_for(rng, first), "")
    names = context.staffing.practitioners.set_index("username")
    manager = names.reindex(cases["practitioner"].to_numpy())
    references = np.array(
        [f"YJ{n:06d}" for n in rng.choice(np.arange(1, 999_999), len(children), replace=False)], dtype=object
    )
    people = pd.DataFrame(
        {
            "YOT_REF": references,
            "SURNAME": view["surname"],
            "FORENAME": view["first_name"],
            "MIDDLE_NAME": [m.split(" ")[0] for m in view["middle_names"]],
            "KNOWN_AS": known_as,
            "DOB": format_dates(view["date_of_birth"], dates),
            "GENDER": truth["sex"].map(GENDERS).to_numpy(),
            "ETHNICITY": truth["ethnicity"].map(codes.YOUTH_JUSTICE_ETHNICITY).to_numpy(),
            "ADDRESS": _one_line(address),
            "POSTCODE": address["postcode"].to_numpy(),
            "UPN": errors.blanked(rng, truth["upn"].to_numpy(), context.rates["missing_identifier"]),
            "LOOKED_AFTER": np.where(context.care.looked_after_now[children], "Y", "N"),
            "errors": view["errors"].to_numpy(),
        }
    )
    table = (
        people.iloc[person]
        .reset_index(drop=True)
        .assign(
            OUTCOME=cases["outcome"].to_numpy(),
            START_DATE=format_dates(cases["started"], dates),
            END_DATE=format_dates(cases["ended"], dates),
            CASE_MANAGER=(manager["given_name"] + " " + manager["family_name"]).to_numpy(),
        )
    )
    written = Written(
        files={
            "youth_offending/yot_caseload.csv": write_csv(
                table[COLUMNS], context.out / "youth_offending" / "yot_caseload.csv"
            )
        }
    )
    # A case is keyed by the young person's reference and its start date, as the index reads it.
    keys = (table["YOT_REF"] + "|" + table["START_DATE"]).to_numpy()
    written.record(SOURCE, keys, children[person])
    record_errors(written, context, SOURCE, keys, table["errors"])
    return written


def _one_line(address: pd.DataFrame) -> np.ndarray:
    parts = address[["address_line_1", "address_line_2", "town"]].fillna("").to_numpy()
    return np.array([", ".join(p for p in row if p) for row in parts], dtype=object)

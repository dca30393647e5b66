"""The youth justice service's case list, as its case management system exports it: its own
reference, names with the name the young person is known by, dates as 16-Jan-2025, gender and
ethnicity in words, a one-line address, and the current outcome and case manager. Columns are
described in joinedup/synth/README.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from joinedup.synth import codes, errors
from joinedup.synth.names import has_nickname, nicknames_for
from joinedup.synth.output import format_dates, write_csv
from joinedup.synth.randomness import draw

from . import Context, Written, addresses_as_held, agency_view

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
# Assumption: the mix of a youth justice service's caseload, from prevention to custody.
OUTCOMES = {
    "Prevention": 0.22,
    "Turnaround": 0.10,
    "Youth Caution": 0.08,
    "Youth Conditional Caution": 0.14,
    "Referral Order": 0.26,
    "Youth Rehabilitation Order": 0.15,
    "Detention and Training Order": 0.05,
}


def write(rng: np.random.Generator, context: Context) -> Written:
    involvements = context.staffing.involvements
    cases = involvements[involvements["service"] == "YJS-CASE"].sort_values(["child", "started"], kind="stable")
    cases = cases.groupby("child").tail(1)
    children = cases["child"].to_numpy()
    truth = context.register.children.iloc[children]
    view = agency_view(rng, context, children)
    address = addresses_as_held(rng, context, children)
    first = truth["first_name"].to_numpy()
    known_as = np.where(has_nickname(first), nicknames_for(rng, first), "")
    names = context.staffing.practitioners.set_index("username")
    manager = names.reindex(cases["practitioner"].to_numpy())
    table = pd.DataFrame(
        {
            "YOT_REF": [f"YJ{n:06d}" for n in rng.choice(np.arange(1, 999_999), len(children), replace=False)],
            "SURNAME": view["surname"],
            "FORENAME": view["first_name"],
            "MIDDLE_NAME": [m.split(" ")[0] for m in view["middle_names"]],
            "KNOWN_AS": known_as,
            "DOB": format_dates(view["date_of_birth"], "dd-mon-yyyy"),
            "GENDER": truth["sex"].map(GENDERS).to_numpy(),
            "ETHNICITY": truth["ethnicity"].map(codes.YOUTH_JUSTICE_ETHNICITY).to_numpy(),
            "ADDRESS": _one_line(address),
            "POSTCODE": address["postcode"].to_numpy(),
            "UPN": errors.blanked(rng, truth["upn"].to_numpy(), context.rates["missing_identifier"]),
            "LOOKED_AFTER": np.where(context.care.looked_after_now[children], "Y", "N"),
            "OUTCOME": draw(rng, OUTCOMES, len(children)),
            "START_DATE": format_dates(cases["started"], "dd-mon-yyyy"),
            "END_DATE": format_dates(cases["ended"], "dd-mon-yyyy"),
            "CASE_MANAGER": (manager["given_name"] + " " + manager["family_name"]).to_numpy(),
        }
    )
    written = Written(
        files={
            "youth_offending/yot_caseload.csv": write_csv(
                table[COLUMNS], context.out / "youth_offending" / "yot_caseload.csv"
            )
        }
    )
    written.record(SOURCE, table["YOT_REF"].to_numpy(), children)
    return written


def _one_line(address: pd.DataFrame) -> np.ndarray:
    parts = address[["address_line_1", "address_line_2", "town"]].fillna("").to_numpy()
    return np.array([", ".join(p for p in row if p) for row in parts], dtype=object)

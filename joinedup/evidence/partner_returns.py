"""The returns partners ask for, from casework's and the index's records: Ofsted's Annex A list 2
(early help) for a period, and the Standard Safeguarding Dataset's early help episodes,
involvements, linked identifiers and SDQ scores. `returns` shapes them; this reads the rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from joinedup.access import queries as access
from joinedup.audit import services as audit
from joinedup.casework import queries as casework
from joinedup.people import queries as people

from .measures import frame_of
from .returns import annex_a, ssd
from .returns import tables as returns_tables

RETURNS = {"annex_a": "Ofsted Annex A, list 2", "ssd": "Standard Safeguarding Dataset"}
RETURNS_BASIS = "Statutory and partnership returns about early help (public task)"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class MadeReturn:
    content: bytes
    file_name: str
    content_type: str
    rows: int


def make_return(
    *, made_by, which: str, period_start: date, period_end: date, child_id: str, file_format: str, made_on: date
) -> MadeReturn:
    """A return as a file (CSV only for a return of one table; otherwise XLSX, a sheet a table),
    and the audit event of it being made. Raises CannotBeReturned when the records cannot fill it."""
    if which == "annex_a":
        frame = annex_a_list_2(period_start=period_start, period_end=period_end, child_unique_id=child_id)
        sheets, name = {"List 2 early help": frame}, f"annex-a-list-2-{period_end:%Y-%m-%d}"
    elif which == "ssd":
        sheets = standard_safeguarding_dataset(person_id=child_id)
        name = f"standard-safeguarding-dataset-{made_on:%Y-%m-%d}"
    else:
        raise ValueError(f"No such return: {which}")
    rows = sum(len(frame) for frame in sheets.values())
    audit.record(
        actor=made_by,
        verb="made_return",
        legal_basis=RETURNS_BASIS,
        detail={"return": which, "rows": rows, "file": name},
    )
    if file_format == "csv" and len(sheets) == 1:
        content = returns_tables.to_csv_bytes(next(iter(sheets.values())))
        return MadeReturn(content, f"{name}.csv", "text/csv; charset=utf-8", rows)
    return MadeReturn(returns_tables.to_xlsx_bytes(sheets), f"{name}.xlsx", XLSX, rows)


def annex_a_list_2(*, period_start: date, period_end: date, child_unique_id: str = "la_child_id") -> pd.DataFrame:
    rows = frame_of(casework.assessment_return_rows())
    assessments = pd.DataFrame(
        {
            "assessment_id": rows["id"],
            "child_id": rows["current_child_id"],
            "la_child_id": rows["child__la_child_id"].fillna(""),
            "sex": rows["child__sex"],
            "ethnicity": rows["child__ethnicity"].fillna(""),
            "date_of_birth": rows["child__date_of_birth"],
            "assessment_started_on": pd.to_datetime(rows["started_at"], utc=True).dt.date,
            "assessment_completed_on": pd.to_datetime(rows["completed_at"], utc=True).dt.date,
            "assessing_organisation": rows["assessor__agency__name"],
        }
    )
    return annex_a.list_2_early_help(
        assessments=assessments, period_start=period_start, period_end=period_end, child_unique_id=child_unique_id
    )


def standard_safeguarding_dataset(*, person_id: str = "la_child_id") -> dict[str, pd.DataFrame]:
    """The four SSD tables joinedup holds, named as the SSD names them."""
    cases = frame_of(casework.episode_return_rows())
    episodes = pd.DataFrame(
        {
            "episode_id": cases["id"],
            "child_id": cases["current_child_id"],
            "la_child_id": cases["child__la_child_id"].fillna(""),
            "started_on": cases["opened_on"],
            "ended_on": cases["closed_on"],
            "reason_for_involvement": cases["referral__concern"].fillna(""),
            "reason_for_closure": cases["closure_reason"],
            "lead_professional_agency": cases["lead_professional__agency__name"],
            "lead_professional_id": cases["lead_professional_id"],
        }
    )
    held = frame_of(access.involvement_return_rows())
    involvements = pd.DataFrame(
        {
            "involvement_id": held["id"],
            "child_id": held["current_child_id"],
            "la_child_id": held["child__la_child_id"].fillna(""),
            "practitioner_id": held["practitioner_id"],
            "role": held["kind"],
            "team": held["practitioner__team__name"].fillna(""),
            "started_on": held["started"],
            "ended_on": held["ended"],
            "worker_change_reason": "",
            "referral_id": "",
        }
    )
    children = frame_of(people.identifier_rows())
    identifiers = []
    for kind in ("nhs_number", "upn"):
        known = children[children[kind].fillna("") != ""]
        identifiers.append(
            pd.DataFrame(
                {
                    "identifier_id": kind + "-" + known["id"].astype(str),
                    "child_id": known["id"],
                    "la_child_id": known["la_child_id"].fillna(""),
                    "identifier_type": kind,
                    "value": known[kind],
                    "valid_from": None,
                    "valid_to": None,
                }
            )
        )
    linked = pd.concat(identifiers, ignore_index=True)
    reviews = frame_of(casework.sdq_return_rows())
    scores = pd.DataFrame(
        {
            "sdq_id": reviews["id"],
            "child_id": reviews["current_child_id"],
            "la_child_id": reviews["case__child__la_child_id"].fillna(""),
            "completed_on": reviews["held_on"],
            "score": reviews["sdq_total"],
            "reason_not_scored": "",
        }
    )
    return {
        "ssd_early_help_episodes": ssd.early_help_episodes(episodes=episodes, person_id=person_id),
        "ssd_involvements": ssd.involvements(involvements=involvements, person_id=person_id),
        "ssd_linked_identifiers": ssd.linked_identifiers(identifiers=linked, person_id=person_id),
        "ssd_sdq_scores": ssd.sdq_scores(scores=scores, person_id=person_id),
    }

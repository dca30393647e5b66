"""The Standard Safeguarding Dataset's early help tables (data-to-insight's ssd-data-model): early
help episodes, involvements, linked identifiers and SDQ scores, built from plain frames that the
integrator fills from the database, in exactly the columns, order and codes of specs/ssd.toml."""

from __future__ import annotations

import pandas as pd

from . import spec as returns_spec
from .spec import Problems, TableSpec, allowed, dates, mapped, require_columns, texts

SSD = returns_spec.load("ssd")


def _start(frame: pd.DataFrame, spec: TableSpec, columns: list[str], *, row_id: str, person_id: str) -> Problems:
    """The SSD's person id is "the person's ID generated in the CMS database": joinedup's own
    `child_id` where joinedup records the early help, or `la_child_id` to join the authority's SSD."""
    if person_id not in {"child_id", "la_child_id"}:
        raise ValueError(f"person_id must be 'child_id' or 'la_child_id', not {person_id!r}")
    require_columns(frame, [row_id, person_id, *columns], table=spec.title)
    return Problems(spec, frame.reset_index(drop=True), row_id=row_id)


def early_help_episodes(
    *, episodes: pd.DataFrame, person_id: str = "child_id", dates_as_text: bool = True
) -> pd.DataFrame:
    """`ssd_early_help_episodes`, one row per early help episode (a joinedup case).

    Input columns, one row per episode:
    - `episode_id`: the case's id.
    - `child_id`: joinedup's stable id for the child; `la_child_id`: the authority's social care id
      (may be blank). `person_id` names the one written as `earl_person_id`.
    - `started_on`, `ended_on`: dates (blank while open).
    - `reason_for_involvement`: the referral's reason as recorded (free text; may be blank).
    - `reason_for_closure`: joinedup's closure reason (needs_met, stepped_up, stepped_down,
      moved_away, declined), blank while open.
    - `lead_professional_agency`: the lead professional's agency, written as the organisation.
    - `lead_professional_id`: the lead professional's practitioner id.

    The level at which needs were met (CAF destination) and the referral source have no SSD column
    and are not asked for.
    """
    spec = SSD["ssd_early_help_episodes"]
    inputs = ["started_on", "ended_on", "reason_for_involvement", "reason_for_closure", "lead_professional_agency"]
    problems = _start(episodes, spec, [*inputs, "lead_professional_id"], row_id="episode_id", person_id=person_id)
    frame = problems.frame
    columns = {
        "earl_episode_id": texts(frame, input_column="episode_id"),
        "earl_person_id": texts(frame, input_column=person_id),
        "earl_episode_start_date": dates(frame, input_column="started_on", problems=problems),
        "earl_episode_end_date": dates(frame, input_column="ended_on", problems=problems),
        "earl_episode_reason": texts(frame, input_column="reason_for_involvement"),
        "earl_episode_end_reason": mapped(
            frame,
            input_column="reason_for_closure",
            spec=spec,
            output_column="earl_episode_end_reason",
            problems=problems,
        ),
        "earl_episode_organisation": texts(frame, input_column="lead_professional_agency"),
        "earl_episode_worker_id": texts(frame, input_column="lead_professional_id"),
    }
    return returns_spec.shaped(columns, spec=spec, problems=problems, dates_as_text=dates_as_text)


def involvements(
    *, involvements: pd.DataFrame, person_id: str = "child_id", dates_as_text: bool = True
) -> pd.DataFrame:
    """`ssd_involvements`, one row per practitioner's involvement with a child.

    Input columns, one row per involvement:
    - `involvement_id`: the involvement's id.
    - `child_id`, `la_child_id`: as for `early_help_episodes`; `person_id` names the one written.
    - `practitioner_id`: the practitioner's (SSD: professional's) id.
    - `role`: joinedup's involvement kind (allocated_worker, agency_record, referrer, assessor,
      panel_member, panel_chair, lead_professional, tac_member).
    - `team`: the practitioner's team name (may be blank).
    - `started_on`, `ended_on`: dates (end blank while involved).
    - `worker_change_reason`: the SSD's change-of-worker code (MANAGE, FCONTA, ...) or blank.
    - `referral_id`: the referral the involvement came from (may be blank).

    The practitioner's agency has no SSD column here (the SSD reaches it through the team).
    """
    spec = SSD["ssd_involvements"]
    inputs = ["practitioner_id", "role", "team", "started_on", "ended_on", "worker_change_reason", "referral_id"]
    problems = _start(involvements, spec, inputs, row_id="involvement_id", person_id=person_id)
    frame = problems.frame
    columns = {
        "invo_involvements_id": texts(frame, input_column="involvement_id"),
        "invo_professional_id": texts(frame, input_column="practitioner_id"),
        "invo_professional_role_id": mapped(
            frame, input_column="role", spec=spec, output_column="invo_professional_role_id", problems=problems
        ),
        "invo_professional_team": texts(frame, input_column="team"),
        "invo_person_id": texts(frame, input_column=person_id),
        "invo_involvement_start_date": dates(frame, input_column="started_on", problems=problems),
        "invo_involvement_end_date": dates(frame, input_column="ended_on", problems=problems),
        "invo_worker_change_reason": allowed(
            texts(frame, input_column="worker_change_reason"),
            column=spec.column("invo_worker_change_reason"),
            problems=problems,
        ),
        "invo_referral_id": texts(frame, input_column="referral_id"),
    }
    return returns_spec.shaped(columns, spec=spec, problems=problems, dates_as_text=dates_as_text)


def linked_identifiers(
    *, identifiers: pd.DataFrame, person_id: str = "child_id", dates_as_text: bool = True
) -> pd.DataFrame:
    """`ssd_linked_identifiers`, one row per identifier a child is known by elsewhere.

    Input columns, one row per identifier:
    - `identifier_id`: the row's id (e.g. the index record the identifier came from).
    - `child_id`, `la_child_id`: as for `early_help_episodes`; `person_id` names the one written.
    - `identifier_type`: nhs_number, upn or former_upn. uln, la_child_id and other_agency_id have
      no SSD type and are rejected: leave them out, or ask data-to-insight for a type.
    - `value`: the identifier.
    - `valid_from`, `valid_to`: dates the identifier was known from and until (may be blank).
    - `source`: which agency's record it came from (not an SSD column; kept for the caller).
    """
    spec = SSD["ssd_linked_identifiers"]
    inputs = ["identifier_type", "value", "valid_from", "valid_to"]
    problems = _start(identifiers, spec, inputs, row_id="identifier_id", person_id=person_id)
    frame = problems.frame
    columns = {
        "link_table_id": texts(frame, input_column="identifier_id"),
        "link_person_id": texts(frame, input_column=person_id),
        "link_identifier_type": mapped(
            frame, input_column="identifier_type", spec=spec, output_column="link_identifier_type", problems=problems
        ),
        "link_identifier_value": texts(frame, input_column="value"),
        "link_valid_from_date": dates(frame, input_column="valid_from", problems=problems),
        "link_valid_to_date": dates(frame, input_column="valid_to", problems=problems),
    }
    return returns_spec.shaped(columns, spec=spec, problems=problems, dates_as_text=dates_as_text)


def sdq_scores(*, scores: pd.DataFrame, person_id: str = "child_id", dates_as_text: bool = True) -> pd.DataFrame:
    """`ssd_sdq_scores`, one row per SDQ total difficulties score entered from a paper form.

    Input columns, one row per score:
    - `sdq_id`: the score's id.
    - `child_id`, `la_child_id`: as for `early_help_episodes`; `person_id` names the one written.
    - `completed_on`: the date the questionnaire was completed.
    - `score`: the total difficulties score, a whole number 0-40, or blank with a reason.
    - `reason_not_scored`: the SSD's code SDQ1-SDQ5 when there is no score, else blank.

    The SSD records no informant (its SDQ is the carer's form of the looked-after children's
    return), so a score's informant is not asked for: filter to the informant wanted first.
    """
    spec = SSD["ssd_sdq_scores"]
    inputs = ["completed_on", "score", "reason_not_scored"]
    problems = _start(scores, spec, inputs, row_id="sdq_id", person_id=person_id)
    frame = problems.frame
    score_column = spec.column("csdq_sdq_score")
    reasons = allowed(
        texts(frame, input_column="reason_not_scored"), column=spec.column("csdq_sdq_reason"), problems=problems
    )
    totals: list[int | None] = []
    for position, (value, reason) in enumerate(zip(frame["score"], reasons, strict=True)):
        total = _whole_number(value)
        if returns_spec.is_blank(value):
            if reason is None:
                problems.add(position, "score is blank and there is no reason_not_scored")
        elif total is None or not score_column.minimum <= total <= score_column.maximum:
            problems.add(
                position, f"score {value!r} is not a whole number from {score_column.minimum} to {score_column.maximum}"
            )
        totals.append(total)
    columns = {
        "csdq_table_id": texts(frame, input_column="sdq_id"),
        "csdq_person_id": texts(frame, input_column=person_id),
        "csdq_sdq_completed_date": dates(frame, input_column="completed_on", problems=problems),
        "csdq_sdq_score": totals,
        "csdq_sdq_reason": reasons,
    }
    return returns_spec.shaped(columns, spec=spec, problems=problems, dates_as_text=dates_as_text)


def _whole_number(value: object) -> int | None:
    if returns_spec.is_blank(value) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else None

"""Ofsted's Annex A list 2 (early help) for an inspection of local authority children's services:
one row per early help assessment in the period, in the columns and codes data-to-insight's
liia-tools checks (specs/annex_a_list_2.toml)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from . import spec as returns_spec
from .spec import Problems, dates, mapped, require_columns, texts

LIST_2 = returns_spec.load("annex_a_list_2")["list_2"]


def list_2_early_help(
    *,
    assessments: pd.DataFrame,
    period_start: date,
    period_end: date,
    child_unique_id: str = "child_id",
    dates_as_text: bool = True,
) -> pd.DataFrame:
    """Annex A list 2: each early help assessment started or completed between `period_start` and
    `period_end` (both included), oldest first.

    Input columns, one row per early help assessment:
    - `assessment_id`: the assessment's id (names the row in any problem).
    - `child_id`: joinedup's stable id for the child; `la_child_id`: the authority's social care id.
      `child_unique_id` names the one written as "Child Unique ID": Ofsted matches a child across
      the lists by it, so use `la_child_id` when the other lists come from the social care system.
    - `sex`: joinedup's M, F or U.
    - `ethnicity`: the DfE main ethnicity code (WBRI, ..., REFU, NOBT), blank when not obtained.
    - `date_of_birth`: a date, or blank.
    - `assessment_started_on`, `assessment_completed_on`: dates (completion blank while in progress).
    - `assessing_organisation`: the organisation whose practitioner completed the assessment.

    Age is counted in whole years on `period_end`, the day the list describes.
    """
    if child_unique_id not in {"child_id", "la_child_id"}:
        raise ValueError(f"child_unique_id must be 'child_id' or 'la_child_id', not {child_unique_id!r}")
    if period_end < period_start:
        raise ValueError(f"the period ends ({period_end}) before it starts ({period_start})")
    inputs = ["assessment_id", child_unique_id, "sex", "ethnicity", "date_of_birth", "assessment_started_on"]
    inputs += ["assessment_completed_on", "assessing_organisation"]
    require_columns(assessments, inputs, table=LIST_2.title)
    order = _in_period_oldest_first(assessments, period_start=period_start, period_end=period_end)
    frame = assessments.iloc[order].reset_index(drop=True)
    problems = Problems(LIST_2, frame, row_id="assessment_id", input_rows=order)
    born = dates(frame, input_column="date_of_birth", problems=problems)
    columns = {
        "Child Unique ID": texts(frame, input_column=child_unique_id),
        "Gender": mapped(frame, input_column="sex", spec=LIST_2, output_column="Gender", problems=problems),
        "Ethnicity": mapped(frame, input_column="ethnicity", spec=LIST_2, output_column="Ethnicity", problems=problems),
        "Date of Birth": born,
        "Age of Child (Years)": [None if birth is None else _age(birth, on=period_end) for birth in born],
        "Assessment start date": dates(frame, input_column="assessment_started_on", problems=problems),
        "Assessment completion date": dates(frame, input_column="assessment_completed_on", problems=problems),
        "Organisation completing assessment": texts(frame, input_column="assessing_organisation"),
    }
    return returns_spec.shaped(columns, spec=LIST_2, problems=problems, dates_as_text=dates_as_text)


def _in_period_oldest_first(assessments: pd.DataFrame, *, period_start: date, period_end: date) -> list[int]:
    """Positions of the assessments started or completed in the period, by start date. A date that
    cannot be read keeps its row in, so that it is reported rather than silently left out."""
    kept: list[tuple[date, int]] = []
    for position, (started, completed) in enumerate(
        zip(assessments["assessment_started_on"], assessments["assessment_completed_on"], strict=True)
    ):
        try:
            started_on, completed_on = returns_spec.to_date(started), returns_spec.to_date(completed)
        except ValueError:
            kept.append((date.min, position))
            continue
        if any(day is not None and period_start <= day <= period_end for day in (started_on, completed_on)):
            kept.append((started_on or date.min, position))
    return [position for _, position in sorted(kept)]


def _age(born: date, *, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

"""Ofsted's Annex A list 2 (early help), checked against the columns and codes written out here by
hand from liia-tools' Annex A configuration (SocialFinanceDigitalLabs/liia-tools, commit 0dd821c)."""

from datetime import date

import pandas as pd
import pytest

from joinedup.evidence.returns import annex_a, spec
from joinedup.evidence.returns.spec import CannotBeReturned

LIST_2_COLUMNS = [
    "Child Unique ID",
    "Gender",
    "Ethnicity",
    "Date of Birth",
    "Age of Child (Years)",
    "Assessment start date",
    "Assessment completion date",
    "Organisation completing assessment",
]
PERIOD = {"period_start": date(2025, 4, 1), "period_end": date(2025, 9, 30)}


def assessment(**changes) -> dict:
    row = {
        "assessment_id": "A1",
        "child_id": "JU-000001",
        "la_child_id": "LA-77",
        "sex": "F",
        "ethnicity": "WBRI",
        "date_of_birth": date(2015, 3, 1),
        "assessment_started_on": date(2025, 5, 2),
        "assessment_completed_on": date(2025, 6, 13),
        "assessing_organisation": "Northside Primary School",
    }
    return row | changes


def test_spec_file_holds_list_2_columns_in_liia_tools_order():
    assert spec.load("annex_a_list_2")["list_2"].column_names == LIST_2_COLUMNS


def test_every_joinedup_code_maps_to_an_annex_a_code():
    list_2 = spec.load("annex_a_list_2")["list_2"]

    assert set(list_2.from_joinedup["sex"].values()) <= set(list_2.column("Gender").codes)
    assert set(list_2.from_joinedup["ethnicity"].values()) == set(list_2.column("Ethnicity").codes)


def test_list_2_has_exactly_the_annex_a_columns_and_codes():
    written = annex_a.list_2_early_help(assessments=pd.DataFrame([assessment()]), **PERIOD)

    assert list(written.columns) == LIST_2_COLUMNS
    assert written.iloc[0].tolist() == [
        "JU-000001",
        "b) Female",
        "a) WBRI",
        "01/03/2015",
        10,
        "02/05/2025",
        "13/06/2025",
        "Northside Primary School",
    ]


@pytest.mark.parametrize(
    ("sex", "ethnicity", "gender", "ethnic_code"),
    [
        ("M", "APKN", "a) Male", "k) APKN"),
        ("F", "REFU", "b) Female", "s) REFU"),
        ("U", "", "c) Not stated/recorded", "s) NOBT"),
        ("U", None, "c) Not stated/recorded", "s) NOBT"),
    ],
)
def test_sex_and_ethnicity_are_written_in_annex_a_codes(sex, ethnicity, gender, ethnic_code):
    rows = pd.DataFrame([assessment(sex=sex, ethnicity=ethnicity)])

    written = annex_a.list_2_early_help(assessments=rows, **PERIOD)

    assert written[["Gender", "Ethnicity"]].iloc[0].tolist() == [gender, ethnic_code]


def test_an_extended_ethnicity_code_is_rejected_not_guessed():
    rows = pd.DataFrame([assessment(), assessment(assessment_id="A2", ethnicity="WENG")])

    with pytest.raises(CannotBeReturned) as caught:
        annex_a.list_2_early_help(assessments=rows, **PERIOD)

    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(
        "row 2 (assessment_id 'A2'): ethnicity 'WENG' has no Ethnicity code in Annex A list 2: early help"
    )


def test_a_problem_names_the_callers_row_even_after_the_period_is_taken():
    rows = pd.DataFrame(
        [
            assessment(assessment_id="A1", assessment_started_on=date(2024, 1, 5), assessment_completed_on=None),
            assessment(assessment_id="A2", sex="X"),
        ]
    )

    with pytest.raises(CannotBeReturned, match=r"row 2 \(assessment_id 'A2'\): sex 'X'"):
        annex_a.list_2_early_help(assessments=rows, **PERIOD)


def test_list_holds_assessments_started_or_completed_in_the_period_oldest_first():
    def held(child_id: str, started: date, completed: date | None) -> dict:
        return assessment(
            assessment_id=child_id, child_id=child_id, assessment_started_on=started, assessment_completed_on=completed
        )

    rows = pd.DataFrame(
        [
            held("before", date(2025, 1, 6), date(2025, 3, 31)),
            held("completed in", date(2025, 3, 3), date(2025, 4, 1)),
            held("last day", date(2025, 9, 30), None),
            held("open before", date(2025, 2, 1), None),
            held("after", date(2025, 10, 1), None),
            held("first day", date(2025, 4, 1), None),
        ]
    )

    written = annex_a.list_2_early_help(assessments=rows, **PERIOD)

    assert written["Child Unique ID"].tolist() == ["completed in", "first day", "last day"]
    assert written["Assessment completion date"].tolist() == ["01/04/2025", None, None]


def test_age_is_whole_years_on_the_last_day_of_the_period():
    rows = pd.DataFrame(
        [
            assessment(child_id="birthday that day", date_of_birth=date(2015, 9, 30)),
            assessment(child_id="birthday next day", date_of_birth=date(2015, 10, 1)),
            assessment(child_id="not known", date_of_birth=None),
        ]
    )

    written = annex_a.list_2_early_help(assessments=rows, **PERIOD)

    assert written["Age of Child (Years)"].tolist() == [10, 9, None]
    assert written["Date of Birth"].tolist() == ["30/09/2015", "01/10/2015", None]


def test_the_child_unique_id_can_be_the_authoritys_id():
    written = annex_a.list_2_early_help(
        assessments=pd.DataFrame([assessment()]), child_unique_id="la_child_id", **PERIOD
    )

    assert written["Child Unique ID"].tolist() == ["LA-77"]


def test_an_assessment_without_its_organisation_is_rejected():
    rows = pd.DataFrame([assessment(assessing_organisation="  ")])

    with pytest.raises(CannotBeReturned, match="Organisation completing assessment is required and is blank"):
        annex_a.list_2_early_help(assessments=rows, **PERIOD)


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="ends"):
        annex_a.list_2_early_help(
            assessments=pd.DataFrame([assessment()]), period_start=date(2025, 9, 30), period_end=date(2025, 4, 1)
        )

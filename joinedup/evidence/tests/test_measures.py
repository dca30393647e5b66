"""The measures are built from what the index imported and casework recorded: attendance per
term with the DfE flags, exclusions, key groups, referrals and re-referrals, and early help."""

from datetime import UTC, date, datetime

import pytest

from joinedup.casework.tests.factories import CaseFactory, ReferralFactory
from joinedup.evidence.measures import MeasuresNotBuilt, build_measures, connect
from joinedup.index.review.tests.factories import IndexRecordFactory
from joinedup.people.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


def term(name: str, starts: str, possible: int, missed: int, nc_year: int = 8) -> dict:
    return {"term": name, "starts": starts, "urn": "100001", "nc_year": nc_year, "possible": possible,
            "missed": missed, "unauthorised": 0}  # fmt: skip


def test_pages_are_told_when_the_measures_were_never_built():
    with pytest.raises(MeasuresNotBuilt, match="joinedup build-measures"):
        connect()


def test_attendance_per_term_carries_the_dfe_absence_flags_and_the_ks3_key_group():
    pupil = ChildFactory(date_of_birth=date(2011, 10, 1))
    IndexRecordFactory(
        child=pupil,
        facts={
            "attendance_terms": [
                term("2023-autumn", "2023-09-01", 140, 7),  # 5%: neither
                term("2023-spring", "2024-01-01", 120, 12),  # 10%: persistent (10% or more)
                term("2023-summer", "2024-04-01", 130, 66),  # 50.8%: severe, and over KS3's 20%
            ],
            "exclusions": [{"category": "SUSP", "starts": "2024-02-05", "sessions": 2.0}],
        },
    )

    built = build_measures(on=date(2024, 8, 1))

    with connect() as con:
        rows = con.execute(
            "SELECT term, round(attendance_rate, 1), persistent_absence, severe_absence, ks3_absence, suspended, age "
            "FROM pupil_terms ORDER BY term_index"
        ).fetchall()
        ks3 = con.execute("SELECT ks3_absence FROM children WHERE child_id = ?", [pupil.id]).fetchone()[0]
    assert rows == [
        ("2023-autumn", 95.0, False, False, False, False, 11),
        ("2023-spring", 90.0, True, False, False, True, 12),
        ("2023-summer", 49.2, True, True, True, False, 12),
    ]
    assert ks3 is True
    assert (built.children, built.pupil_terms) == (1, 3)


def test_a_referral_within_twelve_months_of_the_last_is_a_re_referral():
    child = ChildFactory()
    for submitted in (datetime(2023, 5, 1, 10, tzinfo=UTC), datetime(2024, 3, 1, 10, tzinfo=UTC),
                      datetime(2025, 6, 1, 10, tzinfo=UTC)):  # fmt: skip
        ReferralFactory(child=child, submitted_at=submitted)

    build_measures(on=date(2025, 8, 1))

    with connect() as con:
        flags = con.execute("SELECT re_referral FROM referral_history ORDER BY referred_on").fetchall()
    assert flags == [(False,), (True,), (False,)]


def test_each_term_knows_how_many_referrals_came_before_it_and_the_pupils_age_band():
    pupil = ChildFactory(date_of_birth=date(2014, 10, 1))
    IndexRecordFactory(
        child=pupil,
        facts={
            "attendance_terms": [
                term("2023-autumn", "2023-09-01", 140, 7),
                term("2023-spring", "2024-01-01", 120, 6),
                term("2023-summer", "2024-04-01", 130, 6),
            ]
        },
    )
    for submitted in (datetime(2023, 10, 2, 9, tzinfo=UTC), datetime(2023, 10, 2, 15, tzinfo=UTC),
                      datetime(2024, 4, 1, 10, tzinfo=UTC)):  # fmt: skip
        ReferralFactory(child=pupil, submitted_at=submitted)

    build_measures(on=date(2024, 8, 1))

    with connect() as con:
        rows = con.execute("SELECT referrals_before, age_band FROM pupil_terms ORDER BY term_index").fetchall()
    # Two referrals on one day in the autumn count twice; the one on the summer term's first day is not before it.
    assert rows == [(0, "5 to 9"), (2, "5 to 9"), (2, "5 to 9")]


def test_youth_justice_outcomes_count_cautions_and_court_outcomes_and_mark_the_first():
    pupil = ChildFactory(date_of_birth=date(2009, 10, 1))
    IndexRecordFactory(
        child=pupil,
        facts={
            "attendance_terms": [
                term("2023-autumn", "2023-09-01", 140, 7, nc_year=9),
                term("2023-spring", "2024-01-01", 120, 6, nc_year=9),
                term("2023-summer", "2024-04-01", 130, 6, nc_year=9),
            ]
        },
    )
    for outcome, on in (
        ("Prevention", "2023-09-20"),
        ("Youth Caution", "2024-02-10"),
        ("Referral Order", "2024-05-03"),
    ):
        IndexRecordFactory(child=pupil, facts={"outcome": outcome, "outcome_on": on})

    build_measures(on=date(2024, 8, 1))

    with connect() as con:
        rows = con.execute(
            "SELECT term, youth_justice_outcome, first_time_entrant FROM pupil_terms ORDER BY term_index"
        ).fetchall()
    # Prevention work is not an outcome of an offence; the caution makes the pupil a first time entrant.
    assert rows == [("2023-autumn", False, False), ("2023-spring", True, True), ("2023-summer", True, False)]


def test_a_case_records_when_help_started_and_whether_a_team_was_around_the_child():
    case = CaseFactory(opened_on=date(2024, 1, 15))
    ChildFactory()  # never helped

    build_measures(on=date(2024, 8, 1))

    with connect() as con:
        rows = con.execute(
            "SELECT child_id, first_helped_on, first_helped_term_index, supported FROM children ORDER BY child_id"
        ).fetchall()
    assert rows[0] == (case.child_id, date(2024, 1, 15), 2023 * 3 + 1, True)
    assert rows[1][1:] == (None, None, False)

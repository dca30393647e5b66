"""Trends per term by group and the impact model read the built measures; every figure carries
its N and a 95% interval."""

from datetime import date

import pytest
from scipy.stats import binomtest

from joinedup.casework.models import Review
from joinedup.casework.tests.factories import CaseFactory
from joinedup.evidence.cohorts import Definition
from joinedup.evidence.figures import share
from joinedup.evidence.measures import build_measures, connect
from joinedup.evidence.queries import ALL_CHILDREN, impact_model, trend
from joinedup.index.review.tests.factories import IndexRecordFactory
from joinedup.people.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


def attends(child, *missed_by_term, nc_year=8, autism=False):
    terms = [("2023-autumn", "2023-09-01"), ("2023-spring", "2024-01-01"), ("2023-summer", "2024-04-01")]
    IndexRecordFactory(
        child=child,
        facts={
            "attendance_terms": [
                {"term": t, "starts": s, "urn": "100001", "nc_year": nc_year, "possible": 100, "missed": m}
                for (t, s), m in zip(terms, missed_by_term, strict=False)
            ]
        },
    )
    if autism:
        IndexRecordFactory(child=child, facts={"sen_primary_need": "ASD"})


def test_the_wilson_interval_is_the_one_scipy_gives():
    figure = share(3, 40)
    low, high = binomtest(3, 40).proportion_ci(method="wilson")
    assert figure.value == pytest.approx(7.5)
    assert (figure.low, figure.high) == (pytest.approx(100 * low), pytest.approx(100 * high))


def test_attendance_trend_by_key_group_counts_each_child_once_per_term_in_every_group_they_are_in():
    attends(ChildFactory(), 5, 10, 20, autism=True)
    attends(ChildFactory(), 15, 25, 5)
    attends(ChildFactory(), 0, 0, nc_year=3)  # two terms only
    build_measures(on=date(2024, 8, 1))

    with connect() as con:
        table = trend(con, "attendance_rate", by="key_group")

    everyone = table[table["group"] == ALL_CHILDREN]
    assert everyone["term"].tolist() == ["2023-autumn", "2023-spring", "2023-summer"]
    assert everyone["n"].tolist() == [3, 3, 2]
    assert everyone["value"].round(2).tolist() == [pytest.approx(93.33), pytest.approx(88.33), pytest.approx(87.5)]
    autism = table[table["group"] == "Children with autism"]
    assert autism["n"].tolist() == [1, 1, 1]
    assert autism["value"].tolist() == [95.0, 90.0, 80.0]
    ks3 = table[table["group"] == "Key stage 3 pupils with high absence"]
    assert ks3["n"].tolist() == [1, 1, 1]  # the second pupil missed 25% in spring
    first = everyone.iloc[0]
    assert first["low"] < first["value"] < first["high"]


def test_a_cohort_narrows_the_trend_to_its_children():
    attends(ChildFactory(sex="F"), 10, 10, 10)
    attends(ChildFactory(sex="M"), 30, 30, 30)
    build_measures(on=date(2024, 8, 1))

    with connect() as con:
        table = trend(con, "persistent_absence", cohort=Definition(sexes=["F"]))

    assert table["n"].tolist() == [1, 1, 1]
    assert table["value"].tolist() == [100.0, 100.0, 100.0]  # 10% missed is persistent absence


def test_the_impact_model_shows_processes_outcomes_by_key_group_and_lasting_change():
    helped = ChildFactory()
    attends(helped, 5, 20, 4)
    CaseFactory(child=helped, opened_on=date(2024, 1, 20))
    build_measures(on=date(2024, 8, 1))

    with connect() as con:
        model = impact_model(con)

    labels = [line.label for line in model.level_1]
    assert "Teams around the child with more than one agency" in labels
    cases_with_assessment = next(line for line in model.level_1 if line.label.startswith("Cases with an early help"))
    assert cases_with_assessment.figure.n == 1
    groups = dict(model.level_3)
    attendance = next(line for line in groups[ALL_CHILDREN] if line.label == "Attendance")
    assert (attendance.figure.value, attendance.figure.n) == (96.0, 1)
    assert [line.label for line in model.level_4][0] == "Attendance held for three terms after help"


def test_the_wellbeing_check_is_a_mean_score_per_term_and_its_change_while_helped_is_level_3():
    helped = ChildFactory()
    attends(helped, 5, 20, 4)
    case = CaseFactory(child=helped, opened_on=date(2024, 1, 20))
    user = case.lead_professional.user
    for held_on, answers in ((date(2024, 1, 20), {"happy": 3, "safe_home": 5, "safe_school": 4, "listened_to": 4}),
                             (date(2024, 5, 2), {"happy": 6, "safe_home": 7, "safe_school": 6, "listened_to": 9}),
                             (date(2024, 6, 13), {})):  # fmt: skip
        Review.objects.create(case=case, held_on=held_on, wellbeing=answers, recorded_by=user)
    build_measures(on=date(2024, 8, 1))

    with connect() as con:
        table = trend(con, "wellbeing_check")
        model = impact_model(con)

    # An unanswered check is no score, not a zero.
    assert table[["term", "n", "value"]].values.tolist() == [["2023-spring", 1, 4.0], ["2023-summer", 1, 7.0]]
    change = next(
        line for line in dict(model.level_3)[ALL_CHILDREN] if line.label.startswith("Change in the wellbeing")
    )
    assert (change.figure.value, change.figure.n) == (3.0, 1)

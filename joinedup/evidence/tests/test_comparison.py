"""The comparison reads the measures as a panel of pupils and terms, with the term help started
for supported children only, and says plainly when it cannot be made."""

from datetime import date

import pytest

from joinedup.casework.tests.factories import CaseFactory
from joinedup.evidence.measures import build_measures, connect
from joinedup.evidence.queries import COMPARISON_COVARIATES, comparison_panel
from joinedup.index.review.tests.factories import IndexRecordFactory
from joinedup.people.models import Role
from joinedup.people.tests.factories import ChildFactory, PractitionerFactory

pytestmark = pytest.mark.django_db
TERMS = [("2023-autumn", "2023-09-01"), ("2023-spring", "2024-01-01"), ("2023-summer", "2024-04-01")]


def pupil(missed):
    child = ChildFactory()
    IndexRecordFactory(
        child=child,
        facts={
            "attendance_terms": [
                {"term": t, "starts": s, "urn": "100001", "nc_year": 8, "possible": 100, "missed": m}
                for (t, s), m in zip(TERMS, missed, strict=True)
            ]
        },
    )
    return child


def test_the_panel_gives_supported_children_the_term_help_started_and_others_none():
    helped, other = pupil([5, 20, 10]), pupil([3, 3, 3])
    CaseFactory(child=helped, opened_on=date(2024, 1, 20))
    build_measures(on=date(2024, 8, 1))

    with connect() as con:
        panel = comparison_panel(con, code="attendance_rate").sort_values(["child", "period"])

    assert list(panel.columns) == ["child", "period", "outcome", "first_helped", *COMPARISON_COVARIATES]
    assert panel["period"].tolist() == [0, 1, 2, 0, 1, 2]
    assert panel["school"].astype(str).unique().tolist() == ["100001"]  # text arrives as categories
    assert panel["referrals_before"].tolist() == [0, 0, 0, 0, 0, 0]
    by_child = panel.groupby("child")["first_helped"].first()
    assert by_child[helped.pk] == 1 and by_child.isna()[other.pk]
    assert panel.loc[panel["child"] == helped.pk, "outcome"].tolist() == [95.0, 80.0, 90.0]


def test_a_comparison_too_small_to_trust_says_why_instead_of_showing_a_figure(client):
    helped = pupil([5, 20, 10])
    CaseFactory(child=helped, opened_on=date(2024, 1, 20))
    build_measures(on=date(2024, 8, 1))
    client.force_login(PractitionerFactory(role=Role.PERFORMANCE_ANALYST).user)

    page = client.get("/evidence/comparison/?measure=attendance_rate").content.decode()

    assert "The comparison cannot be made" in page
    assert "before and after, supported children only" in page

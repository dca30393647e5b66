"""The evidence pages in a real browser, as an analyst and as the director would use them, with
axe on every page."""

from datetime import date

import pytest
from django.contrib.auth.hashers import make_password

from joinedup.agencies.tests.factories import LocalityFactory
from joinedup.casework.tests.factories import CaseFactory
from joinedup.common.browser_testing import Journey
from joinedup.evidence.measures import build_measures
from joinedup.index.review.tests.factories import IndexRecordFactory
from joinedup.people.models import Role
from joinedup.people.tests.factories import AddressFactory, ChildFactory, PractitionerFactory

pytestmark = pytest.mark.browser
PASSWORD = "correct-horse-battery-staple"
TERMS = [("2023-autumn", "2023-09-01"), ("2023-spring", "2024-01-01"), ("2023-summer", "2024-04-01"),
         ("2024-autumn", "2024-09-01"), ("2024-spring", "2025-01-01"), ("2024-summer", "2025-04-01")]  # fmt: skip


@pytest.fixture
def authority(db):
    """Forty pupils in two localities over six terms; one in four had early help."""
    localities = [LocalityFactory(name="Northgate"), LocalityFactory(name="Southgate")]
    for n in range(40):
        child = ChildFactory()
        AddressFactory(child=child, locality=localities[n % 2], postcode="NX1 2AB")
        IndexRecordFactory(
            child=child,
            facts={"attendance_terms": [
                {"term": t, "starts": s, "urn": "100001", "nc_year": 8, "possible": 100, "missed": (n + i) % 15}
                for i, (t, s) in enumerate(TERMS)
            ]},
        )  # fmt: skip
        if n % 4 == 0:
            CaseFactory(child=child, opened_on=date(2024, 10, 1))
    build_measures(on=date(2025, 7, 1))
    for username, role in (("ana", Role.PERFORMANCE_ANALYST), ("dee", Role.DIRECTOR)):
        PractitionerFactory(role=role, user__username=username, user__password=make_password(PASSWORD))


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_an_analyst_goes_through_every_evidence_page(authority, live_server, page):
    journey = Journey(page, "evidence-analyst")
    sign_in(page, live_server, "ana")
    page.get_by_role("link", name="Evidence").first.click()
    journey.check("the impact model")
    page.get_by_role("link", name="Outcomes over time").click()
    journey.check("attendance by key group")
    page.get_by_role("link", name="Did help make a difference?").click()
    journey.check("the comparison")
    page.get_by_role("link", name="Whole-family outcomes").click()
    journey.check("whole-family outcomes")
    page.get_by_role("link", name="Cohorts").click()
    page.get_by_role("button", name="Define a cohort").click()
    journey.check("the cohort builder")
    page.get_by_label("Name of the cohort").fill("Northgate pupils")
    page.get_by_label("Northgate").check()
    page.get_by_role("button", name="Save cohort").click()
    journey.check("the cohort and how it was defined")
    assert page.get_by_text("Living in: Northgate").is_visible()
    page.get_by_role("link", name="Returns").click()
    journey.check("returns")
    page.get_by_role("link", name="Extracts for research").click()
    journey.check("extracts for research")


def test_the_director_sees_the_impact_model_on_their_home_page(authority, live_server, page):
    journey = Journey(page, "evidence-director")
    sign_in(page, live_server, "dee")
    journey.check("the director's home page")
    assert page.get_by_role("heading", name="Impact of integrated working: The whole authority").is_visible()

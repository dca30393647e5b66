"""The index administrator works the review queue; a practitioner sees who is involved."""

from datetime import date

import pytest
from playwright.sync_api import expect

from joinedup.access.models import Involvement, InvolvementKind
from joinedup.agencies.tests.factories import ServiceFactory
from joinedup.common.browser_testing import Journey
from joinedup.index.review.models import ReviewPair
from joinedup.people.models import Role
from joinedup.people.tests.factories import ChildFactory, PractitionerFactory

from .factories import IndexRecordFactory, SourceFactory

pytestmark = pytest.mark.browser
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def index_scene(transactional_db):
    """Maisie Turner is in the register and in child health; a second health record may be her too.
    Pat works with her; a youth justice worker and a sexual health clinic also hold records."""

    def staff(role, username):
        practitioner = PractitionerFactory(role=role, user__username=username)
        practitioner.user.set_password(PASSWORD)
        practitioner.user.save()
        return practitioner

    staff(Role.ADMINISTRATOR, "adi")
    pat = staff(Role.PRACTITIONER, "pat")
    maisie = ChildFactory(forenames="Maisie", surname="Turner", date_of_birth=date(2013, 5, 6), la_child_id="LA7")
    other = ChildFactory(forenames="Maisy", surname="Turner", date_of_birth=date(2013, 6, 5))
    Involvement.objects.create(
        child=maisie,
        practitioner=pat,
        kind=InvolvementKind.ALLOCATED_WORKER,
        started=date(2025, 1, 6),
        recorded_by="test",
    )
    register = SourceFactory(name="register", description="The authority's register of children")
    health = SourceFactory(name="child_health", description="Child health records")
    a = IndexRecordFactory(
        child=maisie,
        source=register,
        forenames="Maisie",
        surname="Turner",
        date_of_birth=date(2013, 5, 6),
        la_child_id="LA7",
    )
    b = IndexRecordFactory(
        child=other, source=health, forenames="Maisy", surname="Turner", date_of_birth=date(2013, 6, 5)
    )
    ServiceFactory(code="YJS-CASE", name="Youth justice casework")
    ServiceFactory(code="SH", name="Young people's sexual health", sensitive=True)
    IndexRecordFactory(
        child=maisie,
        source=SourceFactory(name="youth_offending", description="Youth justice"),
        service="YJS-CASE",
        practitioner="Deborah West",
        involvement_start=date(2024, 4, 19),
        facts={"sen_primary_need": "ASD"},
    )
    IndexRecordFactory(child=maisie, service="SH", practitioner="Nurse Evans")
    ReviewPair.objects.create(
        record_a=a,
        record_b=b,
        match_probability=0.87,
        match_weight=2.7,
        comparisons=[
            {"comparison": "Forename", "level": "One typo apart", "match_weight": 2.1},
            {"comparison": "Date of birth", "level": "Day and month swapped", "match_weight": 3.4},
        ],
    )
    return {"maisie": maisie, "other": other}


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_index_administrator_decides_a_pair(live_server, index_scene, page):
    journey = Journey(page, "index-review")
    # Given a pair waiting for the index administrator
    sign_in(page, live_server, "adi")
    page.goto(f"{live_server.url}/index/review/")
    expect(page.get_by_text("1 pairs waiting")).to_be_visible()
    journey.check("queue")
    # When she opens it, the records are side by side and the weight is explained
    page.get_by_role("button", name="Start with the most likely pair").click()
    expect(page.get_by_role("cell", name="Day and month swapped")).to_be_visible()
    journey.check("pair")
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose whether these records are the same child")
    journey.check("pair needs a decision")
    # And decides they are the same child
    page.get_by_label("Yes, the same child").check()
    page.get_by_role("button", name="Save decision").click()
    # Then the queue is empty and the merge can be undone
    expect(page.get_by_text("No pairs are waiting")).to_be_visible()
    expect(
        page.get_by_role("cell", name=f"Child {index_scene['other'].pk} merged into child {index_scene['maisie'].pk}")
    ).to_be_visible()
    journey.check("merged")
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_text("The merge was undone")).to_be_visible()
    journey.check("undone")


def test_practitioner_sees_who_is_involved_with_a_sensitive_service_shielded(live_server, index_scene, page):
    journey = Journey(page, "who-is-involved")
    sign_in(page, live_server, "pat")
    page.goto(f"{live_server.url}/children/{index_scene['maisie'].pk}")
    expect(page.get_by_role("cell", name="Youth justice casework")).to_be_visible()
    expect(page.get_by_text("Deborah West")).to_be_visible()
    expect(page.get_by_text("A sensitive service is involved: contact the index administrator")).to_be_visible()
    expect(page.get_by_text("Young people's sexual health")).to_have_count(0)
    expect(page.get_by_text("Autism", exact=True)).to_be_visible()
    journey.check("who is involved")

"""A practitioner works with a child the index knows by an NHS number alone: the pages say what is
not known, and the practitioner records the surname once the family gives it."""

from datetime import date

import pytest
from playwright.sync_api import expect

from joinedup.access.models import Involvement, InvolvementKind
from joinedup.common.browser_testing import Journey
from joinedup.people.models import Child
from joinedup.people.services import refresh_name_keys

from .test_browser import sign_in

pytestmark = pytest.mark.browser


def test_practitioner_records_the_surname_of_a_child_known_by_nhs_number_alone(live_server, scene, page):
    journey = Journey(page, "unknown details")
    # Given Pat works with a child the index made from a record with no name or date of birth
    child = Child.objects.create(sex="U", nhs_number="4010232137")
    refresh_name_keys(child, [])
    Involvement.objects.create(
        child=child,
        practitioner=scene["pat"],
        started=date(2025, 1, 6),
        kind=InvolvementKind.ALLOCATED_WORKER,
        recorded_by="test",
    )
    sign_in(page, journey, live_server, "pat")
    journey.check("home")

    # When Pat opens the child's record
    page.get_by_role("link", name="Name not known").click()
    # Then the name and date of birth are said to be not known
    expect(page.get_by_role("heading", name="Name not known")).to_be_visible()
    born = page.locator(".govuk-summary-list__row").filter(has_text="Date of birth")
    expect(born.get_by_role("definition")).to_have_text("Not known")
    journey.check("child summary")

    # When Pat records the surname the family gave, leaving the rest not known
    page.get_by_role("link", name="Change details").click()
    expect(page.get_by_text("Leave it blank if it is not known").first).to_be_visible()
    journey.check("change details")
    page.get_by_label("Surname").fill("Hughes")
    page.get_by_role("button", name="Save details").click()

    # Then the record shows the surname and still no made-up forenames or date of birth
    expect(page.get_by_role("heading", name="Hughes (forenames not known)")).to_be_visible()
    journey.check("child summary with surname")
    child.refresh_from_db()
    assert (child.forenames, child.surname, child.date_of_birth) == (None, "Hughes", None)

"""Two people changing the same plan or assessment at once: nobody's change is lost. The second to
save is refused, told who changed what and when, and keeps what they typed; saving again then
stands. Reviews are never edited once recorded, so a review is checked against the plan it reviews."""

import re
from datetime import date

import pytest
from django.test import Client
from playwright.sync_api import expect

from joinedup.audit.models import AuditEvent
from joinedup.casework import services
from joinedup.casework.models import AssessmentElement, PlanOutcome, Review
from joinedup.casework.services.plans import ChangedMeanwhile
from joinedup.common.browser_testing import Journey
from joinedup.people.models import Role
from joinedup.people.tests.factories import PractitionerFactory

from .conftest import factory_password
from .factories import CaseFactory, ConsentFactory
from .test_browser import sign_in

pytestmark = pytest.mark.django_db
TODAY = date.today()


@pytest.fixture
def case():
    case = CaseFactory(lead_professional__user__first_name="Pat", lead_professional__user__last_name="Jones")
    ConsentFactory(child=case.child)
    return case


@pytest.fixture
def lead(case) -> Client:
    """The lead professional, signed in."""
    client = Client()
    client.force_login(case.lead_professional.user)
    return client


@pytest.fixture
def manager(case) -> Client:
    """Pat's service manager, who may change what Pat may change, signed in on another computer."""
    manager = PractitionerFactory(
        role=Role.SERVICE_MANAGER, user__first_name="Mo", user__last_name="Khan", job_role="Early help manager"
    )
    manager.manages_teams.add(case.lead_professional.team)
    client = Client()
    client.force_login(manager.user)
    return client


def opened(client: Client, url: str) -> dict[str, str]:
    """Open a form page, as a browser would: the version it was opened at comes back on save."""
    page = client.get(url)
    assert page.status_code == 200
    found = re.search(r'<input type="hidden" name="version" value="(\d+)"', page.content.decode())
    assert found, "the form carries the version it was opened at"
    return {"version": found.group(1)}


def error_summary(page: str) -> str:
    found = re.search(r'<div class="govuk-error-summary".*?</div>\s*</div>', page, re.S)
    assert found, "a GOV.UK error summary"
    return re.sub(r"\s+", " ", found.group(0)).replace("&#39;", "'")


def test_a_second_outcome_saved_over_a_changed_plan_is_refused_and_keeps_its_text(case, lead, manager):
    url = f"/casework/cases/{case.pk}/outcomes/new/"
    pats_page, mos_page = opened(lead, url), opened(manager, url)
    lead.post(url, pats_page | {"need": "Misses school", "desired_outcome": "Goes to school every day"})

    refused = manager.post(url, mos_page | {"need": "Sleeps badly", "desired_outcome": "Sleeps through the night"})

    page = refused.content.decode()
    assert refused.status_code == 200
    summary = error_summary(page)
    assert "The plan changed after you opened this page: Pat Jones added an outcome at" in summary
    assert f"on {TODAY:%-d %B %Y}" in summary
    assert "What you entered is still below" in summary
    assert "Sleeps badly" in page and "Sleeps through the night" in page
    assert [o.desired_outcome for o in PlanOutcome.objects.filter(case=case)] == ["Goes to school every day"]


def test_saving_again_after_being_told_stands(case, lead, manager):
    url = f"/casework/cases/{case.pk}/outcomes/new/"
    mos_page = opened(manager, url)
    lead.post(url, opened(lead, url) | {"need": "Misses school", "desired_outcome": "Goes to school every day"})
    typed = {"need": "Sleeps badly", "desired_outcome": "Sleeps through the night"}
    refused = manager.post(url, mos_page | typed).content.decode()
    carried = re.search(r'name="version" value="(\d+)"', refused).group(1)

    saved = manager.post(url, {"version": carried} | typed)

    assert saved.status_code == 302
    assert PlanOutcome.objects.filter(case=case).count() == 2


def test_a_second_review_of_the_same_plan_is_refused_and_keeps_the_familys_words(case, lead, manager):
    outcome = services.add_outcome(
        case=case, need="Misses school", desired_outcome="Goes to school", added_by=case.lead_professional.user
    )
    url = f"/casework/cases/{case.pk}/reviews/new/"
    review = {
        "held_on_day": TODAY.day,
        "held_on_month": TODAY.month,
        "held_on_year": TODAY.year,
        f"progress_{outcome.pk}": "some",
    }
    pats_page, mos_page = opened(lead, url), opened(manager, url)
    lead.post(url, pats_page | review | {"child_views": "School is better"})

    refused = manager.post(url, mos_page | review | {"child_views": "I like my new teacher"}).content.decode()

    assert "Pat Jones recorded a review at" in error_summary(refused)
    assert "I like my new teacher" in refused
    assert list(Review.objects.values_list("child_views", flat=True)) == ["School is better"]


def test_a_review_opened_before_an_outcome_was_added_says_so_beside_the_outcome_to_review(case, lead, manager):
    first = services.add_outcome(
        case=case, need="Misses school", desired_outcome="Goes to school", added_by=case.lead_professional.user
    )
    url = f"/casework/cases/{case.pk}/reviews/new/"
    mos_page = opened(manager, url)
    lead.post(
        f"/casework/cases/{case.pk}/outcomes/new/",
        opened(lead, f"/casework/cases/{case.pk}/outcomes/new/")
        | {"need": "Sleeps badly", "desired_outcome": "Sleeps through the night"},
    )
    held_on = {"held_on_day": TODAY.day, "held_on_month": TODAY.month, "held_on_year": TODAY.year}

    refused = manager.post(
        url, mos_page | held_on | {f"progress_{first.pk}": "some", "child_views": "Mornings are easier"}
    ).content.decode()

    summary = error_summary(refused)
    assert "Select the progress towards: Sleeps through the night" in summary
    assert "Pat Jones added an outcome at" in summary
    assert "Mornings are easier" in refused
    assert not Review.objects.exists()


def test_closing_a_plan_that_changed_meanwhile_is_refused(case, lead, manager):
    url = f"/casework/cases/{case.pk}/close/"
    mos_page = opened(manager, url)
    lead.post(
        f"/casework/cases/{case.pk}/outcomes/new/",
        opened(lead, f"/casework/cases/{case.pk}/outcomes/new/") | {"need": "Misses school", "desired_outcome": "Goes"},
    )
    outcome = PlanOutcome.objects.get(case=case)

    refused = manager.post(
        url, mos_page | {"reason": "needs_met", "needs_met_at": "universal", f"rating_{outcome.pk}": "4"}
    ).content.decode()

    assert "Pat Jones added an outcome at" in error_summary(refused)
    case.refresh_from_db()
    assert case.is_open


@pytest.fixture
def assessment(case):
    return services.start_assessment(case=case, assessor=case.lead_professional.user)


def test_a_second_save_of_the_same_assessment_is_refused_naming_the_parts_changed(case, assessment, lead, manager):
    url = f"/casework/assessments/{assessment.pk}/parents_carers/"
    pats_page, mos_page = opened(lead, url), opened(manager, url)
    lead.post(url, pats_page | {"needs_basic_care": "Food often runs out by Friday"})

    refused = manager.post(url, mos_page | {"needs_basic_care": "Mum skips meals so the children eat"})

    page = refused.content.decode()
    summary = error_summary(page)
    assert "The assessment changed after you opened this page: Pat Jones saved" in summary
    assert "Basic care, ensuring safety and protection: needs" in summary
    assert "What you typed is still below" in summary
    assert "Mum skips meals so the children eat" in page
    held = AssessmentElement.objects.get(assessment=assessment, code="basic_care")
    assert held.needs == "Food often runs out by Friday"


def test_the_views_saved_by_another_are_named_and_not_overwritten(case, assessment, lead, manager):
    url = f"/casework/assessments/{assessment.pk}/finish/"
    pats_page, mos_page = opened(lead, url), opened(manager, url)
    lead.post(url, pats_page | {"child_views": "I want to see my dad", "parents_views": ""})

    refused = manager.post(url, mos_page | {"child_views": "I like football", "parents_views": "We are tired"})

    page = refused.content.decode()
    assert "Pat Jones saved the child's views at" in error_summary(page)
    assert "I like football" in page and "We are tired" in page
    assessment.refresh_from_db()
    assert (assessment.child_views, assessment.parents_views) == ("I want to see my dad", "")


def test_a_stale_save_writes_nothing(case, assessment):
    """The check is the save's own: a refused save leaves no element, view, sitting or audit event."""
    lead = case.lead_professional.user
    services.save_assessment(assessment=assessment, saved_by=lead, child_views="First", seen_version=1)
    stale = type(assessment).objects.get(pk=assessment.pk)
    stale.version, stale.child_views = 1, "First"
    before = (AssessmentElement.objects.count(), stale.sittings, AuditEvent.objects.count())

    with pytest.raises(ChangedMeanwhile, match="saved the child's views") as refused:
        services.save_assessment(
            assessment=stale, saved_by=lead, elements={"basic_care": ("", "Second")}, seen_version=1
        )

    assessment.refresh_from_db()
    assert refused.value.version == 2 == assessment.version
    assert (AssessmentElement.objects.count(), assessment.sittings, AuditEvent.objects.count()) == before
    assert not AssessmentElement.objects.filter(needs="Second").exists()


@pytest.fixture
def pat_and_mo():
    """Pat leads the case; Mo, her service manager, may change its plan too. Both sign in."""
    case = CaseFactory(
        lead_professional__user__username="pat",
        lead_professional__user__first_name="Pat",
        lead_professional__user__last_name="Jones",
        lead_professional__user__password=factory_password(),
    )
    manager = PractitionerFactory(
        role=Role.SERVICE_MANAGER,
        user__username="mo",
        user__first_name="Mo",
        user__last_name="Khan",
        user__password=factory_password(),
    )
    manager.manages_teams.add(case.lead_professional.team)
    return case


@pytest.mark.browser
def test_in_a_browser_the_second_to_save_is_told_and_keeps_their_words(live_server, pat_and_mo, page):
    case = pat_and_mo
    url = f"{live_server.url}/casework/cases/{case.pk}/outcomes/new/"
    mos_page = page.context.browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    journey = Journey(mos_page, "casework-two-people-change-the-plan")

    # Given Pat, the lead professional, and Mo, her manager, both adding to the plan
    sign_in(page, live_server, "pat")
    page.goto(url)
    sign_in(mos_page, live_server, "mo")
    mos_page.goto(url)
    mos_page.get_by_label("Need").fill("Sleeps badly")
    mos_page.get_by_label("Outcome the family wants").fill("Sleeps through the night")
    # When Pat saves first
    page.get_by_label("Need").fill("Misses school")
    page.get_by_label("Outcome the family wants").fill("Goes to school every day")
    page.get_by_role("button", name="Add to the plan").click()
    expect(page.get_by_text("The outcome has been added to the plan")).to_be_visible()
    # And Mo saves after her
    mos_page.get_by_role("button", name="Add to the plan").click()

    # Then Mo is told who changed the plan, and what Mo typed is still there
    expect(mos_page.get_by_role("alert")).to_contain_text("Pat Jones added an outcome at")
    expect(mos_page.get_by_label("Need")).to_have_value("Sleeps badly")
    expect(mos_page.get_by_label("Outcome the family wants")).to_have_value("Sleeps through the night")
    journey.check("second to save is told what changed")
    # When Mo saves again, having looked
    mos_page.get_by_role("button", name="Add to the plan").click()
    # Then both outcomes are in the plan
    expect(mos_page.get_by_text("Goes to school every day")).to_be_visible()
    expect(mos_page.get_by_text("Sleeps through the night")).to_be_visible()
    journey.check("both outcomes in the plan")
    mos_page.context.close()

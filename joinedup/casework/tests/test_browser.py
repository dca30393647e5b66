"""The front door in a real browser: a teacher refers, the panel decides, the teacher hears back
and the new lead professional is told, each signed in as themselves, with axe on every page."""

from datetime import date

import pytest
from playwright.sync_api import expect

from joinedup.casework import services
from joinedup.common.browser_testing import Journey
from joinedup.people.models import Role
from joinedup.people.tests.factories import ChildCarerFactory, PractitionerFactory

from .conftest import PASSWORD, factory_password
from .factories import CaseFactory, ConsentFactory

pytestmark = pytest.mark.browser


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def test_referral_to_panel_decision_with_feedback(live_server, front_door, page):
    journey = Journey(page, "casework-referral-to-decision")

    # Given Tom, a class teacher worried about Alfie
    sign_in(page, live_server, "tom")
    # When he looks for Alfie before referring, misspelling his surname
    page.goto(f"{live_server.url}/casework/refer/")
    page.get_by_label("Child's name").fill("Alfie Smyth")
    page.get_by_role("button", name="Find the child").click()
    journey.check("teacher finds the child first")
    page.get_by_role("link", name="Refer Alfie Smith").click()

    # And sends the referral forgetting to say whether the family agreed
    page.get_by_label("What is your concern?").fill("Alfie is often late and hungry; mum says she is struggling")
    page.get_by_label("Additional (tier 2)").check()
    page.get_by_role("button", name="Send referral").click()
    # Then a GOV.UK error summary tells him what is missing
    expect(page.get_by_role("alert")).to_contain_text("Select whether the family has agreed to this referral")
    journey.check("missing consent is an error")

    # When he records mum's consent and sends it
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("A parent or carer").check()
    page.get_by_label("Name of the person who agreed").fill("Karen Smith")
    page.get_by_label("To an assessment and to sharing", exact=False).check()
    page.get_by_role("button", name="Send referral").click()
    # Then he sees that it waits for the North panel
    expect(page.get_by_text("Your referral for Alfie Smith has been sent")).to_be_visible()
    expect(page.get_by_text("Waiting for the panel")).to_be_visible()
    journey.check("referral sent, feedback page")
    sign_out(page)

    # Given Chris, who chairs the North allocation panel
    sign_in(page, live_server, "chris")
    page.goto(f"{live_server.url}/casework/panels/")
    journey.check("chair sees the panel with one referral waiting")
    # When Chris prepares the next meeting's agenda and opens Alfie's referral
    page.get_by_role("button", name="Prepare the agenda for", exact=False).click()
    expect(page.get_by_role("heading", name="Agenda for", exact=False)).to_be_visible()
    journey.check("agenda")
    page.get_by_role("link", name="Alfie Smith").click()
    expect(page.get_by_text("Karen Smith (A parent or carer)", exact=False)).to_be_visible()
    # And allocates without naming a lead professional
    page.get_by_label("Allocate a lead professional and services").check()
    page.get_by_label("Reasons").fill("Needs at school and at home; mum wants family support")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose the lead professional for this family")
    journey.check("allocation needs a lead professional")
    # Then names Pat
    page.get_by_label("Lead professional", exact=True).select_option(
        label="Pat Jones, Family support worker (Northshire Council)"
    )
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("The panel's decision has been recorded and the referrer told")).to_be_visible()
    journey.check("decision recorded")
    sign_out(page)

    # Given Tom signs in again, he reads the panel's decision in his notifications
    sign_in(page, live_server, "tom")
    page.goto(f"{live_server.url}/casework/notifications/")
    expect(page.get_by_text("2 new since you last looked")).to_be_visible()
    journey.check("referrer notifications")
    page.get_by_role("link", name="The panel has decided on your referral").click()
    expect(page.get_by_text("Allocate a lead professional and services")).to_be_visible()
    expect(page.get_by_text("Pat Jones, Family support worker")).to_be_visible()
    journey.check("referrer feedback shows the decision and the lead professional")
    sign_out(page)

    # And Pat is told she is now Alfie's lead professional
    sign_in(page, live_server, "pat")
    page.goto(f"{live_server.url}/casework/notifications/")
    expect(page.get_by_role("link", name="You are now a family's lead professional")).to_be_visible()
    journey.check("lead professional told")


def test_lead_professional_runs_the_plan_from_first_meeting_to_closure(live_server, front_door, page):
    CaseFactory(child=front_door["alfie"], lead_professional=front_door["pat"])
    ConsentFactory(child=front_door["alfie"], given_by_name="Karen Smith")
    journey = Journey(page, "casework-plan-review-closure")
    today = date.today()

    # Given Pat, Alfie's lead professional, opens her workspace
    sign_in(page, live_server, "pat")
    page.goto(f"{live_server.url}/casework/cases/mine/")
    journey.check("lead professional workspace")
    page.get_by_role("link", name="Alfie Smith").click()
    journey.check("case page")
    # And checks what the family agreed to before inviting anyone
    page.get_by_role("link", name="Consent and information sharing").click()
    expect(page.get_by_role("heading", name="Consent and information sharing")).to_be_visible()
    journey.check("consent page")
    page.go_back()

    # When she invites Nina, the school nurse, into the team around the child
    page.get_by_role("link", name="Invite someone to the team").click()
    page.get_by_label("Who should join the team around the child?").select_option(
        label="Nina Evans, School nurse (Northshire Community Health)"
    )
    journey.check("invite to the team")
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_text("Nina Evans has joined the team around the child and been told")).to_be_visible()

    # And records the first meeting, with the family
    page.get_by_role("link", name="Record a meeting").click()
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Record meeting").click()
    expect(page.get_by_text("Days from panel decision to first meeting")).to_be_visible()

    # And writes the early help assessment with the family, saving a draft on the way
    page.get_by_role("button", name="Start an early help assessment").click()
    expect(page.get_by_role("heading", name="Early help assessment")).to_be_visible()
    journey.check("assessment task list")
    page.get_by_role("link", name="Parents and carers").click()
    page.get_by_label("Basic care, ensuring safety and protection: needs").fill("Food often runs out by Friday")
    journey.check("assessment domain")
    page.get_by_role("button", name="Save and return").click()
    page.get_by_role("link", name="Views and level of need").click()
    page.get_by_label("The parents' or carers' views, in their own words").fill("We need help with money")
    page.get_by_role("button", name="Complete the assessment").click()
    expect(page.get_by_role("alert")).to_contain_text("Select the level of need the assessment shows")
    page.get_by_label("Additional (tier 2)").check()
    page.get_by_role("button", name="Complete the assessment").click()
    expect(page.get_by_text("The assessment is complete")).to_be_visible()
    journey.check("assessment complete")
    page.get_by_role("link", name="Back to the case").click()

    # And agrees a need and outcome with the family
    page.get_by_role("link", name="Add a need and outcome").click()
    page.get_by_label("Need").fill("Alfie misses school most Mondays")
    page.get_by_label("Outcome the family wants").fill("Alfie goes to school every day")
    page.get_by_role("button", name="Add to the plan").click()

    # When she gives Nina an action due in the past
    page.get_by_role("link", name="Add an action").click()
    page.get_by_label("What will be done").fill("Hearing check at school")
    page.get_by_label("Who will do it?").select_option(label="Nina Evans, School nurse (Northshire Community Health)")
    page.get_by_label("Day").fill("1")
    page.get_by_label("Month").fill("1")
    page.get_by_label("Year").fill("2020")
    page.get_by_role("button", name="Add action").click()
    # Then she is told the date must not be in the past
    expect(page.get_by_role("alert")).to_contain_text("The due date must be today or in the future")
    journey.check("action due in the past")
    page.get_by_label("Year").fill(str(today.year + 1))
    page.get_by_role("button", name="Add action").click()
    expect(page.get_by_role("cell", name="Hearing check at school", exact=True)).to_be_visible()
    journey.check("plan with an action")

    # When the team reviews the plan with the family's own words and what changed for them
    page.get_by_role("link", name="Record a review").click()
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_label("The child's views, in their own words").fill("I like breakfast club")
    page.get_by_label("The parents' or carers' views, in their own words").fill("Mornings are calmer now")
    page.get_by_label("Improved school attendance").check()
    page.get_by_label("Feel happier", exact=True).check()
    page.get_by_label("Some progress").check()
    page.get_by_label("SDQ completed by").select_option(label="Parent or carer")
    page.get_by_label("SDQ total difficulties score").fill("15")
    journey.check("review form")
    page.get_by_role("button", name="Record review").click()
    expect(page.get_by_text("I like breakfast club")).to_be_visible()
    expect(page.get_by_text("Improved school attendance; Feel happier")).to_be_visible()
    journey.check("review recorded")

    # And closes the case when needs are met, rating the outcome
    page.get_by_role("button", name="Close the case").click()
    page.get_by_label("Needs met", exact=True).check()
    page.get_by_label("Additional (tier 2)").check()
    page.get_by_label("4: fully achieved").check()
    journey.check("closure form")
    page.get_by_role("button", name="Close the case").click()
    expect(page.get_by_text("The case is closed", exact=True)).to_be_visible()
    expect(page.get_by_text("Needs met; needs met at Additional (tier 2)")).to_be_visible()
    journey.check("case closed")


@pytest.fixture
def karen(front_door):
    """Alfie's mum, with parental responsibility and an account, while Pat leads his case."""
    case = CaseFactory(child=front_door["alfie"], lead_professional=front_door["pat"])
    mum = ChildCarerFactory(child=case.child, carer__forenames="Karen", parental_responsibility=True).carer
    account = services.create_family_account(
        case=case,
        created_by=front_door["pat"].user,
        username="karen",
        email="karen@example.com",
        first_name="Karen",
        last_name="Smith",
        carer=mum,
    )
    account.user.set_password(PASSWORD)
    account.user.save()
    return account


def test_a_parent_signs_in_sees_the_plan_and_adds_her_views(live_server, karen, page):
    journey = Journey(page, "casework-parent")

    # Given Karen, Alfie's mum, signs in
    page.goto(f"{live_server.url}/sign-in?next=/casework/family/")
    page.get_by_label("Username").fill("karen")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # Then she sees who her lead professional is and when the next review is
    expect(page.get_by_role("heading", name="Your family's plan")).to_be_visible()
    expect(page.get_by_text("Pat Jones, Family support worker")).to_be_visible()
    journey.check("parent sees the plan")

    # When she sends nothing, she is asked to write something
    page.get_by_role("button", name="Send your views").click()
    expect(page.get_by_role("alert")).to_contain_text("Write what you would like the team to know")
    journey.check("empty views")
    # When she writes her views before the review
    page.get_by_label("What would you like the team to know before the next review?").fill(
        "Mornings are better but Mondays are still hard"
    )
    page.get_by_role("button", name="Send your views").click()
    # Then she is thanked
    expect(page.get_by_text("Your lead professional will read this before the review", exact=False)).to_be_visible()
    journey.check("views sent")


def test_a_service_manager_sets_up_a_multi_agency_panel_and_changes_its_members(live_server, front_door, page):
    PractitionerFactory(
        user__username="mo",
        user__first_name="Mo",
        user__last_name="Khan",
        user__password=factory_password(),
        agency=front_door["pat"].agency,
        job_role="Early help service manager",
        role=Role.SERVICE_MANAGER,
    )
    journey = Journey(page, "casework-panel-set-up")

    # Given Mo, a service manager, opens the panels of each locality
    sign_in(page, live_server, "mo")
    page.goto(f"{live_server.url}/casework/panels/")
    page.get_by_role("link", name="Set up and change the panels of each locality").click()
    expect(page.get_by_role("heading", name="Allocation panels by locality")).to_be_visible()
    journey.check("panels by locality")

    # When he sets up a weekly panel for North with members from the council alone
    page.get_by_role("button", name="Set up a panel for North").click()
    page.get_by_label("Name of the panel").fill("North weekly panel")
    page.get_by_label("Weekly").check()
    page.get_by_label("Chair").select_option(label="Chris Adeyemi, Early help manager (Northshire Council)")
    page.get_by_label("Pat Jones").check()
    journey.check("new panel form")
    page.get_by_role("button", name="Set up the panel").click()
    # Then he is told a panel needs members from at least two agencies
    expect(page.get_by_role("alert")).to_contain_text("Choose members from at least 2 agencies, besides the chair")
    journey.check("one agency is an error")

    # When he adds Nina, the school nurse, from health
    page.get_by_label("Nina Evans").check()
    page.get_by_role("button", name="Set up the panel").click()
    # Then the panel is listed under North with its members
    expect(page.get_by_text("North weekly panel has been set up and its members told")).to_be_visible()
    expect(page.get_by_text("Nina Evans, School nurse (Northshire Community Health)").first).to_be_visible()
    journey.check("panel set up")

    # When he changes its members: Tom the class teacher joins and Pat leaves
    page.get_by_role("link", name="Change North weekly panel").click()
    expect(page.get_by_label("Pat Jones")).to_be_checked()
    page.get_by_label("Pat Jones").uncheck()
    page.get_by_label("Tom Baker").check()
    journey.check("change members")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("North weekly panel has been changed")).to_be_visible()
    journey.check("members changed")
    sign_out(page)

    # Then Tom hears that he has joined the panel
    sign_in(page, live_server, "tom")
    page.goto(f"{live_server.url}/casework/notifications/")
    expect(page.get_by_role("link", name="You have joined North weekly panel")).to_be_visible()
    journey.check("new member told")


def test_a_lead_professional_finds_who_to_call_in_her_workspace(live_server, karen, front_door, page):
    journey = Journey(page, "casework-workspace-contacts")

    # Given Pat, Alfie's lead professional, opens her workspace
    sign_in(page, live_server, "pat")
    page.goto(f"{live_server.url}/casework/cases/mine/")
    # When she opens Alfie's contacts
    page.get_by_text("Alfie Smith: 1 contact").click()
    # Then she sees his mum with the email address held for her
    expect(page.get_by_role("link", name="karen@example.com")).to_be_visible()
    journey.check("contacts for a case")

"""The front door in a real browser: a teacher refers, the panel decides, the teacher hears back
and the new lead professional is told, each signed in as themselves, with axe on every page."""

import pytest
from playwright.sync_api import expect

from joinedup.common.browser_testing import Journey

from .conftest import PASSWORD

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

"""The early help assessment before a case in a real browser: a teacher finds the child, assesses
with the family's consent and sends the assessment to the allocation panel; the chair prepares the
meeting, reads the assessment from the agenda and allocates; the lead professional's case carries
it. Each person signs in as themselves, with axe on every page."""

import pytest
from playwright.sync_api import expect

from joinedup.common.browser_testing import Journey

from .test_browser import sign_in, sign_out

pytestmark = pytest.mark.browser


def test_a_teachers_assessment_reaches_the_allocation_panel(live_server, front_door, page):
    journey = Journey(page, "casework-assessment-to-panel")

    # Given Tom, a class teacher, who wants to assess Alfie's needs with his mum
    sign_in(page, live_server, "tom")
    page.goto(f"{live_server.url}/casework/refer/")
    page.get_by_role("link", name="Start an early help assessment with the family first").click()
    # When he finds Alfie first
    page.get_by_label("Child's name").fill("Alfie Smith")
    page.get_by_role("button", name="Find the child").click()
    journey.check("teacher finds the child to assess")
    page.get_by_role("link", name="Assess Alfie Smith").click()

    # And tries to start without saying whether the family agreed
    page.get_by_role("button", name="Start the assessment").click()
    # Then a GOV.UK error summary asks for the family's consent
    expect(page.get_by_role("alert")).to_contain_text(
        "Select whether the family has agreed to an early help assessment"
    )
    journey.check("consent to assess is needed")

    # When he records mum's consent and starts
    page.get_by_label("Yes, and I am recording it now").check()
    page.get_by_label("A parent or carer").check()
    page.get_by_label("Name of the person who agreed").fill("Karen Smith")
    page.get_by_label("To an assessment and to sharing", exact=False).check()
    page.get_by_role("button", name="Start the assessment").click()
    expect(page.get_by_role("heading", name="Early help assessment")).to_be_visible()
    journey.check("assessment task list")

    # And writes it with the family, then completes it
    page.get_by_role("link", name="Parents and carers").click()
    page.get_by_label("Basic care, ensuring safety and protection: needs").fill("Food often runs out by Friday")
    page.get_by_role("button", name="Save and return").click()
    page.get_by_role("link", name="Views and level of need").click()
    page.get_by_label("The parents' or carers' views, in their own words").fill("We need help with money")
    page.get_by_label("Additional (tier 2)").check()
    page.get_by_role("button", name="Complete the assessment").click()
    expect(page.get_by_text("The assessment is complete")).to_be_visible()
    expect(page.get_by_text("Not sent to the allocation panel yet.")).to_be_visible()
    journey.check("assessment complete, not sent yet")

    # And sends it to the allocation panel, checking what the panel will read
    page.get_by_role("button", name="Send to the allocation panel").click()
    expect(
        page.get_by_text("Basic care, ensuring safety and protection: Food often runs out by Friday")
    ).to_be_visible()
    journey.check("what the panel will read")
    page.get_by_role("button", name="Send to the panel").click()
    # Then he sees that it waits for the North panel, with his assessment
    expect(page.get_by_text("Your assessment of Alfie Smith has gone to the North allocation panel")).to_be_visible()
    expect(page.get_by_text("Waiting for the panel")).to_be_visible()
    expect(page.get_by_role("link", name="Your assessment of", exact=False)).to_be_visible()
    journey.check("referral feedback with the assessment")
    sign_out(page)

    # Given Chris, who chairs the North allocation panel
    sign_in(page, live_server, "chris")
    page.goto(f"{live_server.url}/casework/panels/")
    # When Chris prepares the next meeting's agenda
    page.get_by_role("button", name="Prepare the agenda for", exact=False).click()
    # Then the agenda shows that Alfie's item came with an assessment Chris may read
    expect(page.get_by_role("heading", name="Agenda for", exact=False)).to_be_visible()
    expect(page.get_by_role("columnheader", name="Early help assessment")).to_be_visible()
    journey.check("agenda with the assessment")
    page.get_by_role("link", name="Read the assessment for Alfie Smith").click()
    expect(page.get_by_text("Food often runs out by Friday", exact=False)).to_be_visible()
    expect(page.get_by_text("We need help with money")).to_be_visible()
    journey.check("chair reads the assessment")
    page.go_back()

    # When the panel allocates Pat as lead professional
    page.get_by_role("link", name="Alfie Smith", exact=True).click()
    expect(page.get_by_role("link", name="Completed", exact=False)).to_be_visible()
    page.get_by_label("Allocate a lead professional and services").check()
    page.get_by_label("Reasons").fill("Needs at home; mum wants family support")
    page.get_by_label("Lead professional", exact=True).select_option(
        label="Pat Jones, Family support worker (Northshire Council)"
    )
    journey.check("referral with the assessment, deciding")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("The panel's decision has been recorded and the referrer told")).to_be_visible()
    sign_out(page)

    # Then Pat's new case carries Tom's assessment
    sign_in(page, live_server, "pat")
    page.goto(f"{live_server.url}/casework/cases/mine/")
    page.get_by_role("link", name="Alfie Smith").first.click()
    expect(page.get_by_text("by Tom Baker", exact=False)).to_be_visible()
    journey.check("the case carries the assessment")

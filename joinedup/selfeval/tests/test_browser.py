"""A practitioner answers by anonymous link; a researcher codes two of the answers and opens the
authority's report. Every page is checked with axe (WCAG 2.2 AA)."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from joinedup.common.browser_testing import Journey
from joinedup.selfeval import services
from joinedup.selfeval.models import Coding, KeyGroup, Response

from .factories import ParticipantFactory, ResearcherFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple"

SCORED = {
    "extent": ["Shared ownership", "Mutual dependency", "Sustainability", "Joint planning",
               "Communication and information exchange", "Integration of structures and processes"],
    "structures": ["At strategic level", "At operational level", "Commissioning works",
                   "Joint working and co-location", "Partners share the vision"],
    "processes": ["Change is managed well", "Routine procedures are integrated", "Key worker and lead professional",
                  "Professionals from different agencies", "Procedures and terminology"],
    "reach": ["The Children's Trust board", "Voluntary and community organisations",
              "Parents and young people take part", "Schools, health services and GPs",
              "The partnership is wide enough"],
}  # fmt: skip


@pytest.fixture
def round_scene(loaded):
    participant = ParticipantFactory(authority__name="Westshire", locality__name="Riverside")
    researcher = ResearcherFactory(user__username="rowan", user__first_name="Rowan", user__last_name="Ellis")
    researcher.user.set_password(PASSWORD)
    researcher.user.save()
    token = services.issue_links(
        participant=participant,
        instrument_code="practitioner",
        key_group=KeyGroup.objects.get(code="lac"),
        how_many=1,
        issued_by=researcher.user,
    )[0].token
    return {"participant": participant, "token": token}


def continue_(page):
    page.get_by_role("button", name="Save and continue").click()


def test_practitioner_answers_researcher_codes_and_opens_the_report(live_server, round_scene, page):
    journey = Journey(page, "selfeval")
    link = f"{live_server.url}/self-evaluation/q/{round_scene['token']}"

    # Given a practitioner with an anonymous link
    page.goto(link)
    expect(page.get_by_role("heading", name="Practitioners: integrated working and its impact")).to_be_visible()
    expect(page.get_by_text("We do not ask for your name")).to_be_visible()
    journey.check("questionnaire start")
    page.get_by_role("button", name="Start now").click()

    # When they answer every section
    page.get_by_label("What do you understand by 'integrated children's services'?").fill(
        "Agencies working together around the child, with one plan and one lead professional."
    )
    page.get_by_label("Partly: a similar understanding of where we are going").check()
    journey.check("definitions")
    continue_(page)

    expect(page.get_by_role("heading", name="Impact for looked-after children")).to_be_visible()
    page.get_by_label("Level 2: changes to professionals' experiences and attitudes").check()
    page.get_by_label("What is your evidence for this level?").fill("Weekly joint meetings with CAMHS and schools.")
    page.get_by_label("What impacts of integrated working have you seen").fill(
        "We talk to health and school colleagues every week now, and I understand what CAMHS can offer."
    )
    journey.check("impact")
    continue_(page)

    page.get_by_label("In your experience, what contributes to better outcomes").fill(
        "The fortnightly multi-agency panel, and knowing the other professionals well enough to pick up the phone."
    )
    page.get_by_label("What most needs to develop").fill("Time to go to meetings, and GPs signing up to the CAF.")
    continue_(page)

    for section, statements in SCORED.items():
        # An out-of-range score cannot be chosen in the browser; leaving one out is allowed until sending
        for number, statement in enumerate(statements):
            group = page.get_by_role("group", name=statement)
            group.get_by_label("4" if number % 2 else "2", exact=True).check()
        if section == "extent":
            journey.check("extent of integration")
        continue_(page)

    page.get_by_label("Good communication and joint training").check()
    page.get_by_label("Workload, especially the CAF").check()
    journey.check("enablers and challenges")
    continue_(page)

    # Then they check their answers and send them
    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    journey.check("check your answers")
    page.get_by_role("button", name="Send answers").click()
    expect(page.get_by_role("heading", name="Your answers have been sent")).to_be_visible()
    journey.check("sent")

    # And the link cannot be used again
    page.goto(link)
    expect(page.get_by_role("heading", name="This link has already been used")).to_be_visible()
    journey.check("link already used")
    assert Response.objects.get().submitted_at is not None

    # When a researcher signs in and codes two of the answers
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_label("Username").fill("rowan")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Self-evaluation")).to_be_visible()
    journey.check("researcher home")
    page.get_by_role("button", name="Go to self-evaluation").click()
    journey.check("self-evaluation home")
    page.get_by_role("link", name=round_scene["participant"].round.name).click()
    journey.check("round")
    page.get_by_role("link", name="Code open answers").click()
    expect(page.get_by_role("heading", name="First coding: 3 to do")).to_be_visible()
    journey.check("coding queue")
    page.get_by_role("button", name="Start first coding").click()
    for step in ("first answer", "second answer"):
        expect(page.get_by_role("heading", name="Code this answer")).to_be_visible()
        suggested = page.get_by_role("checkbox").first
        expect(suggested).not_to_be_checked()
        journey.check(f"coding the {step}")
        suggested.check()  # keyboard users: Tab to the box, Space to tick, Enter to save
        page.get_by_role("button", name="Save and code the next answer").click()
    assert Coding.objects.filter(coder__username="rowan").count() == 2

    # Then the authority's report opens with its charts and tables
    page.get_by_role("link", name="Stop coding").click()
    page.goto(f"{live_server.url}/self-evaluation/authorities/{round_scene['participant'].pk}")
    journey.check("authority page")
    page.get_by_role("link", name="The authority's report").click()
    expect(page.get_by_role("heading", name="Westshire: self-evaluation of integrated working")).to_be_visible()
    expect(page.get_by_role("img", name="Bar chart: how many directors")).to_be_visible()
    expect(page.get_by_role("heading", name="How confident is integrated working here?")).to_be_visible()
    journey.check("authority report")
    assert get_user_model().objects.get(username="rowan").practitioner.role == "researcher"

"""The questionnaire by anonymous link, and the pages researchers use to run a round."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from joinedup.agencies.tests.factories import LocalityFactory
from joinedup.people.models import Role
from joinedup.people.tests.factories import PractitionerFactory
from joinedup.selfeval import services
from joinedup.selfeval.models import Answer, Invitation, KeyGroup, ParticipatingAuthority, Response, Round

from .factories import AuthorityFactory, ParticipantFactory, ResearcherFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def researcher():
    return ResearcherFactory().user


@pytest.fixture
def link(loaded, researcher):
    participant = ParticipantFactory(authority__name="Westshire", locality__name="Riverside")
    issued = services.issue_links(
        participant=participant,
        instrument_code="practitioner",
        key_group=KeyGroup.objects.get(code="lac"),
        how_many=1,
        issued_by=researcher,
    )[0]
    return f"/self-evaluation/q/{issued.token}"


def fill_scores(prefix, keys, score="3"):
    return {key: score for key in keys}


def test_start_page_names_the_authority_the_group_and_that_no_name_is_asked(client, link):
    page = client.get(link).content.decode()

    assert "Practitioners: integrated working and its impact" in page
    assert "Westshire, Riverside: Looked-after children" in page
    assert "We do not ask for your name" in page
    assert "Start now" in page


def test_no_page_of_a_link_is_kept_by_the_browser_or_a_proxy(client, link):
    """The next person at a shared computer must not get someone's answers back from a cache
    (every response's no-store comes from web.middleware.no_store)."""
    for path in (link, f"{link}/section/impact", "/self-evaluation/q/not-a-link"):
        assert client.get(path)["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private", path


def test_questions_name_the_key_group(client, link):
    page = client.get(f"{link}/section/impact").content.decode()

    assert "Which level of impact has integrated working reached for looked-after children in your locality?" in page
    assert "Too early to say" in page


def test_an_out_of_range_score_is_explained_and_the_rest_of_the_page_saved(client, link):
    response = client.post(
        f"{link}/section/extent",
        {
            "extent_shared_ownership": "9",
            "extent_mutual_dependency": "4",
            "extent_evidence": "Shared plan",
            "action": "continue",
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Choose a score from 1 to 5, or &#39;Don&#39;t know&#39;" in page
    assert 'href="#extent_shared_ownership"' in page
    assert dict(Answer.objects.values_list("question__key", "score")) == {
        "extent_mutual_dependency": 4,
        "extent_evidence": None,
    }
    # The kept answer is shown again, checked
    assert re.search(r'value="4" checked', page)


def test_a_score_that_is_not_a_number_is_explained(client, link):
    response = client.post(f"{link}/section/extent", {"extent_shared_ownership": "lots"})

    assert "Choose a score from 1 to 5, or &#39;Don&#39;t know&#39;" in response.content.decode()


def test_save_and_come_back_later(client, link):
    response = client.post(f"{link}/section/definitions", {"definition": "Working together", "action": "later"})

    assert response.status_code == 302
    saved = client.get(response["Location"]).content.decode()
    assert "Your answers are saved" in saved
    assert "open the same link again before" in saved
    start = client.get(link).content.decode()
    assert "Continue" in start and "In progress" not in start  # definitions has no required question
    assert "Completed" in start


def test_sending_a_half_finished_questionnaire_lists_what_is_missing_and_keeps_the_rest(client, link):
    client.post(f"{link}/section/impact", {"impact_level": "2", "impact_level__evidence": "CAF in every school"})

    response = client.post(f"{link}/check")

    page = response.content.decode()
    assert response.status_code == 200
    assert "You have not answered 21 required questions yet. Your other answers are saved." in page
    assert "/section/extent#extent_shared_ownership" in page
    assert Response.objects.get().submitted_at is None
    assert Answer.objects.get(question__key="impact_level").evidence == "CAF in every school"


def test_a_complete_questionnaire_is_sent_and_the_link_then_refused(client, link):
    scores = [
        f"{dimension}_{item}"
        for dimension, items in {
            "extent": [
                "shared_ownership",
                "mutual_dependency",
                "sustainability",
                "joint_planning",
                "information_exchange",
                "structures_processes",
            ],
            "structures": ["strategic", "operational", "commissioning", "front_line", "shared_mission"],
            "processes": ["change_management", "routine", "key_worker", "interprofessional", "shared_understanding"],
            "reach": ["governance", "voluntary_sector", "service_users", "universal", "manageable"],
        }.items()
        for item in items
    ]
    client.post(f"{link}/section/impact", {"impact_level": "unknown"})
    for section in ("extent", "structures", "processes", "reach"):
        client.post(f"{link}/section/{section}", {key: "4" for key in scores if key.startswith(section)})

    sent = client.post(f"{link}/check")

    assert sent["Location"] == "/self-evaluation/answers-sent"
    assert Response.objects.get().submitted_at is not None
    again = client.get(link)
    assert again.status_code == 410
    assert "This link has already been used" in again.content.decode()
    assert client.post(f"{link}/section/definitions", {"definition": "x"}).status_code == 410


def test_an_expired_link_says_the_saved_answers_are_kept(client, link):
    client.post(f"{link}/section/definitions", {"definition": "Team around the child"})
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = client.get(link)

    assert response.status_code == 410
    page = response.content.decode()
    assert "This link has expired" in page
    assert "The 1 answer you saved is kept" in page


def test_an_unknown_link_is_not_found(client, loaded):
    response = client.get("/self-evaluation/q/made-up")

    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()


# Running a round


def test_a_researcher_opens_a_round_adds_an_authority_and_issues_links(client, loaded, researcher):
    client.force_login(researcher)
    authority = AuthorityFactory(name="Eastborough", la_code="953")
    locality = LocalityFactory(authority=authority, name="Docklands")

    opened = client.post(
        "/self-evaluation/rounds/new",
        {
            "number": "2",
            "name": "Round 2",
            "opens_on_day": "5",
            "opens_on_month": "1",
            "opens_on_year": "2026",
            "closes_on_day": "18",
            "closes_on_month": "12",
            "closes_on_year": "2026",
        },
    )
    round_ = Round.objects.get(number=2)
    assert opened["Location"] == f"/self-evaluation/rounds/{round_.pk}"

    joined = client.post(
        f"/self-evaluation/rounds/{round_.pk}/join",
        {
            "authority": authority.pk,
            "locality": locality.pk,
            "key_groups": [KeyGroup.objects.get(code="asd").pk],
            "integrated_since": "2006",
        },
    )
    participant = ParticipatingAuthority.objects.get(round=round_)
    assert joined["Location"] == f"/self-evaluation/authorities/{participant.pk}"

    expires = timezone.localdate() + timedelta(days=10)
    issued = client.post(
        f"/self-evaluation/authorities/{participant.pk}/links",
        {
            "instrument": "parent",
            "key_group": KeyGroup.objects.get(code="asd").pk,
            "how_many": "3",
            "batch": "Parents' coffee morning",
            "expires_on_day": expires.day,
            "expires_on_month": expires.month,
            "expires_on_year": expires.year,
        },
    )
    page = issued.content.decode()
    links = re.findall(r"http://testserver/self-evaluation/q/[\w-]+", page)
    assert len(set(links)) == 3
    assert "They are shown only once" in page
    assert client.get(links[0].replace("http://testserver", "")).status_code == 200


def test_issue_links_form_errors_are_shown(client, loaded, researcher):
    client.force_login(researcher)
    participant = ParticipantFactory()

    response = client.post(f"/self-evaluation/authorities/{participant.pk}/links", {"how_many": "0"})

    page = response.content.decode()
    assert response.status_code == 400
    assert "Choose the questionnaire" in page
    assert "Issue at least 1 link" in page
    assert "Enter the last day the links work" in page


def test_a_director_sees_their_authority_but_cannot_issue_links(client, loaded):
    participant = ParticipantFactory()
    director = PractitionerFactory(role=Role.DIRECTOR, agency__authority=participant.authority).user
    client.force_login(director)

    assert client.get(f"/self-evaluation/authorities/{participant.pk}").status_code == 200
    assert client.post(f"/self-evaluation/authorities/{participant.pk}/links", {}).status_code == 403


def test_staff_of_another_authority_cannot_open_an_authority_page(client, loaded):
    participant = ParticipantFactory()
    other = PractitionerFactory(role=Role.DIRECTOR, agency__authority=AuthorityFactory()).user
    client.force_login(other)

    assert client.get(f"/self-evaluation/authorities/{participant.pk}").status_code == 404


def test_practitioners_have_no_self_evaluation_pages(client, loaded):
    client.force_login(PractitionerFactory().user)

    assert client.get("/self-evaluation/").status_code == 403


def test_a_researcher_records_an_interview_through_the_same_pages(client, loaded, researcher):
    client.force_login(researcher)
    participant = ParticipantFactory()

    started = client.post(
        f"/self-evaluation/authorities/{participant.pk}/interviews",
        {"instrument": "child", "key_group": KeyGroup.objects.get(code="lac").pk},
    )
    response = Response.objects.get()
    assert started["Location"] == f"/self-evaluation/interviews/{response.pk}"
    assert "You are recording an interview" in client.get(started["Location"]).content.decode()

    client.post(f"/self-evaluation/interviews/{response.pk}/section/your_views", {"difference_me": ["feel_safer"]})
    sent = client.post(f"/self-evaluation/interviews/{response.pk}/check")

    assert sent["Location"] == f"/self-evaluation/authorities/{participant.pk}"
    response.refresh_from_db()
    assert response.submitted_at is not None and response.interviewer == researcher


def test_another_researchers_interview_is_not_found(client, loaded, researcher):
    participant = ParticipantFactory()
    response = services.start_interview(
        participant=participant, instrument_code="child", key_group=None, interviewer=researcher
    )
    client.force_login(ResearcherFactory().user)

    assert client.get(f"/self-evaluation/interviews/{response.pk}").status_code == 404


def test_a_researcher_gives_an_expired_set_seven_more_days(client, loaded, researcher):
    client.force_login(researcher)
    participant = ParticipantFactory()
    issued = services.issue_links(
        participant=participant, instrument_code="child", key_group=None, how_many=2, issued_by=researcher, batch="Club"
    )
    services.save_answers(invitation=issued[0].invitation, given={"support_received": services.Given(text="Mum")})
    Invitation.objects.update(expires_at=timezone.now() - timedelta(days=1))
    page = client.get(f"/self-evaluation/authorities/{participant.pk}").content.decode()
    assert "Give 7 more days" in page

    client.post(
        f"/self-evaluation/authorities/{participant.pk}/links/extend",
        {"batch": "Club", "instrument": issued[0].invitation.instrument_id},
    )

    assert client.get(f"/self-evaluation/q/{issued[0].token}").status_code == 200
    assert Invitation.objects.filter(expires_at__gt=timezone.now()).count() == 2

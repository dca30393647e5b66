"""Rounds, links and answers: what a respondent and a researcher can and cannot do."""

import shutil
from datetime import date, timedelta

import pytest
from django.utils import timezone

from joinedup.agencies.tests.factories import LocalityFactory
from joinedup.audit.models import AuditEvent
from joinedup.selfeval import content, services
from joinedup.selfeval.errors import LinkProblem, RuleBroken, Unfinished
from joinedup.selfeval.models import Answer, Invitation, KeyGroup, Question, Response
from joinedup.selfeval.services import Given

from .factories import AuthorityFactory, ParticipantFactory, ResearcherFactory, RoundFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def researcher():
    return ResearcherFactory().user


@pytest.fixture
def participant(loaded):
    return ParticipantFactory()


def link_for(participant, researcher, code="practitioner", **kwargs):
    lac = KeyGroup.objects.get(code="lac")
    issued = services.issue_links(
        participant=participant, instrument_code=code, key_group=lac, how_many=1, issued_by=researcher, **kwargs
    )
    return issued[0]


# Loading content


def test_loading_twice_loads_nothing_new(loaded):
    again = services.load_content()

    assert again["codebook_new"] is False
    assert set(again["instruments"].values()) == {False}
    assert set(loaded["instruments"].values()) == {True}


def test_a_loaded_version_cannot_be_reworded(loaded, tmp_path):
    target = tmp_path / "instruments"
    shutil.copytree(content.INSTRUMENTS_DIR, target)
    block = target / "blocks" / "child_views.toml"
    block.write_text(block.read_text().replace("Who helps you at the moment?", "Who helps you now?"))

    with pytest.raises(RuleBroken, match="give the changed instrument the next version number"):
        services.load_instrument(content.read_instrument(target / "child.toml"))


def test_answers_stay_tied_to_the_version_their_respondent_saw(participant, researcher, tmp_path):
    # Given a parent who answered version 1
    first = link_for(participant, researcher, code="parent")
    services.save_answers(invitation=first.invitation, given={"support_received": Given(text="A key worker")})
    # When version 2 rewords the question
    target = tmp_path / "instruments"
    shutil.copytree(content.INSTRUMENTS_DIR, target)
    block = target / "blocks" / "parent_views.toml"
    block.write_text(block.read_text().replace("at the moment?", "now?"))
    (target / "parent.toml").write_text((target / "parent.toml").read_text().replace("version = 1", "version = 2"))
    services.load_instrument(content.read_instrument(target / "parent.toml"))
    second = link_for(participant, researcher, code="parent")

    # Then the first answer keeps version 1's words, and new links ask version 2
    answer = Answer.objects.get(response__invitation=first.invitation)
    assert answer.question.instrument.version == 1
    assert answer.question.text == "What help or support do you and your child get at the moment?"
    assert second.invitation.instrument.version == 2
    assert Question.objects.get(instrument__version=2, instrument__code="parent", key="support_received").text == (
        "What help or support do you and your child get now?"
    )


# Rounds


def test_an_authority_joins_with_a_locality_and_its_own_key_group(loaded, researcher):
    round_ = RoundFactory()
    authority = AuthorityFactory(name="Westshire", la_code="951")
    locality = LocalityFactory(authority=authority, name="Riverside")

    participant = services.join_round(
        round=round_,
        authority=authority,
        locality=locality,
        key_groups=[KeyGroup.objects.get(code="lac")],
        own_key_group="Young carers",
        joined_by=researcher,
    )

    assert sorted(participant.key_groups.values_list("name", flat=True)) == ["Looked-after children", "Young carers"]
    assert AuditEvent.objects.filter(verb="joined_selfeval_round", actor_id=researcher.pk).exists()


def test_a_locality_of_another_authority_is_refused(loaded, researcher):
    authority = AuthorityFactory(name="Westshire", la_code="951")
    elsewhere = LocalityFactory(authority=AuthorityFactory(la_code="952"), name="Hilltop")

    with pytest.raises(RuleBroken, match="Hilltop is not a locality of Westshire"):
        services.join_round(
            round=RoundFactory(), authority=authority, locality=elsewhere, key_groups=[], joined_by=researcher
        )


# Links


def test_a_link_is_kept_only_as_a_digest(participant, researcher):
    issued = link_for(participant, researcher)

    assert issued.token not in issued.invitation.token_digest
    assert services.open_link(issued.token) == issued.invitation


def test_an_unknown_link_says_to_check_it():
    with pytest.raises(LinkProblem) as raised:
        services.open_link("not-a-real-token")

    assert raised.value.title == "This link does not work"
    assert "copied the whole link" in str(raised.value)


def test_a_used_link_cannot_be_used_again(participant, researcher):
    issued = link_for(participant, researcher, code="child")
    services.save_answers(invitation=issued.invitation, given={"difference_me": Given(choices=("feel_safer",))})
    services.submit(invitation=issued.invitation, sent_by=None)

    with pytest.raises(LinkProblem) as raised:
        services.open_link(issued.token)

    assert raised.value.title == "This link has already been used"
    assert "Each link is for one person's answers, once" in str(raised.value)
    with pytest.raises(LinkProblem):
        services.save_answers(invitation=issued.invitation, given={"improvements": Given(text="More")})


def test_an_expired_link_keeps_the_answers_saved_and_can_be_extended(participant, researcher):
    issued = link_for(participant, researcher, code="child")
    services.save_answers(invitation=issued.invitation, given={"support_received": Given(text="My key worker")})
    Invitation.objects.filter(pk=issued.invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    with pytest.raises(LinkProblem) as raised:
        services.open_link(issued.token)

    assert raised.value.title == "This link has expired"
    assert "The 1 answer you saved is kept" in str(raised.value)
    services.extend_link(
        invitation=Invitation.objects.get(pk=issued.invitation.pk),
        until=timezone.localdate() + timedelta(days=7),
        extended_by=researcher,
    )
    assert services.open_link(issued.token).response.answers.get().text == "My key worker"


def test_links_are_only_for_key_groups_the_authority_studies(loaded, researcher):
    participant = ParticipantFactory(key_groups=[KeyGroup.objects.get(code="asd")])

    with pytest.raises(RuleBroken, match="is not studying Looked-after children"):
        link_for(participant, researcher)


def test_links_must_expire_in_the_future(participant, researcher):
    with pytest.raises(RuleBroken, match="must expire after today"):
        link_for(participant, researcher, expires_on=date(2020, 1, 1))


# Answers


def test_an_out_of_range_score_is_refused_and_the_rest_of_the_page_is_kept(participant, researcher):
    issued = link_for(participant, researcher)

    problems = services.save_answers(
        invitation=issued.invitation,
        given={
            "extent_shared_ownership": Given(score=7),
            "extent_joint_planning": Given(score=4),
            "extent_evidence": Given(text="Joint plan signed by all partners"),
        },
    )

    assert problems == {"extent_shared_ownership": "Choose a score from 1 to 5, or 'Don't know'"}
    kept = dict(Answer.objects.values_list("question__key", "score"))
    assert kept == {"extent_joint_planning": 4, "extent_evidence": None}


@pytest.mark.parametrize(
    "key, given, problem",
    [
        ("impact_level", Given(score=0), "Choose a score from 1 to 4, or 'Too early to say'"),
        ("impact_level", Given(score=2, dont_know=True), "Choose a score or 'Too early to say', not both"),
        ("shared_definition", Given(choices=("yes", "no")), "Choose one of the options shown"),
        ("enablers", Given(choices=("telepathy",)), "Choose from the options shown"),
        ("definition", Given(text="x" * 5001), "Your answer must be 5,000 characters or fewer"),
    ],
)
def test_answers_that_cannot_be_kept_say_why(participant, researcher, key, given, problem):
    issued = link_for(participant, researcher)

    assert services.save_answers(invitation=issued.invitation, given={key: given}) == {key: problem}
    assert not Answer.objects.exists()


def test_none_of_these_stands_alone(participant, researcher):
    issued = link_for(participant, researcher, code="parent")

    problems = services.save_answers(
        invitation=issued.invitation, given={"difference_child": Given(choices=("none", "calmer"))}
    )

    assert problems == {"difference_child": "Select 'None of these' on its own, or only the other options"}


def test_clearing_an_answer_removes_it(participant, researcher):
    issued = link_for(participant, researcher)
    services.save_answers(invitation=issued.invitation, given={"definition": Given(text="Working together")})

    services.save_answers(invitation=issued.invitation, given={"definition": Given(text="  ")})

    assert not Answer.objects.exists()


def test_a_half_finished_questionnaire_is_not_sent_and_nothing_is_lost(participant, researcher):
    issued = link_for(participant, researcher)
    services.save_answers(
        invitation=issued.invitation,
        given={"impact_level": Given(score=2, dont_know=False), "definition": Given(text="Team around the child")},
    )

    with pytest.raises(Unfinished) as raised:
        services.submit(invitation=issued.invitation, sent_by=None)

    assert len(raised.value.missing) == 21
    assert raised.value.missing[0].key == "extent_shared_ownership"
    assert "You have not answered 21 required questions yet. Your other answers are saved." == str(raised.value)
    response = Response.objects.get()
    assert response.submitted_at is None
    assert response.answers.count() == 2


def test_a_finished_questionnaire_is_sent_once_and_audited_as_anonymous(participant, researcher):
    issued = link_for(participant, researcher, code="child")
    services.save_answers(invitation=issued.invitation, given={"difference_me": Given(choices=("feel_happier",))})

    response = services.submit(invitation=issued.invitation, sent_by=None)

    assert response.submitted_at is not None
    event = AuditEvent.objects.get(verb="sent_selfeval_answers")
    assert event.actor_id is None
    assert event.legal_basis == "Anonymous answers given by invitation"


def test_a_researcher_records_an_interview_with_the_same_questions(participant, researcher):
    response = services.start_interview(
        participant=participant,
        instrument_code="parent",
        key_group=KeyGroup.objects.get(code="lac"),
        interviewer=researcher,
    )

    services.save_answers(invitation=response.invitation, given={"difference_child": Given(choices=("calmer",))})
    services.submit(invitation=response.invitation, sent_by=researcher)

    response.refresh_from_db()
    assert response.interviewer == researcher
    assert response.invitation.token_digest is None
    assert response.submitted_at is not None

"""Coding open answers: rules, the keyboard-friendly screen, suggestions and agreement."""

import pytest

from joinedup.audit.models import AuditEvent
from joinedup.people.models import Role
from joinedup.people.tests.factories import PractitionerFactory
from joinedup.selfeval import queries, services, suggestions
from joinedup.selfeval.errors import RuleBroken
from joinedup.selfeval.models import Answer, Code, Coding, Suggestion
from joinedup.selfeval.services import Given

from .factories import ParticipantFactory, ResearcherFactory, sent_response

pytestmark = pytest.mark.django_db

PRACTITIONER_ANSWERS = {
    "features_contributing": "The fortnightly multi-agency panel means cases are picked up and allocated quickly",
    "features_to_develop": "GPs and some schools still do not come to meetings or sign up to the CAF",
    "impacts_seen": "The young people are much happier and more settled, and they are back in school learning",
}


@pytest.fixture
def round_with_answers(loaded):
    participant = ParticipantFactory()
    for _ in range(2):
        sent_response(
            participant,
            "practitioner",
            {key: Given(text=text) for key, text in PRACTITIONER_ANSWERS.items()},
            key_group="lac",
        )
    return participant


def code(scheme, key):
    return Code.objects.get(scheme=scheme, key=key)


def test_codes_must_come_from_the_answers_scheme(round_with_answers):
    answer = Answer.objects.filter(question__key="features_contributing").first()

    with pytest.raises(RuleBroken, match="not in the feature scheme: Improved behaviour"):
        services.code_answer(answer=answer, coder=ResearcherFactory().user, codes=[code("outcome", "behaviour")])


def test_a_coder_must_choose_codes_or_say_none_fits(round_with_answers):
    answer = Answer.objects.filter(question__key="features_contributing").first()
    coder = ResearcherFactory().user

    with pytest.raises(RuleBroken, match="Choose at least one code, or 'No code fits'"):
        services.code_answer(answer=answer, coder=coder, codes=[])
    with pytest.raises(RuleBroken, match="not both"):
        services.code_answer(answer=answer, coder=coder, codes=[code("feature", "ict")], no_code_fits=True)

    coding = services.code_answer(answer=answer, coder=coder, codes=[], no_code_fits=True)
    assert list(coding.codes.all()) == []


def test_unsent_answers_are_not_coded(loaded):
    participant = ParticipantFactory()
    researcher = ResearcherFactory().user
    link = services.issue_links(
        participant=participant, instrument_code="practitioner", key_group=None, how_many=1, issued_by=researcher
    )[0]
    services.save_answers(invitation=link.invitation, given={"definition": Given(text="Working together")})
    answer = Answer.objects.get()
    answer.question.scheme = "feature"

    with pytest.raises(RuleBroken, match="once they have been sent"):
        services.code_answer(answer=answer, coder=researcher, codes=[code("feature", "working_together")])


def test_recoding_replaces_the_coders_codes_and_is_audited(round_with_answers):
    answer = Answer.objects.filter(question__key="features_contributing").first()
    coder = ResearcherFactory().user

    services.code_answer(answer=answer, coder=coder, codes=[code("feature", "ict")])
    services.code_answer(answer=answer, coder=coder, codes=[code("feature", "multi_agency_panels")])

    assert list(Coding.objects.get().codes.values_list("key", flat=True)) == ["multi_agency_panels"]
    assert list(AuditEvent.objects.filter(actor_id=coder.pk).values_list("verb", flat=True).order_by("id")) == [
        "coded_selfeval_answer",
        "recoded_selfeval_answer",
    ]


def test_first_coders_codes_are_the_record(round_with_answers):
    answer = Answer.objects.filter(question__key="features_contributing").first()
    services.code_answer(answer=answer, coder=ResearcherFactory().user, codes=[code("feature", "multi_agency_panels")])
    services.code_answer(answer=answer, coder=ResearcherFactory().user, codes=[code("feature", "ict")])

    person = next(p for p in queries.respondents(round_with_answers.round) if p.id == answer.response_id)

    assert person.contributing == {"multi_agency_panels"}


def test_queues_for_first_and_second_coding(round_with_answers):
    first, second = ResearcherFactory().user, ResearcherFactory().user
    round_ = round_with_answers.round
    answer = Answer.objects.filter(question__key="impacts_seen").first()
    services.code_answer(answer=answer, coder=first, codes=[code("impact", "outcomes_children")])

    assert queries.coding_queue(round_, first, second=False).count() == 5
    assert queries.coding_queue(round_, second, second=False).count() == 5
    assert list(queries.coding_queue(round_, second, second=True)) == [answer]
    assert queries.coding_queue(round_, first, second=True).count() == 0


def test_agreement_reports_kappa_and_suggestion_hits(round_with_answers):
    first, second = ResearcherFactory().user, ResearcherFactory().user
    answers = list(Answer.objects.filter(question__key="features_contributing").order_by("id"))
    panels, ict = code("feature", "multi_agency_panels"), code("feature", "ict")
    # The suggester put panels first for the first answer and ICT first for the second
    for answer, top in zip(answers, (panels, ict), strict=True):
        Suggestion.objects.create(answer=answer, code=top, rank=1, similarity=0.7, model_name=suggestions.MODEL_NAME)
    services.code_answer(answer=answers[0], coder=first, codes=[panels], top_suggestion=panels)
    services.code_answer(answer=answers[1], coder=first, codes=[panels], top_suggestion=ict)
    services.code_answer(answer=answers[0], coder=second, codes=[panels])
    services.code_answer(answer=answers[1], coder=second, codes=[ict])

    figures = queries.agreement(round_with_answers.round)

    assert (figures["suggested"], figures["top1"], figures["shown"], figures["shown_hits"]) == (2, 1, 2, 1)
    feature = figures["by_scheme"]["feature"]
    assert (feature["answers"], feature["exact"]) == (2, 1)
    # panels: yes/yes, yes/no -> po .5, pe .5 -> undefined? pe = 1*.5 + 0*.5 = .5 -> kappa 0
    assert feature["codes"]["multi_agency_panels"] == pytest.approx(0.0)
    assert feature["codes"]["ict"] == pytest.approx(0.0)


def test_suggestions_rank_codes_by_meaning(round_with_answers):
    """The same scheme (impacts) as the coding screen's first answer, so the model meets its codes once."""
    answer = Answer.objects.filter(question__key="impacts_seen").first()

    ranked = suggestions.suggest([answer])[answer.pk]

    assert len(ranked) == suggestions.KEPT
    assert [s.rank for s in ranked] == [1, 2, 3, 4, 5]
    assert ranked[0].similarity >= ranked[-1].similarity
    assert ranked[0].code.key == "outcomes_children", [s.code.key for s in ranked]
    # Stored, so asking again neither recomputes nor duplicates
    assert suggestions.suggest([answer])[answer.pk] == ranked
    assert Suggestion.objects.filter(answer=answer).count() == suggestions.KEPT


def test_the_coding_screen_puts_suggestions_first_and_ticks_nothing(client, round_with_answers):
    researcher = ResearcherFactory().user
    client.force_login(researcher)
    round_ = round_with_answers.round

    start = client.get(f"/self-evaluation/rounds/{round_.pk}/coding/next?pass=first")
    page = client.get(start["Location"])

    html = page.content.decode()
    assert "Code this answer" in html
    assert html.count("Suggested: similarity") == suggestions.SHOWN
    assert "checked" not in html
    answer_id = int(start["Location"].split("/answers/")[1].split("/")[0])
    answer = Answer.objects.get(pk=answer_id)
    chosen = Suggestion.objects.get(answer=answer, rank=1).code

    saved = client.post(start["Location"], {"codes": [str(chosen.pk)]})

    assert saved.status_code == 302 and "/coding/next" in saved["Location"]
    coding = Coding.objects.get(answer=answer, coder=researcher)
    assert coding.top_suggestion == chosen
    assert list(coding.codes.all()) == [chosen]


def test_the_coding_screen_explains_an_empty_choice(client, round_with_answers):
    client.force_login(ResearcherFactory().user)
    answer = Answer.objects.filter(question__key="features_contributing").first()

    page = client.post(f"/self-evaluation/answers/{answer.pk}/code?pass=first", {})

    assert "Choose at least one code, or &#39;No code fits&#39;" in page.content.decode()
    assert not Coding.objects.exists()


def test_an_analyst_codes_only_their_own_authoritys_answers(client, round_with_answers):
    answer = Answer.objects.filter(question__key="features_contributing").first()
    outsider = PractitionerFactory(role=Role.PERFORMANCE_ANALYST).user
    insider = PractitionerFactory(role=Role.PERFORMANCE_ANALYST, agency__authority=round_with_answers.authority).user

    client.force_login(outsider)
    assert client.get(f"/self-evaluation/answers/{answer.pk}/code").status_code == 404
    client.force_login(insider)
    assert client.get(f"/self-evaluation/answers/{answer.pk}/code").status_code == 200


def test_a_director_cannot_code(client, round_with_answers):
    director = PractitionerFactory(role=Role.DIRECTOR, agency__authority=round_with_answers.authority).user
    client.force_login(director)

    assert client.get(f"/self-evaluation/rounds/{round_with_answers.round.pk}/coding").status_code == 403

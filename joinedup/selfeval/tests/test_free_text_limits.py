"""Free text in a questionnaire has a limit: a 300,000-character answer is a GOV.UK error saying how
long it may be, and nothing on the page is saved."""

import pytest

from joinedup.selfeval import services
from joinedup.selfeval.models import Answer, KeyGroup

from .factories import ParticipantFactory, ResearcherFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(loaded):
    issued = services.issue_links(
        participant=ParticipantFactory(),
        instrument_code="practitioner",
        key_group=KeyGroup.objects.get(code="lac"),
        how_many=1,
        issued_by=ResearcherFactory().user,
    )[0]
    return f"/self-evaluation/q/{issued.token}"


def test_evidence_of_300000_characters_is_refused_and_nothing_saved(client, link):
    response = client.post(
        f"{link}/section/extent",
        {"extent_mutual_dependency": "4", "extent_evidence": "x" * 300_000, "action": "continue"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Your answer must be 5,000 characters or fewer" in page
    assert not Answer.objects.exists()


def test_text_answers_show_their_limit_as_a_character_count(client, link):
    page = client.get(f"{link}/section/extent").content.decode()

    assert 'data-module="govuk-character-count"' in page
    assert 'data-maxlength="5000"' in page

"""An id that names nothing on the list (a typed "abc", "1;drop") is a GOV.UK error under its field,
or a 404 where the id came from a page rather than a person, never a server error."""

import pytest

from joinedup.selfeval.models import Invitation, ParticipatingAuthority, Response

from .factories import ParticipantFactory, ResearcherFactory

pytestmark = pytest.mark.django_db

NOT_IDS = ["abc", "1;drop"]


@pytest.fixture
def researcher_client(client, loaded):
    client.force_login(ResearcherFactory().user)
    return client


@pytest.fixture
def participant(loaded):
    return ParticipantFactory()


@pytest.mark.parametrize("not_an_id", NOT_IDS)
def test_joining_a_round_with_choices_not_on_the_list_is_a_form_error(researcher_client, participant, not_an_id):
    round_ = participant.round

    response = researcher_client.post(
        f"/self-evaluation/rounds/{round_.pk}/join",
        {"authority": not_an_id, "locality": not_an_id, "key_groups": [not_an_id]},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "Choose an authority from the list" in page
    assert "Choose a locality from the list" in page
    assert "Choose key groups from the list" in page
    assert ParticipatingAuthority.objects.filter(round=round_).count() == 1


@pytest.mark.parametrize("not_an_id", NOT_IDS)
def test_issuing_links_for_a_key_group_not_on_the_list_is_a_form_error(researcher_client, participant, not_an_id):
    response = researcher_client.post(
        f"/self-evaluation/authorities/{participant.pk}/links",
        {"instrument": not_an_id, "key_group": not_an_id, "how_many": "2"},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in page
    assert "Choose a questionnaire from the list" in page
    assert "Choose a key group from the list" in page
    assert not Invitation.objects.filter(participant=participant).exists()


@pytest.mark.parametrize("not_an_id", NOT_IDS)
def test_an_interview_with_a_schedule_not_on_the_list_is_a_form_error(researcher_client, participant, not_an_id):
    response = researcher_client.post(
        f"/self-evaluation/authorities/{participant.pk}/interviews", {"instrument": not_an_id, "key_group": not_an_id}
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in page
    assert "Choose a schedule from the list" in page
    assert not Response.objects.filter(interviewer__isnull=False).exists()


@pytest.mark.parametrize("not_an_id", NOT_IDS)
def test_extending_links_of_a_questionnaire_that_is_not_an_id_is_not_found(researcher_client, participant, not_an_id):
    response = researcher_client.post(
        f"/self-evaluation/authorities/{participant.pk}/links/extend", {"instrument": not_an_id, "batch": ""}
    )

    assert response.status_code == 404


@pytest.mark.parametrize("page", ["coding", "coding/next"])
@pytest.mark.parametrize("not_an_id", NOT_IDS)
def test_the_coding_queue_for_an_authority_that_is_not_an_id_is_not_found(
    researcher_client, participant, page, not_an_id
):
    response = researcher_client.get(f"/self-evaluation/rounds/{participant.round.pk}/{page}", {"authority": not_an_id})

    assert response.status_code == 404

"""An id that names nothing on the list (a typed "abc", "1;drop") is a GOV.UK error under its field,
or a 404 where the id came from a page rather than a person, never a server error."""

import pytest

from joinedup.casework import services
from joinedup.casework.models import Panel, TacMember
from joinedup.people.models import Role
from joinedup.people.tests.factories import PractitionerFactory

from .factories import CaseFactory

pytestmark = pytest.mark.django_db

NOT_IDS = ["abc", "1;drop"]


def assert_error(response, message: str) -> None:
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert message in page


@pytest.fixture
def case():
    return CaseFactory()


@pytest.mark.parametrize("not_an_id", NOT_IDS)
def test_inviting_someone_not_on_the_list_is_a_form_error(client, case, not_an_id):
    client.force_login(case.lead_professional.user)

    response = client.post(f"/casework/cases/{case.pk}/team/", {"practitioner": not_an_id})

    assert_error(response, "Choose a practitioner from the list")
    assert TacMember.objects.filter(case=case).count() == 1


@pytest.mark.parametrize("not_an_id", NOT_IDS)
def test_a_lead_professional_not_on_the_list_is_a_form_error(client, case, not_an_id):
    lead = case.lead_professional
    client.force_login(lead.user)

    response = client.post(f"/casework/cases/{case.pk}/lead-professional/", {"lead_professional": not_an_id})

    assert_error(response, "The lead professional must be a member of the team around the child")
    case.refresh_from_db()
    assert case.lead_professional == lead


@pytest.mark.parametrize("not_an_id", NOT_IDS)
def test_a_plan_action_for_an_outcome_not_on_the_list_is_a_form_error(client, case, not_an_id):
    client.force_login(case.lead_professional.user)
    services.add_outcome(
        case=case, need="Misses school", desired_outcome="Goes to school", added_by=case.lead_professional.user
    )

    response = client.post(
        f"/casework/cases/{case.pk}/actions/new/", {"outcome": not_an_id, "owner": not_an_id, "description": "Visit"}
    )

    assert_error(response, "Choose an outcome from the list")


@pytest.mark.parametrize("not_an_id", NOT_IDS)
def test_a_panel_chair_and_members_not_on_the_list_are_form_errors(client, front_door, not_an_id):
    client.force_login(PractitionerFactory(role=Role.SERVICE_MANAGER).user)

    response = client.post(
        f"/casework/panels/setup/{front_door['north'].pk}/new/",
        {"name": "North weekly panel", "cycle": "7", "chair": not_an_id, "members": [not_an_id]},
    )

    assert_error(response, "Choose a chair from the list")
    assert "Choose members from the list" in response.content.decode()
    assert not Panel.objects.filter(name="North weekly panel").exists()


@pytest.mark.parametrize("not_an_id", NOT_IDS)
def test_preparing_a_meeting_for_a_panel_that_is_not_an_id_is_not_found(client, front_door, not_an_id):
    client.force_login(front_door["chris"].user)

    assert client.post("/casework/panels/", {"panel": not_an_id}).status_code == 404


@pytest.mark.parametrize("not_an_id", NOT_IDS)
def test_withdrawing_a_consent_not_on_the_list_is_a_404(client, case, not_an_id):
    client.force_login(case.lead_professional.user)

    response = client.post(
        f"/casework/children/{case.child_id}/consent/",
        {"intent": "withdraw", "consent": not_an_id, "reason": "Mum asked"},
    )

    assert response.status_code == 404
    assert case.child.consents.filter(withdrawn_at__isnull=False).count() == 0

"""Free text has a limit: a 300,000-character post is a GOV.UK error saying how long it may be,
and nothing is saved. Pages show the limit with the GOV.UK character count."""

import pytest

from joinedup.casework.models import PlanOutcome

from .factories import CaseFactory
from .test_views import referral_on_agenda

pytestmark = pytest.mark.django_db

TOO_LONG = "x" * 300_000


def test_a_need_of_300000_characters_is_refused_and_nothing_added_to_the_plan(client):
    case = CaseFactory()
    client.force_login(case.lead_professional.user)

    response = client.post(
        f"/casework/cases/{case.pk}/outcomes/new/", {"need": TOO_LONG, "desired_outcome": "Goes to school"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "The need must be 2,000 characters or fewer" in page
    assert not PlanOutcome.objects.filter(case=case).exists()


def test_the_plan_form_shows_each_limit_as_a_character_count(client):
    case = CaseFactory()
    client.force_login(case.lead_professional.user)

    page = client.get(f"/casework/cases/{case.pk}/outcomes/new/").content.decode()

    assert 'data-module="govuk-character-count"' in page
    assert 'data-maxlength="2000"' in page
    assert "You can enter up to 2000 characters" in page


def test_minutes_of_300000_characters_are_refused_and_not_saved(client, front_door):
    _, meeting = referral_on_agenda(front_door)
    client.force_login(front_door["chris"].user)

    response = client.post(f"/casework/panels/meetings/{meeting.pk}/", {"minutes": TOO_LONG})

    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "The minutes must be 10,000 characters or fewer" in page
    meeting.refresh_from_db()
    assert meeting.minutes == ""

"""An agency or team that names nothing on the list (a typed "abc", "1;drop") is a GOV.UK error
under its field, never a server error."""

import pytest

from joinedup.people.models import Practitioner

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("not_an_id", ["abc", "1;drop"])
def test_a_new_account_with_an_agency_and_team_not_on_the_list_is_a_form_error(signed_in, scene, not_an_id):
    response = signed_in("adi").post(
        "/accounts/new",
        {
            "username": "jo.bloggs",
            "given_name": "Jo",
            "family_name": "Bloggs",
            "email": "jo@northshire.example",
            "agency": not_an_id,
            "team": not_an_id,
            "job_role": "Youth worker",
            "role": not_an_id,
        },
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "Choose an agency from the list" in page
    assert "Choose a team from the list" in page
    assert "Choose what they may do from the list" in page
    assert not Practitioner.objects.filter(user__username="jo.bloggs").exists()

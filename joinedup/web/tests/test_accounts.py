"""Administrators manage staff accounts; every change is audited and nobody else may."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from joinedup.agencies.models import Agency, Team
from joinedup.audit.models import AuditEvent
from joinedup.people.models import Practitioner


def new_account(scene, **changes):
    team = scene["pat"].team
    return {
        "username": "jo.bloggs",
        "given_name": "Jo",
        "family_name": "Bloggs",
        "email": "jo@northshire.example",
        "agency": team.agency_id,
        "team": team.pk,
        "job_role": "Youth worker",
        "role": "practitioner",
        **changes,
    }


def test_administrator_adds_an_account_and_its_holder_is_emailed_a_link(signed_in, scene, mailoutbox):
    response = signed_in("adi").post("/accounts/new", new_account(scene))

    assert response.status_code == 302
    practitioner = Practitioner.objects.get(user__username="jo.bloggs")
    assert practitioner.team == scene["pat"].team and not practitioner.user.has_usable_password()
    assert mailoutbox[0].to == ["jo@northshire.example"] and "/sign-in/new-password/" in mailoutbox[0].body
    event = AuditEvent.objects.get(verb="created_account")
    assert event.actor_username == "adi" and event.child_id is None


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"username": "pat"}, "That username is taken"),
        ({"username": "Jo Bloggs"}, "Use 3 to 40 lower case letters"),
        ({"email": "not-an-email"}, "Enter an email address in the correct format"),
        ({"role": ""}, "Choose what they may do in joinedup"),
    ],
)
def test_a_bad_account_is_refused_with_a_reason(signed_in, scene, changes, message):
    response = signed_in("adi").post("/accounts/new", new_account(scene, **changes))

    assert message in response.text and 'class="govuk-error-summary"' in response.text
    assert not Practitioner.objects.filter(user__username="jo.bloggs").exists()


def test_a_team_of_another_agency_is_refused(signed_in, scene):
    other = Agency.objects.create(authority=scene["pat"].agency.authority, code="NHS", name="Trust", kind="health")
    response = signed_in("adi").post("/accounts/new", new_account(scene, agency=other.pk))

    assert "belongs to another agency" in response.text


def test_only_administrators_manage_accounts(signed_in, scene):
    for username in ("pat", "sam", "dee"):
        assert signed_in(username).get("/accounts").status_code == 403


def test_administrator_changes_a_role_and_switches_an_account_off(signed_in, scene):
    pat = scene["pat"]
    response = signed_in("adi").post(
        f"/accounts/{pat.pk}", {"team": pat.team_id, "job_role": "Team leader", "role": "service_manager"}
    )
    assert response.status_code == 302
    pat.refresh_from_db()
    pat.user.refresh_from_db()
    assert (pat.role, pat.job_role, pat.user.is_active) == ("service_manager", "Team leader", False)
    changed = AuditEvent.objects.get(verb="changed_account").detail["changed"]
    assert changed["role"] == ["practitioner", "service_manager"] and changed["active"] == [True, False]


def test_administrator_cannot_switch_off_their_own_account(signed_in, scene):
    adi = scene["adi"]
    response = signed_in("adi").post(f"/accounts/{adi.pk}", {"job_role": "x", "role": "administrator"})
    assert "You cannot switch off your own account" in response.text
    adi.user.refresh_from_db()
    assert adi.user.is_active


def test_resetting_an_authenticator_app_removes_it_and_is_audited(signed_in, scene):
    TOTPDevice.objects.create(user=scene["pat"].user, name="phone", confirmed=True)
    signed_in("adi").post(f"/accounts/{scene['pat'].pk}/reset-two-factor")

    assert not TOTPDevice.objects.filter(user=scene["pat"].user).exists()
    assert AuditEvent.objects.get(verb="reset_two_factor").detail["devices_removed"] == 1


def test_unlocking_lets_a_locked_out_person_sign_in_again(client, signed_in, scene):
    for _ in range(5):
        client.post("/sign-in", {"username": "pat", "password": "wrong-password"})
    assert client.post("/sign-in", {"username": "pat", "password": "correct-horse-battery-staple"}).status_code == 429
    signed_in("adi").post(f"/accounts/{scene['pat'].pk}/unlock")
    client.logout()

    response = client.post("/sign-in", {"username": "pat", "password": "correct-horse-battery-staple"})
    assert response.status_code == 302
    assert AuditEvent.objects.get(verb="unlocked_sign_in").detail["failures_cleared"] >= 1


def test_team_choices_when_changing_are_the_agencys_own(signed_in, scene):
    other = Agency.objects.create(authority=scene["pat"].agency.authority, code="NHS", name="Trust", kind="health")
    Team.objects.create(agency=other, code="T-NHS", name="Health visiting team")
    response = signed_in("adi").get(f"/accounts/{scene['pat'].pk}")
    assert "North early help team" in response.text and "Health visiting team" not in response.text

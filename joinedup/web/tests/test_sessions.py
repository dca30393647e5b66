"""A session key is never carried across a change of trust: a key planted before sign-in, or seen
between the password and the authenticator code, is dead once the person is in. A wrong code slows
the next attempt, whichever session makes it, and every failure is kept."""

import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from joinedup.audit.models import AuditEvent

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def plant_session(client) -> str:
    """What a session fixation attack starts from: a key the attacker knows, already in the browser."""
    session = client.session
    session["planted"] = "by someone else"
    session.save()
    return session.session_key


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"


def enrolled_device(practitioner) -> TOTPDevice:
    return TOTPDevice.objects.create(user=practitioner.user, name="Authenticator app", confirmed=True)


def test_signing_in_gives_a_new_session_key_and_ends_the_old_one(client, scene):
    planted = plant_session(client)

    response = client.post("/sign-in", {"username": "pat", "password": PASSWORD})

    assert response.status_code == 302
    assert client.session.session_key != planted
    assert client.session["_auth_user_id"] == str(scene["pat"].user.pk)
    assert not SessionStore().exists(planted)


def test_a_failed_sign_in_does_not_sign_the_planted_session_in(client, scene):
    planted = plant_session(client)

    client.post("/sign-in", {"username": "pat", "password": "wrong-password"})

    assert "_auth_user_id" not in SessionStore(session_key=planted).load()


@override_settings(JOINEDUP_REQUIRE_TWO_FACTOR=True)
def test_the_authenticator_code_gives_a_new_session_key_and_csrf_token(client, scene):
    device = enrolled_device(scene["pat"])
    client.post("/sign-in", {"username": "pat", "password": PASSWORD})
    after_password = client.session.session_key
    client.get("/two-factor")
    csrf_after_password = client.cookies["csrftoken"].value

    response = client.post("/two-factor?next=/", {"code": current_code(device)})

    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session.session_key != after_password
    assert not SessionStore().exists(after_password)
    assert client.cookies["csrftoken"].value != csrf_after_password
    assert client.get("/").status_code == 200  # still signed in, and verified


@override_settings(JOINEDUP_REQUIRE_TWO_FACTOR=True)
def test_the_key_from_between_password_and_code_cannot_reach_a_page(client, scene):
    """Someone who copied the cookie after the password step holds a session that is not verified;
    once the person enters their code, that key no longer exists at all."""
    device = enrolled_device(scene["pat"])
    client.post("/sign-in", {"username": "pat", "password": PASSWORD})
    copied = client.cookies["sessionid"].value
    client.post("/two-factor", {"code": current_code(device)})
    thief = Client()
    thief.cookies["sessionid"] = copied

    response = thief.get(f"/children/{scene['alfred'].pk}")

    assert response.status_code == 302 and response["Location"].startswith("/sign-in")


def test_signing_out_ends_the_session_on_the_server(client, scene):
    client.post("/sign-in", {"username": "pat", "password": PASSWORD})
    signed_in_key = client.session.session_key

    response = client.post("/sign-out")

    assert not SessionStore().exists(signed_in_key)
    assert response["Clear-Site-Data"] == '"cache", "storage"'


@override_settings(JOINEDUP_REQUIRE_TWO_FACTOR=True, OTP_TOTP_THROTTLE_FACTOR=60)
def test_after_a_wrong_code_even_the_right_one_waits(client, scene):
    """django-otp doubles the wait after each wrong code (OTP_TOTP_THROTTLE_FACTOR seconds, then
    twice that, ...), counted on the device: signing in again does not start afresh."""
    device = enrolled_device(scene["pat"])
    client.post("/sign-in", {"username": "pat", "password": PASSWORD})
    client.post("/two-factor", {"code": "000000"})
    client.post("/sign-out")
    client.post("/sign-in", {"username": "pat", "password": PASSWORD})

    refused = client.post("/two-factor", {"code": current_code(device)})

    assert refused.status_code == 200 and "Too many wrong codes" in refused.text
    assert client.get("/").status_code == 302
    device.refresh_from_db()
    device.throttling_failure_timestamp -= timedelta(seconds=61)
    device.save(update_fields=["throttling_failure_timestamp"])
    assert client.post("/two-factor", {"code": current_code(device)}).status_code == 302


@override_settings(JOINEDUP_REQUIRE_TWO_FACTOR=True)
def test_a_code_is_accepted_once_only(client, scene):
    """A code read over someone's shoulder is no use once it has been entered (django-otp keeps
    the time step of the last accepted code on the device)."""
    device = enrolled_device(scene["pat"])
    code = current_code(device)
    client.post("/sign-in", {"username": "pat", "password": PASSWORD})
    assert client.post("/two-factor", {"code": code}).status_code == 302
    client.post("/sign-out")
    client.post("/sign-in", {"username": "pat", "password": PASSWORD})

    replayed = client.post("/two-factor", {"code": code})

    assert replayed.status_code == 200 and "The code is not right" in replayed.text


@override_settings(JOINEDUP_REQUIRE_TWO_FACTOR=True)
def test_a_wrong_code_is_kept_in_the_audit_trail_with_the_address(client, scene):
    enrolled_device(scene["pat"])
    client.post("/sign-in", {"username": "pat", "password": PASSWORD}, REMOTE_ADDR="198.51.100.20")

    client.post("/two-factor", {"code": "000000"}, REMOTE_ADDR="198.51.100.20")

    event = AuditEvent.objects.get(verb="wrong_two_factor_code")
    assert event.actor_username == "pat" and event.detail == {"address": "198.51.100.20"}


def test_each_wrong_password_is_kept_after_the_right_one_clears_the_count(client, scene):
    """The lockout count starts again at a successful sign-in; the record of the failures does not."""
    for _ in range(2):
        client.post("/sign-in", {"username": "pat", "password": "wrong-password"}, REMOTE_ADDR="203.0.113.7")
    client.post("/sign-in", {"username": "pat", "password": PASSWORD}, REMOTE_ADDR="203.0.113.7")

    assert not AccessAttempt.objects.filter(username="pat").exists()
    assert AccessFailureLog.objects.filter(username="pat", ip_address="203.0.113.7").count() == 2
    assert AccessLog.objects.filter(username="pat", ip_address="203.0.113.7").count() == 1


def sign_in_timed(client) -> tuple[float, float]:
    before = time.time()
    client.post("/sign-in", {"username": "pat", "password": PASSWORD})
    return before, time.time()


def age_session(client, hours: float) -> str:
    session = client.session
    session["signed_in_at"] -= hours * 3600
    session.save()
    return session.session_key


def test_the_working_day_starts_at_sign_in_not_at_the_first_page(client, scene):
    before, after = sign_in_timed(client)

    assert before <= client.session["signed_in_at"] <= after


@override_settings(JOINEDUP_SESSION_MAX_HOURS=10)
def test_a_session_in_use_all_day_still_ends_ten_hours_after_sign_in(client, scene):
    sign_in_timed(client)
    assert client.get("/").status_code == 200
    key = age_session(client, 10 + 1 / 3600)

    response = client.get(f"/children/{scene['alfred'].pk}?tab=audit")

    assert response.status_code == 302
    assert response["Location"] == f"/sign-in?next=/children/{scene['alfred'].pk}%3Ftab%3Daudit"
    assert not SessionStore().exists(key)


@override_settings(JOINEDUP_SESSION_MAX_HOURS=10)
def test_signing_in_again_after_the_day_has_ended_starts_a_new_day(client, scene):
    sign_in_timed(client)
    age_session(client, 11)
    assert client.get("/").status_code == 302

    before, after = sign_in_timed(client)

    assert before <= client.session["signed_in_at"] <= after
    assert client.get(f"/children/{scene['alfred'].pk}").status_code == 200


@override_settings(JOINEDUP_SESSION_MAX_HOURS=10)
def test_a_session_nine_hours_old_carries_on(client, scene):
    sign_in_timed(client)
    age_session(client, 9)

    assert client.get(f"/children/{scene['alfred'].pk}").status_code == 200


def test_a_signed_in_session_that_sign_in_never_stamped_is_ended(client, scene):
    """Made before sign-in stamped the day's start, it cannot say when its day began."""
    sign_in_timed(client)
    session = client.session
    del session["signed_in_at"]
    session.save()

    response = client.get("/")

    assert response.status_code == 302 and response["Location"].startswith("/sign-in")


def test_switching_an_account_off_ends_the_sessions_it_has_open(client, scene):
    """A leaver's laptop, still signed in, reaches nothing once the administrator switches them off."""
    client.post("/sign-in", {"username": "pat", "password": PASSWORD})
    assert client.get(f"/children/{scene['alfred'].pk}").status_code == 200
    administrator = Client()
    administrator.force_login(scene["adi"].user)
    pat = scene["pat"]
    administrator.post(f"/accounts/{pat.pk}", {"team": pat.team_id, "job_role": pat.job_role, "role": pat.role})

    response = client.get(f"/children/{scene['alfred'].pk}")

    assert response.status_code == 302 and response["Location"].startswith("/sign-in")


NO_STORE = "max-age=0, no-cache, no-store, must-revalidate, private"


def test_the_redirect_to_the_second_factor_is_not_kept_by_any_cache(signed_in, settings):
    settings.JOINEDUP_REQUIRE_TWO_FACTOR = True
    client = signed_in("pat")  # a password, but not yet the app

    response = client.get("/")

    assert response.status_code == 302 and response["Location"].startswith("/two-factor")
    assert response["Cache-Control"] == NO_STORE


@override_settings(JOINEDUP_SESSION_MAX_HOURS=10)
def test_the_redirect_at_the_end_of_the_working_day_is_not_kept_by_any_cache(client, scene):
    sign_in_timed(client)
    age_session(client, 11)

    response = client.get("/")

    assert response.status_code == 302 and response["Location"].startswith("/sign-in")
    assert response["Cache-Control"] == NO_STORE

"""Sign-in lockout per address: one address that fails across many usernames is locked out with
the same page as a locked username, while other addresses still sign in."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import override_settings

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

SPRAYER = "203.0.113.7"
OFFICE = "198.51.100.20"


def sign_in(client, username, password, address):
    return client.post("/sign-in", {"username": username, "password": password}, REMOTE_ADDR=address)


def spray(client, times):
    """One wrong password against a different username each time, as a password sprayer does."""
    for number in range(times):
        sign_in(client, f"someone{number}", "Summer2026!", SPRAYER)


@override_settings(JOINEDUP_ADDRESS_FAILURE_LIMIT=4)
def test_spraying_passwords_across_usernames_locks_the_address(client, scene):
    spray(client, 4)

    response = sign_in(client, "pat", PASSWORD, SPRAYER)

    assert response.status_code == 429
    assert "too many failed attempts" in response.text and "or from your network" in response.text
    assert "_auth_user_id" not in client.session


@override_settings(JOINEDUP_ADDRESS_FAILURE_LIMIT=4)
def test_fewer_failures_than_the_limit_leave_the_address_able_to_sign_in(client, scene):
    spray(client, 3)

    assert sign_in(client, "pat", PASSWORD, SPRAYER).status_code == 302


@override_settings(JOINEDUP_ADDRESS_FAILURE_LIMIT=4)
def test_another_address_still_signs_in_while_one_is_locked(client, scene):
    spray(client, 4)

    response = sign_in(client, "pat", PASSWORD, OFFICE)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(scene["pat"].user.pk)


@override_settings(JOINEDUP_ADDRESS_FAILURE_LIMIT=4, JOINEDUP_ADDRESS_FAILURE_WINDOW=timedelta(minutes=15))
def test_failures_older_than_the_window_no_longer_count(client, scene):
    spray(client, 4)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.first().attempt_time - timedelta(minutes=16))

    assert sign_in(client, "pat", PASSWORD, SPRAYER).status_code == 302


PROXY = "10.0.0.2"


def sign_in_through_proxy(client, username, password, forwarded_for):
    """The proxy connects from its own address and appends the address it was reached from."""
    return client.post(
        "/sign-in",
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


@override_settings(JOINEDUP_ADDRESS_FAILURE_LIMIT=4, JOINEDUP_TRUSTED_PROXIES=1)
def test_behind_a_proxy_the_sprayer_is_locked_out_and_the_office_is_not(client, scene):
    for number in range(4):
        sign_in_through_proxy(client, f"someone{number}", "Summer2026!", SPRAYER)

    assert sign_in_through_proxy(client, "pat", PASSWORD, SPRAYER).status_code == 429
    assert sign_in_through_proxy(client, "pat", PASSWORD, OFFICE).status_code == 302


@override_settings(JOINEDUP_ADDRESS_FAILURE_LIMIT=4, JOINEDUP_TRUSTED_PROXIES=1)
def test_an_address_the_sprayer_writes_in_the_header_is_not_believed(client, scene):
    """Only the right-most entry was written by the proxy; the ones before it came from the sprayer."""
    for number in range(4):
        sign_in_through_proxy(client, f"someone{number}", "Summer2026!", f"192.0.2.{number}, {SPRAYER}")

    response = sign_in_through_proxy(client, "pat", PASSWORD, f"192.0.2.99, {SPRAYER}")

    assert response.status_code == 429


@override_settings(JOINEDUP_ADDRESS_FAILURE_LIMIT=4, JOINEDUP_TRUSTED_PROXIES=0)
def test_with_no_proxy_a_forwarded_address_is_ignored(client, scene):
    for number in range(4):
        client.post(
            "/sign-in",
            {"username": f"someone{number}", "password": "Summer2026!"},
            REMOTE_ADDR=SPRAYER,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{number}",
        )

    response = sign_in(client, "pat", PASSWORD, SPRAYER)

    assert response.status_code == 429

"""Production refuses to start insecurely; the demo and tests relax only what loopback needs."""

import os
import subprocess
import sys

SHOW = (
    "from django.conf import settings as s; "
    "print(s.SESSION_COOKIE_SECURE, s.JOINEDUP_REQUIRE_TWO_FACTOR, s.SECURE_HSTS_SECONDS)"
)


def _settings(show=SHOW, **env):
    environment = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "JOINEDUP_MODE"}}
    environment |= {"DJANGO_SETTINGS_MODULE": "joinedup.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {show}"],
        capture_output=True,
        text=True,
        env=environment,
    )


def test_production_without_a_secret_key_stops_and_names_the_example_file():
    result = _settings()
    assert result.returncode != 0
    assert ".env.example" in result.stderr


def test_production_makes_cookies_secure_and_two_factor_mandatory():
    result = _settings(SECRET_KEY="x" * 50, JOINEDUP_MODE="production")
    assert result.stdout.split() == ["True", "True", "31536000"]


def test_demo_turns_two_factor_off_so_printed_logins_work():
    result = _settings(JOINEDUP_MODE="demo")
    assert result.stdout.split() == ["False", "False", "0"]


COOKIES = "from django.conf import settings as s; print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME)"


def test_production_binds_its_cookies_to_the_host():
    """The __Host- prefix makes the browser refuse the cookie unless it is Secure, for the path /
    and for no other domain, so a neighbouring subdomain can neither read nor plant it."""
    result = _settings(COOKIES, SECRET_KEY="x" * 50, JOINEDUP_MODE="production")
    assert result.stdout.split() == ["__Host-session", "__Host-csrftoken"]


def test_the_demo_over_plain_http_keeps_the_ordinary_cookie_names():
    result = _settings(COOKIES, JOINEDUP_MODE="demo")
    assert result.stdout.split() == ["sessionid", "csrftoken"]

"""Two-factor sign-in: staff who must use an authenticator app reach nothing else until they have.
A session ends a working day after sign-in however busy it is. No page is kept by the browser or a
proxy: a record must not come back from the cache after sign-out."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django_otp.plugins.otp_totp.models import TOTPDevice

OPEN_PATHS = ("/sign-in", "/sign-out", "/two-factor", "/static/")


def two_factor_for_staff(get_response):
    def middleware(request):
        user = request.user
        # Staff (accounts with a practitioner profile) use an authenticator app; families do not.
        if (
            user.is_authenticated
            and hasattr(user, "practitioner")
            and not user.is_verified()
            and not request.path.startswith(OPEN_PATHS)
            and (settings.JOINEDUP_REQUIRE_TWO_FACTOR or TOTPDevice.objects.filter(user=user, confirmed=True).exists())
        ):
            return redirect(f"{reverse('web:two_factor')}?next={request.path}")
        return get_response(request)

    return middleware


def no_store(get_response):
    """Static files are answered by whitenoise before this runs, and keep their long cache."""

    def middleware(request):
        response = get_response(request)
        add_never_cache_headers(response)
        return response

    return middleware


def stamp_sign_in(sender, request, user, **kwargs):
    """On user_logged_in: the session's working day starts at sign-in, not at its first page."""
    if request is not None and hasattr(request, "session"):
        request.session["signed_in_at"] = time.time()


# A session in use is saved again (its idle timeout starting afresh) at most this often. Saving it on
# every page (Django's SESSION_SAVE_EVERY_REQUEST) wrote a row per request, each one a turn of
# SQLite's single writer; so an idle session ends between SESSION_COOKIE_AGE less this and
# SESSION_COOKIE_AGE after its last page.
SESSION_RENEWED_EVERY_SECONDS = 60


def session_lifetime(get_response):
    """The idle timeout (SESSION_COOKIE_AGE) never ends a session that is used all day; this does,
    JOINEDUP_SESSION_MAX_HOURS after sign-in (stamped by stamp_sign_in), so a stolen cookie dies
    too. A signed-in session without the stamp was not made by signing in here, and ends now.
    A session in use is renewed once a minute, which restarts its idle timeout."""

    def middleware(request):
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.get("signed_in_at")
            if started is None or now - started > settings.JOINEDUP_SESSION_MAX_HOURS * 3600:
                logout(request)
                return redirect_to_login(request.get_full_path())
            if now - request.session.get("renewed_at", 0) >= SESSION_RENEWED_EVERY_SECONDS:
                request.session["renewed_at"] = now
        return get_response(request)

    return middleware

"""Sign-in lockout. django-axes locks a username at one address after AXES_FAILURE_LIMIT failures;
this handler also locks an address that fails JOINEDUP_ADDRESS_FAILURE_LIMIT times across any
usernames within JOINEDUP_ADDRESS_FAILURE_WINDOW, so one address cannot try a common password
against every account (password spraying). Either lockout shows the same page."""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


class AddressLockoutHandler(AxesDatabaseHandler):
    def is_locked(self, request, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or address_is_locked(request)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        """Axes marks the request locked out (so its middleware shows the lockout page) only when
        the username's own failures reach the limit; do the same when the address's do."""
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and not request.axes_locked_out and address_is_locked(request):
            request.axes_locked_out = True
            request.axes_credentials = credentials


def client_address(request) -> str:
    """The address a sign-in comes from, which both lockouts count by. Behind a reverse proxy every
    request's REMOTE_ADDR is the proxy's own, so one address's lockout would shut everyone out and
    one username's would follow whoever typed it. Each of JOINEDUP_TRUSTED_PROXIES proxies appends
    the address it was reached from to X-Forwarded-For, so the one that many places from the right
    is the person's; anything further left was sent by the client and is never believed."""
    proxies = settings.JOINEDUP_TRUSTED_PROXIES
    forwarded = [address.strip() for address in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if proxies and len(forwarded) >= proxies and forwarded[-proxies]:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def address_is_locked(request) -> bool:
    """Axes keeps one row per username, address and browser, with its failures and the time of the
    last one; the address's rows touched within the window are summed. Rows go when the cool-off
    passes or an administrator unlocks the account."""
    since = request.axes_attempt_time - settings.JOINEDUP_ADDRESS_FAILURE_WINDOW
    failures = AccessAttempt.objects.filter(ip_address=request.axes_ip_address, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return (failures or 0) >= settings.JOINEDUP_ADDRESS_FAILURE_LIMIT

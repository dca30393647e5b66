"""Two-factor sign-in: staff who must use an authenticator app reach nothing else until they have."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
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

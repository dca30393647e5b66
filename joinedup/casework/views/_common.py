"""What every casework view needs."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def practitioner_of(request: HttpRequest):
    practitioner = getattr(request.user, "practitioner", None)
    if practitioner is None:
        raise PermissionDenied("This account has no practitioner profile")
    return practitioner

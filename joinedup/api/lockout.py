"""Throttling of token guessing, as django-axes throttles password guessing at sign-in: an address
that sends JOINEDUP_ADDRESS_FAILURE_LIMIT tokens joinedup never issued within
JOINEDUP_ADDRESS_FAILURE_WINDOW is refused every call, good token or not, for AXES_COOLOFF_TIME.
The sign-in's settings, so one address has one budget for guesses. A token that was real but is
revoked or expired is not a guess: a partner's forgotten job must not lock out its whole office."""

from __future__ import annotations

import math
from datetime import datetime

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from joinedup.audit import services as audit

from .models import RefusedTokenAddress
from .tokens import ADMINISTRATION


def address_of(request: HttpRequest) -> str:
    """The caller's address, found as django-axes finds it at sign-in (AXES_CLIENT_IP_CALLABLE:
    behind the trusted proxies, else REMOTE_ADDR)."""
    return get_client_ip_address(request) or "0.0.0.0"


def seconds_locked_out(address: str, now: datetime | None = None) -> int | None:
    """None when the address may call; else the seconds until it may again."""
    now = now or timezone.now()
    locked_until = (
        RefusedTokenAddress.objects.filter(ip_address=address, locked_until__gt=now)
        .values_list("locked_until", flat=True)
        .first()
    )
    return None if locked_until is None else max(1, math.ceil((locked_until - now).total_seconds()))


@transaction.atomic
def count_bad_token(address: str, now: datetime | None = None) -> RefusedTokenAddress:
    """Count one more bad token from the address, starting afresh once the window has passed,
    and lock the address out when the count reaches the limit."""
    now = now or timezone.now()
    row, _ = RefusedTokenAddress.objects.select_for_update().get_or_create(
        ip_address=address, defaults={"first_failure_at": now, "last_failure_at": now}
    )
    if now - row.last_failure_at > settings.JOINEDUP_ADDRESS_FAILURE_WINDOW:
        row.failures, row.first_failure_at = 0, now
    row.failures += 1
    row.last_failure_at = now
    if row.failures >= settings.JOINEDUP_ADDRESS_FAILURE_LIMIT and not (row.locked_until and row.locked_until > now):
        row.locked_until = now + settings.AXES_COOLOFF_TIME
        audit.record(
            actor=None,
            verb="locked_out_api_address",
            target=row,
            legal_basis="Partner API: tokens guessed from one address",
            detail={"ip_address": address, "failures": row.failures, "until": row.locked_until.isoformat()},
        )
    row.save()
    return row


@transaction.atomic
def unlock(address: str, *, unlocked_by=None) -> bool:
    """An administrator lets the address call again (`joinedup api-token unlock`)."""
    removed, _ = RefusedTokenAddress.objects.filter(ip_address=address).delete()
    if removed:
        audit.record(
            actor=unlocked_by,
            verb="unlocked_api_address",
            legal_basis=ADMINISTRATION,
            detail={"ip_address": address},
        )
    return bool(removed)

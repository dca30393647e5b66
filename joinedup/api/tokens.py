"""API tokens: one per agency system, shown once when issued and kept only as a hash; a token
acts as one staff account of its agency, so the access policy sees the system as it sees a person.
Expired, revoked or over its rate limit, a token is refused."""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from joinedup.agencies.models import Agency, Team
from joinedup.audit import services as audit
from joinedup.people.accounts import create_staff_account
from joinedup.people.models import Role

from .models import ApiToken, Scope

TOKEN_START = "jdu_"
_TOKEN_SHAPE = re.compile(rf"^{TOKEN_START}([0-9a-f]{{12}})_[A-Za-z0-9_-]{{43}}$")
DEFAULT_LIFETIME = timedelta(days=365)
# A token lives at most two years: a system that needs longer is given a new one.
LONGEST_LIFETIME = timedelta(days=730)
ADMINISTRATION = "Partner API administration"


class TokenProblem(Exception):
    """A token cannot be issued as asked; the message says what to change."""


class TokenRefused(Exception):
    """A call's token was refused: `code` for programs, the message for the people who run them."""

    def __init__(self, code: str, message: str, token: ApiToken | None = None):
        super().__init__(message)
        self.code = code
        self.token = token


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    bearer: str  # the whole token: shown once, never stored


def _hash(bearer: str) -> str:
    return hashlib.sha256(bearer.encode()).hexdigest()


@transaction.atomic
def issue_token(
    *,
    agency: Agency,
    name: str,
    scopes: Iterable[str],
    issued_by: Any = None,
    acts_as: Any = None,
    team: Team | None = None,
    expires_at: datetime | None = None,
) -> IssuedToken:
    """A token for one of the agency's systems. It acts as `acts_as`, a staff account of that agency
    (so need to know and shielding are that account's), or else as a new account of its own in
    `team`, which can refer and hear about its referrals but sees no child until involved."""
    name = name.strip()
    scopes = sorted(set(scopes))
    now = timezone.now()
    expires_at = expires_at or now + DEFAULT_LIFETIME
    if not name:
        raise TokenProblem("Name the system the token is for, e.g. 'EMIS Web at Northby surgery'")
    unknown = [scope for scope in scopes if scope not in Scope.values]
    if unknown or not scopes:
        raise TokenProblem(f"Give one or more scopes from: {', '.join(Scope.values)}")
    if not now < expires_at <= now + LONGEST_LIFETIME:
        raise TokenProblem("A token must expire in the future, and within two years of being issued")
    if team is not None and team.agency_id != agency.pk:
        raise TokenProblem(f"Team {team.code} is not in {agency.name}")
    if acts_as is None:
        acts_as = create_staff_account(
            created_by=issued_by,
            username=_system_username(agency, name),
            given_name=name[:150],
            family_name="",
            email="",
            agency=agency,
            team=team,
            job_role="Partner system",
            role=Role.PRACTITIONER,
        ).user
    else:
        practitioner = getattr(acts_as, "practitioner", None)
        if practitioner is None or practitioner.agency_id != agency.pk:
            raise TokenProblem(f"{acts_as.username} is not a staff account of {agency.name}")
        if not acts_as.is_active:
            raise TokenProblem(f"{acts_as.username}'s account is switched off")
    prefix = secrets.token_hex(6)
    bearer = f"{TOKEN_START}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        agency=agency,
        name=name,
        acts_as=acts_as,
        prefix=prefix,
        secret_hash=_hash(bearer),
        scopes=scopes,
        expires_at=expires_at,
    )
    audit.record(
        actor=issued_by,
        verb="issued_api_token",
        target=token,
        legal_basis=ADMINISTRATION,
        detail={
            "agency": agency.code,
            "system": name,
            "acts_as": acts_as.username,
            "scopes": scopes,
            "expires_at": expires_at.isoformat(),
        },
    )
    return IssuedToken(token, bearer)


def _system_username(agency: Agency, name: str) -> str:
    stem = f"api-{slugify(agency.code)}-{slugify(name)}"[:140]
    taken = set(get_user_model().objects.filter(username__startswith=stem).values_list("username", flat=True))
    return next(
        candidate for n in range(1, len(taken) + 2) if (candidate := stem if n == 1 else f"{stem}-{n}") not in taken
    )


@transaction.atomic
def revoke_token(*, token: ApiToken, revoked_by: Any = None) -> ApiToken:
    """A revoked token is refused from its next call; its webhooks stop."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor=revoked_by,
            verb="revoked_api_token",
            target=token,
            legal_basis=ADMINISTRATION,
            detail={"agency": token.agency.code, "system": token.name, "prefix": token.prefix},
        )
    return token


def usable(token: ApiToken, now: datetime | None = None) -> bool:
    """Neither revoked nor expired, and its account not switched off."""
    now = now or timezone.now()
    return token.revoked_at is None and token.expires_at > now and token.acts_as.is_active


def authenticate(bearer: str) -> ApiToken:
    """The token this bearer string is, or TokenRefused saying why not."""
    shape = _TOKEN_SHAPE.match(bearer.strip())
    token = (
        ApiToken.objects.select_related("agency", "acts_as__practitioner").filter(prefix=shape.group(1)).first()
        if shape
        else None
    )
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(bearer.strip())):
        raise TokenRefused("invalid_token", "This is not a token joinedup issued: check it was copied whole")
    now = timezone.now()
    if token.revoked_at is not None:
        raise TokenRefused("token_revoked", f"This token was revoked on {token.revoked_at:%-d %B %Y}", token)
    if token.expires_at <= now:
        raise TokenRefused("token_expired", f"This token expired on {token.expires_at:%-d %B %Y}", token)
    if not token.acts_as.is_active:
        raise TokenRefused("account_switched_off", "The account this token acts as is switched off", token)
    return token


def take_a_call(token: ApiToken, now: datetime | None = None) -> int | None:
    """Count a call in the token's fixed one-minute window: None while within the limit, else the
    seconds until the next window opens. One UPDATE counts it and returns the count it made, so
    workers running at once each hear their own call's number, never another's."""
    now = now or timezone.now()
    window = now.replace(second=0, microsecond=0)
    calls = _count_a_call(token.pk, window, now)
    if calls <= settings.JOINEDUP_API_CALLS_PER_MINUTE:
        return None
    return max(1, math.ceil((window + timedelta(minutes=1) - now).total_seconds()))


def _count_a_call(token_id: int, window: datetime, now: datetime) -> int:
    # Django's update() returns no rows, so this is the one UPDATE ... RETURNING (SQLite 3.35+,
    # PostgreSQL) by hand. SET reads the row as it was, so the window's old start decides between
    # counting on and restarting; the datetimes go in as the ORM would write them.
    meta = ApiToken._meta
    table, calls, started, used, pk = (
        connection.ops.quote_name(name)
        for name in (
            meta.db_table,
            meta.get_field("window_calls").column,
            meta.get_field("window_started_at").column,
            meta.get_field("last_used_at").column,
            meta.pk.column,
        )
    )
    as_stored = meta.get_field("window_started_at").get_db_prep_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {calls} = CASE WHEN {started} = %s THEN {calls} + 1 ELSE 1 END, "
            f"{started} = %s, {used} = %s WHERE {pk} = %s RETURNING {calls}",
            [as_stored(window, connection), as_stored(window, connection), as_stored(now, connection), token_id],
        )
        return cursor.fetchone()[0]

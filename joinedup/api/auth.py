"""Who is calling: a bearer token with the scope the operation needs, within its rate limit, from
an address not locked out for guessing tokens. Every call is audited when it ends: as the token's
account when the token is known (refused or not), else as anonymous with the caller's address."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from joinedup.audit import services as audit

from . import lockout, tokens
from .models import ApiToken, Scope
from .problems import ApiProblem

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="joinedup"'}


class TokenAuth(HttpBearer):
    """`TokenAuth(Scope.X)` for an operation that needs scope X; `TokenAuth()` for one any token may call."""

    def __init__(self, scope: Scope | None = None):
        super().__init__()
        self.scope = scope

    def __call__(self, request: HttpRequest) -> ApiToken | None:
        wait = lockout.seconds_locked_out(lockout.address_of(request))
        if wait is not None:
            raise ApiProblem(
                429, "address_locked_out",
                f"Too many bad tokens were sent from this address: try again in {wait} seconds, "
                "or ask the index administrator to unlock it",
                headers={"Retry-After": str(wait)},
            )  # fmt: skip
        header = request.headers.get(self.header, "")
        if not header.lower().startswith("bearer "):
            raise ApiProblem(
                401,
                "not_authenticated",
                "Send your API token in the Authorization header: 'Authorization: Bearer jdu_…'",
                headers=CHALLENGE,
            )
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        try:
            api_token = tokens.authenticate(token)
        except tokens.TokenRefused as refused:
            request.api_token = refused.token
            if refused.token is None:
                lockout.count_bad_token(lockout.address_of(request))
            raise ApiProblem(401, refused.code, str(refused), headers=CHALLENGE) from refused
        request.api_token = api_token
        if self.scope is not None and self.scope not in api_token.scopes:
            raise ApiProblem(
                403,
                "insufficient_scope",
                f"This token may not {Scope(self.scope).label[0].lower()}{Scope(self.scope).label[1:]}: "
                f"it needs the scope {self.scope}",
            )
        wait = tokens.take_a_call(api_token)
        if wait is not None:
            raise ApiProblem(
                429, "rate_limited", f"Too many calls from this token: try again in {wait} seconds",
                headers={"Retry-After": str(wait)},
            )  # fmt: skip
        return api_token


def audited(run):
    """Audit each call with what became of it: a known token's as its account and system (the
    partner's side of the trail, beside the reads of each child the call made), any other as
    anonymous from its address."""

    @wraps(run)
    def call(request: HttpRequest, *args: Any, **kwargs: Any):
        response = run(request, *args, **kwargs)
        token = getattr(request, "api_token", None)
        where = {"method": request.method, "path": request.path, "status": response.status_code}
        if token is not None:
            audit.record(
                actor=token.acts_as,
                verb="called_partner_api",
                legal_basis=f"Partner API: {token.name} of {token.agency.name}",
                detail={"token": token.prefix, "agency": token.agency.code, "system": token.name} | where,
            )
        else:
            # No token joinedup issued: who called is only where from.
            audit.record(
                actor=getattr(request, "user", None),
                verb="called_partner_api",
                legal_basis="Partner API: refused, no token joinedup issued",
                detail={"ip_address": lockout.address_of(request)} | where,
            )
        return response

    return call

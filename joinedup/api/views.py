"""The partner API, version 1: thin operations that parse, call the room's functions and answer.
The OpenAPI document is built from these and the schemas; see docs/api.md."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from markupsafe import Markup
from ninja import NinjaAPI, Query, Status
from ninja.errors import HttpError, ValidationError
from ninja.openapi.docs import DocsBase

from joinedup.audit import services as audit

from . import events, involvement, referrals, webhooks
from .auth import TokenAuth, audited
from .models import Scope, WebhookSubscription
from .problems import ApiProblem, from_pydantic, not_found, problem_response
from .schemas import (
    DeliveryOut,
    EventPage,
    NhsNumberIn,
    Problem,
    ReferralFeedback,
    ReferralIn,
    TokenOut,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
    WhoIsInvolved,
)

logger = logging.getLogger(__name__)


class OfflineSwagger(DocsBase):
    """Swagger UI from the files django-ninja ships (no CDN), on a page of our own: the site's CSP
    allows scripts from this site only, and the page has none inline."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        # Without deep links an operation's summary is one button, not a button with a link inside it
        # (which assistive technology cannot operate).
        settings = {"url": self.get_openapi_url(api, kwargs), "layout": "BaseLayout", "deepLinking": False}
        # The settings sit in a JSON data block the page's script reads; "<" is escaped so no value can end it.
        settings_json = Markup(json.dumps(settings).replace("<", "\\u003c"))
        return render(request, "api/docs.html", {"api": api, "settings_json": settings_json})


class PartnerApi(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any):
        """Name the scope each operation needs in its security requirement, as OpenAPI 3.1 allows
        for any scheme, so the document says which token may call what."""
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                scope = operation.get("x-scope")
                if scope:
                    operation["security"] = [{"TokenAuth": [scope]}]
        return schema


api = PartnerApi(
    title="joinedup partner API",
    version="1",
    description=(
        "For the partner agencies' own systems: refer a child through the front door, hear the panel's "
        "feedback, look up who is involved with a child, and follow changes to the children's index. "
        "Each token belongs to one agency system and acts as one of its staff accounts: the access policy "
        "and the shielding of sensitive services apply to it exactly as to that person's pages. "
        "Every error is RFC 9457 problem details (application/problem+json)."
    ),
    urls_namespace="api-v1",
    docs=OfflineSwagger(),
)
api.add_decorator(audited, mode="view")

ERRORS = {401: Problem, 403: Problem, 404: Problem, 422: Problem, 429: Problem}


def needs(scope: Scope | None) -> dict[str, Any]:
    return {"auth": TokenAuth(scope), "openapi_extra": {"x-scope": scope} if scope else {}}


@api.get("/token", response={200: TokenOut, **ERRORS}, tags=["Token"], **needs(None))
def this_token(request: HttpRequest):
    """Which token this is: its agency, system, account, scopes and expiry. Any token may ask."""
    token = request.auth
    return {
        "agency": token.agency.name,
        "system": token.name,
        "acts_as": token.acts_as.username,
        "scopes": token.scopes,
        "expires_at": token.expires_at,
    }


@api.post("/referrals", response={201: ReferralFeedback, **ERRORS}, tags=["Referrals"], **needs(Scope.REFERRALS_WRITE))
def make_referral(request: HttpRequest, payload: ReferralIn, response: HttpResponse):
    """Refer a child through the front door, found by NHS number or UPN: the front door's form and
    rules, with the family's consent given today or the lawful reason to refer without it. The answer
    is the feedback, as `GET /referrals/{id}` gives it."""
    token = request.auth
    referral = referrals.refer(user=token.acts_as, system=token.name, referral=payload)
    response["Location"] = reverse("api-v1:referral_feedback", args=[referral.pk])
    return Status(201, referrals.as_feedback(token.acts_as, referral))


@api.get(
    "/referrals", response={200: list[ReferralFeedback], **ERRORS}, tags=["Referrals"], **needs(Scope.REFERRALS_READ)
)
def list_referrals(request: HttpRequest):
    """The referrals this token's account made, newest first, each with its feedback."""
    return referrals.referrals_made(user=request.auth.acts_as)


@api.get(
    "/referrals/{referral_id}",
    response={200: ReferralFeedback, **ERRORS},
    tags=["Referrals"],
    **needs(Scope.REFERRALS_READ),
)
def referral_feedback(request: HttpRequest, referral_id: int):
    """The feedback on one referral this account made: status, the panel's decision and reasons,
    the lead professional. 404 for any other referral."""
    return referrals.feedback(user=request.auth.acts_as, referral_id=referral_id)


@api.post(
    "/who-is-involved", response={200: WhoIsInvolved, **ERRORS}, tags=["Children"], **needs(Scope.INVOLVEMENT_READ)
)
def who_is_involved(request: HttpRequest, payload: NhsNumberIn):
    """Who is involved with the child with this NHS number, exactly as the child's page shows it to
    the token's account: 404 for a child it has no reason to see, and a sensitive service's line
    shielded unless the account works in or manages it. POST, so the NHS number stays out of URLs
    and the logs that keep them."""
    return involvement.who_is_involved(user=request.auth.acts_as, nhs_number=payload.nhs_number)


@api.get("/index/events", response={200: EventPage, **ERRORS}, tags=["Children's index"], **needs(Scope.EVENTS_READ))
def index_events(
    request: HttpRequest,
    since: int = Query(0, ge=0, description="The last event id you have read (0 for the first read)"),
    limit: int = Query(100, ge=1, le=500),
):
    """Changes to the children's index after `since`, oldest first: entries created, records linked,
    entries merged and separated, and undone. Only changes to children the token's account may view."""
    token = request.auth
    page, next_since = events.visible_changes(token, since=since, limit=limit)
    audit.record_each(
        actor=token.acts_as,
        verb="listed_in_index_events",
        child_ids=events.children_named(page),
        legal_basis=f"Index change events read by {token.name} ({token.agency.name}), which may view the child",
    )
    return {"events": page, "next_since": next_since}


@api.get("/webhooks", response={200: list[WebhookOut], **ERRORS}, tags=["Webhooks"], **needs(Scope.WEBHOOKS_MANAGE))
def list_webhooks(request: HttpRequest):
    """This token's live webhook subscriptions."""
    return request.auth.webhooks.filter(ended_at__isnull=True)


@api.post("/webhooks", response={201: WebhookCreated, **ERRORS}, tags=["Webhooks"], **needs(Scope.WEBHOOKS_MANAGE))
def subscribe(request: HttpRequest, payload: WebhookIn):
    """Send index change events of these types (every type when none) to `url` from now on, each
    signed with the secret in this answer, which is shown only once."""
    subscription = webhooks.subscribe(token=request.auth, url=payload.url, event_types=payload.event_types)
    return Status(201, subscription)


def _subscription(request: HttpRequest, webhook_id: int) -> WebhookSubscription:
    subscription = request.auth.webhooks.filter(pk=webhook_id, ended_at__isnull=True).first()
    if subscription is None:
        raise not_found()
    return subscription


@api.delete("/webhooks/{webhook_id}", response={204: None, **ERRORS}, tags=["Webhooks"], **needs(Scope.WEBHOOKS_MANAGE))
def unsubscribe(request: HttpRequest, webhook_id: int):
    """Stop sending to this subscription; deliveries still waiting are given up."""
    webhooks.end_subscription(subscription=_subscription(request, webhook_id))
    return Status(204, None)


@api.get(
    "/webhooks/{webhook_id}/deliveries",
    response={200: list[DeliveryOut], **ERRORS},
    tags=["Webhooks"],
    **needs(Scope.WEBHOOKS_MANAGE),
)
def deliveries(request: HttpRequest, webhook_id: int, limit: int = Query(100, ge=1, le=500)):
    """The delivery log, newest first: each event's attempts, the last status code or error, and
    when it will be tried again."""
    return _subscription(request, webhook_id).deliveries.order_by("-id")[:limit]


@api.exception_handler(ApiProblem)
def on_problem(request: HttpRequest, problem: ApiProblem) -> HttpResponse:
    return problem_response(problem)


@api.exception_handler(ValidationError)
def on_invalid(request: HttpRequest, error: ValidationError) -> HttpResponse:
    return problem_response(from_pydantic(error.errors))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return problem_response(not_found())


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    if error.status_code == 400:
        return problem_response(ApiProblem(400, "unreadable_body", "The body is not JSON: send a JSON object"))
    return problem_response(ApiProblem(error.status_code, "error", str(error)))


@api.exception_handler(Exception)
def on_failure(request: HttpRequest, error: Exception) -> HttpResponse:
    logger.exception("Partner API call failed: %s %s", request.method, request.path)
    return problem_response(ApiProblem(500, "server_error", "Something went wrong on our side: try again later"))

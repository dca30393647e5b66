"""Webhooks: a token's subscriptions get each index change event it may see, POSTed as JSON and
signed with HMAC-SHA256 over the timestamp and the body. A failed delivery is tried again after
30 s, 1 min, 2 min, ... (doubling, at most 6 h apart) until it succeeds or ten attempts have
failed; every attempt is in the delivery log. deliver_due_webhooks() does one round: a worker or
`joinedup deliver-webhooks` runs it."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from joinedup.access.policy import Action, children_for
from joinedup.audit import services as audit
from joinedup.index import queries as index_queries
from joinedup.index.models import ChangeKind

from .events import as_seen_by, children_named
from .models import ApiToken, DeliveryStatus, WebhookDelivery, WebhookSubscription
from .problems import FieldProblem, invalid
from .tokens import usable

SIGNATURE_HEADER = "Joinedup-Signature"
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=6)
MOST_ATTEMPTS = 10
TIMEOUT_SECONDS = 10
# A delivery being sent is held this long, so a second worker running at once leaves it alone.
SENDING_LEASE = timedelta(seconds=TIMEOUT_SECONDS * 3)
BATCH = 500


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256, keyed by the subscription's secret, of "<timestamp>." then the body."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    schemes = ("https", "http") if settings.JOINEDUP_API_WEBHOOKS_ALLOW_HTTP else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise invalid([FieldProblem("url", "Give the full address events should go to", "an https URL")])
    if parts.username or parts.password:
        raise invalid(
            [FieldProblem("url", "Leave credentials out of the address: each delivery is signed", "an https URL")]
        )


@transaction.atomic
def subscribe(*, token: ApiToken, url: str, event_types: Iterable[str]) -> WebhookSubscription:
    """From now on, send the token's events of these types (every type when none) to `url`."""
    _check_url(url)
    subscription = WebhookSubscription.objects.create(
        token=token,
        url=url,
        secret=f"whsec_{secrets.token_urlsafe(32)}",
        event_types=sorted({ChangeKind(kind).value for kind in event_types}),
        last_event_id=index_queries.latest_change_id(),
    )
    audit.record(
        actor=token.acts_as,
        verb="subscribed_webhook",
        target=subscription,
        legal_basis=f"Partner API: {token.name} of {token.agency.name}",
        detail={"url": url, "event_types": subscription.event_types, "token": token.prefix},
    )
    return subscription


@transaction.atomic
def end_subscription(*, subscription: WebhookSubscription) -> WebhookSubscription:
    """Nothing more is sent; deliveries still waiting are given up."""
    now = timezone.now()
    subscription.ended_at = now
    subscription.save(update_fields=["ended_at"])
    subscription.deliveries.filter(status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.GAVE_UP, next_attempt_at=None, last_error="The subscription ended"
    )
    token = subscription.token
    audit.record(
        actor=token.acts_as,
        verb="ended_webhook",
        target=subscription,
        legal_basis=f"Partner API: {token.name} of {token.agency.name}",
        detail={"url": subscription.url, "token": token.prefix},
    )
    return subscription


def queue_new_events(now: datetime | None = None) -> int:
    """A delivery for each event since each live subscription last looked, that its token may see
    now and that is of a type it asked for. Returns how many were queued."""
    now = now or timezone.now()
    queued = 0
    latest = index_queries.latest_change_id()
    live = WebhookSubscription.objects.filter(ended_at__isnull=True).select_related("token__acts_as", "token__agency")
    for subscription in live:
        if usable(subscription.token, now):
            queued += _queue_for(subscription, latest=latest, now=now)
    return queued


def _queue_for(subscription: WebhookSubscription, *, latest: int, now: datetime) -> int:
    token = subscription.token
    queued = 0
    while subscription.last_event_id < latest:
        changes = index_queries.changes_since(
            subscription.last_event_id,
            until=latest,
            about=children_for(token.acts_as, Action.VIEW_CHILD),
            limit=BATCH,
        )
        wanted = [c for c in changes if not subscription.event_types or c.kind in subscription.event_types]
        with transaction.atomic():
            WebhookDelivery.objects.bulk_create(
                [
                    WebhookDelivery(
                        subscription=subscription,
                        event_id=event["id"],
                        payload=json.loads(json.dumps(event, cls=DjangoJSONEncoder)),
                        next_attempt_at=now,
                    )
                    for event in as_seen_by(token, wanted)
                ],
                ignore_conflicts=True,  # a second worker queued it already
            )
            subscription.last_event_id = changes[-1].pk if len(changes) == BATCH else latest
            subscription.save(update_fields=["last_event_id"])
        queued += len(wanted)
    return queued


@dataclass
class Round:
    queued: int = 0
    delivered: int = 0
    failed: int = 0
    gave_up: int = 0


def deliver_due_webhooks(*, now: datetime | None = None, limit: int = 200) -> Round:
    """Queue new events, then send every delivery that is due, oldest first."""
    now = now or timezone.now()
    result = Round(queued=queue_new_events(now))
    due = (
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .select_related("subscription__token__acts_as", "subscription__token__agency")
        .order_by("next_attempt_at", "id")[:limit]
    )
    for delivery in due:
        if not _claim(delivery, now):
            continue
        outcome = _attempt(delivery, now)
        setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def wait_after(attempts: int) -> timedelta:
    """How long to wait after this many failed attempts: 30 s, doubling, at most LONGEST_WAIT."""
    return min(FIRST_RETRY * 2 ** min(attempts - 1, 20), LONGEST_WAIT)


def _claim(delivery: WebhookDelivery, now: datetime) -> bool:
    """Hold the delivery for this worker: one UPDATE that only one worker can win. The lease runs
    from the moment of the claim, not the round's start: after a few slow partners a lease from
    the start would already have ended, and a second worker would send the same delivery again."""
    held_until = max(now, timezone.now()) + SENDING_LEASE
    won = WebhookDelivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.PENDING, next_attempt_at=delivery.next_attempt_at
    ).update(next_attempt_at=held_until)
    delivery.next_attempt_at = held_until
    return bool(won)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is a failed delivery: the signed body goes only where the partner said."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _attempt(delivery: WebhookDelivery, now: datetime) -> str:
    subscription = delivery.subscription
    token = subscription.token
    if subscription.ended_at is not None or not usable(token, now):
        return _give_up(delivery, now, "The token was revoked or expired, or the subscription ended")
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    request = urllib.request.Request(
        subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "joinedup-webhooks/1",
            "Joinedup-Delivery": str(delivery.pk),
            "Joinedup-Event": str(delivery.event_id),
            SIGNATURE_HEADER: signature_header(subscription.secret, body),
        },
    )
    status, error = None, ""
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as refused:
        status, error = refused.code, f"The server answered {refused.code} {refused.reason}"
    except (urllib.error.URLError, OSError, ValueError) as unreachable:
        error = f"Could not reach the server: {getattr(unreachable, 'reason', unreachable)}"
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = status
    delivery.last_error = error[:300]
    if status is not None and 200 <= status < 300:
        return _delivered(delivery, now)
    if delivery.attempts >= MOST_ATTEMPTS:
        return _give_up(delivery, now, delivery.last_error)
    delivery.next_attempt_at = now + wait_after(delivery.attempts)
    delivery.save()
    return "failed"


@transaction.atomic
def _delivered(delivery: WebhookDelivery, now: datetime) -> str:
    delivery.status = DeliveryStatus.DELIVERED
    delivery.delivered_at = now
    delivery.next_attempt_at = None
    delivery.save()
    token = delivery.subscription.token
    # An event names children by their entries: like a list on a page, it is a read of each.
    audit.record_each(
        actor=token.acts_as,
        verb="sent_index_event_by_webhook",
        child_ids=children_named([delivery.payload]),
        legal_basis=f"Partner API webhook of {token.name} ({token.agency.name}), which may view the child",
    )
    return "delivered"


def _give_up(delivery: WebhookDelivery, now: datetime, why: str) -> str:
    delivery.status = DeliveryStatus.GAVE_UP
    delivery.next_attempt_at = None
    delivery.last_error = why[:300]
    delivery.save()
    return "gave_up"

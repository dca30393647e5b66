"""Webhooks: a partner's receiver, listening on this machine, is sent each index change event its
token may see, signed with HMAC-SHA256 over the timestamp and the body; a failed delivery is tried
again after 30 s, 1 min, 2 min..., every attempt in the delivery log."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from joinedup.api import webhooks
from joinedup.api.models import DeliveryStatus, Scope, WebhookDelivery
from joinedup.api.tokens import revoke_token
from joinedup.audit.models import AuditEvent
from joinedup.index.changes import record_change
from joinedup.index.models import ChangeKind

pytestmark = pytest.mark.django_db


class Receiver:
    """A partner's webhook endpoint: answers each POST with the next status in `answers` (then 204)
    and keeps what it was sent."""

    def __init__(self, answers=()):
        self.answers = list(answers)
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                self.send_response(receiver.answers.pop(0) if receiver.answers else 204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/joinedup-events"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(answers=()):
        made.append(Receiver(answers))
        return made[-1]

    yield make
    for each in made:
        each.close()


def subscribe(system, url, **body):
    answer = system.post("/webhooks", {"url": url, **body})
    assert answer.status_code == 201, answer.json()
    return answer.json()


def test_an_event_is_delivered_signed_so_the_partner_can_check_it_came_from_joinedup(northshire, pats_system, receiver):
    endpoint = receiver()
    subscription = subscribe(pats_system, endpoint.url)
    change = record_change(kind=ChangeKind.ENTRY_CREATED, child_id=northshire["alfred"].pk)

    call_command("deliver_webhooks", stdout=StringIO())

    [sent] = endpoint.received
    event = json.loads(sent["body"])
    assert (event["id"], event["type"], event["child_id"]) == (change.pk, "entry_created", northshire["alfred"].pk)
    # The partner's check, written as the README tells them to: HMAC-SHA256 of "<t>.<body>".
    fields = dict(part.split("=", 1) for part in sent["headers"]["Joinedup-Signature"].split(","))
    expected = hmac.new(
        subscription["secret"].encode(), fields["t"].encode() + b"." + sent["body"], hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(fields["v1"], expected)
    assert abs(int(fields["t"]) - timezone.now().timestamp()) < 60
    assert fields["v1"] != hmac.new(b"another secret", fields["t"].encode() + b"." + sent["body"], "sha256").hexdigest()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.DELIVERED, 1, 204)
    assert AuditEvent.objects.filter(verb="sent_index_event_by_webhook", child_id=northshire["alfred"].pk).exists()


def test_a_failed_delivery_is_tried_again_with_the_wait_doubling_each_time(northshire, pats_system, receiver):
    endpoint = receiver(answers=[500, 503, 502])
    subscribe(pats_system, endpoint.url)
    record_change(kind=ChangeKind.RECORDS_LINKED, child_id=northshire["alfred"].pk, record_ids=[1])
    start = timezone.now()

    rounds = []
    for seconds in (0, 29, 31, 90, 92, 211):
        done = webhooks.deliver_due_webhooks(now=start + timedelta(seconds=seconds))
        delivery = WebhookDelivery.objects.get()
        rounds.append((seconds, done.failed, done.delivered, delivery.attempts))

    # Tried at once, then 30 s after (not at 29 s), then 60 s after that, then 120 s after that.
    assert rounds == [(0, 1, 0, 1), (29, 0, 0, 1), (31, 1, 0, 2), (90, 0, 0, 2), (92, 1, 0, 3), (211, 0, 0, 3)]
    assert delivery.next_attempt_at == start + timedelta(seconds=92 + 120)
    assert (delivery.last_status_code, delivery.last_error) == (502, "The server answered 502 Bad Gateway")
    done = webhooks.deliver_due_webhooks(now=start + timedelta(seconds=212))
    delivery.refresh_from_db()
    assert (done.delivered, delivery.status, delivery.attempts) == (1, DeliveryStatus.DELIVERED, 4)
    assert len(endpoint.received) == 4
    assert len({sent["body"] for sent in endpoint.received}) == 1


def test_the_wait_between_attempts_never_exceeds_six_hours():
    assert [webhooks.wait_after(n).total_seconds() for n in (1, 2, 9, 10, 11, 50)] == [
        30, 60, 7680, 15360, 6 * 3600, 6 * 3600,
    ]  # fmt: skip


def test_the_sender_gives_up_after_ten_attempts(northshire, pats_system, receiver):
    endpoint = receiver(answers=[500] * 20)
    subscribe(pats_system, endpoint.url)
    record_change(kind=ChangeKind.ENTRY_CREATED, child_id=northshire["alfred"].pk)
    now = timezone.now()

    waits = []
    for _ in range(webhooks.MOST_ATTEMPTS):
        webhooks.deliver_due_webhooks(now=now)
        delivery = WebhookDelivery.objects.get()
        if delivery.next_attempt_at:
            waits.append(delivery.next_attempt_at - now)
            now = delivery.next_attempt_at

    assert [wait.total_seconds() for wait in waits] == [30, 60, 120, 240, 480, 960, 1920, 3840, 7680]
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (DeliveryStatus.GAVE_UP, 10, None)
    assert len(endpoint.received) == 10


def test_the_delivery_log_shows_each_event_its_attempts_and_the_next_try(northshire, pats_system, receiver):
    endpoint = receiver(answers=[500])
    subscription = subscribe(pats_system, endpoint.url)
    record_change(kind=ChangeKind.ENTRY_CREATED, child_id=northshire["alfred"].pk)
    webhooks.deliver_due_webhooks()

    log = pats_system.get(f"/webhooks/{subscription['id']}/deliveries").json()

    [entry] = log
    assert (entry["status"], entry["attempts"], entry["last_status_code"]) == ("pending", 1, 500)
    assert entry["next_attempt_at"] is not None and entry["delivered_at"] is None


def test_an_unreachable_receiver_is_logged_and_tried_again(northshire, pats_system, receiver):
    endpoint = receiver()
    subscribe(pats_system, endpoint.url)
    endpoint.close()
    record_change(kind=ChangeKind.ENTRY_CREATED, child_id=northshire["alfred"].pk)

    done = webhooks.deliver_due_webhooks()

    delivery = WebhookDelivery.objects.get()
    assert (done.failed, delivery.status, delivery.last_status_code) == (1, DeliveryStatus.PENDING, None)
    assert delivery.last_error.startswith("Could not reach the server")


def test_only_events_about_children_the_token_may_see_and_of_the_types_asked_are_sent(
    northshire, pats_system, receiver
):
    endpoint = receiver()
    subscribe(pats_system, endpoint.url, event_types=["entries_merged"])
    record_change(kind=ChangeKind.ENTRY_CREATED, child_id=northshire["alfred"].pk)
    record_change(kind=ChangeKind.ENTRIES_MERGED, child_id=northshire["bethany"].pk, other_child_id=999_999)
    merged = record_change(kind=ChangeKind.ENTRIES_MERGED, child_id=northshire["alfred"].pk, other_child_id=999_998)

    webhooks.deliver_due_webhooks()

    assert [json.loads(sent["body"])["id"] for sent in endpoint.received] == [merged.pk]
    assert json.loads(endpoint.received[0]["body"])["other_child_id"] is None  # an entry Pat may not see


def test_a_revoked_tokens_deliveries_stop(northshire, pats_system, receiver):
    endpoint = receiver(answers=[500])
    subscribe(pats_system, endpoint.url)
    record_change(kind=ChangeKind.ENTRY_CREATED, child_id=northshire["alfred"].pk)
    webhooks.deliver_due_webhooks()

    revoke_token(token=pats_system.token)
    webhooks.deliver_due_webhooks(now=timezone.now() + timedelta(minutes=5))

    assert WebhookDelivery.objects.get().status == DeliveryStatus.GAVE_UP
    assert len(endpoint.received) == 1


def test_a_subscription_ended_sends_nothing_more(northshire, pats_system, receiver):
    endpoint = receiver()
    subscription = subscribe(pats_system, endpoint.url)

    assert pats_system.delete(f"/webhooks/{subscription['id']}").status_code == 204
    record_change(kind=ChangeKind.ENTRY_CREATED, child_id=northshire["alfred"].pk)
    webhooks.deliver_due_webhooks()

    assert endpoint.received == []
    assert pats_system.get("/webhooks").json() == []


@pytest.mark.parametrize(
    "url, message",
    [
        ("ftp://partner.example/x", "Give the full address"),
        ("partner.example/x", "Give the full address"),
        ("https://user:pw@partner.example/x", "Leave credentials out"),
    ],
)
def test_a_webhook_address_that_cannot_be_used_is_explained(pats_system, url, message):
    answer = pats_system.post("/webhooks", {"url": url})

    assert answer.status_code == 422
    [error] = answer.json()["errors"]
    assert error["field"] == "url" and message in error["message"]


def test_webhooks_need_their_scope(northshire, system_for):
    reader = system_for(northshire["pat"].user, northshire["council"], scopes=[Scope.EVENTS_READ])

    assert reader.post("/webhooks", {"url": "https://partner.example/x"}).status_code == 403


def test_the_watching_command_runs_rounds_until_told_to_stop(northshire, pats_system, receiver):
    endpoint = receiver()
    subscribe(pats_system, endpoint.url)
    record_change(kind=ChangeKind.ENTRY_CREATED, child_id=northshire["alfred"].pk)
    out = StringIO()

    call_command("deliver_webhooks", "--watch", "--interval", "0.01", "--rounds", "2", stdout=out)

    # The second round found nothing to do, and a watching loop keeps quiet about such rounds.
    assert out.getvalue().count("Queued") == 1
    assert "delivered 1," in out.getvalue()
    assert out.getvalue().rstrip().endswith("Stopped")
    assert len(endpoint.received) == 1


def test_a_delivery_is_held_from_the_moment_it_is_claimed_not_from_the_rounds_start(northshire, pats_system, receiver):
    """A round that began long ago (slow partners before this one) still holds its delivery for the
    whole lease, so a second worker does not send it again."""
    subscribe(pats_system, receiver(answers=[200]).url)
    record_change(kind=ChangeKind.RECORDS_LINKED, child_id=northshire["alfred"].pk, record_ids=[1])
    webhooks.queue_new_events()
    delivery = WebhookDelivery.objects.get()
    round_began = timezone.now() - timedelta(minutes=5)

    claimed = webhooks._claim(delivery, round_began)

    assert claimed
    delivery.refresh_from_db()
    assert delivery.next_attempt_at >= timezone.now() + webhooks.SENDING_LEASE - timedelta(seconds=5)

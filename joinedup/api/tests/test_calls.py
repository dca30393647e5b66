"""What holds for every call: it is audited like a page read, a token has a budget of calls a
minute, an address that guesses tokens is locked out as sign-in locks out password guessing, the
index's change events are a feed read on from a cursor, and the API describes itself in OpenAPI."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from joinedup.api import lockout
from joinedup.api.models import RefusedTokenAddress, Scope
from joinedup.api.tokens import revoke_token, take_a_call
from joinedup.audit.models import AuditEvent
from joinedup.index.changes import record_change
from joinedup.index.models import ChangeKind
from joinedup.index.review.tests.factories import IndexRecordFactory, SourceFactory

from .conftest import PartnerSystem

pytestmark = pytest.mark.django_db


def test_every_call_is_audited_with_its_system_and_outcome(northshire, pats_system):
    pats_system.get("/token")
    pats_system.post("/who-is-involved", {"nhs_number": "12345"})

    calls = AuditEvent.objects.filter(verb="called_partner_api").order_by("id")
    assert [(c.actor_username, c.detail["path"], c.detail["status"]) for c in calls] == [
        ("pat", "/api/v1/token", 200),
        ("pat", "/api/v1/who-is-involved", 422),
    ]
    assert calls[0].detail["token"] == pats_system.token.prefix
    assert calls[0].legal_basis == "Partner API: Case system of Northshire Council"


def test_a_call_with_a_token_joinedup_never_issued_is_audited_with_its_address(northshire):
    PartnerSystem("jdu_0123456789ab_" + "x" * 43).get("/token")

    call = AuditEvent.objects.get(verb="called_partner_api")
    assert (call.actor_username, call.detail["status"], call.detail["ip_address"]) == ("anonymous", 401, "127.0.0.1")


@override_settings(JOINEDUP_API_CALLS_PER_MINUTE=3)
def test_a_token_over_its_calls_a_minute_is_told_when_to_try_again(northshire, pats_system, system_for):
    answers = [pats_system.get("/token") for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert f"try again in {refused['Retry-After']} seconds" in refused.json()["detail"]
    # The budget is the token's own: another system is not held back.
    other = system_for(northshire["nia"].user, northshire["health"])
    assert other.get("/token").status_code == 200


@override_settings(JOINEDUP_API_CALLS_PER_MINUTE=2)
def test_a_new_minute_gives_the_token_its_calls_again(pats_system):
    for _ in range(3):
        pats_system.get("/token")
    assert pats_system.get("/token").status_code == 429

    pats_system.token.__class__.objects.update(window_started_at=timezone.now() - timedelta(minutes=1))

    assert pats_system.get("/token").status_code == 200


@override_settings(JOINEDUP_API_CALLS_PER_MINUTE=2)
def test_two_workers_counting_calls_at_once_each_count_their_own(pats_system):
    """Worker B counts a call just after worker A's count was written: A's answer is still its own
    call's, the token's second (allowed), and B's is the third (refused). Read back afterwards, A's
    count would be B's, and both calls would be refused with one of the budget unspent."""
    token, now = pats_system.token, timezone.now()
    take_a_call(token, now)
    answers = {}

    def worker_b_counts_meanwhile(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.lstrip().upper().startswith("UPDATE") and "b" not in answers:
            answers["b"] = None  # B's own statements pass straight through
            answers["b"] = take_a_call(token, now)
        return result

    with connection.execute_wrapper(worker_b_counts_meanwhile):
        answers["a"] = take_a_call(token, now)

    assert answers["a"] is None
    assert answers["b"] is not None and 1 <= answers["b"] <= 60
    assert type(token).objects.get(pk=token.pk).window_calls == 3


@override_settings(JOINEDUP_ADDRESS_FAILURE_LIMIT=3)
def test_an_address_that_guesses_tokens_is_locked_out_even_with_a_good_one(northshire, pats_system, administrator):
    guesser = PartnerSystem("jdu_0123456789ab_" + "x" * 43)

    assert [guesser.get("/token").status_code for _ in range(3)] == [401, 401, 401]
    answer = pats_system.get("/token")

    assert (answer.status_code, answer.json()["code"]) == (429, "address_locked_out")
    assert 3500 < int(answer["Retry-After"]) <= 3600
    assert AuditEvent.objects.filter(verb="locked_out_api_address").count() == 1

    call_command("api_token", "unlock", "127.0.0.1", "--by", "ida", stdout=StringIO())
    assert pats_system.get("/token").status_code == 200
    assert AuditEvent.objects.get(verb="unlocked_api_address").actor_username == "ida"


@override_settings(JOINEDUP_ADDRESS_FAILURE_LIMIT=3)
def test_bad_tokens_spread_beyond_the_window_lock_nothing_out(northshire, pats_system):
    now = timezone.now()
    for minutes in (0, 10, 30, 40):  # never three within fifteen minutes
        lockout.count_bad_token("192.0.2.7", now + timedelta(minutes=minutes))

    assert RefusedTokenAddress.objects.get().locked_until is None
    assert lockout.seconds_locked_out("192.0.2.7", now + timedelta(minutes=40)) is None


@override_settings(JOINEDUP_ADDRESS_FAILURE_LIMIT=2)
def test_a_revoked_or_expired_token_is_no_guess(northshire, pats_system):
    revoke_token(token=pats_system.token)

    assert [pats_system.get("/token").json()["code"] for _ in range(3)] == ["token_revoked"] * 3
    assert not RefusedTokenAddress.objects.exists()


def test_the_index_events_are_read_on_from_a_cursor(northshire, system_for):
    health = northshire["health"]
    record = IndexRecordFactory(
        child=northshire["alfred"], source=SourceFactory(name="school_nursing", agency=health), record_id="SN-1"
    )
    nurse_system = system_for(northshire["nia"].user, health, scopes=[Scope.EVENTS_READ])
    created = record_change(kind=ChangeKind.ENTRY_CREATED, child_id=northshire["alfred"].pk)
    record_change(kind=ChangeKind.ENTRY_CREATED, child_id=northshire["bethany"].pk)  # Nia has no reason to see her
    linked = record_change(
        kind=ChangeKind.RECORDS_LINKED, child_id=northshire["alfred"].pk, record_ids=[record.pk, 987_654]
    )

    first = nurse_system.get("/index/events", since=0, limit=1).json()
    rest = nurse_system.get("/index/events", since=first["next_since"]).json()
    after = nurse_system.get("/index/events", since=rest["next_since"]).json()

    assert [e["id"] for e in first["events"]] == [created.pk]
    assert [e["id"] for e in rest["events"]] == [linked.pk]
    assert rest["events"][0]["your_records"] == [{"source": "school_nursing", "record_id": "SN-1"}]
    assert (after["events"], after["next_since"]) == ([], linked.pk)
    assert AuditEvent.objects.filter(verb="listed_in_index_events", child_id=northshire["alfred"].pk).count() == 2
    assert not AuditEvent.objects.filter(verb="listed_in_index_events", child_id=northshire["bethany"].pk).exists()


@pytest.mark.parametrize("since, limit, field", [(-1, 10, "since"), (0, 0, "limit"), (0, 501, "limit")])
def test_a_bad_cursor_is_explained(pats_system, since, limit, field):
    answer = pats_system.get("/index/events", since=since, limit=limit)

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == field


def test_the_openapi_document_is_published_at_its_version_and_names_each_scope(db):
    answer = Client().get("/api/v1/openapi.json")

    assert answer.status_code == 200
    document = answer.json()
    assert document["info"]["version"] == "1"
    operation = document["paths"]["/api/v1/who-is-involved"]["post"]
    assert operation["security"] == [{"TokenAuth": ["involvement:read"]}]
    assert document["paths"]["/api/v1/token"]["get"]["security"] == [{"TokenAuth": []}]
    assert set(document["components"]["schemas"]) >= {"ReferralIn", "Problem", "WhoIsInvolved", "IndexEvent"}


def test_an_address_under_the_api_that_is_no_operation_answers_in_json(db):
    answer = Client().get("/api/v1/no-such-thing")

    assert (answer.status_code, answer["Content-Type"]) == (404, "application/problem+json")
    assert Client().get("/api/v1/").url == "/api/v1/docs"


def test_a_method_an_operation_does_not_take_is_refused_in_json_naming_those_it_does(pats_system):
    answer = pats_system.client.delete("/api/v1/who-is-involved", headers=pats_system._headers())

    assert (answer.status_code, answer["Content-Type"]) == (405, "application/problem+json")
    assert answer["Allow"] == "POST"
    assert answer.json()["code"] == "method_not_allowed"

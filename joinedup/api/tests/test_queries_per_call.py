"""A partner system's calls take as many queries for twenty referrals, events, involvements or
records as for two: a call that asks the database once per row slows down with every referral a
busy system makes (the same rule as the pages', web/tests/test_queries_per_page.py)."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from joinedup.access.models import Involvement, InvolvementKind
from joinedup.agencies.models import LevelOfNeed
from joinedup.casework.models import Case, ClosureReason, PanelDecision, PanelMeeting, ReferralStatus
from joinedup.casework.tests.factories import PanelFactory, ReferralFactory
from joinedup.index.changes import record_change
from joinedup.index.models import ChangeKind
from joinedup.index.review.tests.factories import IndexRecordFactory, SourceFactory
from joinedup.people.tests.factories import ChildFactory, PractitionerFactory

pytestmark = pytest.mark.django_db


def queries_for(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        answer = call()
    assert answer.status_code == 200, answer.json()
    return len(queries)


@pytest.fixture
def decided_referrals(northshire):
    """`decided_referrals(n)`: n more of Pat's referrals, each decided by the panel with a lead
    professional (Nia, in a sensitive service, so each is shielded) and a case opened and closed."""
    panel = PanelFactory(locality=northshire["north"])
    chair = panel.chair
    held_on = iter(date(2025, 1, 1) + timedelta(days=n) for n in range(1000))

    def make(count: int):
        for _ in range(count):
            meeting = PanelMeeting.objects.create(panel=panel, held_on=next(held_on))
            referral = ReferralFactory(
                child=ChildFactory(),
                referrer=northshire["pat"],
                locality=northshire["north"],
                submitted_at=timezone.now() - timedelta(days=7),
                status=ReferralStatus.DECIDED,
                meeting=meeting,
                decision=PanelDecision.ALLOCATE,
                decision_reasons="Family support",
                decided_at=timezone.now(),
                decided_by=chair,
                lead_professional=northshire["nia"],
            )
            Case.objects.create(
                child=referral.child,
                referral=referral,
                lead_professional=northshire["nia"],
                opened_on=date(2025, 3, 1),
                closed_on=date(2025, 6, 1),
                closure_reason=ClosureReason.NEEDS_MET,
                needs_met_at=LevelOfNeed.ADDITIONAL,
            )

    return make


def test_the_referral_list_takes_as_many_queries_for_twenty_referrals_as_for_two(pats_system, decided_referrals):
    decided_referrals(2)
    pats_system.get("/referrals")  # the first call fills caches that every later one finds full
    for_two = queries_for(lambda: pats_system.get("/referrals"))
    decided_referrals(18)

    with CaptureQueriesContext(connection) as queries:
        answer = pats_system.get("/referrals").json()

    assert len(queries) == for_two, "\n".join(q["sql"] for q in queries.captured_queries)
    assert len(answer) == 20
    assert all(r["lead_professional"]["shielded"] and r["case_closed_on"] == "2025-06-01" for r in answer)


def test_one_referrals_feedback_takes_as_many_queries_whatever_else_the_account_referred(
    pats_system, decided_referrals
):
    decided_referrals(2)
    first = pats_system.get("/referrals").json()[-1]["id"]
    pats_system.get(f"/referrals/{first}")
    for_two = queries_for(lambda: pats_system.get(f"/referrals/{first}"))
    decided_referrals(18)

    assert queries_for(lambda: pats_system.get(f"/referrals/{first}")) == for_two


def test_the_index_events_take_as_many_queries_for_twenty_events_as_for_two(northshire, pats_system):
    alfred = northshire["alfred"]
    own = SourceFactory(name="case_system", agency=northshire["council"])

    def changes(count: int):
        for _ in range(count):
            record = IndexRecordFactory(child=alfred, source=own)
            record_change(kind=ChangeKind.RECORDS_LINKED, child_id=alfred.pk, record_ids=[record.pk])

    changes(2)
    pats_system.get("/index/events")
    for_two = queries_for(lambda: pats_system.get("/index/events"))
    changes(18)

    with CaptureQueriesContext(connection) as queries:
        answer = pats_system.get("/index/events").json()

    assert len(queries) == for_two, "\n".join(q["sql"] for q in queries.captured_queries)
    assert len(answer["events"]) == 20
    assert all(len(event["your_records"]) == 1 for event in answer["events"])


def test_who_is_involved_takes_as_many_queries_for_twenty_involvements_and_records_as_for_two(northshire, pats_system):
    alfred = northshire["alfred"]
    clinic = SourceFactory(name="clinic", agency=northshire["health"], default_service="SH")
    school_nursing = SourceFactory(name="school_nursing", agency=northshire["health"], default_service="SN")

    def involved(count: int):
        for n in range(count):
            Involvement.objects.create(
                child=alfred,
                practitioner=PractitionerFactory(agency=northshire["health"], team=northshire["clinic"]),
                service=northshire["clinic"].service,
                started=date(2025, 1, 1),
                kind=InvolvementKind.ALLOCATED_WORKER,
                recorded_by="test",
            )
            IndexRecordFactory(child=alfred, source=clinic if n % 2 else school_nursing)

    involved(1)  # with Pat's and Nia's own, two of each
    lookup = lambda: pats_system.post("/who-is-involved", {"nhs_number": alfred.nhs_number})  # noqa: E731
    lookup()
    for_two = queries_for(lookup)
    involved(18)

    with CaptureQueriesContext(connection) as queries:
        answer = lookup().json()

    assert len(queries) == for_two, "\n".join(q["sql"] for q in queries.captured_queries)
    assert len(answer["involved"]) >= 20
    assert sum(line["shielded"] for line in answer["involved"]) >= 18

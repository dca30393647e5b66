"""The audit log: written once through audit.record(), never changed, and part of the change it records.

audit sits below people in the rooms, so these tests use Django's own user and stand-ins for a
practitioner profile; the test that a failed audit undoes a change to a child is with the
service that changes it, in people/tests/test_change_child_details.py."""

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, connection, transaction

from joinedup.audit import services as audit
from joinedup.audit.models import AuditEvent, AuditLogIsAppendOnly
from joinedup.audit.queries import events_for_child, recent_refusals

pytestmark = pytest.mark.django_db

REGISTER_BASIS = "Loaded from the authority's person register"


@dataclass
class Profile:
    role: str


@dataclass
class StaffUser:
    """What record() reads from a signed-in member of staff."""

    pk: int
    username: str
    practitioner: Profile


@dataclass
class Plan:
    """Any protected row: record() names it by type and id."""

    pk: int


def an_event(**fields) -> AuditEvent:
    return audit.record(actor=None, verb=fields.pop("verb", "viewed_child"), legal_basis=REGISTER_BASIS, **fields)


# Insert-only


def test_written_event_cannot_be_changed():
    event = an_event()
    event.verb = "nothing_happened"

    with pytest.raises(AuditLogIsAppendOnly):
        event.save()

    assert AuditEvent.objects.get().verb == "viewed_child"


def test_written_event_cannot_be_deleted():
    event = an_event()

    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()

    assert AuditEvent.objects.count() == 1


def test_events_cannot_be_changed_in_bulk():
    an_event()

    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(verb="viewed_child").update(verb="nothing_happened")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.update(verb="nothing_happened")
    # bulk_update runs inside its own atomic block, which the refusal spoils: give it a savepoint.
    with pytest.raises(AuditLogIsAppendOnly), transaction.atomic():
        AuditEvent.objects.bulk_update(list(AuditEvent.objects.all()), ["verb"])

    assert AuditEvent.objects.get().verb == "viewed_child"


def test_events_cannot_be_deleted_in_bulk():
    an_event()

    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.all().delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(verb="viewed_child").delete()

    assert AuditEvent.objects.count() == 1


def refused_by_the_database(statement: str, event: AuditEvent) -> bool:
    """Run raw SQL in a savepoint, so a refusal leaves the test's transaction usable."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [event.pk])
    except DatabaseError:
        return True
    return False


def test_the_database_itself_refuses_to_change_an_event():
    event = an_event()

    assert refused_by_the_database("UPDATE audit_auditevent SET verb = 'nothing_happened' WHERE id = %s", event)

    assert AuditEvent.objects.get().verb == "viewed_child"


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite has no TRUNCATE: the test runner empties tables with DELETE, so only PostgreSQL refuses it",
)
def test_the_database_itself_refuses_to_delete_an_event():
    event = an_event()

    assert refused_by_the_database("DELETE FROM audit_auditevent WHERE id = %s", event)

    assert AuditEvent.objects.count() == 1


def test_deleting_a_user_keeps_the_history_of_what_they_did():
    """Events hold ids and names, not foreign keys, so no deletion can rewrite them."""
    user = get_user_model().objects.create(username="j.bloggs")
    audit.record(actor=user, verb="viewed_child", child_id=42, legal_basis="Allocated worker")

    user.delete()

    event = AuditEvent.objects.get()
    assert (event.actor_username, event.child_id) == ("j.bloggs", 42)


# What record() writes


def test_record_names_the_actor_their_role_the_child_and_the_legal_basis():
    manager = StaffUser(pk=7, username="j.bloggs", practitioner=Profile(role="service_manager"))

    event = audit.record(
        actor=manager,
        verb="viewed_plan",
        child_id=42,
        target=Plan(pk=9),
        legal_basis="You manage Northby Early Help, whose member Priya Shah is involved",
        detail={"page": "summary"},
    )

    event.refresh_from_db()
    assert (event.actor_id, event.actor_username, event.actor_role) == (7, "j.bloggs", "service_manager")
    assert (event.verb, event.child_id, event.object_type, event.object_id) == ("viewed_plan", 42, "Plan", "9")
    assert event.legal_basis == "You manage Northby Early Help, whose member Priya Shah is involved"
    assert event.detail == {"page": "summary"}
    assert event.at is not None


def test_record_of_a_user_without_a_practitioner_profile_has_no_role():
    user = get_user_model().objects.create(username="admin.account")

    event = audit.record(actor=user, verb="viewed_child", child_id=42, legal_basis="Information governance")

    assert (event.actor_id, event.actor_username, event.actor_role) == (user.pk, "admin.account", "")


def test_record_without_an_actor_is_the_system():
    event = an_event()

    assert (event.actor_id, event.actor_username, event.actor_role) == (None, "system", "")


def test_record_of_an_anonymous_user_says_so():
    event = audit.record(
        actor=AnonymousUser(),
        verb="refused_view_child",
        child_id=42,
        legal_basis="Only signed-in staff with a practitioner profile may use joinedup",
    )

    assert (event.actor_id, event.actor_username) == (None, "anonymous")


# An audit row belongs to the change it records


def test_audit_row_is_undone_with_the_change_it_records():
    """record() writes in the caller's transaction: a change that fails leaves no audit row
    claiming it happened (and, the other way round, a failed audit undoes the change)."""
    with pytest.raises(RuntimeError), transaction.atomic():
        an_event(verb="changed_child", child_id=42)
        raise RuntimeError("the change failed after it was audited")

    assert not AuditEvent.objects.exists()


# Queries


def test_events_for_a_child_are_theirs_only_and_newest_first():
    first = an_event(child_id=42)
    an_event(child_id=43)
    second = an_event(child_id=42, verb="changed_child")

    assert list(events_for_child(42)) == [second, first]


def test_recent_refusals_are_only_refusals():
    refusal = an_event(verb="refused_view_child")
    an_event(verb="viewed_child")

    assert list(recent_refusals()) == [refusal]

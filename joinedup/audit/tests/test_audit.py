"""The audit log: written once through audit.record(), never changed, and part of the change it records."""

from datetime import date
from unittest import mock

import pytest
from django.db import DatabaseError, transaction

from joinedup.audit import services as audit
from joinedup.audit.models import AuditEvent, AuditLogIsAppendOnly
from joinedup.audit.queries import events_for_child, recent_refusals
from joinedup.people.models import Child, Role
from joinedup.people.services import change_child_details
from joinedup.people.tests.factories import ChildFactory, PractitionerFactory

pytestmark = pytest.mark.django_db


def an_event(**fields) -> AuditEvent:
    return audit.record(actor=None, verb=fields.pop("verb", "viewed_child"),
                        legal_basis="Loaded from the authority's person register", **fields)


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


def test_deleting_a_child_keeps_the_history_of_who_looked_at_them():
    child = ChildFactory()
    child_id = child.pk
    an_event(child_id=child_id, target=child)

    child.delete()

    assert events_for_child(child_id).count() == 1


# What record() writes


def test_record_names_the_actor_their_role_the_child_and_the_legal_basis():
    manager = PractitionerFactory(role=Role.SERVICE_MANAGER, user__username="j.bloggs")
    child = ChildFactory()

    event = audit.record(actor=manager.user, verb="viewed_child", child_id=child.pk, target=child,
                         legal_basis="You manage Northby Early Help, whose member Priya Shah is involved",
                         detail={"page": "summary"})

    event.refresh_from_db()
    assert (event.actor_id, event.actor_username, event.actor_role) == (manager.user.pk, "j.bloggs", "service_manager")
    assert (event.verb, event.child_id, event.object_type, event.object_id) == (
        "viewed_child", child.pk, "Child", str(child.pk))
    assert event.legal_basis == "You manage Northby Early Help, whose member Priya Shah is involved"
    assert event.detail == {"page": "summary"}
    assert event.at is not None


def test_record_without_an_actor_is_the_system():
    event = an_event()

    assert (event.actor_id, event.actor_username, event.actor_role) == (None, "system", "")


# Queries


def test_events_for_a_child_are_theirs_only_and_newest_first():
    child, other_child = ChildFactory(), ChildFactory()
    first = an_event(child_id=child.pk)
    an_event(child_id=other_child.pk)
    second = an_event(child_id=child.pk, verb="changed_child")

    assert list(events_for_child(child.pk)) == [second, first]


def test_recent_refusals_are_only_refusals():
    refusal = an_event(verb="refused_view_child")
    an_event(verb="viewed_child")

    assert list(recent_refusals()) == [refusal]


# An audit failure undoes the change


def test_change_to_a_child_is_undone_when_it_cannot_be_audited():
    """A change nobody can account for must not happen: the audit row is part of the change."""
    child = ChildFactory(forenames="Alfie", surname="Smith", date_of_birth=date(2015, 3, 7))
    worker = PractitionerFactory()
    keys_before = set(child.name_keys.values_list("key", flat=True))

    with mock.patch.object(AuditEvent.objects, "create", side_effect=DatabaseError("audit table unavailable")):
        with pytest.raises(DatabaseError):
            change_child_details(child=child, changed_by=worker.user, legal_basis="Allocated worker",
                                 forenames="Alfie", surname="Jones", date_of_birth=date(2015, 3, 8),
                                 sex=child.sex, nhs_number=child.nhs_number, upn=child.upn)

    unchanged = Child.objects.get(pk=child.pk)
    assert (unchanged.surname, unchanged.date_of_birth) == ("Smith", date(2015, 3, 7))
    assert not unchanged.former_names.exists()
    assert set(unchanged.name_keys.values_list("key", flat=True)) == keys_before
    assert AuditEvent.objects.count() == 0

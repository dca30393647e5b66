"""Correcting a child's identifying details: the old surname still finds them, and the change is audited."""

from datetime import date
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError

from joinedup.audit.models import AuditEvent
from joinedup.people.models import Child
from joinedup.people.queries import search_children
from joinedup.people.services import change_child_details
from joinedup.people.tests.factories import ChildFactory, PractitionerFactory

pytestmark = pytest.mark.django_db

ALLOCATED = "You are allocated worker in Family Support since 1 March 2025"


def change(child: Child, by, **details) -> Child:
    current = {
        "forenames": child.forenames,
        "surname": child.surname,
        "date_of_birth": child.date_of_birth,
        "sex": child.sex,
        "nhs_number": child.nhs_number,
        "upn": child.upn,
    }
    return change_child_details(child=child, changed_by=by, legal_basis=ALLOCATED, **(current | details))


def test_new_surname_keeps_the_old_one_as_a_former_name():
    child = ChildFactory(forenames="Lily", surname="Hughes", date_of_birth=date(2016, 1, 20))
    worker = PractitionerFactory().user

    change(child, worker, surname="Patel")

    child.refresh_from_db()
    assert child.surname == "Patel"
    assert [f.surname for f in child.former_names.all()] == ["Hughes"]


def test_child_is_still_found_by_the_surname_they_had():
    child = ChildFactory(forenames="Lily", surname="Hughes", date_of_birth=date(2016, 1, 20))

    change(child, PractitionerFactory().user, surname="Patel")

    assert [m.child for m in search_children(name="Lily Hughes")] == [child]
    assert [m.child for m in search_children(name="Lily Patel")] == [child]


def test_change_is_audited_with_who_why_and_what_changed():
    child = ChildFactory(forenames="Lily", surname="Hughes", date_of_birth=date(2016, 1, 20))
    worker = PractitionerFactory(user__username="p.shah").user

    change(child, worker, surname="Patel", date_of_birth=date(2016, 2, 1))

    event = AuditEvent.objects.get()
    assert (event.verb, event.child_id, event.actor_username, event.legal_basis) == (
        "changed_child",
        child.pk,
        "p.shah",
        ALLOCATED,
    )
    assert event.detail == {"changed": {"surname": ["Hughes", "Patel"], "date_of_birth": ["2016-01-20", "2016-02-01"]}}


def test_unchanged_surname_adds_no_former_name():
    child = ChildFactory(forenames="Lily", surname="Hughes")

    change(child, PractitionerFactory().user, forenames="Lily Mae")

    assert not child.former_names.exists()


def test_invalid_nhs_number_is_refused_and_nothing_changes():
    child = ChildFactory(surname="Hughes", nhs_number="9434765919")

    with pytest.raises(ValidationError) as error:
        change(child, PractitionerFactory().user, surname="Patel", nhs_number="9434765871")

    assert list(error.value.message_dict) == ["nhs_number"]
    unchanged = Child.objects.get(pk=child.pk)
    assert (unchanged.surname, unchanged.nhs_number) == ("Hughes", "9434765919")
    assert not unchanged.former_names.exists()
    assert not AuditEvent.objects.exists()


def test_identifiers_are_stored_in_their_usual_form():
    """However they are typed, so that search and the uniqueness rules see one form."""
    child = ChildFactory(nhs_number=None, upn=None)

    change(child, PractitionerFactory().user, nhs_number="943 476 5919", upn="b801200005001")

    child.refresh_from_db()
    assert (child.nhs_number, child.upn) == ("9434765919", "B801200005001")


def test_change_to_a_child_is_undone_when_it_cannot_be_audited():
    """A change nobody can account for must not happen: the audit row is part of the change."""
    child = ChildFactory(forenames="Alfie", surname="Smith", date_of_birth=date(2015, 3, 7))
    keys_before = set(child.name_keys.values_list("key", flat=True))

    with mock.patch.object(AuditEvent.objects, "create", side_effect=DatabaseError("audit table unavailable")):
        with pytest.raises(DatabaseError):
            change(child, PractitionerFactory().user, surname="Jones", date_of_birth=date(2015, 3, 8))

    unchanged = Child.objects.get(pk=child.pk)
    assert (unchanged.surname, unchanged.date_of_birth) == ("Smith", date(2015, 3, 7))
    assert not unchanged.former_names.exists()
    assert set(unchanged.name_keys.values_list("key", flat=True)) == keys_before
    assert not AuditEvent.objects.exists()

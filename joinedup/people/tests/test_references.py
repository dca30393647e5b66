"""A reference names a child to one user for a day: how the front door's pages (refer, start an
early help assessment) open a child the user found by searching, never one reached by an id."""

import time
from unittest import mock

import pytest

from joinedup.audit.models import AuditEvent
from joinedup.people.queries import child_from_reference, reference_for
from joinedup.people.tests.factories import ChildFactory, PractitionerFactory

pytestmark = pytest.mark.django_db

HOUR = 60 * 60


@pytest.fixture
def tom():
    return PractitionerFactory().user


def issued(hours_ago: float, user, child, **kwargs) -> str:
    with mock.patch("django.core.signing.time.time", return_value=time.time() - hours_ago * HOUR):
        return reference_for(user, child, **kwargs)


def test_a_reference_opens_its_child_for_its_user_and_the_opening_is_audited(tom):
    alfie = ChildFactory()

    assert child_from_reference(tom, reference_for(tom, alfie), verb="opened_referral_form") == alfie

    event = AuditEvent.objects.get(child_id=alfie.pk)
    assert (event.verb, event.actor_id) == ("opened_referral_form", tom.pk)
    assert event.legal_basis == "Found by searching with the child's identifying details"


def test_a_reference_from_the_childs_record_says_so_in_the_audit_trail(tom):
    alfie = ChildFactory()

    child_from_reference(tom, reference_for(tom, alfie, found_by="record"), verb="opened_assessment_start")

    event = AuditEvent.objects.get(child_id=alfie.pk)
    assert event.legal_basis == "Opened from the child's record, which the user may see"


def test_a_reference_is_unguessable_and_does_not_contain_the_id_alone(tom):
    alfie = ChildFactory()

    reference = reference_for(tom, alfie)

    assert reference != str(alfie.pk)
    assert len(reference.split(":")) == 3, "payload, time and signature"


def test_another_users_reference_opens_nothing_and_audits_nothing(tom):
    alfie = ChildFactory()
    nina = PractitionerFactory().user

    assert child_from_reference(nina, reference_for(tom, alfie), verb="opened_referral_form") is None
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("hours_ago, opens", [(23, True), (25, False)])
def test_a_reference_lasts_a_day(tom, hours_ago, opens):
    alfie = ChildFactory()

    found = child_from_reference(tom, issued(hours_ago, tom, alfie), verb="opened_referral_form")

    assert (found == alfie) is opens


@pytest.mark.parametrize("garbage", ["", "1", "abc", "a:b:c", "::", "WzEsInNlYXJjaCJd:1tWxyz:abcdef"])
def test_garbage_opens_nothing(tom, garbage):
    assert child_from_reference(tom, garbage, verb="opened_referral_form") is None


def test_only_a_search_or_the_childs_record_may_issue_a_reference(tom):
    with pytest.raises(ValueError):
        reference_for(tom, ChildFactory(), found_by="guess")

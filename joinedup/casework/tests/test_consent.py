"""Consent: what the family agreed, by whom and when; sharing follows it, and sharing without it
needs a lawful reason that the practitioner's manager hears about and the audit shows."""

from datetime import date, timedelta

import pytest

from joinedup.access.models import ConsentGiver
from joinedup.access.tests.factories import InvolvementFactory
from joinedup.agencies.tests.factories import AgencyFactory
from joinedup.audit.models import AuditEvent
from joinedup.casework import queries, services
from joinedup.casework.errors import NotAllowed, RuleBroken
from joinedup.casework.models import Notification
from joinedup.casework.services import ConsentGiven
from joinedup.people.tests.factories import ChildFactory, PractitionerFactory

from .factories import ConsentFactory

pytestmark = pytest.mark.django_db


def consent_from_mum(**changes) -> ConsentGiven:
    given = {
        "given_by": ConsentGiver.PARENT_CARER,
        "given_by_name": "Karen Smith",
        "given_on": date.today(),
        "share_with_all_partners": False,
    }
    return ConsentGiven(**(given | changes))


def test_allocated_worker_records_a_young_persons_own_consent_and_it_is_audited():
    involvement = InvolvementFactory()
    school = AgencyFactory(name="Northby Academy")

    consent = services.record_consent(
        child=involvement.child,
        recorded_by=involvement.practitioner.user,
        consent=consent_from_mum(given_by=ConsentGiver.YOUNG_PERSON, given_by_name="Jay Smith", shared_with=[school]),
    )

    assert consent.get_given_by_display() == "The young person, who is competent to decide"
    assert list(consent.shared_with.all()) == [school]
    assert AuditEvent.objects.filter(verb="recorded_consent", child_id=involvement.child_id).exists()


def test_practitioner_not_involved_cannot_record_consent():
    with pytest.raises(NotAllowed):
        services.record_consent(
            child=ChildFactory(), recorded_by=PractitionerFactory().user, consent=consent_from_mum()
        )


def test_consent_cannot_be_dated_in_the_future():
    involvement = InvolvementFactory()

    with pytest.raises(RuleBroken, match="today or in the past"):
        services.record_consent(
            child=involvement.child,
            recorded_by=involvement.practitioner.user,
            consent=consent_from_mum(given_on=date.today() + timedelta(days=1)),
        )


def test_sharing_follows_consent_to_the_agencies_named():
    school, police = AgencyFactory(), AgencyFactory()
    consent = ConsentFactory(share_with_all_partners=False)
    consent.shared_with.set([school])

    assert queries.sharing_basis(child=consent.child, agency=school).startswith("Karen Testcarer gave consent on")
    assert queries.sharing_basis(child=consent.child, agency=police) is None


def test_consent_to_assess_only_allows_no_sharing():
    consent = ConsentFactory(share_with_all_partners=False)

    assert queries.sharing_basis(child=consent.child, agency=AgencyFactory()) is None


def test_withdrawing_consent_stops_sharing_at_once():
    consent = ConsentFactory()
    worker = InvolvementFactory(child=consent.child).practitioner
    agency = AgencyFactory()

    services.withdraw_consent(consent=consent, withdrawn_by=worker.user, reason="Dad asked us to stop")

    consent.refresh_from_db()
    assert (consent.withdrawn_by, consent.withdrawal_reason) == (worker.user, "Dad asked us to stop")
    assert queries.sharing_basis(child=consent.child, agency=agency) is None
    assert AuditEvent.objects.filter(verb="withdrew_consent").count() == 1


def test_consent_cannot_be_withdrawn_twice():
    consent = ConsentFactory(withdrawn=True)
    worker = InvolvementFactory(child=consent.child).practitioner

    with pytest.raises(RuleBroken, match="already been withdrawn"):
        services.withdraw_consent(consent=consent, withdrawn_by=worker.user, reason="Again")


def test_sharing_without_consent_needs_a_lawful_reason():
    involvement = InvolvementFactory()

    with pytest.raises(RuleBroken, match="lawful reason"):
        services.share_without_consent(
            child=involvement.child, shared_by=involvement.practitioner.user, lawful_reason=" "
        )


def test_sharing_without_consent_is_flagged_to_the_manager_and_audited(
    manager, mailoutbox, django_capture_on_commit_callbacks
):
    involvement = InvolvementFactory()
    manager.manages_teams.add(involvement.practitioner.team)
    manager.user.email = "manager@northshire.example"
    manager.user.save()
    reason = "Bruising seen by the school nurse: risk of significant harm"

    with django_capture_on_commit_callbacks(execute=True):
        services.share_without_consent(
            child=involvement.child, shared_by=involvement.practitioner.user, lawful_reason=reason
        )

    flag = Notification.objects.get(recipient=manager.user)
    assert flag.subject == "Information shared without consent"
    assert queries.sharing_basis(child=involvement.child, agency=AgencyFactory()) == f"Shared without consent: {reason}"
    assert AuditEvent.objects.get(verb="shared_without_consent").legal_basis == reason
    assert [(mail.to, mail.subject) for mail in mailoutbox] == [
        (["manager@northshire.example"], "Information shared without consent")
    ]
    assert involvement.child.surname not in mailoutbox[0].body


def test_sharing_without_consent_by_someone_not_involved_is_refused():
    with pytest.raises(NotAllowed):
        services.share_without_consent(
            child=ChildFactory(), shared_by=PractitionerFactory().user, lawful_reason="Risk of significant harm"
        )

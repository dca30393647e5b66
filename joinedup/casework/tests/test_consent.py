"""Consent: what the family agreed, by whom and when; sharing follows it, and sharing without it
needs a lawful reason that the practitioner's manager hears about and the audit shows."""

from datetime import date, timedelta

import pytest

from joinedup.access.models import ConsentGiver, InvolvementKind, SharingReview
from joinedup.access.policy import Action, decide
from joinedup.access.tests.factories import InvolvementFactory, SharingWithoutConsentFactory
from joinedup.agencies.tests.factories import AgencyFactory
from joinedup.audit.models import AuditEvent
from joinedup.casework import queries, services
from joinedup.casework.errors import NotAllowed, RuleBroken
from joinedup.casework.models import Notification
from joinedup.casework.services import ConsentGiven, LawfulSharing
from joinedup.people.models import Role
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


def test_consent_must_agree_to_something():
    """The database no longer holds this rule (consent may name agencies only), so the service does."""
    involvement = InvolvementFactory()

    with pytest.raises(RuleBroken, match="must agree to an assessment, to sharing, or to both"):
        services.record_consent(
            child=involvement.child,
            recorded_by=involvement.practitioner.user,
            consent=consent_from_mum(to_assess=False, share_with_all_partners=False, shared_with=[]),
        )


def test_consent_may_share_with_named_agencies_without_an_assessment():
    involvement = InvolvementFactory()
    school = AgencyFactory()

    consent = services.record_consent(
        child=involvement.child,
        recorded_by=involvement.practitioner.user,
        consent=consent_from_mum(to_assess=False, shared_with=[school], until=date.today() + timedelta(days=30)),
    )

    assert (consent.to_assess, list(consent.shared_with.all())) == (False, [school])
    assert queries.sharing_basis(child=involvement.child, agency=school).endswith(f"until {consent.until:%-d %B %Y}")


# Who the sharing lets in: a member of the team around the child sees the child only while
# consent, or sharing without consent, covers their agency.


def tac_member(child):
    return InvolvementFactory(child=child, kind=InvolvementKind.TAC_MEMBER).practitioner


def sees(practitioner, child) -> bool:
    return decide(practitioner.user, Action.VIEW_CHILD, child).allowed


def test_consent_naming_an_agency_lets_its_tac_member_in_and_not_anothers():
    child = ChildFactory()
    named, other = tac_member(child), tac_member(child)
    ConsentFactory(child=child, to_assess=False, share_with_all_partners=False).shared_with.add(named.agency)

    assert sees(named, child)
    assert not sees(other, child)


def test_consent_past_the_date_the_family_agreed_to_lets_nobody_in():
    child = ChildFactory()
    member = tac_member(child)
    ConsentFactory(child=child, given_on=date.today() - timedelta(days=60), until=date.today() - timedelta(days=1))

    assert not sees(member, child)


def test_withdrawn_consent_lets_nobody_in_at_once():
    child = ChildFactory()
    member = tac_member(child)
    consent = ConsentFactory(child=child)
    worker = InvolvementFactory(child=child).practitioner
    assert sees(member, child)

    services.withdraw_consent(consent=consent, withdrawn_by=worker.user, reason="Mum asked us to stop")

    assert not sees(member, child)


def lawful(**changes) -> LawfulSharing:
    given = {
        "lawful_reason": "Bruising seen by the school nurse: risk of significant harm",
        "agencies": [],
        "until": date.today() + timedelta(days=30),
    }
    return LawfulSharing(**(given | changes))


def test_sharing_without_consent_needs_a_lawful_reason():
    involvement = InvolvementFactory()

    with pytest.raises(RuleBroken, match="lawful reason"):
        services.share_without_consent(
            child=involvement.child,
            shared_by=involvement.practitioner.user,
            sharing=lawful(lawful_reason=" ", agencies=[AgencyFactory()]),
        )


def test_sharing_without_consent_names_its_agencies():
    involvement = InvolvementFactory()

    with pytest.raises(RuleBroken, match="Select the agencies"):
        services.share_without_consent(
            child=involvement.child, shared_by=involvement.practitioner.user, sharing=lawful(agencies=[])
        )


@pytest.mark.parametrize("days", [-1, 91])
def test_sharing_without_consent_ends_within_ninety_days(days):
    involvement = InvolvementFactory()

    with pytest.raises(RuleBroken, match="between today and 90 days from now"):
        services.share_without_consent(
            child=involvement.child,
            shared_by=involvement.practitioner.user,
            sharing=lawful(agencies=[AgencyFactory()], until=date.today() + timedelta(days=days)),
        )


def test_keeping_it_from_the_family_needs_a_reason():
    involvement = InvolvementFactory()

    with pytest.raises(RuleBroken, match="put the child at risk"):
        services.share_without_consent(
            child=involvement.child,
            shared_by=involvement.practitioner.user,
            sharing=lawful(agencies=[AgencyFactory()], family_told=False, not_told_because=" "),
        )


def test_sharing_without_consent_is_flagged_to_the_manager_for_review_and_audited(
    manager, mailoutbox, django_capture_on_commit_callbacks
):
    involvement = InvolvementFactory()
    manager.manages_teams.add(involvement.practitioner.team)
    manager.user.email = "manager@northshire.example"
    manager.user.save()
    police = AgencyFactory()
    sharing = lawful(agencies=[police])

    with django_capture_on_commit_callbacks(execute=True):
        row = services.share_without_consent(
            child=involvement.child, shared_by=involvement.practitioner.user, sharing=sharing
        )

    flag = Notification.objects.get(recipient=manager.user)
    assert flag.subject == "Information shared without consent: please review"
    assert flag.link == f"/casework/sharing/{row.pk}/review/"
    assert queries.sharing_basis(child=involvement.child, agency=police) == (
        f"Shared without consent until {sharing.until:%-d %B %Y}: {sharing.lawful_reason}"
    )
    assert queries.sharing_basis(child=involvement.child, agency=AgencyFactory()) is None
    assert AuditEvent.objects.get(verb="shared_without_consent").legal_basis == sharing.lawful_reason
    assert [(mail.to, mail.subject) for mail in mailoutbox] == [
        (["manager@northshire.example"], "Information shared without consent: please review")
    ]
    assert involvement.child.surname not in mailoutbox[0].body


def test_sharing_without_consent_by_someone_not_involved_is_refused():
    with pytest.raises(NotAllowed):
        services.share_without_consent(
            child=ChildFactory(), shared_by=PractitionerFactory().user, sharing=lawful(agencies=[AgencyFactory()])
        )


def test_lawful_sharing_lets_the_named_agencys_tac_member_in_and_not_anothers():
    child = ChildFactory()
    named, other = tac_member(child), tac_member(child)
    SharingWithoutConsentFactory(child=child, agencies=[named.agency])

    assert sees(named, child)
    assert not sees(other, child)


def test_lawful_sharing_past_its_end_date_lets_nobody_in():
    child = ChildFactory()
    member = tac_member(child)
    SharingWithoutConsentFactory(
        child=child,
        agencies=[member.agency],
        shared_on=date.today() - timedelta(days=30),
        until=date.today() - timedelta(days=1),
    )

    assert not sees(member, child)


def test_lawful_sharing_ended_by_the_managers_review_stops_at_once(manager):
    child = ChildFactory()
    member = tac_member(child)
    sharer = InvolvementFactory(child=child).practitioner
    manager.manages_teams.add(sharer.team)
    sharing = services.share_without_consent(
        child=child, shared_by=sharer.user, sharing=lawful(agencies=[member.agency])
    )
    assert sees(member, child)

    services.review_sharing_without_consent(
        sharing=sharing, reviewed_by=manager.user, outcome=SharingReview.ENDED, note="Not a risk of significant harm"
    )

    assert not sees(member, child)
    assert AuditEvent.objects.filter(verb="sharing_without_consent_ended", child_id=child.pk).exists()
    assert Notification.objects.filter(recipient=sharer.user, subject__contains="reviewed").exists()


def test_only_a_manager_of_the_sharer_reviews_it():
    sharing = SharingWithoutConsentFactory(agencies=[AgencyFactory()])

    with pytest.raises(NotAllowed):
        services.review_sharing_without_consent(
            sharing=sharing,
            reviewed_by=PractitionerFactory(role=Role.SERVICE_MANAGER).user,
            outcome=SharingReview.UPHELD,
            note="Fine",
        )

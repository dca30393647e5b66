"""Consent: what the family agreed, by whom and when, and its withdrawal. Sharing follows consent;
without it, only with a recorded lawful reason that the practitioner's manager hears about."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from joinedup.access.models import Consent, ConsentGiver, SharingReview, SharingWithoutConsent
from joinedup.access.policy import Action
from joinedup.agencies.models import Agency
from joinedup.audit import services as audit
from joinedup.casework import queries
from joinedup.casework.errors import NotAllowed, RuleBroken
from joinedup.casework.notifications import notify
from joinedup.people.models import Child

from ._common import _require


@dataclass(frozen=True)
class ConsentGiven:
    """What the family agreed, as the practitioner heard it."""

    given_by: ConsentGiver
    given_by_name: str
    given_on: date
    to_assess: bool = True
    share_with_all_partners: bool = True
    shared_with: Iterable[Agency] = field(default_factory=tuple)
    until: date | None = None


@dataclass(frozen=True)
class LawfulSharing:
    """Sharing without consent, as the practitioner records it: why the law allows it, with which
    agencies, until when, and whether the family can safely be told."""

    lawful_reason: str
    agencies: Iterable[Agency]
    until: date | None = None
    family_told: bool = True
    not_told_because: str = ""


def _write_consent(*, child: Child, consent: ConsentGiven, recorded_by: Any) -> Consent:
    if consent.given_on > timezone.localdate():
        raise RuleBroken("The date consent was given must be today or in the past")
    if not consent.given_by_name.strip():
        raise RuleBroken("Enter the name of the person who gave consent")
    shared_with = list(consent.shared_with)
    if not (consent.to_assess or consent.share_with_all_partners or shared_with):
        raise RuleBroken("Consent must agree to an assessment, to sharing, or to both")
    if consent.until is not None and consent.until < max(consent.given_on, timezone.localdate()):
        raise RuleBroken("The date the family agreed to share until must be today or later")
    row = Consent.objects.create(
        child=child,
        given_by=consent.given_by,
        given_by_name=consent.given_by_name.strip(),
        given_on=consent.given_on,
        until=consent.until,
        to_assess=consent.to_assess,
        share_with_all_partners=consent.share_with_all_partners,
        recorded_by=recorded_by,
    )
    row.shared_with.set(shared_with)
    audit.record(
        actor=recorded_by,
        verb="recorded_consent",
        child_id=child.pk,
        target=row,
        legal_basis="Consent given by the family",
        detail={
            "given_by": consent.given_by,
            "share_with_all_partners": consent.share_with_all_partners,
            "shared_with": sorted(agency.pk for agency in shared_with),
            "until": str(consent.until or ""),
        },
    )
    return row


@transaction.atomic
def record_consent(*, child: Child, recorded_by: Any, consent: ConsentGiven) -> Consent:
    """Record what a parent or carer, or a competent young person, agreed to."""
    _require(recorded_by, Action.RECORD_CONSENT, child)
    return _write_consent(child=child, consent=consent, recorded_by=recorded_by)


@transaction.atomic
def withdraw_consent(*, consent: Consent, withdrawn_by: Any, reason: str) -> Consent:
    """Consent can be withdrawn at any time; sharing that relied on it stops at once."""
    _require(withdrawn_by, Action.RECORD_CONSENT, consent)
    if not consent.current:
        raise RuleBroken("This consent has already been withdrawn")
    if not reason.strip():
        raise RuleBroken("Enter why consent was withdrawn, in the family's words if you can")
    consent.withdrawn_at = timezone.now()
    consent.withdrawn_by = withdrawn_by
    consent.withdrawal_reason = reason.strip()
    consent.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    audit.record(
        actor=withdrawn_by,
        verb="withdrew_consent",
        child_id=consent.child_id,
        target=consent,
        legal_basis="The family withdrew consent",
    )
    return consent


def _write_sharing_without_consent(*, child: Child, shared_by: Any, sharing: LawfulSharing) -> SharingWithoutConsent:
    today = timezone.localdate()
    longest = settings.JOINEDUP_LAWFUL_SHARING_DAYS
    agencies = list(sharing.agencies)
    until = sharing.until or today + timedelta(days=longest)
    if not sharing.lawful_reason.strip():
        raise RuleBroken("Enter the lawful reason for sharing without consent, such as a risk of significant harm")
    if not agencies:
        raise RuleBroken("Select the agencies the information may go to")
    if not today <= until <= today + timedelta(days=longest):
        raise RuleBroken(f"Sharing without consent must end between today and {longest} days from now")
    if not sharing.family_told and not sharing.not_told_because.strip():
        raise RuleBroken("Enter why telling the family would put the child at risk")
    row = SharingWithoutConsent.objects.create(
        child=child,
        shared_by=shared_by,
        lawful_reason=sharing.lawful_reason.strip(),
        shared_on=today,
        until=until,
        family_told=sharing.family_told,
        not_told_because=sharing.not_told_because.strip(),
    )
    row.agencies.set(agencies)
    audit.record(
        actor=shared_by,
        verb="shared_without_consent",
        child_id=child.pk,
        target=row,
        legal_basis=row.lawful_reason,
        detail={"agencies": sorted(agency.pk for agency in agencies), "until": str(until)},
    )
    practitioner = getattr(shared_by, "practitioner", None)
    for manager in queries.managers_of(practitioner) if practitioner else []:
        notify(
            recipient=manager.user,
            subject="Information shared without consent: please review",
            body=f"{practitioner.name} shared information about a child without the family's consent "
            f"with {len(agencies)} agencies until {until:%-d %B %Y}. Please review the decision.",
            link=reverse("casework:review_sharing", args=[row.pk]),
        )
    return row


@transaction.atomic
def share_without_consent(*, child: Child, shared_by: Any, sharing: LawfulSharing) -> SharingWithoutConsent:
    """Only where the law allows it, only with the agencies named and only until the end date; the
    practitioner's manager reviews it and the audit shows it."""
    _require(shared_by, Action.SHARE_WITHOUT_CONSENT, child)
    return _write_sharing_without_consent(child=child, shared_by=shared_by, sharing=sharing)


@transaction.atomic
def review_sharing_without_consent(
    *, sharing: SharingWithoutConsent, reviewed_by: Any, outcome: SharingReview, note: str
) -> SharingWithoutConsent:
    """The sharer's manager upholds the decision or ends the sharing at once."""
    if not queries.reviews_sharing(reviewed_by, sharing):
        raise NotAllowed("Only a manager of the practitioner who shared reviews sharing without consent")
    if sharing.reviewed:
        raise RuleBroken("This sharing without consent has already been reviewed")
    if not note.strip():
        raise RuleBroken("Enter the reasons for your review")
    sharing.reviewed_by = reviewed_by
    sharing.reviewed_at = timezone.now()
    sharing.review_outcome = outcome
    sharing.review_note = note.strip()
    sharing.save(update_fields=["reviewed_by", "reviewed_at", "review_outcome", "review_note"])
    audit.record(
        actor=reviewed_by,
        verb=f"sharing_without_consent_{outcome}",
        child_id=sharing.child_id,
        target=sharing,
        legal_basis="Manager's review of sharing without consent",
    )
    notify(
        recipient=sharing.shared_by,
        subject="Your manager reviewed sharing without consent",
        body=f"{reviewed_by.practitioner.name} reviewed it: {SharingReview(outcome).label}.",
        link=reverse("casework:notifications"),
    )
    return sharing

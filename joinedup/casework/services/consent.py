"""Consent: what the family agreed, by whom and when, and its withdrawal. Sharing follows consent;
without it, only with a recorded lawful reason that the practitioner's manager hears about."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from joinedup.access.policy import Action
from joinedup.agencies.models import Agency
from joinedup.audit import services as audit
from joinedup.casework import queries
from joinedup.casework.errors import RuleBroken
from joinedup.casework.models import (
    Consent,
    ConsentGiver,
    SharingWithoutConsent,
)
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


def _write_consent(*, child: Child, consent: ConsentGiven, recorded_by: Any) -> Consent:
    if consent.given_on > timezone.localdate():
        raise RuleBroken("The date consent was given must be today or in the past")
    if not consent.given_by_name.strip():
        raise RuleBroken("Enter the name of the person who gave consent")
    if not (consent.to_assess or consent.share_with_all_partners):
        raise RuleBroken("Consent must agree to an assessment, to sharing, or to both")
    row = Consent.objects.create(
        child=child,
        given_by=consent.given_by,
        given_by_name=consent.given_by_name.strip(),
        given_on=consent.given_on,
        to_assess=consent.to_assess,
        share_with_all_partners=consent.share_with_all_partners,
        recorded_by=recorded_by,
    )
    row.shared_with.set(consent.shared_with)
    audit.record(
        actor=recorded_by,
        verb="recorded_consent",
        child_id=child.pk,
        target=row,
        legal_basis="Consent given by the family",
        detail={"given_by": consent.given_by, "share_with_all_partners": consent.share_with_all_partners},
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


def _write_sharing_without_consent(*, child: Child, shared_by: Any, lawful_reason: str) -> SharingWithoutConsent:
    if not lawful_reason.strip():
        raise RuleBroken("Enter the lawful reason for sharing without consent, such as a risk of significant harm")
    row = SharingWithoutConsent.objects.create(child=child, shared_by=shared_by, lawful_reason=lawful_reason.strip())
    audit.record(
        actor=shared_by,
        verb="shared_without_consent",
        child_id=child.pk,
        target=row,
        legal_basis=row.lawful_reason,
    )
    practitioner = getattr(shared_by, "practitioner", None)
    for manager in queries.managers_of(practitioner) if practitioner else []:
        notify(
            recipient=manager.user,
            subject="Information shared without consent",
            body=f"{practitioner.name} shared information about a child without the family's consent "
            "and recorded the lawful reason. Please check the decision.",
            link=reverse("casework:notifications"),
        )
    return row


@transaction.atomic
def share_without_consent(*, child: Child, shared_by: Any, lawful_reason: str) -> SharingWithoutConsent:
    """Only where the law allows it; the practitioner's manager is told and the audit shows it."""
    _require(shared_by, Action.SHARE_WITHOUT_CONSENT, child)
    return _write_sharing_without_consent(child=child, shared_by=shared_by, lawful_reason=lawful_reason)

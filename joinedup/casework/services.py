"""Changes of state in integrated casework: consent, referral through the front door, the
allocation panel's agenda and decisions. Each service runs in one transaction, asks the access
policy, audits inside the transaction and tells the people who should know (001 §6)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from joinedup.access.models import Involvement, InvolvementKind
from joinedup.access.policy import Action, decide
from joinedup.agencies.models import Agency, Locality, Service
from joinedup.audit import services as audit
from joinedup.people.models import Child, Practitioner

from . import queries
from .errors import NotAllowed, RuleBroken
from .models import (
    Consent,
    ConsentGiver,
    Notification,
    Panel,
    PanelDecision,
    PanelMeeting,
    Referral,
    ReferralStatus,
    Route,
    SharingWithoutConsent,
)
from .notifications import notify

RECORDED_BY = "casework"

# The referral's state machine: each allowed move and the service that makes it.
TRANSITIONS: dict[tuple[str, str], str] = {
    (ReferralStatus.SUBMITTED, ReferralStatus.ON_AGENDA): "prepare_meeting",
    (ReferralStatus.ON_AGENDA, ReferralStatus.DECIDED): "record_decision",
    (ReferralStatus.SUBMITTED, ReferralStatus.WITHDRAWN): "withdraw_referral",
}


def _require(user: Any, action: Action, target: Any = None) -> None:
    decision = decide(user, action, target)
    if not decision:
        raise NotAllowed(decision.reason)


def _move(referral: Referral, to: ReferralStatus) -> None:
    if (referral.status, to) not in TRANSITIONS:
        raise RuleBroken(
            f"A referral that is {referral.get_status_display().lower()} cannot be {ReferralStatus(to).label.lower()}"
        )
    referral.status = to


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


def _involve(*, child: Child, practitioner: Practitioner, kind: InvolvementKind, service: Service | None = None):
    return Involvement.objects.create(
        child=child,
        practitioner=practitioner,
        kind=kind,
        service=service,
        started=timezone.localdate(),
        recorded_by=RECORDED_BY,
    )


def _end_involvements(*, child: Child, kind: InvolvementKind, practitioners: Iterable[Practitioner]) -> None:
    Involvement.objects.filter(child=child, kind=kind, practitioner__in=practitioners, ended__isnull=True).update(
        ended=timezone.localdate()
    )


@transaction.atomic
def refer(
    *,
    referrer: Any,
    child: Child,
    locality: Locality,
    route: Route,
    concern: str,
    level_of_need: str,
    consent: ConsentGiven | None,
    lawful_reason: str = "",
) -> Referral:
    """Any practitioner may refer a child they have found in the index, with the family's consent
    or, where the law allows, a recorded reason for going without it. The referrer then hears of
    each decision."""
    _require(referrer, Action.REFER)
    if not concern.strip():
        raise RuleBroken("Describe your concern about the child")
    if consent is None and not lawful_reason.strip():
        raise RuleBroken("Record the family's consent, or the lawful reason for referring without it")
    practitioner = referrer.practitioner
    referral = Referral(
        child=child,
        referrer=practitioner,
        locality=locality,
        route=route,
        concern=concern.strip(),
        level_of_need=level_of_need,
        submitted_at=timezone.now(),
    )
    if consent is not None:
        referral.consent = _write_consent(child=child, consent=consent, recorded_by=referrer)
    else:
        referral.sharing_without_consent = _write_sharing_without_consent(
            child=child, shared_by=referrer, lawful_reason=lawful_reason
        )
    referral.save()
    _involve(child=child, practitioner=practitioner, kind=InvolvementKind.REFERRER)
    audit.record(
        actor=referrer,
        verb="referred",
        child_id=child.pk,
        target=referral,
        legal_basis="Referral through the front door",
        detail={"route": route, "level_of_need": level_of_need},
    )
    feedback = reverse("casework:referral_feedback", args=[referral.pk])
    notify(
        recipient=referrer,
        subject="Your referral has been received",
        body=f"Your referral will go to the next {locality.name} allocation panel. We will tell you what it decides.",
        link=feedback,
    )
    return referral


def next_meeting_date(panel: Panel) -> date:
    """The panel meets on its cycle after its last meeting, and never in the past."""
    last = panel.meetings.order_by("-held_on").first()
    today = timezone.localdate()
    return max(today, last.held_on + timedelta(days=panel.cycle_days)) if last else today


@transaction.atomic
def prepare_meeting(*, panel: Panel, prepared_by: Any, held_on: date | None = None) -> PanelMeeting:
    """Build the next meeting's agenda from the referrals waiting in the panel's locality. Each
    member is involved with each child on the agenda, so they can read the papers."""
    _require(prepared_by, Action.MANAGE_PANELS)
    held_on = held_on or next_meeting_date(panel)
    if held_on < timezone.localdate():
        raise RuleBroken("A panel meeting cannot be prepared for a date in the past")
    if panel.meetings.filter(held_on=held_on).exists():
        raise RuleBroken(f"{panel.name} already has a meeting on {held_on:%-d %B %Y}")
    meeting = PanelMeeting.objects.create(panel=panel, held_on=held_on)
    members = {panel.chair, *panel.members.all()}
    for referral in queries.waiting_for_panel(panel).select_related("child"):
        _move(referral, ReferralStatus.ON_AGENDA)
        referral.meeting = meeting
        referral.save(update_fields=["status", "meeting"])
        for member in members:
            _involve(child=referral.child, practitioner=member, kind=InvolvementKind.PANEL_MEMBER)
        audit.record(
            actor=prepared_by,
            verb="placed_on_panel_agenda",
            child_id=referral.child_id,
            target=referral,
            legal_basis=f"Referral to {panel.name}",
        )
    for member in members:
        notify(
            recipient=member.user,
            subject=f"Agenda ready for {panel.name}",
            body=f"The agenda for {held_on:%-d %B %Y} is ready to read.",
            link=reverse("casework:meeting", args=[meeting.pk]),
        )
    return meeting


@transaction.atomic
def record_decision(
    *,
    referral: Referral,
    decided_by: Any,
    decision: PanelDecision,
    reasons: str,
    lead_professional: Practitioner | None = None,
    services: Iterable[Service] = (),
) -> Referral:
    """The panel's decision on one case, with reasons. Allocation names a lead professional, who
    becomes the family's single point of contact; the referrer is told the outcome."""
    _require(decided_by, Action.DECIDE_REFERRAL, referral)
    _move(referral, ReferralStatus.DECIDED)
    if not reasons.strip():
        raise RuleBroken("Enter the panel's reasons for its decision")
    if decision == PanelDecision.ALLOCATE and lead_professional is None:
        raise RuleBroken("Choose the lead professional for this family")
    if decision != PanelDecision.ALLOCATE and lead_professional is not None:
        raise RuleBroken("Only an allocation names a lead professional")
    referral.decision = decision
    referral.decision_reasons = reasons.strip()
    referral.decided_at = timezone.now()
    referral.decided_by = decided_by.practitioner
    referral.lead_professional = lead_professional
    referral.save()
    referral.services.set(services)
    panel = referral.meeting.panel
    _end_involvements(
        child=referral.child, kind=InvolvementKind.PANEL_MEMBER, practitioners={panel.chair, *panel.members.all()}
    )
    audit.record(
        actor=decided_by,
        verb="decided_referral",
        child_id=referral.child_id,
        target=referral,
        legal_basis=f"Decision of {panel.name}",
        detail={"decision": decision},
    )
    notify(
        recipient=referral.referrer.user,
        subject="The panel has decided on your referral",
        body=f"{panel.name} decided: {PanelDecision(decision).label.lower()}.",
        link=reverse("casework:referral_feedback", args=[referral.pk]),
    )
    if lead_professional is not None:
        _involve(
            child=referral.child,
            practitioner=lead_professional,
            kind=InvolvementKind.LEAD_PROFESSIONAL,
            service=lead_professional.team.service if lead_professional.team else None,
        )
        notify(
            recipient=lead_professional.user,
            subject="You are now a family's lead professional",
            body=f"{panel.name} allocated you as lead professional. Please contact the family and "
            "convene the team around the child.",
            link=reverse("casework:referral", args=[referral.pk]),
        )
    return referral


@transaction.atomic
def withdraw_referral(*, referral: Referral, withdrawn_by: Any) -> Referral:
    """The referrer may withdraw their own referral before the panel takes it."""
    if getattr(withdrawn_by, "practitioner", None) != referral.referrer:
        raise NotAllowed("Only the referrer may withdraw a referral")
    _move(referral, ReferralStatus.WITHDRAWN)
    referral.save(update_fields=["status"])
    audit.record(
        actor=withdrawn_by,
        verb="withdrew_referral",
        child_id=referral.child_id,
        target=referral,
        legal_basis="The referrer withdrew their referral",
    )
    return referral


@transaction.atomic
def mark_read(*, notifications: Iterable[Any], reader: Any) -> int:
    """Opening the notifications list marks what was shown as read."""
    ids = [n.pk for n in notifications if n.recipient_id == reader.pk and n.read_at is None]
    return Notification.objects.filter(pk__in=ids).update(read_at=timezone.now())

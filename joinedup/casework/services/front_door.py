"""The front door and the allocation panel: referral with consent and feedback to the referrer,
an early help assessment sent with the request for help, the agenda, the decision on each case
with reasons, and minutes (001 §6)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from joinedup.access.models import InvolvementKind
from joinedup.access.policy import Action
from joinedup.agencies.models import Agency, Locality, Service
from joinedup.audit import services as audit
from joinedup.casework import queries
from joinedup.casework.errors import NotAllowed, RuleBroken
from joinedup.casework.models import (
    Assessment,
    Case,
    Panel,
    PanelDecision,
    PanelMeeting,
    Referral,
    ReferralStatus,
    Route,
)
from joinedup.casework.notifications import notify
from joinedup.people.models import Child, Practitioner

from ._common import _end_involvements, _involve, _move, _require
from .assessment import (
    _await_the_panel,
    _carry_onto_case,
    _end_assessing,
    _no_longer_awaiting_the_panel,
    consent_to_send,
)
from .consent import ConsentGiven, LawfulSharing, _write_consent, _write_sharing_without_consent
from .plans import _open_case


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
    lawful_agencies: Iterable[Agency] = (),
    assessment: Assessment | None = None,
) -> Referral:
    """Any practitioner may refer a child they have found in the index, with the family's consent
    or, where the law allows, a recorded reason for going without it, and may attach their own
    completed early help assessment of the child. The referrer then hears of each decision.
    Without consent, the information goes only to `lawful_agencies`: by default the agencies on the
    locality's allocation panels, who must read the referral to decide on it."""
    _require(referrer, Action.REFER)
    if not concern.strip():
        raise RuleBroken("Describe your concern about the child")
    if consent is None and not lawful_reason.strip():
        raise RuleBroken("Record the family's consent, or the lawful reason for referring without it")
    if assessment is not None:
        _check_it_can_go_to_the_panel(assessment, child=child, sender=referrer)
    referral = Referral(
        child=child,
        referrer=referrer.practitioner,
        locality=locality,
        route=route,
        concern=concern.strip(),
        level_of_need=level_of_need,
        submitted_at=timezone.now(),
        assessment=assessment,
    )
    if consent is not None:
        referral.consent = _write_consent(child=child, consent=consent, recorded_by=referrer)
    else:
        agencies = list(lawful_agencies) or list(queries.panel_agencies(locality))
        referral.sharing_without_consent = _write_sharing_without_consent(
            child=child, shared_by=referrer, sharing=LawfulSharing(lawful_reason=lawful_reason, agencies=agencies)
        )
    return _submit(referral, referrer=referrer, verb="referred")


def _check_it_can_go_to_the_panel(assessment: Assessment, *, child: Child, sender: Any) -> None:
    if assessment.child_id != child.pk:
        raise RuleBroken("That early help assessment is of another child")
    if assessment.assessor_id != getattr(sender.practitioner, "pk", None):
        raise NotAllowed("Only the practitioner who carried out an assessment sends it to the panel")
    _require(sender, Action.CHANGE_ASSESSMENT, assessment)
    if assessment.completed_at is None:
        raise RuleBroken(
            "Complete the assessment before you send it to the panel: record the family's views and the "
            "level of need, then send it"
        )
    if (sent := queries.sent_with(assessment)) is not None:
        raise RuleBroken(
            f"This assessment went to the {sent.locality.name} allocation panel on {sent.submitted_at:%-d %B %Y}: "
            "you will be told what the panel decides"
        )
    if assessment.case_id is not None or Case.objects.filter(child=child, closed_on__isnull=True).exists():
        raise RuleBroken(
            f"{child.full_name} already has an open early help case: give the assessment to the lead professional "
            "named on the child's page instead of the panel"
        )


@transaction.atomic
def send_to_panel(*, assessment: Assessment, sent_by: Any, locality: Locality) -> Referral:
    """A completed assessment made before a case goes to the allocation panel as an early help
    referral: the level of need it found, the needs it records as the concern, and the consent it
    was made under. The next meeting of the locality's panel takes it like any other referral."""
    _require(sent_by, Action.REFER)
    _check_it_can_go_to_the_panel(assessment, child=assessment.child, sender=sent_by)
    consent = consent_to_send(assessment)
    if consent is None:
        raise RuleBroken(
            "The family has withdrawn their consent: ask them again and record it on the consent page "
            "before you send the assessment"
        )
    concern = queries.needs_for_the_panel(assessment)
    if not concern:
        raise RuleBroken(
            "The assessment records no needs for the panel to consider. If the family needs more than "
            "universal services, start a new assessment and record the needs"
        )
    referral = Referral(
        child=assessment.child,
        referrer=sent_by.practitioner,
        locality=locality,
        route=Route.EARLY_HELP,
        concern=concern,
        level_of_need=assessment.level_of_need,
        consent=consent,
        submitted_at=timezone.now(),
        assessment=assessment,
    )
    return _submit(referral, referrer=sent_by, verb="sent_assessment_to_panel")


def _submit(referral: Referral, *, referrer: Any, verb: str) -> Referral:
    """The request for help goes in: the referrer is involved as such and hears it was received."""
    referral.save()
    _involve(child=referral.child, practitioner=referral.referrer, kind=InvolvementKind.REFERRER)
    if referral.assessment is not None:
        _await_the_panel(referral.assessment)
    audit.record(
        actor=referrer,
        verb=verb,
        child_id=referral.child_id,
        target=referral,
        legal_basis="Referral through the front door",
        detail={
            "route": referral.route,
            "level_of_need": referral.level_of_need,
            "assessment": referral.assessment_id,
        },
    )
    feedback = reverse("casework:referral_feedback", args=[referral.pk])
    notify(
        recipient=referrer,
        subject="Your referral has been received",
        body=f"Your referral will go to the next {referral.locality.name} allocation panel. "
        "We will tell you what it decides.",
        link=feedback,
    )
    return referral


def next_meeting_date(panel: Panel) -> date:
    """The panel meets on its cycle after its last meeting, and never in the past."""
    last = panel.meetings.order_by("-held_on").first()
    today = timezone.localdate()
    return max(today, last.held_on + timedelta(days=panel.cycle_days)) if last else today


def _seats(panel: Panel) -> dict[Practitioner, InvolvementKind]:
    """Who sits on the panel and how: the chair records the decision the members reach."""
    seats = {member: InvolvementKind.PANEL_MEMBER for member in panel.members.all()}
    seats[panel.chair] = InvolvementKind.PANEL_CHAIR
    return seats


@transaction.atomic
def prepare_meeting(*, panel: Panel, prepared_by: Any, held_on: date | None = None) -> PanelMeeting:
    """Build the next meeting's agenda from the referrals waiting in the panel's locality and the
    open cases whose review falls due before the meeting after. Each member is involved with each
    child on the agenda, so they can read the papers; for a review, until the meeting day."""
    _require(prepared_by, Action.MANAGE_PANELS)
    held_on = held_on or next_meeting_date(panel)
    if held_on < timezone.localdate():
        raise RuleBroken("A panel meeting cannot be prepared for a date in the past")
    if panel.meetings.filter(held_on=held_on).exists():
        raise RuleBroken(f"{panel.name} already has a meeting on {held_on:%-d %B %Y}")
    meeting = PanelMeeting.objects.create(panel=panel, held_on=held_on)
    seats = _seats(panel)
    for referral in queries.waiting_for_panel(panel).select_related("child"):
        _move(referral, ReferralStatus.ON_AGENDA)
        referral.meeting = meeting
        referral.save(update_fields=["status", "meeting"])
        for member, kind in seats.items():
            _involve(child=referral.child, practitioner=member, kind=kind)
        audit.record(
            actor=prepared_by,
            verb="placed_on_panel_agenda",
            child_id=referral.child_id,
            target=referral,
            legal_basis=f"Referral to {panel.name}",
        )
    due = queries.cases_due_for_review(panel, by=held_on + timedelta(days=panel.cycle_days))
    meeting.reviews_due.set(due)
    for case in due:
        for member, kind in seats.items():
            if member != case.lead_professional:
                _involve(child=case.child, practitioner=member, kind=kind, until=held_on)
        audit.record(
            actor=prepared_by,
            verb="placed_on_panel_agenda_for_review",
            child_id=case.child_id,
            target=case,
            legal_basis=f"Case review at {panel.name}",
        )
    for member in seats:
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
    if (
        decision == PanelDecision.ALLOCATE
        and Case.objects.filter(child=referral.child, closed_on__isnull=True).exists()
    ):
        raise RuleBroken("This child already has an open case: add the new concern to its plan instead")
    referral.decision = decision
    referral.decision_reasons = reasons.strip()
    referral.decided_at = timezone.now()
    referral.decided_by = decided_by.practitioner
    referral.lead_professional = lead_professional
    referral.save()
    referral.services.set(services)
    panel = referral.meeting.panel
    for kind in (InvolvementKind.PANEL_MEMBER, InvolvementKind.PANEL_CHAIR):
        _end_involvements(child=referral.child, kind=kind, practitioners=_seats(panel))
    if referral.assessment_id is not None:
        # The assessment has reached the panel's decision; its assessor hears the outcome as referrer.
        _end_assessing(child=referral.child, practitioners=[referral.assessment.assessor])
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
        case = _open_case(referral=referral, lead_professional=lead_professional)
        _carry_onto_case(case=case, carried_by=decided_by)
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
    if referral.assessment is not None:
        _no_longer_awaiting_the_panel(referral.assessment)
    audit.record(
        actor=withdrawn_by,
        verb="withdrew_referral",
        child_id=referral.child_id,
        target=referral,
        legal_basis="The referrer withdrew their referral",
    )
    return referral


@transaction.atomic
def record_minutes(*, meeting: PanelMeeting, recorded_by: Any, minutes: str) -> PanelMeeting:
    """The chair records the meeting's minutes; decisions and reasons are on each case."""
    _require(recorded_by, Action.MANAGE_PANELS)
    if getattr(recorded_by, "practitioner", None) != meeting.panel.chair:
        raise NotAllowed("Only the panel's chair records its minutes")
    if not minutes.strip():
        raise RuleBroken("Enter the minutes of the meeting")
    meeting.minutes = minutes.strip()
    meeting.save(update_fields=["minutes"])
    audit.record(
        actor=recorded_by, verb="recorded_panel_minutes", target=meeting, legal_basis=f"Chair of {meeting.panel.name}"
    )
    return meeting

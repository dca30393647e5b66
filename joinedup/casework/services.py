"""Changes of state in integrated casework: consent, referral through the front door, the
allocation panel's agenda and decisions. Each service runs in one transaction, asks the access
policy, audits inside the transaction and tells the people who should know (001 §6)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from joinedup.access.models import Involvement, InvolvementKind
from joinedup.access.policy import Action, decide
from joinedup.agencies.models import Agency, Locality, Service
from joinedup.audit import services as audit
from joinedup.index.involved import records_as_seen_by
from joinedup.index.key_groups import key_groups
from joinedup.people.models import Carer, Child, Practitioner

from . import instruments, queries
from .errors import NotAllowed, RuleBroken
from .models import (
    Assessment,
    AssessmentElement,
    Case,
    ClosureReason,
    Consent,
    ConsentGiver,
    FamilyAccount,
    FamilyView,
    Notification,
    OutcomeProgress,
    Panel,
    PanelDecision,
    PanelMeeting,
    PlanAction,
    PlanOutcome,
    Progress,
    Referral,
    ReferralStatus,
    Review,
    Route,
    SharingWithoutConsent,
    TacMeeting,
    TacMember,
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


def _involve(
    *,
    child: Child,
    practitioner: Practitioner,
    kind: InvolvementKind,
    service: Service | None = None,
    until: date | None = None,
):
    return Involvement.objects.create(
        child=child,
        practitioner=practitioner,
        kind=kind,
        service=service,
        started=timezone.localdate(),
        ended=until,
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
    due = queries.cases_due_for_review(panel, by=held_on + timedelta(days=panel.cycle_days))
    meeting.reviews_due.set(due)
    for case in due:
        for member in members - {case.lead_professional}:
            _involve(child=case.child, practitioner=member, kind=InvolvementKind.PANEL_MEMBER, until=held_on)
        audit.record(
            actor=prepared_by,
            verb="placed_on_panel_agenda_for_review",
            child_id=case.child_id,
            target=case,
            legal_basis=f"Case review at {panel.name}",
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
        _open_case(referral=referral, lead_professional=lead_professional)
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


# The team around the child and the delivery plan (002 ch. 5)


def _open_case(*, referral: Referral, lead_professional: Practitioner) -> Case:
    """The lead professional is the family's single point of contact and the first TAC member."""
    today = timezone.localdate()
    case = Case.objects.create(
        child=referral.child, referral=referral, lead_professional=lead_professional, opened_on=today
    )
    TacMember.objects.create(
        case=case, practitioner=lead_professional, agency=lead_professional.agency, joined_on=today
    )
    _involve(
        child=case.child,
        practitioner=lead_professional,
        kind=InvolvementKind.LEAD_PROFESSIONAL,
        service=lead_professional.team.service if lead_professional.team else None,
    )
    return case


def _require_open(case: Case) -> None:
    if not case.is_open:
        raise RuleBroken("This case is closed")


@transaction.atomic
def invite_to_tac(*, case: Case, practitioner: Practitioner, invited_by: Any) -> TacMember:
    """Bring a practitioner from another agency into the team around the child; they see the plan."""
    _require(invited_by, Action.CHANGE_PLAN, case)
    _require_open(case)
    if case.tac_members.filter(practitioner=practitioner, left_on__isnull=True).exists():
        raise RuleBroken(f"{practitioner.name} is already in the team around the child")
    member = TacMember.objects.create(
        case=case, practitioner=practitioner, agency=practitioner.agency, joined_on=timezone.localdate()
    )
    _involve(child=case.child, practitioner=practitioner, kind=InvolvementKind.TAC_MEMBER)
    audit.record(
        actor=invited_by,
        verb="invited_to_tac",
        child_id=case.child_id,
        target=member,
        legal_basis=queries.sharing_basis(child=case.child, agency=practitioner.agency)
        or "Member of the team around the child",
    )
    notify(
        recipient=practitioner.user,
        subject="You have been invited to a team around the child",
        body=f"{case.lead_professional.name}, the lead professional, has added you to a team around the child.",
        link=reverse("casework:case", args=[case.pk]),
    )
    return member


@transaction.atomic
def change_lead_professional(*, case: Case, to: Practitioner, changed_by: Any) -> Case:
    """The lead professional is chosen from the team around the child, with the family."""
    _require(changed_by, Action.CHANGE_PLAN, case)
    _require_open(case)
    if not case.tac_members.filter(practitioner=to, left_on__isnull=True).exists():
        raise RuleBroken("The lead professional must be a member of the team around the child")
    _end_involvements(child=case.child, kind=InvolvementKind.LEAD_PROFESSIONAL, practitioners=[case.lead_professional])
    # The former lead professional stays in the team around the child.
    _involve(child=case.child, practitioner=case.lead_professional, kind=InvolvementKind.TAC_MEMBER)
    _involve(child=case.child, practitioner=to, kind=InvolvementKind.LEAD_PROFESSIONAL)
    case.lead_professional = to
    case.save(update_fields=["lead_professional"])
    audit.record(
        actor=changed_by,
        verb="changed_lead_professional",
        child_id=case.child_id,
        target=case,
        legal_basis="TAC decision",
    )
    notify(
        recipient=to.user,
        subject="You are now a family's lead professional",
        body="The team around the child chose you as the family's lead professional.",
        link=reverse("casework:case", args=[case.pk]),
    )
    return case


@transaction.atomic
def record_tac_meeting(
    *,
    case: Case,
    held_on: date,
    recorded_by: Any,
    attendees: Iterable[TacMember],
    family_attended: bool,
    notes: str = "",
) -> TacMeeting:
    _require(recorded_by, Action.CHANGE_PLAN, case)
    _require_open(case)
    if held_on > timezone.localdate():
        raise RuleBroken("Record a meeting once it has happened: the date must be today or in the past")
    if held_on < case.opened_on:
        raise RuleBroken("The meeting date must be on or after the case was opened")
    meeting = TacMeeting.objects.create(case=case, held_on=held_on, family_attended=family_attended, notes=notes)
    meeting.attendees.set(attendees)
    audit.record(
        actor=recorded_by,
        verb="recorded_tac_meeting",
        child_id=case.child_id,
        target=meeting,
        legal_basis="Lead professional",
    )
    return meeting


@transaction.atomic
def add_outcome(*, case: Case, need: str, desired_outcome: str, added_by: Any) -> PlanOutcome:
    _require(added_by, Action.CHANGE_PLAN, case)
    _require_open(case)
    if not (need.strip() and desired_outcome.strip()):
        raise RuleBroken("Enter the need and the outcome the family wants")
    outcome = PlanOutcome.objects.create(case=case, need=need.strip(), desired_outcome=desired_outcome.strip())
    audit.record(actor=added_by, verb="added_plan_outcome", child_id=case.child_id, target=outcome, legal_basis="Plan")
    return outcome


@transaction.atomic
def add_action(
    *, outcome: PlanOutcome, description: str, owner: Practitioner, due_on: date, added_by: Any
) -> PlanAction:
    """Every action has an owner in the team, for their agency, and a date: the plan says who does
    what by when, so agencies deliver what it says (002 ch. 5)."""
    case = outcome.case
    _require(added_by, Action.CHANGE_PLAN, case)
    _require_open(case)
    member = case.tac_members.filter(practitioner=owner, left_on__isnull=True).first()
    if member is None:
        raise RuleBroken("The owner of an action must be a member of the team around the child")
    if due_on < timezone.localdate():
        raise RuleBroken("The due date must be today or in the future")
    action = PlanAction.objects.create(
        outcome=outcome, description=description.strip(), owner=owner, agency=member.agency, due_on=due_on
    )
    audit.record(actor=added_by, verb="added_plan_action", child_id=case.child_id, target=action, legal_basis="Plan")
    if owner.user_id != added_by.pk:
        notify(
            recipient=owner.user,
            subject="An action in a plan is yours",
            body=f"You own an action due on {due_on:%-d %B %Y}.",
            link=reverse("casework:case", args=[case.pk]),
        )
    return action


@transaction.atomic
def complete_action(*, action: PlanAction, completed_by: Any, on: date | None = None) -> PlanAction:
    """The owner, or whoever may change the plan, marks an action done."""
    case = action.outcome.case
    if getattr(completed_by, "practitioner", None) != action.owner:
        _require(completed_by, Action.CHANGE_PLAN, case)
    action.done_on = on or timezone.localdate()
    action.save(update_fields=["done_on"])
    audit.record(
        actor=completed_by, verb="completed_plan_action", child_id=case.child_id, target=action, legal_basis="Plan"
    )
    return action


@dataclass(frozen=True)
class SdqScores:
    """Scores copied from a completed paper SDQ; the questionnaire itself is never held here."""

    informant: str
    total: int
    emotional: int | None = None
    conduct: int | None = None
    hyperactivity: int | None = None
    peer: int | None = None
    prosocial: int | None = None


@transaction.atomic
def record_review(
    *,
    case: Case,
    held_on: date,
    recorded_by: Any,
    progress: dict[PlanOutcome, str],
    child_views: str = "",
    parents_views: str = "",
    what_changed: Iterable[str] = (),
    sdq: SdqScores | None = None,
) -> Review:
    """A review records progress on every outcome of the plan, and the family's views in their
    own words; the next review falls due one interval later."""
    _require(recorded_by, Action.CHANGE_PLAN, case)
    _require_open(case)
    if held_on > timezone.localdate():
        raise RuleBroken("Record a review once it has happened: the date must be today or in the past")
    missing = [o for o in case.outcomes.all() if o not in progress]
    if missing:
        raise RuleBroken(f"Record progress on every outcome, including: {missing[0].desired_outcome}")
    known = {item.code for item in instruments.larc_items()}
    if unknown := set(what_changed) - known:
        raise RuleBroken(f"Unknown checklist items: {', '.join(sorted(unknown))}")
    scores = {}
    if sdq is not None:
        if not 0 <= sdq.total <= 40:
            raise RuleBroken("The SDQ total difficulties score is between 0 and 40")
        scales = ("emotional", "conduct", "hyperactivity", "peer", "prosocial")
        if any(getattr(sdq, s) is not None and not 0 <= getattr(sdq, s) <= 10 for s in scales):
            raise RuleBroken("Each SDQ scale score is between 0 and 10")
        scores = {"sdq_informant": sdq.informant, "sdq_total": sdq.total} | {
            f"sdq_{s}": getattr(sdq, s) for s in scales
        }
    review = Review.objects.create(
        case=case,
        held_on=held_on,
        child_views=child_views.strip(),
        parents_views=parents_views.strip(),
        what_changed=sorted(set(what_changed)),
        recorded_by=recorded_by,
        **scores,
    )
    OutcomeProgress.objects.bulk_create(
        OutcomeProgress(review=review, outcome=outcome, progress=Progress(value)) for outcome, value in progress.items()
    )
    audit.record(
        actor=recorded_by, verb="recorded_review", child_id=case.child_id, target=review, legal_basis="Plan review"
    )
    return review


@transaction.atomic
def flag_overdue(*, on: date | None = None) -> dict[str, int]:
    """Overdue actions go to the lead professional and the owner's managers; overdue reviews to the
    lead professional and theirs. Each is flagged once. Run daily (e.g. from cron)."""
    on = on or timezone.localdate()
    actions = 0
    for action in queries.overdue_actions(on=on).filter(overdue_flagged_on__isnull=True):
        case = action.outcome.case
        recipients = {case.lead_professional, *queries.managers_of(action.owner)}
        for person in recipients:
            notify(
                recipient=person.user,
                subject="An action in a plan is overdue",
                body=f"An action owned by {action.owner.name} ({action.agency}) was due on {action.due_on:%-d %B %Y}.",
                link=reverse("casework:case", args=[case.pk]),
            )
        action.overdue_flagged_on = on
        action.save(update_fields=["overdue_flagged_on"])
        actions += 1
    reviews = 0
    for case, due in queries.overdue_reviews(on=on):
        if case.review_overdue_flagged_for == due:
            continue
        for person in {case.lead_professional, *queries.managers_of(case.lead_professional)}:
            notify(
                recipient=person.user,
                subject="A review is overdue",
                body=f"A plan review was due on {due:%-d %B %Y}.",
                link=reverse("casework:case", args=[case.pk]),
            )
        case.review_overdue_flagged_for = due
        case.save(update_fields=["review_overdue_flagged_for"])
        reviews += 1
    return {"actions": actions, "reviews": reviews}


# Closure


@transaction.atomic
def close_case(
    *,
    case: Case,
    closed_by: Any,
    reason: ClosureReason,
    needs_met_at: str,
    ratings: dict[PlanOutcome, int],
    on: date | None = None,
) -> Case:
    """Closure records why, the level at which needs were met (CAF destination data) and how far
    each outcome of the plan was achieved. The team's involvements end with the case."""
    _require(closed_by, Action.CHANGE_PLAN, case)
    _require_open(case)
    on = on or timezone.localdate()
    if on < case.opened_on or on > timezone.localdate():
        raise RuleBroken("The closing date must be between the day the case opened and today")
    if missing := [o for o in case.outcomes.all() if o not in ratings]:
        raise RuleBroken(f"Rate every outcome of the plan, including: {missing[0].desired_outcome}")
    if any(not 1 <= rating <= 4 for rating in ratings.values()):
        raise RuleBroken("Rate each outcome from 1 (not achieved) to 4 (fully achieved)")
    for outcome, rating in ratings.items():
        outcome.closing_rating = rating
        outcome.save(update_fields=["closing_rating"])
    case.closed_on, case.closure_reason, case.needs_met_at = on, reason, needs_met_at
    case.save(update_fields=["closed_on", "closure_reason", "needs_met_at"])
    members = [m.practitioner for m in case.tac_members.filter(left_on__isnull=True)]
    case.tac_members.filter(left_on__isnull=True).update(left_on=on)
    for kind in (InvolvementKind.LEAD_PROFESSIONAL, InvolvementKind.TAC_MEMBER):
        _end_involvements(child=case.child, kind=kind, practitioners=members)
    audit.record(
        actor=closed_by,
        verb="closed_case",
        child_id=case.child_id,
        target=case,
        legal_basis="Lead professional",
        detail={"reason": reason, "needs_met_at": needs_met_at},
    )
    for member in members:
        if member.user_id != closed_by.pk:
            notify(recipient=member.user, subject="A case you worked on has closed", body=ClosureReason(reason).label)
    if case.referral is not None:
        notify(
            recipient=case.referral.referrer.user,
            subject="A case you referred has closed",
            body=f"The case closed: {ClosureReason(reason).label.lower()}.",
            link=reverse("casework:referral_feedback", args=[case.referral.pk]),
        )
    return case


# The family's own view of the plan


@transaction.atomic
def create_family_account(
    *,
    case: Case,
    created_by: Any,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    carer: Carer | None = None,
) -> FamilyAccount:
    """An account for a parent or carer with parental responsibility (`carer`), or for the young
    person (no carer). They set their password through the forgotten-password page."""
    _require(created_by, Action.CHANGE_PLAN, case)
    _require_open(case)
    if carer is not None and not case.child.carer_links.filter(carer=carer, parental_responsibility=True).exists():
        raise RuleBroken("Only a parent or carer with parental responsibility for the child can see the plan")
    user = get_user_model().objects.create_user(
        username=username, email=email, first_name=first_name, last_name=last_name, password=None
    )
    account = FamilyAccount.objects.create(user=user, carer=carer, child=None if carer else case.child)
    audit.record(
        actor=created_by,
        verb="created_family_account",
        child_id=case.child_id,
        target=account,
        legal_basis="The family's own access to their plan",
    )
    return account


@transaction.atomic
def add_family_view(*, case: Case, written_by: Any, text: str) -> FamilyView:
    """The family's words before a review; the lead professional is told."""
    account = queries.family_account_of(written_by)
    if account is None or not queries.family_cases(written_by).filter(pk=case.pk).exists():
        raise NotAllowed("This is not your family's plan")
    if not text.strip():
        raise RuleBroken("Write what you would like the team to know")
    view = FamilyView.objects.create(case=case, account=account, text=text.strip())
    audit.record(
        actor=written_by, verb="family_added_views", child_id=case.child_id, target=view, legal_basis="Family member"
    )
    notify(
        recipient=case.lead_professional.user,
        subject="A family has added their views for the next review",
        body="Read them before the review.",
        link=reverse("casework:case", args=[case.pk]),
    )
    return view


# The early help assessment (CAF): short, prefilled, saved as a draft (002 ch. 5)


def _prefill(case: Case, user: Any) -> tuple[dict[str, tuple[str, str]], str, str]:
    """What is already known, so the family does not tell their story again: the last completed
    assessment of the child, then what the index's linked records say."""
    earlier = (
        Assessment.objects.filter(case__child=case.child, completed_at__isnull=False)
        .order_by("-completed_at")
        .prefetch_related("elements")
        .first()
    )
    elements = {e.code: (e.strengths, e.needs) for e in earlier.elements.all()} if earlier else {}
    groups = key_groups(case.child_id)
    index_needs = {
        "general_health": [line for line in groups.evidence if "utism" in line],
        "learning": [line for line in groups.evidence if "sessions" in line],
        "family_functioning": [line for line in groups.evidence if "period of care" in line],
    }
    for code, lines in index_needs.items():
        if lines:
            strengths, needs = elements.get(code, ("", ""))
            elements[code] = (strengths, "\n".join([needs, *(f"From the index: {line}" for line in lines)]).strip())
    known_to = sorted(
        {
            f"{line.agency} ({line.service})" if line.service else line.agency
            for line in records_as_seen_by(user, case.child)
            if not line.shielded and line.agency
        }
    )
    if known_to:
        strengths, needs = elements.get("community", ("", ""))
        elements["community"] = ("\n".join([strengths, "Known to: " + ", ".join(known_to)]).strip(), needs)
    return elements, earlier.child_views if earlier else "", earlier.parents_views if earlier else ""


@transaction.atomic
def start_assessment(*, case: Case, assessor: Any) -> Assessment:
    """Start, or carry on with, the case's draft assessment, prefilled from what is known."""
    _require(assessor, Action.CHANGE_PLAN, case)
    _require_open(case)
    draft = case.assessments.filter(completed_at__isnull=True).first()
    if draft is not None:
        return draft
    if not queries.current_consents(case.child).filter(to_assess=True).exists():
        raise RuleBroken("Record the family's consent to an assessment before you start one")
    elements, child_views, parents_views = _prefill(case, assessor)
    assessment = Assessment.objects.create(
        case=case,
        assessor=assessor.practitioner,
        started_at=timezone.now(),
        child_views=child_views,
        parents_views=parents_views,
    )
    AssessmentElement.objects.bulk_create(
        AssessmentElement(assessment=assessment, code=code, strengths=strengths, needs=needs)
        for code, (strengths, needs) in elements.items()
    )
    audit.record(
        actor=assessor,
        verb="started_assessment",
        child_id=case.child_id,
        target=assessment,
        legal_basis="Consent to assess",
    )
    return assessment


@transaction.atomic
def save_assessment(
    *,
    assessment: Assessment,
    saved_by: Any,
    elements: dict[str, tuple[str, str]] | None = None,
    child_views: str | None = None,
    parents_views: str | None = None,
) -> Assessment:
    """Save a draft; it can be finished later."""
    _require(saved_by, Action.CHANGE_PLAN, assessment)
    if assessment.completed_at is not None:
        raise RuleBroken("A completed assessment cannot be changed; start a new one if things have changed")
    elements = elements or {}
    if unknown := set(elements) - instruments.element_codes():
        raise RuleBroken(f"Unknown assessment elements: {', '.join(sorted(unknown))}")
    for code, (strengths, needs) in elements.items():
        AssessmentElement.objects.update_or_create(
            assessment=assessment, code=code, defaults={"strengths": strengths.strip(), "needs": needs.strip()}
        )
    if child_views is not None:
        assessment.child_views = child_views.strip()
    if parents_views is not None:
        assessment.parents_views = parents_views.strip()
    assessment.sittings += 1
    assessment.save(update_fields=["child_views", "parents_views", "sittings"])
    audit.record(
        actor=saved_by, verb="saved_assessment", child_id=assessment.child_id, target=assessment, legal_basis="Plan"
    )
    return assessment


@transaction.atomic
def complete_assessment(*, assessment: Assessment, completed_by: Any, level_of_need: str) -> Assessment:
    """Completion records the level of need and the time taken, and shares the assessment with
    the team around the child as far as consent allows."""
    _require(completed_by, Action.CHANGE_PLAN, assessment)
    if assessment.completed_at is not None:
        raise RuleBroken("This assessment is already complete")
    if not (assessment.child_views or assessment.parents_views):
        raise RuleBroken("Record the child's and the parents' views, in their own words")
    if not assessment.elements.exclude(strengths="", needs="").exists():
        raise RuleBroken("Record at least one strength or need")
    assessment.completed_at = timezone.now()
    assessment.level_of_need = level_of_need
    assessment.save(update_fields=["completed_at", "level_of_need"])
    audit.record(
        actor=completed_by,
        verb="completed_assessment",
        child_id=assessment.child_id,
        target=assessment,
        legal_basis="Consent to assess",
        detail={"minutes": assessment.minutes_to_complete, "sittings": assessment.sittings},
    )
    case = assessment.case
    for member in case.tac_members.filter(left_on__isnull=True).select_related("practitioner__user", "agency"):
        if member.practitioner_id != assessment.assessor_id and queries.sharing_basis(
            child=case.child, agency=member.agency
        ):
            notify(
                recipient=member.practitioner.user,
                subject="An early help assessment is ready to read",
                body="The family agreed to share it with your agency.",
                link=reverse("casework:assessment", args=[assessment.pk]),
            )
    return assessment


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

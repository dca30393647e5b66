"""The team around the child and the delivery plan: members, meetings, outcomes and actions,
reviews, overdue flags and closure (002 ch. 5)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from joinedup.access.models import InvolvementKind
from joinedup.access.policy import Action
from joinedup.access.queries import shield_for
from joinedup.audit import queries as audit_queries
from joinedup.audit import services as audit
from joinedup.casework import queries
from joinedup.casework.errors import RuleBroken
from joinedup.casework.models import (
    Case,
    ClosureReason,
    OutcomeProgress,
    PlanAction,
    PlanOutcome,
    Progress,
    Referral,
    Review,
    TacMeeting,
    TacMember,
)
from joinedup.casework.notifications import notify
from joinedup.common import instruments
from joinedup.people.models import Practitioner

from ._common import _end_involvements, _involve, _require, _require_open


class ChangedMeanwhile(RuleBroken):
    """Someone saved the plan or assessment after this person opened it: their save is refused
    rather than written over the other's, and the message says who changed what, and when."""

    def __init__(self, message: str, *, version: int):
        super().__init__(message)
        self.version = version  # the version held now, which the form carries when they save again


def next_version(model: type[models.Model], pk: int, field: str, *, seen: int | None) -> int | None:
    """Move one row on a version, if it is still at the version the person saw: one conditional
    UPDATE in the change's transaction, which also holds the row until it commits, so of two saves
    at once only one passes. `seen` None (a loader, the system, a one-click change) moves it on
    unconditionally. Returns the new version, or None when someone else moved it on first."""
    row = model.objects.filter(pk=pk)
    claimed = row if seen is None else row.filter(**{field: seen})
    if not claimed.update(**{field: F(field) + 1}):
        return None
    return row.values_list(field, flat=True).get()


def changes_since(events: models.QuerySet, describe: Callable[[Any], str]) -> str:
    """'Sam Patel added an outcome at 10:42 on 3 March 2026; …': who made each change, what and
    when, from the audit events of the changes."""
    events = list(events.order_by("at", "id"))
    names = {
        user.pk: user.get_full_name() or user.username
        for user in get_user_model().objects.filter(pk__in={e.actor_id for e in events})
    }
    said = [
        f"{names.get(e.actor_id, e.actor_username or 'Someone')} {describe(e)} at "
        f"{timezone.localtime(e.at):%H:%M on %-d %B %Y}"
        for e in events
    ]
    return "; ".join(said) or "Someone changed it"


# What each change to the plan is called, in the message to a person whose form it overtook.
PLAN_CHANGES = {
    "added_plan_outcome": "added an outcome",
    "added_plan_action": "added an action",
    "completed_plan_action": "marked an action done",
    "recorded_review": "recorded a review",
    "closed_case": "closed the case",
}


def plan_changed_since(case: Case, version: int) -> ChangedMeanwhile | None:
    """What changed in the plan since the person opened it at `version`, to refuse their save with
    (None if nothing did). Read from the audit log, which names every change's author and time."""
    current = Case.objects.values_list("plan_version", flat=True).get(pk=case.pk)
    if current == version:
        return None
    events = audit_queries.events_for_child(case.child_id).filter(
        detail__case=case.pk, detail__plan_version__gt=version
    )
    changes = changes_since(events, lambda e: PLAN_CHANGES.get(e.verb, "changed the plan"))
    return ChangedMeanwhile(
        f"The plan changed after you opened this page: {changes}. What you entered is still below: "
        "check the plan, then save again",
        version=current,
    )


def _change_plan(case: Case, *, seen_version: int | None) -> dict[str, int]:
    """Claim the plan's next version for this change (refused if it moved on since the person's
    form was opened at `seen_version`); returns the audit detail that names the change."""
    version = next_version(Case, case.pk, "plan_version", seen=seen_version)
    if version is None:
        raise plan_changed_since(case, seen_version)
    case.plan_version = version
    return {"case": case.pk, "plan_version": version}


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
    )
    return case


def _require_sharing(case: Case, practitioner: Practitioner) -> str:
    """Why the family's information may go to the practitioner's agency; joining the team around
    the child, or leading it, needs consent (or a lawful reason) covering that agency."""
    basis = queries.sharing_basis(child=case.child, agency=practitioner.agency)
    if basis is None:
        raise RuleBroken(
            f"The family has not agreed to share with {practitioner.agency.name}: record their consent first"
        )
    return basis


@transaction.atomic
def invite_to_tac(*, case: Case, practitioner: Practitioner, invited_by: Any) -> TacMember:
    """Bring a practitioner from another agency into the team around the child; they see the plan."""
    _require(invited_by, Action.CHANGE_PLAN, case)
    _require_open(case)
    if case.tac_members.filter(practitioner=practitioner, left_on__isnull=True).exists():
        raise RuleBroken(f"{practitioner.name} is already in the team around the child")
    basis = _require_sharing(case, practitioner)
    member = TacMember.objects.create(
        case=case, practitioner=practitioner, agency=practitioner.agency, joined_on=timezone.localdate()
    )
    _involve(child=case.child, practitioner=practitioner, kind=InvolvementKind.TAC_MEMBER)
    audit.record(
        actor=invited_by,
        verb="invited_to_tac",
        child_id=case.child_id,
        target=member,
        legal_basis=basis,
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
    _require_sharing(case, to)
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
def add_outcome(
    *, case: Case, need: str, desired_outcome: str, added_by: Any, seen_version: int | None = None
) -> PlanOutcome:
    """`seen_version` is the plan's version when the person opened the form (as for every change
    to the plan below): a plan changed since is not added to unseen."""
    _require(added_by, Action.CHANGE_PLAN, case)
    changed = _change_plan(case, seen_version=seen_version)
    _require_open(case)
    if not (need.strip() and desired_outcome.strip()):
        raise RuleBroken("Enter the need and the outcome the family wants")
    outcome = PlanOutcome.objects.create(case=case, need=need.strip(), desired_outcome=desired_outcome.strip())
    audit.record(
        actor=added_by,
        verb="added_plan_outcome",
        child_id=case.child_id,
        target=outcome,
        legal_basis="Plan",
        detail=changed,
    )
    return outcome


@transaction.atomic
def add_action(
    *,
    outcome: PlanOutcome,
    description: str,
    owner: Practitioner,
    due_on: date,
    added_by: Any,
    seen_version: int | None = None,
) -> PlanAction:
    """Every action has an owner in the team, for their agency, and a date: the plan says who does
    what by when, so agencies deliver what it says (002 ch. 5)."""
    case = outcome.case
    _require(added_by, Action.CHANGE_PLAN, case)
    changed = _change_plan(case, seen_version=seen_version)
    _require_open(case)
    member = case.tac_members.filter(practitioner=owner, left_on__isnull=True).first()
    if member is None:
        raise RuleBroken("The owner of an action must be a member of the team around the child")
    if due_on < timezone.localdate():
        raise RuleBroken("The due date must be today or in the future")
    action = PlanAction.objects.create(
        outcome=outcome, description=description.strip(), owner=owner, agency=member.agency, due_on=due_on
    )
    audit.record(
        actor=added_by,
        verb="added_plan_action",
        child_id=case.child_id,
        target=action,
        legal_basis="Plan",
        detail=changed,
    )
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
    """The owner, or whoever may change the plan, marks an action done: one click, so it checks
    no version, but forms opened on the plan before it see that it changed."""
    case = action.outcome.case
    if getattr(completed_by, "practitioner", None) != action.owner:
        _require(completed_by, Action.CHANGE_PLAN, case)
    _require_open(case)
    done_on = on or timezone.localdate()
    # Only if nobody marked it done in the meantime, so the first date stands.
    if not PlanAction.objects.filter(pk=action.pk, done_on__isnull=True).update(done_on=done_on):
        raise RuleBroken("This action is already marked done")
    action.done_on = done_on
    changed = _change_plan(case, seen_version=None)
    audit.record(
        actor=completed_by,
        verb="completed_plan_action",
        child_id=case.child_id,
        target=action,
        legal_basis="Plan",
        detail=changed,
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
    wellbeing: dict[str, int] | None = None,
    seen_version: int | None = None,
) -> Review:
    """A review records progress on every outcome of the plan, and the family's views in their
    own words; the next review falls due one interval later. Recorded against the plan as the
    person saw it: a review someone else recorded meanwhile, or a new outcome, refuses it."""
    _require(recorded_by, Action.CHANGE_PLAN, case)
    changed = _change_plan(case, seen_version=seen_version)
    _require_open(case)
    if held_on > timezone.localdate():
        raise RuleBroken("Record a review once it has happened: the date must be today or in the past")
    missing = [o for o in case.outcomes.all() if o not in progress]
    if missing:
        raise RuleBroken(f"Record progress on every outcome, including: {missing[0].desired_outcome}")
    known = {item.code for item in instruments.larc_items()}
    if unknown := set(what_changed) - known:
        raise RuleBroken(f"Unknown checklist items: {', '.join(sorted(unknown))}")
    wellbeing = {code: score for code, score in (wellbeing or {}).items() if score is not None}
    if set(wellbeing) - {q.code for q in instruments.wellbeing_questions()}:
        raise RuleBroken("Unknown wellbeing question")
    if any(not 0 <= score <= 10 for score in wellbeing.values()):
        raise RuleBroken("Each wellbeing answer is between 0 and 10")
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
        wellbeing=wellbeing,
        recorded_by=recorded_by,
        **scores,
    )
    OutcomeProgress.objects.bulk_create(
        OutcomeProgress(review=review, outcome=outcome, progress=Progress(value)) for outcome, value in progress.items()
    )
    audit.record(
        actor=recorded_by,
        verb="recorded_review",
        child_id=case.child_id,
        target=review,
        legal_basis="Plan review",
        detail=changed,
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
            # The owner's agency would name a sensitive service the recipient may not know of.
            owner = shield_for(person.user, [case.child_id]).practitioner(action.owner, case.child_id)
            agency = "" if owner.shielded else f" ({action.agency})"
            notify(
                recipient=person.user,
                subject="An action in a plan is overdue",
                body=f"An action owned by {owner.name}{agency} was due on {action.due_on:%-d %B %Y}.",
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


@transaction.atomic
def close_case(
    *,
    case: Case,
    closed_by: Any,
    reason: ClosureReason,
    needs_met_at: str,
    ratings: dict[PlanOutcome, int],
    on: date | None = None,
    seen_version: int | None = None,
) -> Case:
    """Closure records why, the level at which needs were met (CAF destination data) and how far
    each outcome of the plan was achieved. The team's involvements end with the case."""
    _require(closed_by, Action.CHANGE_PLAN, case)
    changed = _change_plan(case, seen_version=seen_version)
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
    members = list(queries.tac_practitioners(case))
    case.tac_members.filter(left_on__isnull=True).update(left_on=on)
    for kind in (InvolvementKind.LEAD_PROFESSIONAL, InvolvementKind.TAC_MEMBER):
        _end_involvements(child=case.child, kind=kind, practitioners=members)
    audit.record(
        actor=closed_by,
        verb="closed_case",
        child_id=case.child_id,
        target=case,
        legal_basis="Lead professional",
        detail={"reason": reason, "needs_met_at": needs_met_at, **changed},
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

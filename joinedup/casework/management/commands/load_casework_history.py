"""joinedup load-casework-history: write the synthetic casework history (casework.history) for the
children, localities and staff already loaded, so the demo and later dashboards have data."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q, prefetch_related_objects
from django.utils import timezone

from joinedup.access.models import Involvement, InvolvementKind
from joinedup.agencies.models import Locality
from joinedup.audit import services as audit
from joinedup.casework.history import ChildIn, History, WorkerIn, generate_history
from joinedup.casework.models import (
    Assessment,
    AssessmentElement,
    Case,
    Consent,
    FamilyAccount,
    OutcomeProgress,
    Panel,
    PanelMeeting,
    PlanAction,
    PlanOutcome,
    Referral,
    Review,
    TacMeeting,
    TacMember,
)
from joinedup.index.key_groups import key_groups
from joinedup.people.models import Address, Child, ChildCarer, Practitioner, Role

RECORDED_BY = "casework history"


class Command(BaseCommand):
    help = "Write two years of synthetic casework (referrals to closures) for the children already loaded."

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, default=2)
        parser.add_argument("--share", type=float, default=0.06, help="Chance a child without key needs is referred")
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument("--end", type=date.fromisoformat, default=None, help="Last day (default today)")
        parser.add_argument(
            "--family-login",
            default="",
            help="Also give this username a family account: a parent with parental responsibility for a child "
            "with an open case (the demo sets its password)",
        )

    def handle(self, *args, years: int, share: float, seed: int, end: date | None, family_login: str, **options):
        if Referral.objects.exists():
            self.stdout.write("Casework history is already loaded")
        else:
            self._load(years=years, share=share, seed=seed, end=end or timezone.localdate())
        if family_login and not get_user_model().objects.filter(username=family_login).exists():
            account = add_family_login(family_login)
            self.stdout.write(
                f"Family login {family_login}: {account.carer.full_name}, a parent of a child with an open plan"
            )

    def _load(self, *, years: int, share: float, seed: int, end: date) -> None:
        children, workers = _children(), _workers()
        if not workers:
            raise CommandError("The authority has no practitioners: load it first")
        history = generate_history(children=children, workers=workers, end=end, years=years, share=share, seed=seed)
        counts = write_history(history)
        self.stdout.write(
            self.style.SUCCESS(
                f"Casework history: {counts['referrals']:,} referrals, {counts['cases']:,} cases "
                f"({counts['open']:,} open), {counts['reviews']:,} reviews, {counts['meetings']:,} panel meetings"
            )
        )


def add_family_login(username: str) -> FamilyAccount:
    """A demo parent: the first carer with parental responsibility for a child whose case is open."""
    link = (
        ChildCarer.objects.filter(parental_responsibility=True, child__cases__closed_on__isnull=True)
        .select_related("carer")
        .order_by("child_id")
        .first()
    )
    if link is None:
        raise CommandError("No open case has a parent with parental responsibility on record")
    user = get_user_model().objects.create_user(
        username=username, first_name=link.carer.forenames.split(" ")[0], last_name=link.carer.surname
    )
    return FamilyAccount.objects.create(user=user, carer=link.carer)


def _children() -> list[ChildIn]:
    localities = dict(
        Address.objects.filter(moved_out__isnull=True, locality__isnull=False).values_list("child_id", "locality_id")
    )
    result = []
    for child_id, born in Child.objects.current().values_list("id", "date_of_birth"):
        if child_id not in localities:
            continue
        groups = key_groups(child_id)
        needs = {
            name
            for name, present in (
                ("autism", groups.autism),
                ("looked_after", groups.looked_after),
                ("ks3_absence", groups.key_stage_3_absence),
            )
            if present
        }
        result.append(ChildIn(child_id, born, localities[child_id], frozenset(needs)))
    return result


def _workers() -> list[WorkerIn]:
    """Practitioners by the locality of their team; an authority-wide team works in every locality."""
    localities = list(Locality.objects.values_list("id", flat=True))
    staff = Practitioner.objects.filter(role=Role.PRACTITIONER, user__is_active=True)
    return [
        WorkerIn(practitioner, locality, agency)
        for practitioner, team_locality, agency in staff.values_list("id", "team__locality", "agency")
        for locality in ([team_locality] if team_locality else localities)
    ]


def _aware(moment: datetime) -> datetime:
    return timezone.make_aware(moment)


def _panels(history: History) -> dict[int, Panel]:
    chairs = list(Practitioner.objects.filter(role=Role.PANEL_CHAIR, user__is_active=True).select_related("team"))
    if not chairs:
        raise CommandError("The authority has no panel chair")
    panels = {}
    for number, locality_id in enumerate(sorted(history.meetings)):
        local_chairs = [c for c in chairs if c.team and c.team.locality_id == locality_id]
        chair = (local_chairs or chairs)[number % len(local_chairs or chairs)]
        panel = Panel.objects.create(locality_id=locality_id, name="", chair=chair)
        panel.name = f"{panel.locality.name} allocation panel"
        panel.save(update_fields=["name"])
        members, agencies = [chair], {chair.agency_id}
        local = Q(team__locality=locality_id) | Q(team__locality__isnull=True)
        for worker in Practitioner.objects.filter(local, role=Role.PRACTITIONER, user__is_active=True).order_by("pk"):
            if worker.agency_id not in agencies and len(members) < 5:
                members.append(worker)
                agencies.add(worker.agency_id)
        panel.members.set(members)
        panels[locality_id] = panel
    return panels


@transaction.atomic
def write_history(history: History) -> dict[str, int]:
    panels = _panels(history)
    # Each referral on an agenda involves its panel's members: read them once, not once per referral.
    prefetch_related_objects(list(panels.values()), "members")
    meetings = {
        (locality, held): PanelMeeting.objects.create(panel=panels[locality], held_on=held)
        for locality, dates in history.meetings.items()
        for held in dates
    }
    users = dict(Practitioner.objects.values_list("id", "user_id"))
    agencies = dict(Practitioner.objects.values_list("id", "agency_id"))
    carers = {}
    for link in ChildCarer.objects.filter(parental_responsibility=True).select_related("carer"):
        carers.setdefault(link.child_id, link.carer.full_name)
    first_names = dict(Child.objects.values_list("id", "forenames"))
    involvements: list[Involvement] = []
    counts = {"referrals": 0, "cases": 0, "open": 0, "reviews": 0, "meetings": len(meetings)}

    def involve(child, practitioner, kind, started, ended):
        involvements.append(
            Involvement(child_id=child, practitioner_id=practitioner, kind=kind, started=started, ended=ended,
                        recorded_by=RECORDED_BY)
        )  # fmt: skip

    for item in history.referrals:
        by_young_person = item.consent_by == "young_person"
        consent = Consent.objects.create(
            child_id=item.child,
            given_by=item.consent_by,
            given_by_name=first_names[item.child] if by_young_person else carers.get(item.child, "Parent or carer"),
            given_on=(item.assessment.started if item.assessment else item.submitted).date(),
            share_with_all_partners=True,
            recorded_by_id=users[item.referrer],
        )
        decided = item.decision != ""
        assessment = None
        if item.assessment is not None:
            before = item.assessment
            assessment = _write_assessment(
                child=item.child,
                case=None,
                assessor=item.referrer,
                consent=consent,
                started=before.started,
                minutes=before.minutes,
                level=before.level,
                needs=item.concern,
            )
            # The assessor is involved from the start until the panel decides.
            ended = item.decided.date() if item.decided else None
            involve(item.child, item.referrer, InvolvementKind.ASSESSOR, before.started.date(), ended)
        meeting = meetings.get((item.locality, item.meeting)) if item.meeting else None
        referral = Referral.objects.create(
            child_id=item.child,
            referrer_id=item.referrer,
            locality_id=item.locality,
            route=item.route,
            concern=item.concern,
            level_of_need=item.level_of_need,
            consent=consent,
            submitted_at=_aware(item.submitted),
            status="decided" if decided else ("on_agenda" if meeting else "submitted"),
            meeting=meeting,
            decision=item.decision,
            decision_reasons=item.reasons,
            decided_at=_aware(item.decided) if item.decided else None,
            decided_by=meeting.panel.chair if decided else None,
            lead_professional_id=item.case.lead if item.case else None,
            assessment=assessment,
        )
        counts["referrals"] += 1
        involve(item.child, item.referrer, InvolvementKind.REFERRER, item.submitted.date(), None)
        if meeting is not None:
            # Members and the chair read the papers from a few days before the meeting until its decision.
            started = max(item.submitted.date(), item.meeting - timedelta(days=3))
            ended = item.decided.date() if item.decided else None
            for member in meeting.panel.members.all():
                if member != meeting.panel.chair:
                    involve(item.child, member.pk, InvolvementKind.PANEL_MEMBER, started, ended)
            involve(item.child, meeting.panel.chair_id, InvolvementKind.PANEL_CHAIR, started, ended)
        if item.case is not None:
            case = _write_case(item, referral, users, agencies, involve, counts)
            if assessment is not None:
                Assessment.objects.filter(pk=assessment.pk).update(case=case)
    Involvement.objects.bulk_create(involvements)
    audit.record(
        actor=None,
        verb="loaded_casework_history",
        legal_basis="Synthetic data for the demonstration authority",
        detail=counts,
    )
    return counts


def _write_assessment(*, child, case, assessor, consent, started, minutes, level, needs) -> Assessment:
    """A completed assessment when minutes are known, otherwise a draft."""
    completed = started + timedelta(minutes=minutes or 0)
    assessment = Assessment.objects.create(
        child_id=child,
        case=case,
        consent=consent,
        assessor_id=assessor,
        started_at=_aware(started),
        completed_at=_aware(completed) if minutes else None,
        level_of_need=level if minutes else "",
        parents_views="We want things to be calmer at home",
        child_views="I want to be happier at school",
    )
    AssessmentElement.objects.create(assessment=assessment, code="family_functioning", needs=needs)
    return assessment


def _write_case(item, referral: Referral, users, agencies, involve, counts) -> Case:
    plan = item.case
    case = Case.objects.create(
        child_id=item.child,
        referral=referral,
        lead_professional_id=plan.lead,
        opened_on=plan.opened,
        closed_on=plan.closed,
        closure_reason=plan.closure_reason,
        needs_met_at=plan.needs_met_at,
    )
    counts["cases"] += 1
    counts["open"] += plan.closed is None
    members = TacMember.objects.bulk_create(
        TacMember(case=case, practitioner_id=p, agency_id=agencies[p], joined_on=plan.opened, left_on=plan.closed)
        for p in plan.team
    )
    involve(item.child, plan.lead, InvolvementKind.LEAD_PROFESSIONAL, plan.opened, plan.closed)
    for practitioner in plan.team[1:]:
        involve(item.child, practitioner, InvolvementKind.TAC_MEMBER, plan.opened, plan.closed)
    for held in plan.tac_meetings:
        TacMeeting.objects.create(case=case, held_on=held).attendees.set(members)
    if plan.assessment_started is not None:
        _write_assessment(
            child=item.child,
            case=case,
            assessor=plan.lead,
            consent=referral.consent,
            started=plan.assessment_started,
            minutes=plan.assessment_minutes,
            level=plan.assessment_level,
            needs=item.concern,
        )
    outcomes = []
    for planned in plan.outcomes:
        outcome = PlanOutcome.objects.create(
            case=case, need=planned.need, desired_outcome=planned.desired_outcome, closing_rating=planned.rating
        )
        outcomes.append(outcome)
        PlanAction.objects.bulk_create(
            PlanAction(outcome=outcome, description=a.description, owner_id=a.owner, agency_id=agencies[a.owner],
                       due_on=a.due, done_on=a.done)
            for a in planned.actions
        )  # fmt: skip
    for planned in plan.reviews:
        review = Review.objects.create(
            case=case,
            held_on=planned.held,
            child_views=planned.child_views,
            parents_views=planned.parents_views,
            what_changed=planned.what_changed,
            sdq_informant="parent" if planned.sdq_total is not None else "",
            sdq_total=planned.sdq_total,
            recorded_by_id=users[plan.lead],
        )
        OutcomeProgress.objects.bulk_create(
            OutcomeProgress(review=review, outcome=outcome, progress=progress)
            for outcome, progress in zip(outcomes, planned.progress, strict=True)
        )
        counts["reviews"] += 1
    return case

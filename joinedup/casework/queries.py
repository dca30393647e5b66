"""Shared reads for casework: consent in force, who manages whom, panels and their agendas,
referrals a practitioner made, and unread notifications."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, F, Max, Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from joinedup.access.models import Consent, SharingWithoutConsent
from joinedup.access.policy import CASEWORK_ROLES, Action, children_for, children_shared_with, decide
from joinedup.access.policy import sharing_basis as policy_sharing_basis
from joinedup.access.queries import PractitionerAsSeen, shield_for
from joinedup.agencies.models import Agency, Locality
from joinedup.common.instruments import assessment_domains, larc_items, sdq_band, wellbeing_questions
from joinedup.people.models import Address, Child, ChildCarer, Practitioner, Role

from .models import (
    Assessment,
    Case,
    FamilyAccount,
    Notification,
    Panel,
    PanelMeeting,
    PlanAction,
    Referral,
    ReferralStatus,
    Review,
    TacMeeting,
    TacMember,
)


def current_consents(child: Child) -> QuerySet[Consent]:
    return Consent.objects.in_force(timezone.localdate()).filter(child=child)


def sharing_basis(*, child: Child, agency: Agency) -> str | None:
    """Why information about this child may go to this agency, or None when it may not (the
    policy's own rule, so casework and the policy never disagree)."""
    return policy_sharing_basis(child_id=child.pk, agency_id=agency.pk if agency else None)


def panel_agencies(locality: Locality) -> QuerySet[Agency]:
    """The agencies of the chairs and members of a locality's allocation panels."""
    panels = Panel.objects.filter(locality=locality)
    return Agency.objects.filter(
        Q(practitioners__panels__in=panels) | Q(practitioners__panels_chaired__in=panels)
    ).distinct()


def managers_of(practitioner: Practitioner) -> QuerySet[Practitioner]:
    """Service managers of the practitioner's team or of its locality."""
    team = practitioner.team
    if team is None:
        return Practitioner.objects.none()
    lines = Q(manages_teams=team)
    if team.locality_id:
        lines |= Q(manages_localities=team.locality_id)
    return Practitioner.objects.filter(lines, user__is_active=True).exclude(pk=practitioner.pk).distinct()


def reviews_sharing(user: Any, sharing: SharingWithoutConsent) -> bool:
    """Whether `user` is a manager of the practitioner who shared without consent, and so reviews it."""
    sharer = getattr(sharing.shared_by, "practitioner", None)
    reviewer = getattr(user, "practitioner", None)
    return sharer is not None and reviewer is not None and managers_of(sharer).filter(pk=reviewer.pk).exists()


def sharing_for_review(user: Any, sharing_id: int) -> SharingWithoutConsent | None:
    """The sharing without consent that `user` reviews as the sharer's manager; None for anyone
    else, as for an id that names none."""
    sharing = (
        SharingWithoutConsent.objects.select_related("child", "shared_by__practitioner", "reviewed_by")
        .prefetch_related("agencies")
        .filter(pk=sharing_id)
        .first()
    )
    return sharing if sharing is not None and reviews_sharing(user, sharing) else None


def sharing_ended(sharing: Iterable[SharingWithoutConsent], on: date | None = None) -> set[int]:
    """Which of these no longer share (ended by a manager's review or past their end date): those
    the policy's own in_force rule no longer counts."""
    ids = {shared.pk for shared in sharing}
    in_force = SharingWithoutConsent.objects.in_force(on or timezone.localdate()).filter(pk__in=ids)
    return ids - set(in_force.values_list("pk", flat=True))


def sharing_told_to_family(children: Iterable[Child]) -> dict[int, list[SharingWithoutConsent]]:
    """Each child's sharing without consent that the family were told about; sharing kept from
    them because telling them would put the child at risk is never listed."""
    told: dict[int, list[SharingWithoutConsent]] = {}
    rows = SharingWithoutConsent.objects.filter(child__in=list(children), family_told=True).prefetch_related("agencies")
    for shared in rows.order_by("shared_on", "pk"):
        told.setdefault(shared.child_id, []).append(shared)
    return told


def unread_count(user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_for(user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def referrals_made_by(user: Any) -> QuerySet[Referral]:
    """The referrals a practitioner made whose feedback the policy lets them read now: the list
    names exactly the children whose feedback page opens for them."""
    return Referral.objects.filter(
        referrer__user=user, child__in=children_for(user, Action.VIEW_REFERRAL_FEEDBACK)
    ).select_related("child", "locality")


def panels_for(practitioner: Practitioner) -> QuerySet[Panel]:
    return (
        Panel.objects.filter(Q(chair=practitioner) | Q(members=practitioner))
        .distinct()
        .select_related("locality", "chair__user")
    )


def meetings_for(practitioner: Practitioner) -> QuerySet[PanelMeeting]:
    return PanelMeeting.objects.filter(panel__in=panels_for(practitioner)).select_related("panel")


def waiting_for_panel(panel: Panel) -> QuerySet[Referral]:
    return Referral.objects.filter(locality=panel.locality, status="submitted")


@dataclass(frozen=True)
class AgendaItem:
    """One item of a meeting's agenda as a member sees it. An item they may not open now (the
    decision is made, or the family's consent does not share it with them) names nothing of the
    child: no name, date of birth, referrer or level of need, only what the panel decided."""

    referral: Referral
    can_open: bool
    assessment_readable: bool = False


def agenda_as_seen_by(user: Any, meeting: PanelMeeting) -> list[AgendaItem]:
    """The meeting's items, with whether this user may open each one and read the early help
    assessment that came with it, decided for the whole agenda in a few queries."""
    items = list(meeting.agenda.select_related("child", "referrer__user", "assessment__case").order_by("submitted_at"))
    child_ids = {item.child_id for item in items}
    may_open = set(children_for(user, Action.VIEW_REFERRAL).filter(pk__in=child_ids).values_list("pk", flat=True))
    readable = assessments_readable_by(user, [item.assessment for item in items if item.child_id in may_open])
    return [
        AgendaItem(item, item.child_id in may_open, item.assessment_id is not None and item.assessment_id in readable)
        for item in items
    ]


def current_locality(child: Child):
    """The locality of the child's current address, to route a referral to the right panel."""
    address = child.addresses.filter(moved_out__isnull=True).select_related("locality").first()
    return address.locality if address else None


def possible_lead_professionals(referral: Referral) -> QuerySet[Practitioner]:
    """Practitioners working in the referral's locality, and the panel's own members."""
    members = referral.meeting.panel.members.all() if referral.meeting_id else Practitioner.objects.none()
    return (
        Practitioner.objects.filter(Q(team__locality=referral.locality) | Q(pk__in=members), user__is_active=True)
        .select_related("user", "agency")
        .distinct()
    )


def overdue_actions(*, on: date) -> QuerySet[PlanAction]:
    return PlanAction.objects.filter(
        done_on__isnull=True, due_on__lt=on, outcome__case__closed_on__isnull=True
    ).select_related("outcome__case__lead_professional__user", "owner__user", "owner__team", "agency")


def with_last_review(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Cases carrying the date of their last review, so a list can work out reviews due in one query."""
    return cases.annotate(last_review_on=Max("reviews__held_on"))


def next_review_due(case: Case) -> date:
    """One interval after the last review, or after the case opened when none has been held."""
    if hasattr(case, "last_review_on"):
        last_held_on = case.last_review_on
    else:
        last_held_on = case.reviews.aggregate(last=Max("held_on"))["last"]
    return (last_held_on or case.opened_on) + timedelta(days=case.review_interval_days)


def overdue_reviews(*, on: date) -> list[tuple[Case, date]]:
    cases = with_last_review(Case.objects.filter(closed_on__isnull=True)).select_related(
        "lead_professional__user", "lead_professional__team"
    )
    return [(case, due) for case in cases if (due := next_review_due(case)) < on]


def days_from_decision_to_first_tac(case: Case) -> int | None:
    """Timeliness from the panel's decision to the first meeting of the team around the child."""
    first = case.tac_meetings.order_by("held_on").first()
    if first is None or case.referral is None or case.referral.decided_at is None:
        return None
    return (first.held_on - case.referral.decided_at.date()).days


def cases_led_by(practitioner: Practitioner) -> QuerySet[Case]:
    return Case.objects.filter(lead_professional=practitioner, closed_on__isnull=True).select_related("child")


def tac_practitioners(case: Case) -> QuerySet[Practitioner]:
    return Practitioner.objects.filter(
        tac_memberships__case=case, tac_memberships__left_on__isnull=True
    ).select_related("user", "agency")


def possible_tac_members(case: Case) -> QuerySet[Practitioner]:
    return (
        Practitioner.objects.filter(user__is_active=True)
        .exclude(pk__in=tac_practitioners(case))
        .select_related("user", "agency")
        .order_by("agency__name", "user__last_name")
    )


def case_summary(case: Case, *, on: date, reader: Any = None) -> dict[str, Any]:
    """Everything the case page shows: team, meetings, the plan with what is late, reviews. Each
    practitioner it names is in `people`, as `reader` may see them beside the child (without a
    reader, as someone who may know of no sensitive service)."""
    outcomes = list(case.outcomes.prefetch_related("actions__owner__user", "actions__owner__agency", "actions__agency"))
    members = list(
        case.tac_members.filter(left_on__isnull=True).select_related(
            "practitioner__user", "practitioner__agency", "agency"
        )
    )
    named = [case.lead_professional, *(m.practitioner for m in members)]
    named += [action.owner for outcome in outcomes for action in outcome.actions.all()]
    due = next_review_due(case)
    return {
        "case": case,
        "members": members,
        "people": shield_for(reader, [case.child_id]).practitioners(named, case.child_id),
        "meetings": case.tac_meetings.all(),
        "outcomes": outcomes,
        "reviews": case.reviews.prefetch_related("progress__outcome"),
        "next_review_due": due,
        "review_overdue": case.is_open and due < on,
        "today": on,
        "days_to_first_tac": days_from_decision_to_first_tac(case),
        "larc": {item.code: item.text for item in larc_items()},
        "wellbeing_questions": {q.code: q.text for q in wellbeing_questions()},
        "sdq_bands": {
            review.pk: sdq_band(review.sdq_total, review.sdq_informant)
            for review in case.reviews.filter(sdq_total__isnull=False)
        },
        "family_views": case.family_views.select_related("account__user")[:5],
        "assessments": case.assessments.all(),
        "has_draft": case.assessments.filter(completed_at__isnull=True).exists(),
    }


def workspace(practitioner: Practitioner, *, on: date) -> dict[str, Any]:
    """A lead professional's cases, the actions they own, and what is due or late: only cases whose
    plan the policy lets them see now (`children` lists the children named, for the audit)."""
    may_see = children_for(practitioner.user, Action.VIEW_PLAN)
    cases = list(with_last_review(cases_led_by(practitioner).filter(child__in=may_see)))
    rows = [{"case": case, "next_review_due": next_review_due(case)} for case in cases]
    actions = list(
        PlanAction.objects.filter(
            owner=practitioner,
            done_on__isnull=True,
            outcome__case__closed_on__isnull=True,
            outcome__case__child__in=may_see,
        ).select_related("outcome__case__child")
    )
    children = {case.child_id: case.child for case in cases}
    children |= {action.outcome.case.child_id: action.outcome.case.child for action in actions}
    return {
        "rows": rows,
        "actions": actions,
        "today": on,
        "reviews_late": sum(row["next_review_due"] < on for row in rows),
        "actions_late": sum(action.due_on < on for action in actions),
        "children": list(children.values()),
    }


def family_account_of(user: Any) -> FamilyAccount | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return FamilyAccount.objects.filter(user=user).select_related("carer", "child").first()


def family_cases(user: Any) -> QuerySet[Case]:
    """The open cases a family account may see: a carer's children they have parental
    responsibility for, or a young person's own."""
    account = family_account_of(user)
    if account is None:
        return Case.objects.none()
    if account.carer_id:
        children = Q(child__carer_links__carer=account.carer, child__carer_links__parental_responsibility=True)
    else:
        children = Q(child=account.child)
    return (
        Case.objects.filter(children, closed_on__isnull=True)
        .select_related("child", "lead_professional__user", "lead_professional__agency")
        .distinct()
    )


def assessment_shared_with(assessment: Assessment, user: Any) -> bool:
    return assessment.pk in assessments_shared_with(user, [assessment])


def assessments_shared_with(user: Any, assessments: Iterable[Assessment]) -> set[int]:
    """A completed assessment goes to the team, or to the panel it was sent to, as far as consent
    allows; the assessor and the lead professional of the case carrying it always see it. The ids
    of those shared with this user, for a page of assessments (their `case` selected) at once."""
    assessments = list(assessments)
    practitioner = getattr(user, "practitioner", None)
    if practitioner is None or not assessments:
        return set()
    shared = children_shared_with(agency_id=practitioner.agency_id, child_ids={a.child_id for a in assessments})
    return {
        a.pk
        for a in assessments
        if a.assessor_id == practitioner.pk
        or (a.case_id is not None and a.case.lead_professional_id == practitioner.pk)
        or a.child_id in shared
    }


def assessment_summary(assessment: Assessment) -> dict[str, Any]:
    """Each domain with its elements' strengths and needs, and whether anything is written yet."""
    held = {e.code: e for e in assessment.elements.all()}
    domains = [
        {
            "domain": domain,
            "elements": [(element, held.get(element.code)) for element in domain.elements],
            "started": any(
                held.get(e.code) and (held[e.code].strengths or held[e.code].needs) for e in domain.elements
            ),
        }
        for domain in assessment_domains()
    ]
    return {
        "assessment": assessment,
        "case": assessment.case,
        "child": assessment.child,
        "domains": domains,
        "referral": sent_with(assessment),
    }


# Early help assessments before a case, on their way to the allocation panel


def sent_with(assessment: Assessment) -> Referral | None:
    """The referral that took the assessment to the panel, unless it was withdrawn."""
    return assessment.referrals.exclude(status=ReferralStatus.WITHDRAWN).select_related("locality", "meeting").first()


def needs_for_the_panel(assessment: Assessment) -> str:
    """The needs the assessment records, element by element, as the concern the panel reads."""
    titles = {element.code: element.title for domain in assessment_domains() for element in domain.elements}
    needs = assessment.elements.exclude(needs="").order_by("pk")
    return "; ".join(f"{titles.get(element.code, element.code)}: {element.needs}" for element in needs)


def assessment_to_attach(child: Child, practitioner: Practitioner) -> Assessment | None:
    """The practitioner's own completed assessment of the child, made before a case and not yet
    with the panel, which a referral can take with it while they may still change it (their
    access as assessor lapses when it is never sent)."""
    assessment = (
        Assessment.objects.filter(child=child, assessor=practitioner, case__isnull=True, completed_at__isnull=False)
        .exclude(referrals__status__in=[s for s in ReferralStatus.values if s != ReferralStatus.WITHDRAWN])
        .order_by("-completed_at")
        .first()
    )
    if assessment is None or not decide(practitioner.user, Action.CHANGE_ASSESSMENT, assessment):
        return None
    return assessment


def assessment_readable_by(user: Any, assessment: Assessment) -> bool:
    """Whether this user may open the assessment: the policy lets them read the child's
    assessments, and this one is shared with them."""
    return assessment.pk in assessments_readable_by(user, [assessment])


def assessments_readable_by(user: Any, assessments: Iterable[Assessment | None]) -> set[int]:
    """assessment_readable_by for a page of assessments at once (their `case` selected)."""
    assessments = [a for a in assessments if a is not None]
    child_ids = {a.child_id for a in assessments}
    may_read = set(children_for(user, Action.VIEW_ASSESSMENT).filter(pk__in=child_ids).values_list("pk", flat=True))
    return assessments_shared_with(user, [a for a in assessments if a.child_id in may_read])


def caseloads(*, on: date) -> list[dict[str, Any]]:
    """Open cases, actions owned and what is late, per lead professional, grouped by team: figures
    about practitioners' workload, naming no child."""
    cases = list(
        Case.objects.filter(closed_on__isnull=True).select_related("lead_professional__user", "lead_professional__team")
    )
    late_reviews = {case.pk for case, _ in overdue_reviews(on=on)}
    actions = Counter(
        PlanAction.objects.filter(done_on__isnull=True, outcome__case__closed_on__isnull=True).values_list(
            "owner_id", flat=True
        )
    )
    late_actions = Counter(overdue_actions(on=on).values_list("owner_id", flat=True))
    rows: dict[int, dict[str, Any]] = {}
    for case in cases:
        lead = case.lead_professional
        row = rows.setdefault(
            lead.pk,
            {"lead": lead, "team": lead.team.name if lead.team else "No team", "cases": 0, "reviews_late": 0},
        )
        row["cases"] += 1
        row["reviews_late"] += case.pk in late_reviews
    for row in rows.values():
        row["actions"] = actions[row["lead"].pk]
        row["actions_late"] = late_actions[row["lead"].pk]
    return sorted(rows.values(), key=lambda row: (row["team"], -row["cases"], row["lead"].name))


def panel_timeliness(panel: Panel) -> dict[str, float | None]:
    """Average days from referral to the panel's decision, and from decision to the first meeting
    of the team around the child (001 §6)."""
    decided = list(Referral.objects.filter(meeting__panel=panel, decided_at__isnull=False).select_related("case"))
    to_decision = [r.days_to_decision for r in decided]
    first_meetings = {
        m["case_id"]: m["first"]
        for m in TacMeeting.objects.filter(case__referral__in=decided).values("case_id").annotate(first=Min("held_on"))
    }
    to_tac = [
        (first_meetings[r.case.pk] - r.decided_at.date()).days
        for r in decided
        if hasattr(r, "case") and r.case.pk in first_meetings
    ]
    return {
        "decisions": len(decided),
        "days_to_decision": round(sum(to_decision) / len(to_decision), 1) if to_decision else None,
        "days_to_first_tac": round(sum(to_tac) / len(to_tac), 1) if to_tac else None,
    }


def family_words_since_last_review(case: Case) -> str:
    """What the family wrote before this review, to start the parents' views in their own words."""
    last = case.reviews.order_by("-held_on").first()
    views = case.family_views.order_by("written_at")
    if last is not None:
        views = views.filter(written_at__date__gt=last.held_on)
    return "\n\n".join(view.text for view in views)


def cases_due_for_review(panel: Panel, *, by: date) -> list[Case]:
    """Open cases referred through this panel's locality whose review falls due by `by`."""
    cases = with_last_review(
        Case.objects.filter(closed_on__isnull=True, referral__locality=panel.locality)
    ).select_related("child", "lead_professional")
    return [case for case in cases if next_review_due(case) <= by]


def reviews_as_seen_by(user: Any, meeting: PanelMeeting) -> list[tuple[Case, bool]]:
    """The cases due for review at the meeting, with whether this user may open each plan; one
    they may not names nothing of the child."""
    cases = list(meeting.reviews_due.select_related("child", "lead_professional__user"))
    may_open = set(
        children_for(user, Action.VIEW_PLAN).filter(pk__in={c.child_id for c in cases}).values_list("pk", flat=True)
    )
    return [(case, case.child_id in may_open) for case in cases]


# Setting up allocation panels


def panels_by_locality() -> list[tuple[Locality, list[Panel]]]:
    """Every locality with its panels, chairs and members, for those who set panels up."""
    panels = Panel.objects.select_related("chair__user", "chair__agency").prefetch_related(
        Prefetch("members", queryset=Practitioner.objects.select_related("user", "agency").order_by("agency__name"))
    )
    by_locality: dict[int, list[Panel]] = {}
    for panel in panels:
        by_locality.setdefault(panel.locality_id, []).append(panel)
    return [(locality, by_locality.get(locality.pk, [])) for locality in Locality.objects.all()]


def possible_panel_chairs(current: Practitioner | None = None) -> QuerySet[Practitioner]:
    """Practitioners with the panel chair role who still work here, and the panel's chair as it is."""
    still_here = Q(role=Role.PANEL_CHAIR, user__is_active=True)
    return (
        Practitioner.objects.filter(still_here | Q(pk=getattr(current, "pk", None)))
        .select_related("user", "agency")
        .order_by("user__last_name", "user__first_name")
    )


def possible_panel_members(locality: Locality, current: Iterable[Practitioner] = ()) -> QuerySet[Practitioner]:
    """Casework staff still here whose team works in the locality or across the authority, and the
    panel's members as they are, by agency."""
    works_there = Q(team__locality=locality) | Q(team__locality__isnull=True)
    still_here = Q(works_there, role__in=CASEWORK_ROLES, user__is_active=True)
    return (
        Practitioner.objects.filter(still_here | Q(pk__in=[member.pk for member in current]))
        .select_related("user", "agency")
        .order_by("agency__name", "user__last_name", "user__first_name")
    )


def pending_agenda(panel: Panel, *, on: date) -> tuple[list[Referral], list[tuple[Case, date]]]:
    """What the panel's members may read now: referrals on an agenda and not yet decided, and open
    cases due for review at a meeting not yet held, with that meeting's date."""
    referrals = list(
        Referral.objects.filter(meeting__panel=panel, status=ReferralStatus.ON_AGENDA).select_related("child")
    )
    reviews = [
        (case, meeting.held_on)
        for meeting in panel.meetings.filter(held_on__gte=on).prefetch_related("reviews_due__child")
        for case in meeting.reviews_due.all()
        if case.is_open
    ]
    return referrals, reviews


# The lead professional's contacts


@dataclass(frozen=True)
class Contact:
    """One person to call about a case, and why they are on the list."""

    name: str
    who: str
    phone: str = ""
    email: str = ""


def _practitioner_contact(seen: PractitionerAsSeen, why: str) -> Contact:
    who = f"{seen.job}, {seen.agency} ({why})" if seen.agency else f"{seen.job} ({why})"
    return Contact(name=seen.name, who=who, phone=seen.phone, email=seen.email)


def _carer_contact(link: ChildCarer) -> Contact:
    """Family contact details as held: the phone number and email address the authority's register
    gives for the carer. Where the carer has an account to see the plan, its email address wins:
    the carer gave it to the lead professional themselves and signs in and hears from joinedup
    there, so it is the one known to work; the register's may be out of date."""
    carer, child = link.carer, link.child
    facts = [link.get_relationship_display()]
    facts += ["parental responsibility"] if link.parental_responsibility else []
    facts += [f"lives with {child.first_name}"] if link.lives_with else []
    account = next((a for a in carer.accounts.all() if a.user.is_active and a.user.email), None)
    email = account.user.email if account else carer.email
    return Contact(name=carer.full_name, who=", ".join(facts), phone=carer.phone, email=email)


def workspace_contacts(user: Any, cases: Iterable[Case]) -> list[dict[str, Any]]:
    """Who to call about each case the user may see the plan of: the family as held (carers, and
    the young person where they have an account), the team around the child and the referrer,
    each practitioner as the user may see them beside the child."""
    practitioner = getattr(user, "practitioner", None)
    cases = list(cases)
    may_see = children_for(user, Action.VIEW_PLAN).filter(pk__in={case.child_id for case in cases})
    team = TacMember.objects.filter(left_on__isnull=True).select_related("practitioner__user", "practitioner__agency")
    carers = ChildCarer.objects.select_related("carer", "child").prefetch_related("carer__accounts__user")
    held = (
        Case.objects.filter(pk__in=[case.pk for case in cases], child__in=may_see)
        .select_related("child", "referral__referrer__user", "referral__referrer__agency")
        .prefetch_related(
            Prefetch("tac_members", queryset=team),
            Prefetch("child__carer_links", queryset=carers.order_by("-parental_responsibility", "-lives_with", "pk")),
            Prefetch("child__addresses", queryset=Address.objects.filter(moved_out__isnull=True)),
            "child__accounts__user",
        )
        .order_by(F("child__surname").asc(nulls_last=True), F("child__forenames").asc(nulls_last=True))
    )
    shield = shield_for(user, [case.child_id for case in held])
    rows = []
    for case in held:
        child = case.child
        family = [_carer_contact(link) for link in child.carer_links.all()]
        family += [
            Contact(name=child.full_name, who="The young person", email=account.user.email)
            for account in child.accounts.all()
            if account.user.is_active
        ]
        team_around = [
            _practitioner_contact(shield.practitioner(member.practitioner, child.pk), "team around the child")
            for member in case.tac_members.all()
            if member.practitioner != practitioner
        ]
        referrer = case.referral.referrer if case.referral else None
        referrer = None if referrer == practitioner else referrer
        why_referrer = f"referred {child.first_name}"
        address = next(iter(child.addresses.all()), None)
        rows.append(
            {
                "case": case,
                "address": str(address) if address else "",
                "family": family,
                "team": team_around,
                "referrer": _practitioner_contact(shield.practitioner(referrer, child.pk), why_referrer)
                if referrer
                else None,
            }
        )
    return rows


def caseloads_by_team(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The caseloads rows added up per team: lead professionals, open cases, the average caseload
    and what is late. Teams are told apart by their row, not their name."""
    figures = ("cases", "reviews_late", "actions", "actions_late")
    teams: dict[int | None, dict[str, Any]] = {}
    for row in rows:
        total = teams.setdefault(row["lead"].team_id, {"team": row["team"], "leads": 0} | dict.fromkeys(figures, 0))
        total["leads"] += 1
        for figure in figures:
            total[figure] += row[figure]
    for total in teams.values():
        total["average_cases"] = round(total["cases"] / total["leads"], 1)
    return sorted(teams.values(), key=lambda total: total["team"])


# What the evidence room reads of casework: every referral, case, assessment, team and review as
# plain rows, the child being the one it was merged into where the index merged it.
def _current(path: str = "child") -> Coalesce:
    return Coalesce(f"{path}__merged_into_id", f"{path}_id")


def referral_rows() -> QuerySet:
    return Referral.objects.annotate(current_child_id=_current()).values(
        "id",
        "current_child_id",
        "locality_id",
        "route",
        "level_of_need",
        "submitted_at",
        "decided_at",
        "decision",
        "consent_id",
        "sharing_without_consent_id",
        "assessment_id",
    )


def case_rows() -> QuerySet:
    first_tac = TacMeeting.objects.filter(case=OuterRef("pk")).order_by("held_on").values("held_on")[:1]
    agencies = (
        TacMember.objects.filter(case=OuterRef("pk"))
        .values("case")
        .annotate(n=Count("agency", distinct=True))
        .values("n")
    )
    first_assessment = Assessment.objects.filter(case=OuterRef("pk")).order_by("started_at")
    return Case.objects.annotate(
        current_child_id=_current(),
        needs_in_plan=Count("outcomes", distinct=True),
        first_tac_on=Subquery(first_tac),
        tac_agencies=Coalesce(Subquery(agencies), 0),
        assessment_started_at=Coalesce(
            Subquery(first_assessment.values("started_at")[:1]), F("referral__assessment__started_at")
        ),
        assessment_completed_at=Coalesce(
            Subquery(first_assessment.values("completed_at")[:1]), F("referral__assessment__completed_at")
        ),
    ).values(
        "id",
        "current_child_id",
        "referral_id",
        "referral__submitted_at",
        "referral__decided_at",
        "referral__locality_id",
        "referral__level_of_need",
        "lead_professional_id",
        "lead_professional__agency_id",
        "needs_in_plan",
        "opened_on",
        "closed_on",
        "closure_reason",
        "first_tac_on",
        "tac_agencies",
        "assessment_started_at",
        "assessment_completed_at",
        # Named so that it does not end in _at like the moments: it is the level needs were met at.
        needs_met_level=F("needs_met_at"),
    )


def review_rows() -> QuerySet:
    return Review.objects.annotate(current_child_id=_current("case__child")).values(
        "id", "case_id", "current_child_id", "held_on", "sdq_total", "what_changed", "wellbeing"
    )


# What casework's returns to partners read (evidence.returns shapes them): each early help
# assessment, episode and SDQ score with the child's identifiers, as plain rows.
def assessment_return_rows() -> QuerySet:
    return Assessment.objects.annotate(current_child_id=_current()).values(
        "id",
        "current_child_id",
        "child__la_child_id",
        "child__sex",
        "child__ethnicity",
        "child__date_of_birth",
        "started_at",
        "completed_at",
        "assessor__agency__name",
    )


def episode_return_rows() -> QuerySet:
    return Case.objects.annotate(current_child_id=_current()).values(
        "id",
        "current_child_id",
        "child__la_child_id",
        "opened_on",
        "closed_on",
        "closure_reason",
        "referral__concern",
        "lead_professional_id",
        "lead_professional__agency__name",
    )


def sdq_return_rows() -> QuerySet:
    """SDQ totals from parents and carers (or not said): the SSD's score is the carer's form."""
    return (
        Review.objects.filter(sdq_total__isnull=False)
        .filter(Q(sdq_informant="parent") | Q(sdq_informant=""))
        .annotate(current_child_id=_current("case__child"))
        .values("id", "current_child_id", "case__child__la_child_id", "held_on", "sdq_total")
    )

"""The one access policy: may this user do this to this child's information, and why.

Need to know comes from current Involvement rows (what each kind grants is the GRANTS table) and,
for service managers, from management lines over the teams and localities of the practitioners
involved: a manager may do what the worker they manage may do, and see who has looked. Analysts and
directors see aggregates only. Later rooms extend the policy with rows and GRANTS entries, not
with new branches here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Case, Exists, Model, OuterRef, Q, QuerySet, When
from django.http import Http404
from django.utils import timezone

from joinedup.agencies.models import Service
from joinedup.audit import services as audit
from joinedup.people.models import Child, Practitioner, Role

from .models import Consent, Involvement, InvolvementKind, SharingWithoutConsent


class Action(StrEnum):
    SEARCH_CHILDREN = "search_children"
    VIEW_CHILD = "view_child"
    CHANGE_CHILD = "change_child"
    VIEW_SENSITIVE_INVOLVEMENT = "view_sensitive_involvement"
    VIEW_CHILD_AUDIT = "view_child_audit"
    VIEW_AGGREGATES = "view_aggregates"
    MANAGE_ACCOUNTS = "manage_accounts"
    VIEW_SELFEVAL_REPORTS = "view_selfeval_reports"
    CODE_ANSWERS = "code_answers"
    MANAGE_ROUNDS = "manage_rounds"
    REVIEW_INDEX_LINKS = "review_index_links"
    CONFIRM_WITHDRAWAL = "confirm_withdrawal"
    # Integrated casework (joinedup.casework)
    REFER = "refer"
    MANAGE_PANELS = "manage_panels"
    VIEW_CASELOADS = "view_caseloads"
    VIEW_REFERRAL_FEEDBACK = "view_referral_feedback"
    VIEW_REFERRAL = "view_referral"
    DECIDE_REFERRAL = "decide_referral"
    VIEW_CONSENT = "view_consent"
    RECORD_CONSENT = "record_consent"
    SHARE_WITHOUT_CONSENT = "share_without_consent"
    VIEW_PLAN = "view_plan"
    CHANGE_PLAN = "change_plan"
    VIEW_ASSESSMENT = "view_assessment"
    CHANGE_ASSESSMENT = "change_assessment"
    # Evidence of impact (joinedup.evidence)
    VIEW_EVIDENCE = "view_evidence"
    VIEW_IMPACT_MODEL = "view_impact_model"
    SEE_SMALL_COUNTS = "see_small_counts"
    MANAGE_COHORTS = "manage_cohorts"
    MAKE_RESEARCH_EXTRACT = "make_research_extract"
    MAKE_RETURNS = "make_returns"
    # Background jobs (joinedup.jobs)
    RUN_JOBS = "run_jobs"
    IMPORT_EXTRACT = "import_extract"
    LINK_INDEX = "link_index"
    BUILD_MEASURES = "build_measures"


ROLE_SENTENCES = {
    Role.PRACTITIONER: "Sees and updates the records of children they currently work with.",
    Role.PANEL_CHAIR: "Chairs a multi-agency allocation panel and records its decisions; sees children they "
    "work with and those on their panel's agenda; sets up panels and their members.",
    Role.SERVICE_MANAGER: "Sees children worked with by the teams and localities they manage, "
    "and who has looked at those children's records, and the impact model of their area.",
    Role.PERFORMANCE_ANALYST: "Sees figures about groups of children and the evidence of impact, builds cohorts "
    "and makes de-identified extracts for research partners; never an individual child's record.",
    Role.DIRECTOR: "Sees figures about groups of children across the authority and its impact model, never an "
    "individual child's record.",
    Role.ADMINISTRATOR: "Manages accounts and reference data, answers audit requests and, as index "
    "administrator, decides whether two uncertain records are one child; does not see children's case records.",
    Role.RESEARCHER: "Runs self-evaluation rounds for the research consortium, codes open answers and "
    "sees every participating authority's results and evidence of impact, small counts suppressed; never sees "
    "a child's record.",
}

# What a current involvement of each kind lets the involved practitioner do.
GRANTS: dict[str, frozenset[Action]] = {
    InvolvementKind.ALLOCATED_WORKER: frozenset(
        {
            Action.VIEW_CHILD,
            Action.CHANGE_CHILD,
            Action.VIEW_REFERRAL,
            Action.VIEW_CONSENT,
            Action.RECORD_CONSENT,
            Action.SHARE_WITHOUT_CONSENT,
        }
    ),
    InvolvementKind.AGENCY_RECORD: frozenset({Action.VIEW_CHILD}),
    # A referrer hears what was decided and why, and nothing more of the case (001 §6).
    InvolvementKind.REFERRER: frozenset({Action.VIEW_REFERRAL_FEEDBACK}),
    # A practitioner assessing a child with the family before any case: the child, the consent they
    # work under, and the child's early help assessments, never a plan. Casework lets only the
    # assessor change a draft made outside a case, and shows them the child's earlier assessments
    # only as far as consent shares them (as the prefill does). It ends when the panel decides on
    # the referral the assessment went with, or when a case opens for the child: the lead
    # professional leads from then, and the assessor hears the outcome as referrer. An assessment
    # never sent lapses: casework ends the involvement JOINEDUP_ASSESSOR_ACCESS_DAYS after the
    # assessor last saved it (services.assessment).
    InvolvementKind.ASSESSOR: frozenset(
        {
            Action.VIEW_CHILD,
            Action.VIEW_CONSENT,
            Action.RECORD_CONSENT,
            Action.VIEW_ASSESSMENT,
            Action.CHANGE_ASSESSMENT,
        }
    ),
    # Panel members see the children on their meeting's agenda (a referral to decide, or a case to
    # review) until the decision is made or the review meeting has passed, with the assessment that
    # came with a referral as far as consent shares it.
    InvolvementKind.PANEL_MEMBER: frozenset(
        {Action.VIEW_CHILD, Action.VIEW_REFERRAL, Action.VIEW_CONSENT, Action.VIEW_PLAN, Action.VIEW_ASSESSMENT}
    ),
    # The chair records the decision the members reach together.
    InvolvementKind.PANEL_CHAIR: frozenset(
        {
            Action.VIEW_CHILD,
            Action.VIEW_REFERRAL,
            Action.VIEW_CONSENT,
            Action.VIEW_PLAN,
            Action.VIEW_ASSESSMENT,
            Action.DECIDE_REFERRAL,
        }
    ),
    InvolvementKind.LEAD_PROFESSIONAL: frozenset(
        {
            Action.VIEW_CHILD,
            Action.CHANGE_CHILD,
            Action.VIEW_REFERRAL,
            Action.VIEW_CONSENT,
            Action.RECORD_CONSENT,
            Action.SHARE_WITHOUT_CONSENT,
            Action.VIEW_PLAN,
            Action.CHANGE_PLAN,
            Action.VIEW_ASSESSMENT,
            Action.CHANGE_ASSESSMENT,
        }
    ),
    # The team around the child reads the plan, and the assessment as far as consent shares it.
    InvolvementKind.TAC_MEMBER: frozenset(
        {Action.VIEW_CHILD, Action.VIEW_CONSENT, Action.VIEW_PLAN, Action.VIEW_ASSESSMENT}
    ),
}
# Multi-agency involvements count only while the family's consent, or a lawful reason, shares
# with the practitioner's agency. The agency's own work with the child (an allocated worker, a
# record it holds), the lead professional the family chose and the referrer's feedback do not
# depend on it; an assessor works under the family's consent to assess.
SHARED_KINDS = frozenset({InvolvementKind.TAC_MEMBER, InvolvementKind.PANEL_MEMBER, InvolvementKind.PANEL_CHAIR})
ASSESSING_KINDS = frozenset({InvolvementKind.ASSESSOR})
# Who holds management lines, and what a line adds to the managed worker's own grants.
MANAGING_ROLES = frozenset({Role.SERVICE_MANAGER})
MANAGEMENT_OVERSIGHT = frozenset({Action.VIEW_CHILD_AUDIT})
# Roles that may see individual children at all, when need to know allows.
CASEWORK_ROLES = frozenset({Role.PRACTITIONER, Role.PANEL_CHAIR, Role.SERVICE_MANAGER})
# Actions that need no particular child: who may take them, by role.
ROLE_ACTIONS: dict[Action, frozenset[str]] = {
    Action.SEARCH_CHILDREN: frozenset({Role.PRACTITIONER, Role.PANEL_CHAIR, Role.SERVICE_MANAGER}),
    Action.VIEW_AGGREGATES: frozenset({Role.PERFORMANCE_ANALYST, Role.DIRECTOR, Role.SERVICE_MANAGER}),
    Action.MANAGE_ACCOUNTS: frozenset({Role.ADMINISTRATOR}),
    # The index administrator compares identifying details only, never case records.
    Action.REVIEW_INDEX_LINKS: frozenset({Role.ADMINISTRATOR}),
    # The index administrator confirms an import held for the records it would withdraw, and can
    # undo a withdrawal.
    Action.CONFIRM_WITHDRAWAL: frozenset({Role.ADMINISTRATOR}),
    # Self-evaluation (joinedup.selfeval): answers are anonymous and about services, not children.
    # Authority staff see their own authority's results; which authorities is selfeval's to scope.
    Action.VIEW_SELFEVAL_REPORTS: frozenset(
        {Role.DIRECTOR, Role.SERVICE_MANAGER, Role.PERFORMANCE_ANALYST, Role.RESEARCHER}
    ),
    Action.CODE_ANSWERS: frozenset({Role.RESEARCHER, Role.PERFORMANCE_ANALYST}),
    Action.MANAGE_ROUNDS: frozenset({Role.RESEARCHER}),
    # Integrated casework: any practitioner may refer a child they have found; chairs and managers
    # set up panel meetings.
    Action.REFER: frozenset({Role.PRACTITIONER, Role.PANEL_CHAIR, Role.SERVICE_MANAGER}),
    Action.MANAGE_PANELS: frozenset({Role.PANEL_CHAIR, Role.SERVICE_MANAGER}),
    # Caseload and workload figures name practitioners and count cases, never children.
    Action.VIEW_CASELOADS: frozenset({Role.PANEL_CHAIR, Role.SERVICE_MANAGER}),
    # Evidence of impact: analysts and the research lead get every evidence page and build
    # cohorts; the director and service managers see the impact model of their area. Only the
    # authority's own analysts see counts under ten: everyone else, and every export that leaves,
    # gets them suppressed. Only analysts make de-identified extracts for research partners.
    Action.VIEW_EVIDENCE: frozenset({Role.PERFORMANCE_ANALYST, Role.RESEARCHER}),
    Action.VIEW_IMPACT_MODEL: frozenset(
        {Role.PERFORMANCE_ANALYST, Role.RESEARCHER, Role.DIRECTOR, Role.SERVICE_MANAGER}
    ),
    Action.SEE_SMALL_COUNTS: frozenset({Role.PERFORMANCE_ANALYST}),
    Action.MANAGE_COHORTS: frozenset({Role.PERFORMANCE_ANALYST, Role.RESEARCHER}),
    Action.MAKE_RESEARCH_EXTRACT: frozenset({Role.PERFORMANCE_ANALYST}),
    # Returns name children (Ofsted's Annex A, the Standard Safeguarding Dataset): analysts make them.
    Action.MAKE_RETURNS: frozenset({Role.PERFORMANCE_ANALYST}),
    # Background jobs: the index administrator imports agencies' extracts in the browser (and sees
    # their rejects, which quote what the agency sent) and links the index; analysts and the
    # administrator rebuild the evidence measures. Whoever may start a job sees the jobs pages.
    Action.IMPORT_EXTRACT: frozenset({Role.ADMINISTRATOR}),
    Action.LINK_INDEX: frozenset({Role.ADMINISTRATOR}),
    Action.BUILD_MEASURES: frozenset({Role.ADMINISTRATOR, Role.PERFORMANCE_ANALYST}),
    Action.RUN_JOBS: frozenset({Role.ADMINISTRATOR, Role.PERFORMANCE_ANALYST}),
}
AGGREGATE_ONLY_ROLES = frozenset({Role.PERFORMANCE_ANALYST, Role.DIRECTOR, Role.RESEARCHER})
# Information governance: administrators answer audit and subject access requests.
ADMINISTRATOR_CHILD_ACTIONS = frozenset({Action.VIEW_CHILD_AUDIT})
# The verb written to the audit log when a protected read is allowed.
READ_VERBS = {
    Action.VIEW_CHILD: "viewed_child",
    Action.CHANGE_CHILD: "opened_child_for_change",
    Action.VIEW_CHILD_AUDIT: "viewed_child_audit",
    Action.VIEW_REFERRAL: "viewed_referral",
    Action.VIEW_REFERRAL_FEEDBACK: "viewed_referral_feedback",
    Action.DECIDE_REFERRAL: "opened_referral_for_decision",
    Action.VIEW_CONSENT: "viewed_consent",
    Action.RECORD_CONSENT: "opened_consent_for_change",
    Action.SHARE_WITHOUT_CONSENT: "opened_sharing_without_consent",
    Action.VIEW_PLAN: "viewed_plan",
    Action.CHANGE_PLAN: "opened_plan_for_change",
    Action.VIEW_ASSESSMENT: "viewed_assessment",
    Action.CHANGE_ASSESSMENT: "opened_assessment_for_change",
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    # The sensitive service whose involvement allowed it, so that the audit log can shield the
    # read from those who may not know the service is involved.
    sensitive_service_id: int | None = None

    def __bool__(self) -> bool:
        return self.allowed


def practitioner_of(user: Any) -> Practitioner | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return getattr(user, "practitioner", None)


def current_involvements(on: date | None = None):
    """Involvements open today (in the UK), of workers whose accounts are still active: a leaver's
    allocations give nobody a reason to see the child."""
    on = on or timezone.localdate()
    return Involvement.objects.filter(started__lte=on, practitioner__user__is_active=True).filter(
        Q(ended__isnull=True) | Q(ended__gte=on)
    )


def _sharing_in_force(on: date, agency: Any) -> tuple[QuerySet[Consent], QuerySet[SharingWithoutConsent]]:
    """The consent and the sharing without consent in force on `on` that share with `agency` (an id,
    or an OuterRef in a subquery): the one rule that says whether information may go to an agency."""
    return (
        Consent.objects.in_force(on).filter(Q(share_with_all_partners=True) | Q(shared_with=agency)),
        SharingWithoutConsent.objects.in_force(on).filter(agencies=agency),
    )


def _shared_as_agreed(on: date) -> Q:
    """Which involvements the family's consent (or a lawful reason) lets count: a multi-agency
    involvement only while sharing with the practitioner's agency is in force, an assessor's only
    while consent to assess is (001 §6: sharing follows consent, and withdrawal stops it at once)."""
    child = OuterRef("child_id")
    consents, lawful = _sharing_in_force(on, OuterRef("practitioner__agency_id"))
    shared = Exists(consents.filter(child_id=child)) | Exists(lawful.filter(child_id=child))
    to_assess = Exists(Consent.objects.in_force(on).filter(child_id=child, to_assess=True))
    return (
        (Q(kind__in=SHARED_KINDS) & shared)
        | (Q(kind__in=ASSESSING_KINDS) & to_assess)
        | ~Q(kind__in=SHARED_KINDS | ASSESSING_KINDS)
    )


def sharing_basis(*, child_id: int, agency_id: int | None, on: date | None = None) -> str | None:
    """Why information about this child may go to this agency, in words, or None when it may not."""
    consents, lawful = _sharing_in_force(on or timezone.localdate(), agency_id)
    consent = consents.filter(child_id=child_id).first()
    if consent is not None:
        until = f" until {consent.until:%-d %B %Y}" if consent.until else ""
        return f"{consent.given_by_name} gave consent on {consent.given_on:%-d %B %Y}{until}"
    sharing = lawful.filter(child_id=child_id).first()
    if sharing is not None:
        return f"Shared without consent until {sharing.until:%-d %B %Y}: {sharing.lawful_reason}"
    return None


def children_shared_with(*, agency_id: int | None, child_ids: Iterable[int], on: date | None = None) -> set[int]:
    """Which of these children's information may go to this agency: sharing_basis's rule for a
    page of children at once, in two queries."""
    child_ids = list(child_ids)
    consents, lawful = _sharing_in_force(on or timezone.localdate(), agency_id)
    return set(consents.filter(child_id__in=child_ids).values_list("child_id", flat=True)) | set(
        lawful.filter(child_id__in=child_ids).values_list("child_id", flat=True)
    )


def managed_by(manager: Practitioner, via: str = "practitioner__") -> Q:
    """Rows of the workers in the teams and localities `manager` manages (`via` leads from the rows
    to the practitioner: "practitioner__" for involvements, "" for practitioners themselves)."""
    return Q(**{f"{via}team__in": manager.manages_teams.all()}) | Q(
        **{f"{via}team__locality__in": manager.manages_localities.all()}
    )


def grounds(user: Any, action: Action, on: date | None = None) -> QuerySet[Involvement]:
    """The involvements that give `user` a reason to take `action` on their children: their own of
    a kind that grants it and, for service managers, those of the workers they manage. Each counts
    only as far as the family agreed to share with the agency involved. Every decision about a
    child, and every list of children, is read from this one query."""
    practitioner = practitioner_of(user)
    if practitioner is None or practitioner.role not in CASEWORK_ROLES:
        return Involvement.objects.none()
    return _grounds_for_any(practitioner, frozenset({action}), on or timezone.localdate())


def _grounds_for_any(practitioner: Practitioner, actions: frozenset[Action], on: date) -> QuerySet[Involvement]:
    """grounds() for any of `actions`: which action each row grants is `_grants`'s to say."""
    kinds = [kind for kind, granted in GRANTS.items() if granted & actions]
    reasons = Q(practitioner=practitioner, kind__in=kinds)
    if practitioner.role in MANAGING_ROLES:
        managed = managed_by(practitioner)
        if not actions & MANAGEMENT_OVERSIGHT:
            managed &= Q(kind__in=kinds)
        reasons |= managed & ~Q(practitioner=practitioner)
    return current_involvements(on).filter(reasons).filter(_shared_as_agreed(on))


def _grants(practitioner: Practitioner, action: Action, kind: str, worker_id: int) -> bool:
    """Whether an involvement among _grounds_for_any's is a reason for `action`: by its kind, or for
    a manager's oversight, by being a managed worker's (only managers' grounds hold those)."""
    return action in GRANTS.get(kind, frozenset()) or (worker_id != practitioner.pk and action in MANAGEMENT_OVERSIGHT)


def children_for(user: Any, action: Action = Action.VIEW_CHILD) -> QuerySet[Child]:
    """Exactly the children `user` may take `action` on, in one query: what every page that lists
    or counts children starts from."""
    return Child.objects.filter(Exists(grounds(user, action).filter(child_id=OuterRef("pk"))))


def decide(user: Any, action: Action, target: Any = None) -> Decision:
    """Whether `user` may take `action` on `target` (a child, an object with a child, an
    involvement, or nothing for actions about no particular child), with the reason in words."""
    practitioner = practitioner_of(user)
    if practitioner is None:
        return Decision(False, "Only signed-in staff with a practitioner profile may use joinedup")
    if action in ROLE_ACTIONS:
        allowed = practitioner.role in ROLE_ACTIONS[action]
        role = practitioner.get_role_display()
        return Decision(
            allowed, f"Your role ({role}) {'allows' if allowed else 'does not allow'} you to {action.replace('_', ' ')}"
        )
    if action == Action.VIEW_SENSITIVE_INVOLVEMENT:
        return _decide_sensitive_involvement(user, practitioner, target)
    return _decide_for_child(user, practitioner, action, _child_id_of(target))


def _child_id_of(target: Any) -> int:
    if isinstance(target, Child):
        return target.pk
    child_id = getattr(target, "child_id", None)
    if child_id is None:
        raise TypeError(f"Cannot tell which child {target!r} is about")
    return child_id


def _decide_for_child(user: Any, practitioner: Practitioner, action: Action, child_id: int) -> Decision:
    if practitioner.role in AGGREGATE_ONLY_ROLES:
        return Decision(
            False,
            f"Your role ({practitioner.get_role_display()}) sees aggregate figures only, "
            "never an individual child's record",
        )
    if practitioner.role == Role.ADMINISTRATOR:
        if action in ADMINISTRATOR_CHILD_ACTIONS:
            return Decision(True, "Administrator answering an information governance request")
        return Decision(False, "Administrators do not see children's records")
    ground = (
        grounds(user, action)
        .filter(child_id=child_id)
        .select_related("practitioner__team__service", "service")
        # One's own involvement is the reason before a managed worker's.
        .annotate(own=Case(When(practitioner=practitioner, then=0), default=1))
        .order_by("own", "started", "pk")
        .first()
    )
    if ground is None:
        return Decision(False, "You have no current involvement with this child and do not manage anyone who has")
    # The reason goes into the audit log that others read, so it never names a sensitive service
    # or its team (whose name says the service).
    sensitive = ground.sensitive_service_id
    if ground.practitioner_id == practitioner.pk:
        service = f" in {ground.service.name}" if ground.service and sensitive is None else ""
        reason = f"You are {ground.get_kind_display().lower()}{service} since {ground.started:%-d %B %Y}"
    else:
        team = ground.practitioner.team
        worker = ground.practitioner.name
        line = "" if practitioner.manages_teams.filter(pk=team.pk).exists() else "the locality of "
        if sensitive:
            reason = f"You manage {line}the team of {worker}, who is involved"
        else:
            reason = f"You manage {line}{team.name}, whose member {worker} is involved"
    return Decision(True, reason, sensitive)


def sensitive_services_seen_by(user: Any, child_ids: Iterable[int]) -> dict[int, frozenset[int]]:
    """For each child, the sensitive services whose involvement `user` may see: their own service,
    services they are involved in with the child, and, for a manager, those of the workers they
    manage. Every other sensitive service is shielded wherever it could be named (service, team, job
    title, agency, audit reason). Administrators answer information governance requests and see all."""
    child_ids = list(child_ids)
    practitioner = practitioner_of(user)
    if practitioner is None or practitioner.role not in CASEWORK_ROLES | {Role.ADMINISTRATOR}:
        return {child_id: frozenset() for child_id in child_ids}
    if practitioner.role == Role.ADMINISTRATOR:
        every = frozenset(Service.objects.filter(sensitive=True).values_list("pk", flat=True))
        return {child_id: every for child_id in child_ids}
    own_service = {practitioner.team.service_id} if practitioner.team and practitioner.team.service_id else set()
    seen = {child_id: set(own_service) for child_id in child_ids}
    involved = Q(practitioner=practitioner)
    if practitioner.role in MANAGING_ROLES:
        involved |= managed_by(practitioner)
    for child_id, service_id in (
        current_involvements()
        .filter(involved, child_id__in=child_ids, service__sensitive=True)
        .values_list("child_id", "service_id")
    ):
        seen[child_id].add(service_id)
    return {child_id: frozenset(services) for child_id, services in seen.items()}


def _decide_sensitive_involvement(user: Any, practitioner: Practitioner, involvement: Involvement) -> Decision:
    """A shielded service's involvement is visible only to that service's own casework staff, the
    practitioners involved through it and their line managers."""
    sensitive = involvement.sensitive_service_id
    if sensitive is None:
        return _decide_for_child(user, practitioner, Action.VIEW_CHILD, involvement.child_id)
    if sensitive in sensitive_services_seen_by(user, [involvement.child_id])[involvement.child_id]:
        return Decision(True, "You work in or manage the sensitive service this involvement belongs to")
    return Decision(False, "A sensitive service's involvement is shown only to that service")


def get_or_404(user: Any, action: Action, model: type[Model], **lookup: Any) -> Model:
    """Fetch, decide and audit one protected row. Absent and not allowed look the same (404),
    so a refusal does not confirm that a child is known."""
    try:
        obj = model._default_manager.filter(**lookup).first()
    except (ValueError, TypeError, ValidationError):
        obj = None  # an id that cannot be one (e.g. "abc") is as absent as a missing one
    if obj is None:
        raise Http404("Not found")
    decision = decide(user, action, obj)
    child_id = _child_id_of(obj)
    if not decision:
        audit.record(actor=user, verb=f"refused_{action}", child_id=child_id, target=obj, legal_basis=decision.reason)
        raise Http404("Not found")
    audit.record(
        actor=user,
        verb=READ_VERBS.get(action, str(action)),
        child_id=child_id,
        target=obj,
        legal_basis=decision.reason,
        detail={"sensitive_service_id": decision.sensitive_service_id} if decision.sensitive_service_id else None,
    )
    return obj


def capabilities(user: Any, child: Child) -> dict[str, bool]:
    """Booleans for templates, which never check roles themselves: what decide() says of each
    action, read in one query rather than one per action (the child page asks on every view)."""
    allowed = _allowed_on_child(user, frozenset({Action.CHANGE_CHILD, Action.VIEW_CHILD_AUDIT}), child.pk)
    return {
        "change_child": Action.CHANGE_CHILD in allowed,
        "view_child_audit": Action.VIEW_CHILD_AUDIT in allowed,
    }


def _allowed_on_child(user: Any, actions: frozenset[Action], child_id: int) -> frozenset[Action]:
    """Which of `actions` on one child decide() allows, by the same rules as _decide_for_child."""
    practitioner = practitioner_of(user)
    if practitioner is None or practitioner.role in AGGREGATE_ONLY_ROLES:
        return frozenset()
    if practitioner.role == Role.ADMINISTRATOR:
        return actions & ADMINISTRATOR_CHILD_ACTIONS
    if practitioner.role not in CASEWORK_ROLES:
        return frozenset()
    found = (
        _grounds_for_any(practitioner, actions, timezone.localdate())
        .filter(child_id=child_id)
        .values_list("kind", "practitioner_id")
        .distinct()
    )
    return frozenset(
        action for action in actions if any(_grants(practitioner, action, kind, worker) for kind, worker in found)
    )

"""The early help assessment (CAF): short by design, prefilled from what is known, saved as a
draft, and shared only as far as consent allows (002 ch. 5). It belongs to the child: the
practitioner who first sees a need (a teacher, a health visitor) may assess with the family before
any case exists and send it to the allocation panel with the request for help (001 §6: "an agenda
built from new referrals and assessments"); inside a case the lead professional assesses.

Access follows the policy's assessment actions (VIEW_ASSESSMENT, CHANGE_ASSESSMENT), not the
plan's. The practitioner assessing before a case is involved as its assessor for
JOINEDUP_ASSESSOR_ACCESS_DAYS (90 by default) from their last save, renewed by every save: an
assessment never sent to the panel does not keep the child open to them for ever. Once sent, the
involvement lasts until the panel decides (or the referral is withdrawn, which starts the period
again). A lapsed assessor who meets the family again starts again from the child's page, with the
family's consent, and carries on their own draft. A draft whose assessor can no longer carry it on
(their access lapsed, or they left) passes to the next practitioner who starts with the family."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from joinedup.access.models import Consent, Involvement, InvolvementKind
from joinedup.access.policy import Action, current_involvements, decide
from joinedup.audit import queries as audit_queries
from joinedup.audit import services as audit
from joinedup.casework import queries
from joinedup.casework.errors import NotAllowed, RuleBroken
from joinedup.casework.models import Assessment, AssessmentElement, Case
from joinedup.casework.notifications import notify
from joinedup.common import instruments
from joinedup.index.involved import records_as_seen_by
from joinedup.index.key_groups import key_groups
from joinedup.people.models import Child, Practitioner

from ._common import _involve, _require, _require_open
from .consent import ConsentGiven, _write_consent
from .plans import ChangedMeanwhile, changes_since, next_version


def _prefill(child: Child, user: Any) -> tuple[dict[str, tuple[str, str]], str, str]:
    """What is already known, so the family does not tell their story again: the last completed
    assessment of the child that is shared with the assessor, then what the index's linked records
    say."""
    completed = Assessment.objects.filter(child=child, completed_at__isnull=False).select_related("case")
    earlier = next(
        (
            assessment
            for assessment in completed.order_by("-completed_at").prefetch_related("elements")
            if queries.assessment_shared_with(assessment, user)
        ),
        None,
    )
    elements = {e.code: (e.strengths, e.needs) for e in earlier.elements.all()} if earlier else {}
    groups = key_groups(child.pk)
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
            for line in records_as_seen_by(user, child)
            if not line.shielded and line.agency
        }
    )
    if known_to:
        strengths, needs = elements.get("community", ("", ""))
        elements["community"] = ("\n".join([strengths, "Known to: " + ", ".join(known_to)]).strip(), needs)
    return elements, earlier.child_views if earlier else "", earlier.parents_views if earlier else ""


def current_draft(child: Child) -> Assessment | None:
    """The child's assessment under way: one started before any case, or one in the child's open
    case. Drafts left in closed cases are history, not work in progress."""
    return (
        Assessment.objects.filter(child=child, completed_at__isnull=True)
        .filter(Q(case__isnull=True) | Q(case__closed_on__isnull=True))
        .select_related("assessor")
        .first()
    )


def why_not_before_a_case(child: Child) -> str | None:
    """What to do instead when a child may not be assessed outside a case: with an open case, the
    lead professional assesses with the team around the child."""
    if Case.objects.filter(child=child, closed_on__isnull=True).exists():
        return (
            f"{child.full_name} already has an open early help case: its lead professional carries out the "
            "assessment with the team around the child. If you have a new concern, refer the child instead"
        )
    return None


@transaction.atomic
def start_assessment(
    *, assessor: Any, case: Case | None = None, child: Child | None = None, consent: ConsentGiven | None = None
) -> Assessment:
    """Start, or carry on with, the child's assessment, prefilled from what is known.

    Inside a case, those who lead the case (who may change its plan) start it. Before any case, any
    practitioner who has found the child may, with the family's consent to assess (given now, or a
    current consent), and is involved as its assessor. A child has one assessment under way at a
    time, whoever started it, not one per assessor: the CAF is one shared assessment, meant to end
    the duplication of assessments (002 ch. 5), and two running side by side would have the family
    tell their story twice. A second practitioner is asked to find out from the family who is
    assessing. An assessor whose access lapsed takes up their own draft again the same way, with
    the family's consent; if they left, or another practitioner meets the family first, the draft
    passes to that practitioner rather than blocking every other for ever."""
    if (case is None) == (child is None):
        raise TypeError("Start an assessment for a case or for a child, not both")
    if case is not None:
        _require(assessor, Action.CHANGE_ASSESSMENT, case)
        _require_leader(assessor, case)
        _require_open(case)
        child = case.child
    else:
        _require(assessor, Action.REFER)
        if refusal := why_not_before_a_case(child):
            raise RuleBroken(refusal)
    practitioner = assessor.practitioner
    draft = current_draft(child)
    taking_over = case is None and draft is not None and passes_on(draft, to=practitioner)
    if draft is not None and not taking_over:
        if draft.case_id != (case.pk if case else None) or (case is None and draft.assessor_id != practitioner.pk):
            raise _assessed_by_another(child)
        if case is not None or _assessing(child=child, practitioner=practitioner).exists():
            return draft
    if consent is not None:
        consent_row = _write_consent(child=child, consent=replace(consent, to_assess=True), recorded_by=assessor)
    else:
        consent_row = queries.current_consents(child).filter(to_assess=True).first()
        if consent_row is None:
            raise RuleBroken("Record the family's consent to an assessment before you start one")
    if taking_over:
        return _take_over(draft=draft, assessor=assessor)
    if case is None:
        _keep_assessing(child=child, practitioner=practitioner)
    if draft is not None:
        audit.record(
            actor=assessor,
            verb="took_up_assessment_again",
            child_id=child.pk,
            target=draft,
            legal_basis="Consent to assess",
        )
        return draft
    elements, child_views, parents_views = _prefill(child, assessor)
    assessment = Assessment.objects.create(
        child=child,
        case=case,
        consent=consent_row,
        assessor=practitioner,
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
        child_id=child.pk,
        target=assessment,
        legal_basis="Consent to assess",
        detail={"before_a_case": case is None},
    )
    return assessment


def _assessed_by_another(child: Child) -> RuleBroken:
    return RuleBroken(
        f"Another practitioner has already started an early help assessment of {child.full_name}. "
        "Ask the family who, so that they tell their story only once"
    )


def passes_on(draft: Assessment, *, to: Practitioner) -> bool:
    """Whether a draft made before a case passes to this practitioner when they start with the
    family: its assessor can no longer carry it on, because their access lapsed unsent or they left
    (a leaver's involvements give no access). A draft its assessor may still change stays theirs."""
    return draft.case_id is None and draft.assessor_id != to.pk and not may_change(draft.assessor.user, draft)


def _take_over(*, draft: Assessment, assessor: Any) -> Assessment:
    """The new assessor carries on the earlier draft with the family, so they tell their story once.

    The time to complete counts from now: the model measures it from `started_at`, and a draft
    passes on only after lying untouched for at least JOINEDUP_ASSESSOR_ACCESS_DAYS, which would
    make the figure practitioners' complaints were about measure the lapse, not the assessing. So
    `started_at` and `sittings` restart with the new assessor, and the earlier draft's start and
    saves are kept in the audit event (no migration needed for a second start date)."""
    previous = draft.assessor
    practitioner = assessor.practitioner
    now = timezone.now()
    # Only if nobody took it over in the meantime: two practitioners may meet the family the same week.
    taken = Assessment.objects.filter(pk=draft.pk, assessor=previous, completed_at__isnull=True).update(
        assessor=practitioner, started_at=now, sittings=1
    )
    if not taken:
        raise _assessed_by_another(draft.child)
    earlier_start, earlier_sittings = draft.started_at, draft.sittings
    draft.assessor, draft.started_at, draft.sittings = practitioner, now, 1
    # A leaver's involvement may not have lapsed yet: end it, so an account switched back on later
    # does not reopen the child to them.
    _end_assessing(child=draft.child, practitioners=[previous])
    _keep_assessing(child=draft.child, practitioner=practitioner)
    audit.record(
        actor=assessor,
        verb="took_over_assessment",
        child_id=draft.child_id,
        target=draft,
        legal_basis="Consent to assess",
        detail={
            "previous_assessor": previous.pk,
            "previous_assessor_left": not previous.user.is_active,
            "earlier_started_at": earlier_start.isoformat(),
            "earlier_sittings": earlier_sittings,
        },
    )
    if previous.user.is_active:
        notify(
            recipient=previous.user,
            subject="Another practitioner has taken over an assessment you started",
            body="Your access to an early help assessment you had not sent had lapsed. Another practitioner "
            "is now carrying on your draft with the family, so that they tell their story only once.",
            link=reverse("casework:notifications"),
        )
    return draft


def may_change(user: Any, assessment: Assessment) -> bool:
    """The policy says who may change a child's assessments; casework says which of them writes
    this one. Before a case, only the practitioner assessing with the family; inside a case, those
    who lead it (who may change its plan), not a former assessor, whose involvement lasts to the end
    of the day the panel carried their draft onto the case."""
    if not decide(user, Action.CHANGE_ASSESSMENT, assessment):
        return False
    if assessment.case_id is None:
        return getattr(user, "practitioner", None) == assessment.assessor
    return _leads(user, assessment.case)


def _leads(user: Any, case: Case) -> bool:
    return decide(user, Action.CHANGE_PLAN, case).allowed


def _require_leader(user: Any, case: Case) -> None:
    if not _leads(user, case):
        raise NotAllowed("Inside a case, those who lead it carry out the assessment")


def _require_writer(user: Any, assessment: Assessment) -> None:
    _require(user, Action.CHANGE_ASSESSMENT, assessment)
    if assessment.case_id is not None:
        _require_leader(user, assessment.case)
    elif not may_change(user, assessment):
        raise NotAllowed("Only its assessor changes an assessment made before a case")


# The assessor's involvement before a case: how long it lasts


def _assessing(*, child: Child, practitioner: Practitioner):
    return current_involvements().filter(child=child, practitioner=practitioner, kind=InvolvementKind.ASSESSOR)


def _lapses_on() -> date:
    return timezone.localdate() + timedelta(days=settings.JOINEDUP_ASSESSOR_ACCESS_DAYS)


def _keep_assessing(*, child: Child, practitioner: Practitioner) -> None:
    """Involve the practitioner as the child's assessor until JOINEDUP_ASSESSOR_ACCESS_DAYS from
    today, or renew the period of their current involvement. One that waits for the panel's
    decision (no end) keeps waiting."""
    current = _assessing(child=child, practitioner=practitioner)
    if current.exists():
        current.filter(ended__isnull=False).update(ended=_lapses_on())
    else:
        _involve(child=child, practitioner=practitioner, kind=InvolvementKind.ASSESSOR, until=_lapses_on())


def _await_the_panel(assessment: Assessment) -> None:
    """A sent assessment no longer lapses: its assessor is involved until the panel decides."""
    _assessing(child=assessment.child, practitioner=assessment.assessor).update(ended=None)


def _no_longer_awaiting_the_panel(assessment: Assessment) -> None:
    """A withdrawn referral leaves the assessment unsent: the period starts again today."""
    _assessing(child=assessment.child, practitioner=assessment.assessor).filter(ended__isnull=True).update(
        ended=_lapses_on()
    )


def _end_assessing(*, child: Child, practitioners: Iterable[Practitioner]) -> None:
    """End the assessors' involvements today, whether they waited for the panel or would lapse."""
    Involvement.objects.filter(
        Q(ended__isnull=True) | Q(ended__gt=timezone.localdate()),
        child=child,
        kind=InvolvementKind.ASSESSOR,
        practitioner__in=practitioners,
    ).update(ended=timezone.localdate())


# What each part of the assessment is called, in the message to a person whose form a save overtook.
VIEWS = {"child_views": "the child's views", "parents_views": "the parents' or carers' views"}


def _part(code: str) -> str:
    """'Health: needs' for an element's strengths or needs, as the form labels them."""
    if code in VIEWS:
        return VIEWS[code]
    element, _, side = code.rpartition(".")
    titles = {e.code: e.title for d in instruments.assessment_domains() for e in d.elements}
    return f"{titles.get(element, element)}: {side}"


def _describe(event) -> str:
    if event.verb == "completed_assessment":
        return "completed the assessment"
    parts = [_part(code) for code in event.detail.get("changed", [])]
    return f"saved {', '.join(parts)}" if parts else "saved the assessment"


def assessment_changed_since(assessment: Assessment, version: int) -> ChangedMeanwhile | None:
    """What changed in the assessment since the person opened it at `version` (None if nothing
    did), from the audit log: who saved which parts, and when."""
    current = Assessment.objects.values_list("version", flat=True).get(pk=assessment.pk)
    if current == version:
        return None
    events = audit_queries.events_for_child(assessment.child_id).filter(
        object_type="Assessment", object_id=str(assessment.pk), detail__version__gt=version
    )
    return ChangedMeanwhile(
        f"The assessment changed after you opened this page: {changes_since(events, _describe)}. What you "
        "typed is still below: compare it with the assessment, then save again to keep yours",
        version=current,
    )


def _next_assessment_version(assessment: Assessment, seen_version: int | None) -> int:
    version = next_version(Assessment, assessment.pk, "version", seen=seen_version)
    if version is None:
        raise assessment_changed_since(assessment, seen_version)
    return version


@transaction.atomic
def save_assessment(
    *,
    assessment: Assessment,
    saved_by: Any,
    elements: dict[str, tuple[str, str]] | None = None,
    child_views: str | None = None,
    parents_views: str | None = None,
    seen_version: int | None = None,
) -> Assessment:
    """Save a draft; it can be finished later. Saving a draft made before a case renews its
    assessor's access for JOINEDUP_ASSESSOR_ACCESS_DAYS. `seen_version` is the assessment's version
    when the person opened the form: a save by someone else since refuses theirs (ChangedMeanwhile),
    so neither overwrites the other unseen."""
    _require_writer(saved_by, assessment)
    version = _next_assessment_version(assessment, seen_version)
    if assessment.completed_at is not None:
        raise RuleBroken("A completed assessment cannot be changed; start a new one if things have changed")
    if assessment.case_id is None:
        _keep_assessing(child=assessment.child, practitioner=assessment.assessor)
    elements = elements or {}
    if unknown := set(elements) - instruments.element_codes():
        raise RuleBroken(f"Unknown assessment elements: {', '.join(sorted(unknown))}")
    held = {e.code: (e.strengths, e.needs) for e in assessment.elements.all()}
    changed = []
    for code, (strengths, needs) in elements.items():
        saved = (strengths.strip(), needs.strip())
        was = held.get(code, ("", ""))
        changed += [
            f"{code}.{side}" for side, new, old in zip(("strengths", "needs"), saved, was, strict=True) if new != old
        ]
        AssessmentElement.objects.update_or_create(
            assessment=assessment, code=code, defaults={"strengths": saved[0], "needs": saved[1]}
        )
    for field, text in (("child_views", child_views), ("parents_views", parents_views)):
        if text is not None and text.strip() != getattr(assessment, field):
            changed.append(field)
            setattr(assessment, field, text.strip())
    assessment.sittings += 1
    assessment.version = version
    assessment.save(update_fields=["child_views", "parents_views", "sittings"])
    audit.record(
        actor=saved_by,
        verb="saved_assessment",
        child_id=assessment.child_id,
        target=assessment,
        legal_basis="Plan",
        detail={"version": version, "changed": changed},
    )
    return assessment


@transaction.atomic
def complete_assessment(
    *, assessment: Assessment, completed_by: Any, level_of_need: str, seen_version: int | None = None
) -> Assessment:
    """Completion records the level of need and the time taken, and shares the assessment with
    the team around the child as far as consent allows. Made before a case, it waits for its
    assessor to send it to the allocation panel, within JOINEDUP_ASSESSOR_ACCESS_DAYS."""
    _require_writer(completed_by, assessment)
    version = _next_assessment_version(assessment, seen_version)
    if assessment.completed_at is not None:
        raise RuleBroken("This assessment is already complete")
    if assessment.case_id is None:
        _keep_assessing(child=assessment.child, practitioner=assessment.assessor)
    if not (assessment.child_views or assessment.parents_views):
        raise RuleBroken("Record the child's and the parents' views, in their own words")
    if not assessment.elements.exclude(strengths="", needs="").exists():
        raise RuleBroken("Record at least one strength or need")
    assessment.completed_at = timezone.now()
    assessment.level_of_need = level_of_need
    assessment.version = version
    assessment.save(update_fields=["completed_at", "level_of_need"])
    audit.record(
        actor=completed_by,
        verb="completed_assessment",
        child_id=assessment.child_id,
        target=assessment,
        legal_basis="Consent to assess",
        detail={"minutes": assessment.minutes_to_complete, "sittings": assessment.sittings, "version": version},
    )
    case = assessment.case
    if case is None:
        return assessment
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


def _carry_onto_case(*, case: Case, carried_by: Any) -> list[Assessment]:
    """When the panel opens a case, the child's assessments made before it join it: the case page
    lists them, later assessments prefill from them, and a draft is finished inside the case. The
    assessors' involvement ends, because the lead professional leads from now on."""
    before = list(Assessment.objects.filter(child=case.child, case__isnull=True).select_related("assessor__user"))
    Assessment.objects.filter(pk__in=[a.pk for a in before]).update(case=case)
    _end_assessing(child=case.child, practitioners={a.assessor for a in before})
    for assessment in before:
        assessment.case = case
        audit.record(
            actor=carried_by,
            verb="carried_assessment_onto_case",
            child_id=case.child_id,
            target=assessment,
            legal_basis="Allocation by the panel",
        )
        if assessment.completed_at is None:
            notify(
                recipient=assessment.assessor.user,
                subject="A lead professional now leads an assessment you started",
                body="The allocation panel opened a case for a child you were assessing. Your draft is now "
                "with the lead professional, who will finish it with the family.",
                link=reverse("casework:notifications"),
            )
    return before


def consent_to_send(assessment: Assessment) -> Consent | None:
    """The consent a referral carrying the assessment goes with: the one it was made under while
    it stands, otherwise the family's latest current consent."""
    if assessment.consent is not None and assessment.consent.current:
        return assessment.consent
    return queries.current_consents(assessment.child).first()

"""The early help assessment (CAF): short by design, prefilled from what is known, saved as a
draft, and shared with the team only as far as consent allows (002 ch. 5)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from joinedup.access.policy import Action
from joinedup.audit import services as audit
from joinedup.casework import instruments, queries
from joinedup.casework.errors import RuleBroken
from joinedup.casework.models import (
    Assessment,
    AssessmentElement,
    Case,
)
from joinedup.casework.notifications import notify
from joinedup.index.involved import records_as_seen_by
from joinedup.index.key_groups import key_groups

from ._common import _require, _require_open


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

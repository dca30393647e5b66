"""Who is involved with a child, looked up by NHS number: the child page's answer, built by the same
functions (access.queries.involvements_as_seen_by, index.involved.records_as_seen_by) after the
same policy decision (access.policy.get_or_404), so need to know and shielding are the page's."""

from __future__ import annotations

from typing import Any

from joinedup.access.policy import Action, get_or_404
from joinedup.access.queries import involvements_as_seen_by, shield_for
from joinedup.common.identifiers import nhs_number_problem, normalise_nhs_number
from joinedup.index.involved import records_as_seen_by
from joinedup.people.models import Child

from .problems import FieldProblem, invalid, not_found

SHIELDED = "A sensitive service is involved: contact the index administrator"


def who_is_involved(*, user: Any, nhs_number: str) -> dict[str, Any]:
    problem = nhs_number_problem(nhs_number)
    if problem:
        raise invalid([FieldProblem("nhs_number", problem, "10 digits ending in a valid check digit")])
    held = Child.objects.filter(nhs_number=normalise_nhs_number(nhs_number)).values_list("pk", "merged_into").first()
    if held is None:
        raise not_found()
    # A child the index merged into another is looked up as the child kept, as its records now are.
    child = get_or_404(user, Action.VIEW_CHILD, Child, pk=held[1] or held[0])
    shield = shield_for(user, [child.pk])
    involved = [
        {"shielded": True, "note": SHIELDED} if line.shielded else _involvement(line.involvement)
        for line in involvements_as_seen_by(user, child, shield)
    ] + [
        {"shielded": True, "note": SHIELDED} if line.shielded else _record(line)
        for line in records_as_seen_by(user, child, shield)
    ]
    return {
        "child": {
            "id": child.pk,
            "forenames": child.forenames,
            "surname": child.surname,
            "full_name": child.full_name,
            "date_of_birth": child.date_of_birth,
            "nhs_number": child.nhs_number,
        },
        "involved": involved,
    }


def _involvement(involvement) -> dict[str, Any]:
    practitioner = involvement.practitioner
    service = involvement.service
    return {
        "shielded": False,
        "kind": "involvement",
        "agency": service.agency.name if service else practitioner.agency.name,
        "service": service.name if service else None,
        "practitioner": practitioner.name,
        "job_role": practitioner.job_role,
        "email": practitioner.user.email or None,
        "since": involvement.started,
    }


def _record(line) -> dict[str, Any]:
    return {
        "shielded": False,
        "kind": "agency_record",
        "agency": line.agency or line.source,
        "service": line.service or line.source,
        "practitioner": line.practitioner or None,
        "contact": line.contact or None,
        "record_id": line.record_id,
        "since": line.started,
        "until": line.ended,
    }

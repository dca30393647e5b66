"""Referrals in and feedback out: a partner system's referral goes through the front door's own
form and service (casework.forms.ReferralForm, casework.services.refer), so validation and the
consent rules are the same as a practitioner's; the feedback is what the feedback page shows."""

from __future__ import annotations

from typing import Any

from joinedup.access.policy import Action, decide, get_or_404
from joinedup.access.queries import SensitiveShield, audit_listing, shield_for
from joinedup.agencies.models import Locality
from joinedup.casework import queries
from joinedup.casework.errors import NotAllowed, RuleBroken
from joinedup.casework.forms import ReferralForm
from joinedup.casework.models import Referral
from joinedup.common.identifiers import nhs_number_problem, upn_problem
from joinedup.people.models import Child
from joinedup.people.queries import search_children_for

from .problems import ApiProblem, FieldProblem, invalid, not_found
from .schemas import ReferralIn

# The form's field names, as the API's body names them.
FIELDS = {
    "route": "route",
    "locality": "locality",
    "concern": "concern",
    "level_of_need": "level_of_need",
    "consent": "consent",
    "consent_given_by": "consent.given_by",
    "consent_given_by_name": "consent.given_by_name",
    "consent_scope": "consent.scope",
    "lawful_reason": "lawful_reason",
}


def refer(*, user: Any, system: str, referral: ReferralIn) -> Referral:
    """Find the child by identifier as the front door's search does (audited as a search), check
    the referral with the front door's form, and send it with the front door's service."""
    decision = decide(user, Action.REFER)
    if not decision:
        raise ApiProblem(403, "not_permitted", decision.reason)
    child = _child_to_refer(user, system, referral)
    locality = _locality(referral, child)
    form = ReferralForm(data=_as_form_data(referral, locality))
    if not form.is_valid():
        raise invalid(
            [
                FieldProblem(FIELDS.get(name, "body"), str(message))
                for name, messages in form.errors.items()
                for message in messages
            ]
        )
    try:
        return form.send(referrer=user, child=child)
    except NotAllowed as refused:
        raise ApiProblem(403, "not_permitted", str(refused)) from refused
    except RuleBroken as broken:
        raise invalid([FieldProblem("body", str(broken))]) from broken


def _child_to_refer(user: Any, system: str, referral: ReferralIn) -> Child:
    """The one child the identifier names, found by the front door's own search (so the search is
    in the child's audit trail); 404 when none is, as for a child the reader may not see."""
    given = {name: value for name, value in referral.child.model_dump().items() if value}
    if len(given) != 1:
        raise invalid([FieldProblem("child", "Give the child's NHS number or UPN, not both", "nhs_number or upn")])
    [(name, value)] = given.items()
    problem = nhs_number_problem(value) if name == "nhs_number" else upn_problem(value)
    if problem:
        raise invalid([FieldProblem(f"child.{name}", problem)])
    matches = search_children_for(
        user, legal_basis=f"Search by {system} to identify a child before referring", identifier=value
    )
    if len(matches) != 1:
        raise not_found()
    return matches[0].child


def _locality(referral: ReferralIn, child: Child) -> Locality | None:
    if referral.locality is None:
        return queries.current_locality(child)
    locality = Locality.objects.filter(code=referral.locality).first()
    if locality is None:
        codes = ", ".join(Locality.objects.order_by("code").values_list("code", flat=True))
        raise invalid([FieldProblem("locality", "No locality has this code", f"one of {codes}")])
    return locality


def _as_form_data(referral: ReferralIn, locality: Locality | None) -> dict[str, str]:
    consent = referral.consent
    return {
        "route": referral.route,
        "locality": str(locality.pk) if locality else "",
        "concern": referral.concern,
        "level_of_need": referral.level_of_need,
        "consent": "yes" if consent else "no",
        "consent_given_by": consent.given_by if consent else "",
        "consent_given_by_name": consent.given_by_name if consent else "",
        "consent_scope": consent.scope if consent else "",
        "lawful_reason": referral.lawful_reason,
    }


def feedback(*, user: Any, referral_id: int) -> dict[str, Any]:
    """The feedback page's answer, read through the policy (404 for another's referral)."""
    referral = get_or_404(user, Action.VIEW_REFERRAL_FEEDBACK, Referral, pk=referral_id)
    return as_feedback(user, referral)


def referrals_made(*, user: Any) -> list[dict[str, Any]]:
    """The referrals this account made whose feedback it may read now, newest first; a listing of
    each child, audited as the "your referrals" page is."""
    referrals = list(queries.referrals_made_by(user).select_related(*FEEDBACK_NEEDS))
    audit_listing(user, {r.child_id: r.child for r in referrals}.values(), listed_on="the partner API's referrals")
    # One shield for the whole list: decided per referral it costs queries for every one.
    shield = shield_for(user, {r.child_id for r in referrals})
    return [as_feedback(user, referral, shield) for referral in referrals]


# What the feedback names of a referral besides its child and locality, read with it.
FEEDBACK_NEEDS = ("meeting", "case", "lead_professional__user", "lead_professional__agency")


def as_feedback(user: Any, referral: Referral, shield: SensitiveShield | None = None) -> dict[str, Any]:
    lead = referral.lead_professional
    shield = shield or shield_for(user, [referral.child_id])
    seen = shield.practitioner(lead, referral.child_id) if lead else None
    case = getattr(referral, "case", None)
    closed = case is not None and case.closed_on is not None
    return {
        "id": referral.pk,
        "child": {"id": referral.child_id, "name": referral.child.full_name},
        "submitted_at": referral.submitted_at,
        "panel": f"{referral.locality.name} allocation panel",
        "status": referral.status,
        "status_text": referral.get_status_display(),
        "panel_meeting_on": referral.meeting.held_on if referral.meeting_id else None,
        "decision": referral.decision or None,
        "decision_text": referral.get_decision_display() if referral.decision else None,
        "reasons": referral.decision_reasons or None,
        "lead_professional": {
            "name": seen.name,
            "job_role": "" if seen.shielded else seen.job_role,
            "phone": seen.phone,
            "shielded": seen.shielded,
        }
        if seen
        else None,
        "case_closed_on": case.closed_on if closed else None,
        "closure_reason": case.get_closure_reason_display() if closed else None,
    }

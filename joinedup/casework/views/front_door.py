"""The front door: find the child, refer, consent; the referrer's feedback."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from joinedup.access.policy import Action, decide, get_or_404
from joinedup.access.queries import audit_listing, shield_for
from joinedup.casework import queries, services
from joinedup.casework.errors import NotAllowed, RuleBroken
from joinedup.casework.forms import (
    ConsentForm,
    DecisionForm,
    FindChildForm,
    LawfulReasonForm,
    ReferralForm,
)
from joinedup.casework.models import Referral, ReferralStatus
from joinedup.common.forms import chosen
from joinedup.people import queries as people_queries
from joinedup.people.models import Child

from ._common import choices_as_seen, practitioner_of


@login_required
def find_child_to_refer(request: HttpRequest, purpose: str = "refer") -> HttpResponse:
    """The front door starts by finding the child, so nobody is recorded twice: to refer them, or
    to start an early help assessment with the family before asking for help."""
    decision = decide(request.user, Action.REFER)
    if not decision:
        raise PermissionDenied(decision.reason)
    form = FindChildForm(request.GET or None)
    matches = None
    if form.is_bound and form.is_valid():
        matches = people_queries.search_children_for(
            request.user,
            legal_basis="Search to identify a child before referring"
            if purpose == "refer"
            else "Search to identify a child before an early help assessment",
            name=form.cleaned_data["name"],
            identifier=form.cleaned_data["identifier"],
        )
    # Each child found gets a reference for this user alone: the refer and assessment pages open
    # a child only by a reference, never by an id that could be typed or counted up.
    references = {match.child.pk: people_queries.reference_for(request.user, match.child) for match in matches or []}
    return render(
        request,
        "casework/find_child_to_refer.html",
        {"form": form, "matches": matches, "references": references, "purpose": purpose},
    )


def child_to_refer(request: HttpRequest, reference: str, *, verb: str) -> Child:
    """The child a reference from the search results (or the child's record) names to this user,
    its opening audited with `verb`; 404 for anyone who may not refer, and for a reference that is
    forged, garbled, another user's or expired, as for a missing child."""
    if not decide(request.user, Action.REFER):
        raise Http404("Not found")
    child = people_queries.child_from_reference(request.user, reference, verb=verb)
    if child is None:
        raise Http404("Not found")
    return child


@login_required
@require_http_methods(["GET", "POST"])
def refer(request: HttpRequest, reference: str) -> HttpResponse:
    """Opening the form is a read of the child, audited as such; `services.refer` audits the
    referral itself when it is sent. The POST checks the reference again."""
    child = child_to_refer(request, reference, verb="opened_referral_form")
    own_assessment = queries.assessment_to_attach(child, practitioner_of(request))
    form = ReferralForm(
        request.POST if request.method == "POST" else None,
        initial={"locality": queries.current_locality(child)},
        assessment=own_assessment,
    )
    if request.method == "POST" and form.is_valid():
        attached = own_assessment if form.cleaned_data.get("attach_assessment") == "yes" else None
        try:
            referral = form.send(referrer=request.user, child=child, assessment=attached)
        except RuleBroken as broken:
            form.add_error(None, str(broken))
        else:
            messages.success(request, f"Your referral for {child.full_name} has been sent")
            return redirect("casework:referral_feedback", referral.pk)
    return render(request, "casework/refer.html", {"form": form, "child": child})


@login_required
def my_referrals(request: HttpRequest) -> HttpResponse:
    referrals = list(queries.referrals_made_by(request.user))
    audit_listing(request.user, {r.child_id: r.child for r in referrals}.values(), listed_on="your referrals")
    return render(request, "casework/my_referrals.html", {"referrals": referrals})


@login_required
def referral_feedback(request: HttpRequest, referral_id: int) -> HttpResponse:
    """What the referrer is told: the outcome and the panel's reasons, nothing more of the case."""
    referral = get_or_404(request.user, Action.VIEW_REFERRAL_FEEDBACK, Referral, pk=referral_id)
    context = {"referral": referral} | _people_named(request, referral) | _assessment_of(request, referral)
    return render(request, "casework/referral_feedback.html", context)


def _people_named(request: HttpRequest, referral: Referral) -> dict:
    """The referrer and the lead professional as this user may see them beside the child."""
    shield = shield_for(request.user, [referral.child_id])
    lead = referral.lead_professional
    return {
        "referrer": shield.practitioner(referral.referrer, referral.child_id),
        "lead": shield.practitioner(lead, referral.child_id) if lead else None,
    }


def _assessment_of(request: HttpRequest, referral: Referral) -> dict:
    """The assessment that came with the referral, and whether this user may open it."""
    assessment = referral.assessment
    readable = assessment is not None and queries.assessment_readable_by(request.user, assessment)
    return {"assessment": assessment, "assessment_readable": readable}


@login_required
@require_http_methods(["GET", "POST"])
def referral(request: HttpRequest, referral_id: int) -> HttpResponse:
    action = Action.DECIDE_REFERRAL if request.method == "POST" else Action.VIEW_REFERRAL
    referral = get_or_404(request.user, action, Referral, pk=referral_id)
    can_decide = (
        referral.status == ReferralStatus.ON_AGENDA and decide(request.user, Action.DECIDE_REFERRAL, referral).allowed
    )
    form = None
    if can_decide:
        form = choices_as_seen(
            DecisionForm(
                request.POST if request.method == "POST" else None,
                lead_professionals=queries.possible_lead_professionals(referral),
            ),
            "lead_professional",
            by=request.user,
            child_id=referral.child_id,
        )
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.record_decision(
                referral=referral,
                decided_by=request.user,
                decision=form.cleaned_data["decision"],
                reasons=form.cleaned_data["reasons"],
                lead_professional=form.cleaned_data["lead_professional"],
            )
        except RuleBroken as broken:
            form.add_error(None, str(broken))
        else:
            messages.success(request, "The panel's decision has been recorded and the referrer told")
            return redirect("casework:meeting", referral.meeting_id)
    context = {"referral": referral} | _people_named(request, referral) | _assessment_of(request, referral)
    return render(request, "casework/referral.html", context | ({"form": form} if form is not None else {}))


@login_required
@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest, child_id: int) -> HttpResponse:
    """What the family agreed to, who agreed and when; record new consent, a withdrawal, or
    sharing without consent with its lawful reason."""
    action = Action.RECORD_CONSENT if request.method == "POST" else Action.VIEW_CONSENT
    child = get_or_404(request.user, action, Child, pk=child_id)
    intent = request.POST.get("intent", "")
    forms_ = {
        "record": ConsentForm(request.POST if intent == "record" else None),
        # Both forms have agencies and an end date: the ids of this one differ.
        "share": LawfulReasonForm(request.POST if intent == "share" else None, auto_id="share-%s"),
    }
    if request.method == "POST":
        try:
            done = _change_consent(request, child, intent, forms_)
        except NotAllowed as refused:
            raise Http404("Not found") from refused
        if done:
            messages.success(request, done)
            return redirect("casework:consent", child.pk)
    can_record = decide(request.user, Action.RECORD_CONSENT, child).allowed
    sharing = list(
        child.sharing_without_consent.select_related("shared_by", "reviewed_by").prefetch_related("agencies")
    )
    consents = list(child.consents.select_related("recorded_by", "withdrawn_by").prefetch_related("shared_with"))
    shield = shield_for(request.user, [child.pk])
    context = {
        "child": child,
        "consents": consents,
        "sharing": sharing,
        "agencies_of": {
            **{("consent", c.pk): shield.agency_names(c.shared_with.all(), child.pk) for c in consents},
            **{("sharing", s.pk): shield.agency_names(s.agencies.all(), child.pk) for s in sharing},
        },
        "ended": queries.sharing_ended(sharing),
        "reviewable": {shared.pk for shared in sharing if queries.reviews_sharing(request.user, shared)},
        "can_record": can_record,
        "can_share": decide(request.user, Action.SHARE_WITHOUT_CONSENT, child).allowed,
        "record_form": forms_["record"],
        "share_form": forms_["share"],
    }
    bound = next((f for f in forms_.values() if f.is_bound), None)
    return render(request, "casework/consent.html", context | ({"form": bound} if bound else {}))


def _change_consent(request: HttpRequest, child: Child, intent: str, forms_: dict) -> str | None:
    if intent == "record" and forms_["record"].is_valid():
        try:
            services.record_consent(child=child, recorded_by=request.user, consent=forms_["record"].consent_given())
        except RuleBroken as broken:
            forms_["record"].add_error(None, str(broken))
            return None
        return "Consent has been recorded"
    if intent == "share" and forms_["share"].is_valid():
        try:
            services.share_without_consent(
                child=child, shared_by=request.user, sharing=forms_["share"].lawful_sharing()
            )
        except RuleBroken as broken:
            forms_["share"].add_error(None, str(broken))
            return None
        return "Sharing without consent has been recorded and your manager asked to review it"
    if intent == "withdraw":
        consent = chosen(child.consents.all(), request.POST.get("consent"))
        if consent is None:
            raise Http404("Not found")
        try:
            services.withdraw_consent(consent=consent, withdrawn_by=request.user, reason=request.POST.get("reason", ""))
        except RuleBroken as broken:
            messages.info(request, str(broken))
            return None
        return "Consent has been withdrawn: sharing that relied on it has stopped"
    return None

"""The early help assessment: start (in a case, or for a child before any case with the family's
consent), one domain a page, finish, and send to the allocation panel."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from joinedup.access.policy import Action, decide, get_or_404
from joinedup.audit import services as audit
from joinedup.casework import queries, services
from joinedup.casework.errors import NotAllowed, RuleBroken
from joinedup.casework.forms import (
    AssessmentConsentForm,
    AssessmentDomainForm,
    AssessmentFinishForm,
    SendToPanelForm,
    consent_given_today,
)
from joinedup.casework.models import Assessment, Case
from joinedup.casework.services.assessment import assessment_changed_since
from joinedup.casework.services.plans import ChangedMeanwhile
from joinedup.common import instruments

from ._common import practitioner_of
from .front_door import child_to_refer


@login_required
@require_http_methods(["POST"])
def start_assessment(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_or_404(request.user, Action.CHANGE_ASSESSMENT, Case, pk=case_id)
    try:
        assessment = services.start_assessment(case=case, assessor=request.user)
    except NotAllowed as refused:
        raise Http404("Not found") from refused
    except RuleBroken as broken:
        messages.info(request, str(broken))
        return redirect("casework:case", case.pk)
    return redirect("casework:assessment", assessment.pk)


@login_required
@require_http_methods(["GET", "POST"])
def start_child_assessment(request: HttpRequest, reference: str) -> HttpResponse:
    """Before any case: the practitioner who found the child records the family's consent to assess
    (or uses a current consent they may see) and starts; their own draft is carried on, after the
    family's consent is heard again if their access to it lapsed. A draft its assessor can no longer
    carry on passes to them, and the page says so, so the family need not tell their story again."""
    child = child_to_refer(request, reference, verb="opened_assessment_start")
    practitioner = practitioner_of(request)
    draft = services.current_draft(child)
    own_draft = draft is not None and draft.case_id is None and draft.assessor_id == practitioner.pk
    if own_draft and services.may_change(request.user, draft):
        return redirect("casework:assessment", draft.pk)
    # The date the draft was started, when it would pass to this practitioner.
    passes = draft is not None and services.passes_on(draft, to=practitioner)
    earlier_draft_started_on = timezone.localdate(draft.started_at) if passes else None
    may_see_consent = decide(request.user, Action.VIEW_CONSENT, child)
    current = queries.current_consents(child).filter(to_assess=True).first() if may_see_consent else None
    if current is not None:
        audit.record(
            actor=request.user,
            verb="viewed_consent",
            child_id=child.pk,
            target=current,
            legal_basis=may_see_consent.reason,
        )
    form = AssessmentConsentForm(request.POST if request.method == "POST" else None, current=current)
    if request.method == "POST" and form.is_valid():
        consent = consent_given_today(form.cleaned_data)
        try:
            assessment = services.start_assessment(assessor=request.user, child=child, consent=consent)
        except RuleBroken as broken:
            form.add_error(None, str(broken))
        else:
            messages.success(request, _started(own_draft=own_draft, earlier_draft_started_on=earlier_draft_started_on))
            return redirect("casework:assessment", assessment.pk)
    context = {
        "form": form,
        "child": child,
        "reference": reference,
        "refusal": services.why_not_before_a_case(child),
        "earlier_draft_started_on": earlier_draft_started_on,
    }
    return render(request, "casework/assessment_start.html", context)


def _started(*, own_draft: bool, earlier_draft_started_on: date | None) -> str:
    if own_draft:
        return "You are assessing again: your draft is as you left it"
    if earlier_draft_started_on is not None:
        return (
            "You are carrying on an earlier draft, started by another practitioner on "
            f"{earlier_draft_started_on:%-d %B %Y}: go through it with the family rather "
            "than starting again"
        )
    return "The assessment has started: what joinedup already knew is filled in"


@login_required
def assessment(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = get_or_404(request.user, Action.VIEW_ASSESSMENT, Assessment, pk=assessment_id)
    if not queries.assessment_shared_with(assessment, request.user):
        raise Http404("Not found")
    summary = queries.assessment_summary(assessment)
    may_change = services.may_change(request.user, assessment)
    can_change = assessment.completed_at is None and may_change
    # Before a case, may_change means this user is its assessor, within their access period.
    can_send = (
        assessment.completed_at is not None
        and assessment.case_id is None
        and summary["referral"] is None
        and may_change
    )
    return render(request, "casework/assessment.html", summary | {"can_change": can_change, "can_send": can_send})


def _for_change(request: HttpRequest, assessment_id: int) -> Assessment:
    assessment = get_or_404(request.user, Action.CHANGE_ASSESSMENT, Assessment, pk=assessment_id)
    if not services.may_change(request.user, assessment):
        raise Http404("Not found")
    return assessment


@login_required
@require_http_methods(["GET", "POST"])
def assessment_domain(request: HttpRequest, assessment_id: int, domain: str) -> HttpResponse:
    assessment = _for_change(request, assessment_id)
    chosen = next((d for d in instruments.assessment_domains() if d.code == domain), None)
    if chosen is None:
        raise Http404("Not found")
    held = {e.code: (e.strengths, e.needs) for e in assessment.elements.all()}
    form = AssessmentDomainForm(
        request.POST if request.method == "POST" else None, domain=chosen, held=held, version=assessment.version
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_assessment(
                assessment=assessment,
                saved_by=request.user,
                elements=form.elements(),
                seen_version=form.cleaned_data["version"],
            )
        except ChangedMeanwhile as changed:
            form.overtaken(changed)
        except RuleBroken as broken:
            form.add_error(None, str(broken))
        else:
            messages.success(request, f"{chosen.title}: saved")
            return redirect("casework:assessment", assessment.pk)
    elif request.method == "POST":
        form.tell_if_changed(lambda opened: assessment_changed_since(assessment, opened))
    return render(
        request, "casework/assessment_form.html", {"assessment": assessment, "form": form, "title": chosen.title}
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_finish(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = _for_change(request, assessment_id)
    initial = {"child_views": assessment.child_views, "parents_views": assessment.parents_views}
    form = AssessmentFinishForm(
        request.POST if request.method == "POST" else None, initial=initial, version=assessment.version
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_assessment(
                assessment=assessment,
                saved_by=request.user,
                child_views=data["child_views"],
                parents_views=data["parents_views"],
                seen_version=data["version"],
            )
            if request.POST.get("complete"):
                services.complete_assessment(
                    assessment=assessment,
                    completed_by=request.user,
                    level_of_need=data["level_of_need"],
                    seen_version=assessment.version,
                )
        except ChangedMeanwhile as changed:
            form.overtaken(changed)
        except RuleBroken as broken:
            form.add_error(None, str(broken))
            # The draft may have saved before completing was refused: saving again is theirs to make.
            form.carry(assessment.version)
        else:
            done = "The assessment is complete" if assessment.completed_at else "Your draft is saved"
            messages.success(request, done)
            return redirect("casework:assessment", assessment.pk)
    elif request.method == "POST":
        form.tell_if_changed(lambda opened: assessment_changed_since(assessment, opened))
    return render(
        request,
        "casework/assessment_form.html",
        {"assessment": assessment, "form": form, "title": "Views and level of need", "finish": True},
    )


@login_required
@require_http_methods(["GET", "POST"])
def send_to_panel(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The assessor checks what the panel will read and sends the assessment as the request for help."""
    assessment = _for_change(request, assessment_id)
    child = assessment.child
    form = SendToPanelForm(
        request.POST if request.method == "POST" else None, initial={"locality": queries.current_locality(child)}
    )
    if request.method == "POST" and form.is_valid():
        locality = form.cleaned_data["locality"]
        try:
            referral = services.send_to_panel(assessment=assessment, sent_by=request.user, locality=locality)
        except NotAllowed as refused:
            raise Http404("Not found") from refused
        except RuleBroken as broken:
            form.add_error(None, str(broken))
        else:
            messages.success(
                request, f"Your assessment of {child.full_name} has gone to the {locality.name} allocation panel"
            )
            return redirect("casework:referral_feedback", referral.pk)
    context = {
        "assessment": assessment,
        "child": child,
        "form": form,
        "concern": queries.needs_for_the_panel(assessment),
        "consent": services.consent_to_send(assessment),
    }
    return render(request, "casework/assessment_send.html", context)

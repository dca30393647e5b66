"""The early help assessment: start, one domain a page, finish."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from joinedup.access.policy import Action, decide, get_or_404
from joinedup.casework import instruments, queries, services
from joinedup.casework.errors import RuleBroken
from joinedup.casework.forms import AssessmentDomainForm, AssessmentFinishForm
from joinedup.casework.models import Assessment, Case


@login_required
@require_http_methods(["POST"])
def start_assessment(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_or_404(request.user, Action.CHANGE_PLAN, Case, pk=case_id)
    try:
        assessment = services.start_assessment(case=case, assessor=request.user)
    except RuleBroken as broken:
        messages.info(request, str(broken))
        return redirect("casework:case", case.pk)
    return redirect("casework:assessment", assessment.pk)


@login_required
def assessment(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = get_or_404(request.user, Action.VIEW_PLAN, Assessment, pk=assessment_id)
    if not queries.assessment_shared_with(assessment, request.user):
        raise Http404("Not found")
    can_change = assessment.completed_at is None and decide(request.user, Action.CHANGE_PLAN, assessment).allowed
    return render(
        request, "casework/assessment.html", queries.assessment_summary(assessment) | {"can_change": can_change}
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_domain(request: HttpRequest, assessment_id: int, domain: str) -> HttpResponse:
    assessment = get_or_404(request.user, Action.CHANGE_PLAN, Assessment, pk=assessment_id)
    chosen = next((d for d in instruments.assessment_domains() if d.code == domain), None)
    if chosen is None:
        raise Http404("Not found")
    held = {e.code: (e.strengths, e.needs) for e in assessment.elements.all()}
    form = AssessmentDomainForm(request.POST if request.method == "POST" else None, domain=chosen, held=held)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_assessment(assessment=assessment, saved_by=request.user, elements=form.elements())
        except RuleBroken as broken:
            form.add_error(None, str(broken))
        else:
            messages.success(request, f"{chosen.title}: saved")
            return redirect("casework:assessment", assessment.pk)
    return render(
        request, "casework/assessment_form.html", {"assessment": assessment, "form": form, "title": chosen.title}
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_finish(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = get_or_404(request.user, Action.CHANGE_PLAN, Assessment, pk=assessment_id)
    initial = {"child_views": assessment.child_views, "parents_views": assessment.parents_views}
    form = AssessmentFinishForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_assessment(
                assessment=assessment,
                saved_by=request.user,
                child_views=data["child_views"],
                parents_views=data["parents_views"],
            )
            if request.POST.get("complete"):
                services.complete_assessment(
                    assessment=assessment, completed_by=request.user, level_of_need=data["level_of_need"]
                )
        except RuleBroken as broken:
            form.add_error(None, str(broken))
        else:
            done = "The assessment is complete" if assessment.completed_at else "Your draft is saved"
            messages.success(request, done)
            return redirect("casework:assessment", assessment.pk)
    return render(
        request,
        "casework/assessment_form.html",
        {"assessment": assessment, "form": form, "title": "Views and level of need", "finish": True},
    )

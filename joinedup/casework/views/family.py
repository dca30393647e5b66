"""What families and every user see of their own: the plan page, notifications."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from joinedup.audit import services as audit
from joinedup.casework import queries, services
from joinedup.casework.errors import RuleBroken
from joinedup.casework.forms import FamilyViewForm


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    shown = list(queries.notifications_for(request.user)[:50])
    unread = {n.pk for n in shown if n.read_at is None}
    services.mark_read(notifications=shown, reader=request.user)
    return render(request, "casework/notifications.html", {"notifications": shown, "unread": unread})


@login_required
@require_http_methods(["GET", "POST"])
def family(request: HttpRequest) -> HttpResponse:
    """A parent, carer or young person sees their plan, their lead professional and the next review,
    and adds their own views before it; and what was shared without their consent, unless telling
    them would put the child at risk. Their access is their own family's cases only."""
    if queries.family_account_of(request.user) is None:
        raise Http404("Not found")
    cases = list(queries.family_cases(request.user))
    form = FamilyViewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        chosen = next((c for c in cases if str(c.pk) == request.POST.get("case")), None)
        if chosen is None:
            raise Http404("Not found")
        if form.is_valid():
            try:
                services.add_family_view(case=chosen, written_by=request.user, text=form.cleaned_data["text"])
            except RuleBroken as broken:
                form.add_error("text", str(broken))
            else:
                messages.success(request, "Thank you. Your lead professional will read this before the review")
                return redirect("casework:family")
    for case in cases:
        audit.record(
            actor=request.user,
            verb="family_viewed_plan",
            child_id=case.child_id,
            target=case,
            legal_basis="A family member seeing their own plan",
        )
    plans = [queries.case_summary(case, on=timezone.localdate(), reader=request.user) for case in cases]
    told = queries.sharing_told_to_family(case.child for case in cases)
    return render(request, "casework/family.html", {"plans": plans, "form": form, "told": told})

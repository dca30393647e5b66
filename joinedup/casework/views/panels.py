"""The allocation panel: its meetings, agenda and decisions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from joinedup.access.policy import Action, decide
from joinedup.audit import services as audit
from joinedup.casework import queries, services
from joinedup.casework.errors import NotAllowed, RuleBroken
from joinedup.casework.forms import MinutesForm

from ._common import practitioner_of


@login_required
@require_http_methods(["GET", "POST"])
def panels(request: HttpRequest) -> HttpResponse:
    practitioner = practitioner_of(request)
    mine = queries.panels_for(practitioner)
    if request.method == "POST":
        panel = mine.filter(pk=request.POST.get("panel")).first()
        if panel is None:
            raise Http404("Not found")
        try:
            meeting = services.prepare_meeting(panel=panel, prepared_by=request.user)
        except NotAllowed as refused:
            raise PermissionDenied(str(refused)) from refused
        except RuleBroken as broken:
            messages.info(request, str(broken))
        else:
            return redirect("casework:meeting", meeting.pk)
    rows = [
        {
            "panel": panel,
            "timeliness": queries.panel_timeliness(panel),
            "waiting": queries.waiting_for_panel(panel).count(),
            "next_date": services.next_meeting_date(panel),
            "meetings": panel.meetings.all()[:5],
        }
        for panel in mine
    ]
    can_prepare = decide(request.user, Action.MANAGE_PANELS).allowed
    return render(request, "casework/panels.html", {"rows": rows, "can_prepare": can_prepare})


@login_required
@require_http_methods(["GET", "POST"])
def meeting(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = queries.meetings_for(practitioner_of(request)).filter(pk=meeting_id).first()
    if meeting is None:
        raise Http404("Not found")
    is_chair = meeting.panel.chair_id == practitioner_of(request).pk
    form = (
        MinutesForm(request.POST if request.method == "POST" else None, initial={"minutes": meeting.minutes})
        if is_chair
        else None
    )
    if request.method == "POST":
        if form is None:
            raise Http404("Not found")
        if form.is_valid():
            try:
                services.record_minutes(meeting=meeting, recorded_by=request.user, minutes=form.cleaned_data["minutes"])
            except (RuleBroken, NotAllowed) as broken:
                form.add_error("minutes", str(broken))
            else:
                messages.success(request, "The minutes have been saved")
                return redirect("casework:meeting", meeting.pk)
    agenda = queries.agenda_as_seen_by(request.user, meeting)
    for referral, _ in agenda:
        audit.record(
            actor=request.user,
            verb="listed_on_panel_agenda",
            child_id=referral.child_id,
            target=referral,
            legal_basis=f"Member of {meeting.panel.name}",
        )
    reviews = queries.reviews_as_seen_by(request.user, meeting)
    for case, _ in reviews:
        audit.record(
            actor=request.user,
            verb="listed_on_panel_agenda",
            child_id=case.child_id,
            target=case,
            legal_basis=f"Member of {meeting.panel.name}",
        )
    context = {"meeting": meeting, "agenda": agenda, "reviews": reviews} | ({"form": form} if form is not None else {})
    return render(request, "casework/meeting.html", context)

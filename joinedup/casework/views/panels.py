"""The allocation panel: its meetings, agenda and decisions; setting panels up in each locality."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from joinedup.access.policy import Action, decide
from joinedup.access.queries import audit_listing
from joinedup.agencies.models import Locality
from joinedup.casework import queries, services
from joinedup.casework.errors import NotAllowed, RuleBroken
from joinedup.casework.forms import MinutesForm, PanelForm
from joinedup.casework.models import Panel, PanelCycle
from joinedup.casework.services import PanelRefused
from joinedup.common.forms import chosen

from ._common import practitioner_of


@login_required
@require_http_methods(["GET", "POST"])
def panels(request: HttpRequest) -> HttpResponse:
    practitioner = practitioner_of(request)
    mine = queries.panels_for(practitioner)
    if request.method == "POST":
        panel = chosen(mine, request.POST.get("panel"))
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
    reviews = queries.reviews_as_seen_by(request.user, meeting)
    # Only the items this member may open name a child, so only those are reads of a child.
    named = {item.referral.child for item in agenda if item.can_open} | {case.child for case, can in reviews if can}
    audit_listing(request.user, named, listed_on=f"the agenda of {meeting.panel.name} for {meeting.held_on:%-d %B %Y}")
    context = {"meeting": meeting, "agenda": agenda, "reviews": reviews} | ({"form": form} if form is not None else {})
    return render(request, "casework/meeting.html", context)


def _require_panel_manager(request: HttpRequest) -> None:
    decision = decide(request.user, Action.MANAGE_PANELS)
    if not decision:
        raise PermissionDenied(decision.reason)


@login_required
def panel_setup(request: HttpRequest) -> HttpResponse:
    """Every locality's panels: how often each meets, its chair and its members by agency."""
    _require_panel_manager(request)
    return render(request, "casework/panel_setup.html", {"localities": queries.panels_by_locality()})


@login_required
@require_http_methods(["GET", "POST"])
def new_panel(request: HttpRequest, locality_id: int) -> HttpResponse:
    _require_panel_manager(request)
    locality = Locality.objects.filter(pk=locality_id).first()
    if locality is None:
        raise Http404("Not found")
    form = PanelForm(
        request.POST if request.method == "POST" else None,
        chairs=queries.possible_panel_chairs(),
        members=queries.possible_panel_members(locality),
        initial={"cycle": PanelCycle.FORTNIGHTLY},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = _save_panel(
            form,
            lambda: services.create_panel(
                locality=locality,
                name=data["name"],
                cycle=data["cycle"],
                chair=data["chair"],
                members=data["members"],
                created_by=request.user,
            ),
        )
        if created is not None:
            messages.success(request, f"{created.name} has been set up and its members told")
            return redirect("casework:panel_setup")
    context = {"form": form, "locality": locality, "title": f"Set up a panel for {locality.name}"}
    return render(request, "casework/panel_form.html", context | {"button": "Set up the panel"})


@login_required
@require_http_methods(["GET", "POST"])
def change_panel(request: HttpRequest, panel_id: int) -> HttpResponse:
    _require_panel_manager(request)
    panel = Panel.objects.filter(pk=panel_id).select_related("locality", "chair__user").first()
    if panel is None:
        raise Http404("Not found")
    sitting = list(panel.members.exclude(pk=panel.chair_id))
    form = PanelForm(
        request.POST if request.method == "POST" else None,
        new=False,
        chairs=queries.possible_panel_chairs(current=panel.chair),
        members=queries.possible_panel_members(panel.locality, current=sitting),
        initial={"cycle": panel.cycle_days, "chair": panel.chair_id, "members": [m.pk for m in sitting]},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changed = _save_panel(
            form,
            lambda: services.change_panel(
                panel=panel,
                cycle=data["cycle"],
                chair=data["chair"],
                members=data["members"],
                changed_by=request.user,
            ),
        )
        if changed is not None:
            messages.success(request, f"{changed.name} has been changed and anyone who joined or left told")
            return redirect("casework:panel_setup")
    context = {"form": form, "locality": panel.locality, "panel": panel, "title": f"Change {panel.name}"}
    return render(request, "casework/panel_form.html", context | {"button": "Save changes"})


def _save_panel(form: PanelForm, save) -> Panel | None:
    """Call the service; what it refuses goes to the form, each problem under its field."""
    try:
        return save()
    except NotAllowed as refused:
        raise PermissionDenied(str(refused)) from refused
    except PanelRefused as refused:
        for name, message in refused.problems.items():
            form.add_error(name if name in form.fields else None, message)
    except RuleBroken as broken:
        form.add_error(None, str(broken))
    return None

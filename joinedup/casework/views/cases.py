"""A case after allocation: team around the child, plan, reviews, closure; the lead professional's
workspace and caseloads."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from joinedup.access.policy import Action, decide, get_or_404
from joinedup.access.queries import audit_listing
from joinedup.casework import queries, services
from joinedup.casework.errors import NotAllowed, RuleBroken
from joinedup.casework.forms import (
    ActionForm,
    CloseForm,
    FamilyAccountForm,
    InviteForm,
    LeadProfessionalForm,
    OpenedAtVersion,
    OutcomeForm,
    ReviewForm,
    TacMeetingForm,
)
from joinedup.casework.models import Case, PlanAction
from joinedup.casework.services import SdqScores
from joinedup.casework.services.plans import ChangedMeanwhile, plan_changed_since

from ._common import choices_as_seen, practitioner_of


@login_required
def case(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_or_404(request.user, Action.VIEW_PLAN, Case, pk=case_id)
    context = queries.case_summary(case, on=timezone.localdate(), reader=request.user)
    context["can_change"] = case.is_open and decide(request.user, Action.CHANGE_PLAN, case).allowed
    context["me"] = getattr(request.user, "practitioner", None)
    return render(request, "casework/case.html", context)


@login_required
@require_http_methods(["POST"])
def complete_action(request: HttpRequest, case_id: int, action_id: int) -> HttpResponse:
    """The action's owner, or whoever may change the plan, marks it done from the case page."""
    case = get_or_404(request.user, Action.VIEW_PLAN, Case, pk=case_id)
    action = PlanAction.objects.filter(pk=action_id, outcome__case=case).first()
    if action is None:
        raise Http404("Not found")
    try:
        services.complete_action(action=action, completed_by=request.user)
    except NotAllowed as refused:
        raise PermissionDenied(str(refused)) from None
    except RuleBroken as broken:
        messages.error(request, str(broken))
    else:
        messages.success(request, f"Marked done: {action.description}")
    return redirect("casework:case", case.pk)


def _change_case(
    request: HttpRequest, case_id: int, *, make_form, act, title: str, button: str, refused_field: str | None = None
) -> HttpResponse:
    """Every change to a case: fetch it for change through the policy, validate, call the service,
    and show what the service refused as a GOV.UK error (on `refused_field` when it is about that
    field's choice). A change to the plan saved after someone else's is refused with who changed
    what, above what the person entered."""
    case = get_or_404(request.user, Action.CHANGE_PLAN, Case, pk=case_id)
    form = make_form(request.POST if request.method == "POST" else None, case)
    if request.method == "POST" and form.is_valid():
        try:
            message = act(case, form)
        except ChangedMeanwhile as changed:
            form.overtaken(changed)
        except RuleBroken as broken:
            form.add_error(refused_field, str(broken))
        else:
            messages.success(request, message)
            return redirect("casework:case", case.pk)
    elif request.method == "POST" and isinstance(form, OpenedAtVersion):
        form.tell_if_changed(lambda opened: plan_changed_since(case, opened))
    return render(request, "casework/case_form.html", {"case": case, "form": form, "title": title, "button": button})


@login_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, case_id: int) -> HttpResponse:
    def act(case, form):
        member = services.invite_to_tac(
            case=case, practitioner=form.cleaned_data["practitioner"], invited_by=request.user
        )
        return f"{member.practitioner.name} has joined the team around the child and been told"

    return _change_case(
        request,
        case_id,
        title="Invite to the team around the child",
        button="Invite",
        make_form=lambda data, case: choices_as_seen(
            InviteForm(data, candidates=queries.possible_tac_members(case)),
            "practitioner",
            by=request.user,
            child_id=case.child_id,
        ),
        act=act,
        refused_field="practitioner",
    )


@login_required
@require_http_methods(["GET", "POST"])
def change_lead(request: HttpRequest, case_id: int) -> HttpResponse:
    def act(case, form):
        services.change_lead_professional(case=case, to=form.cleaned_data["lead_professional"], changed_by=request.user)
        return "The lead professional has changed and has been told"

    return _change_case(
        request,
        case_id,
        title="Change the lead professional",
        button="Change lead professional",
        make_form=lambda data, case: choices_as_seen(
            LeadProfessionalForm(data, members=queries.tac_practitioners(case)),
            "lead_professional",
            by=request.user,
            child_id=case.child_id,
        ),
        act=act,
        refused_field="lead_professional",
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_tac_meeting(request: HttpRequest, case_id: int) -> HttpResponse:
    def act(case, form):
        services.record_tac_meeting(
            case=case,
            held_on=form.cleaned_data["held_on"],
            recorded_by=request.user,
            attendees=case.tac_members.filter(left_on__isnull=True),
            family_attended=form.cleaned_data["family_attended"] == "yes",
            notes=form.cleaned_data["notes"],
        )
        return "The meeting has been recorded"

    return _change_case(
        request,
        case_id,
        title="Record a team around the child meeting",
        button="Record meeting",
        make_form=lambda data, case: TacMeetingForm(data),
        act=act,
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_outcome(request: HttpRequest, case_id: int) -> HttpResponse:
    def act(case, form):
        data = form.cleaned_data
        services.add_outcome(
            case=case,
            need=data["need"],
            desired_outcome=data["desired_outcome"],
            added_by=request.user,
            seen_version=data["version"],
        )
        return "The outcome has been added to the plan"

    return _change_case(
        request,
        case_id,
        title="Add a need and outcome to the plan",
        button="Add to the plan",
        make_form=lambda data, case: OutcomeForm(data, version=case.plan_version),
        act=act,
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_action(request: HttpRequest, case_id: int) -> HttpResponse:
    def act(case, form):
        data = form.cleaned_data
        services.add_action(
            outcome=data["outcome"],
            description=data["description"],
            owner=data["owner"],
            due_on=data["due_on"],
            added_by=request.user,
            seen_version=data["version"],
        )
        return "The action has been added and its owner told"

    return _change_case(
        request,
        case_id,
        title="Add an action to the plan",
        button="Add action",
        make_form=lambda data, case: choices_as_seen(
            ActionForm(data, case=case, version=case.plan_version), "owner", by=request.user, child_id=case.child_id
        ),
        act=act,
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_review(request: HttpRequest, case_id: int) -> HttpResponse:
    def act(case, form):
        data = form.cleaned_data
        sdq = (
            SdqScores(informant=data["sdq_informant"], total=data["sdq_total"])
            if data["sdq_total"] is not None
            else None
        )
        services.record_review(
            case=case,
            held_on=data["held_on"],
            recorded_by=request.user,
            progress=form.progress(),
            child_views=data["child_views"],
            parents_views=data["parents_views"],
            what_changed=data["what_changed"],
            sdq=sdq,
            wellbeing=form.wellbeing(),
            seen_version=data["version"],
        )
        return "The review has been recorded"

    return _change_case(
        request,
        case_id,
        title="Record a review",
        button="Record review",
        make_form=lambda data, case: ReviewForm(
            data,
            case=case,
            version=case.plan_version,
            initial={"parents_views": queries.family_words_since_last_review(case)},
        ),
        act=act,
    )


@login_required
@require_http_methods(["GET", "POST"])
def close(request: HttpRequest, case_id: int) -> HttpResponse:
    def act(case, form):
        services.close_case(
            case=case,
            closed_by=request.user,
            reason=form.cleaned_data["reason"],
            needs_met_at=form.cleaned_data["needs_met_at"],
            ratings=form.ratings(),
            seen_version=form.cleaned_data["version"],
        )
        return "The case is closed"

    return _change_case(
        request,
        case_id,
        title="Close the case",
        button="Close the case",
        make_form=lambda data, case: CloseForm(data, case=case, version=case.plan_version),
        act=act,
    )


@login_required
def my_cases(request: HttpRequest) -> HttpResponse:
    """The lead professional's workspace: open cases, what is due and what is late, and who to
    call about each case; showing a family's contact details is a read of the child's record."""
    practitioner = practitioner_of(request)
    context = queries.workspace(practitioner, on=timezone.localdate())
    contacts = queries.workspace_contacts(request.user, [row["case"] for row in context["rows"]])
    audit_listing(request.user, context["children"], listed_on="your cases, with who to contact about each")
    return render(request, "casework/my_cases.html", context | {"contacts": contacts})


@login_required
def caseloads(request: HttpRequest) -> HttpResponse:
    decision = decide(request.user, Action.VIEW_CASELOADS)
    if not decision:
        raise PermissionDenied(decision.reason)
    rows = queries.caseloads(on=timezone.localdate())
    return render(request, "casework/caseloads.html", {"rows": rows, "teams": queries.caseloads_by_team(rows)})


@login_required
@require_http_methods(["GET", "POST"])
def family_access(request: HttpRequest, case_id: int) -> HttpResponse:
    def act(case, form):
        carer = form.carers.get(form.cleaned_data["who"])
        person = carer or case.child
        services.create_family_account(
            case=case,
            created_by=request.user,
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            first_name=(person.forenames or "").split(" ")[0],
            last_name=person.surname or "",
            carer=carer,
        )
        return f"{person.full_name} can now sign in to see the plan, once they have set a password"

    return _change_case(
        request,
        case_id,
        title="Let the family see the plan",
        button="Create the account",
        make_form=lambda data, case: FamilyAccountForm(data, case=case),
        act=act,
    )

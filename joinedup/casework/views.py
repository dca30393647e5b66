"""Thin views for the front door and the panel: parse the request, ask the policy or a service,
render a GOV.UK page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from joinedup.access.policy import Action, decide, get_or_404
from joinedup.audit import services as audit
from joinedup.people import queries as people_queries
from joinedup.people.models import Child

from . import instruments, queries, services
from .errors import NotAllowed, RuleBroken
from .forms import (
    ActionForm,
    AssessmentDomainForm,
    AssessmentFinishForm,
    CloseForm,
    ConsentForm,
    DecisionForm,
    FamilyAccountForm,
    FamilyViewForm,
    FindChildForm,
    InviteForm,
    LawfulReasonForm,
    LeadProfessionalForm,
    MinutesForm,
    OutcomeForm,
    ReferralForm,
    ReviewForm,
    TacMeetingForm,
)
from .models import Assessment, Case, Referral, ReferralStatus
from .services import ConsentGiven, SdqScores


def _practitioner(request: HttpRequest):
    practitioner = getattr(request.user, "practitioner", None)
    if practitioner is None:
        raise PermissionDenied("This account has no practitioner profile")
    return practitioner


@login_required
def find_child_to_refer(request: HttpRequest) -> HttpResponse:
    """The front door starts by finding the child, so nobody is recorded twice."""
    decision = decide(request.user, Action.REFER)
    if not decision:
        raise PermissionDenied(decision.reason)
    form = FindChildForm(request.GET or None)
    matches = None
    if form.is_bound and form.is_valid():
        matches = people_queries.search_children(
            name=form.cleaned_data["name"], identifier=form.cleaned_data["identifier"]
        )
        for match in matches:
            audit.record(
                actor=request.user,
                verb="listed_in_search",
                child_id=match.child.pk,
                target=match.child,
                legal_basis="Search to identify a child before referring",
                detail={"why": match.why},
            )
    return render(request, "casework/find_child_to_refer.html", {"form": form, "matches": matches})


@login_required
@require_http_methods(["GET", "POST"])
def refer(request: HttpRequest, child_id: int) -> HttpResponse:
    child = get_or_404(request.user, Action.REFER, Child, pk=child_id)
    form = ReferralForm(
        request.POST if request.method == "POST" else None, initial={"locality": queries.current_locality(child)}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        consent = None
        if data["consent"] == "yes":
            consent = ConsentGiven(
                given_by=data["consent_given_by"],
                given_by_name=data["consent_given_by_name"],
                given_on=timezone.localdate(),
                share_with_all_partners=data["consent_scope"] == "all_partners",
            )
        try:
            referral = services.refer(
                referrer=request.user,
                child=child,
                locality=data["locality"],
                route=data["route"],
                concern=data["concern"],
                level_of_need=data["level_of_need"],
                consent=consent,
                lawful_reason=data["lawful_reason"] if consent is None else "",
            )
        except RuleBroken as broken:
            form.add_error(None, str(broken))
        else:
            messages.success(request, f"Your referral for {child.full_name} has been sent")
            return redirect("casework:referral_feedback", referral.pk)
    return render(request, "casework/refer.html", {"form": form, "child": child})


@login_required
def my_referrals(request: HttpRequest) -> HttpResponse:
    referrals = queries.referrals_made_by(_practitioner(request))
    return render(request, "casework/my_referrals.html", {"referrals": referrals})


@login_required
def referral_feedback(request: HttpRequest, referral_id: int) -> HttpResponse:
    """What the referrer is told: the outcome and the panel's reasons, nothing more of the case."""
    referral = get_or_404(request.user, Action.VIEW_REFERRAL_FEEDBACK, Referral, pk=referral_id)
    return render(request, "casework/referral_feedback.html", {"referral": referral})


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
        form = DecisionForm(
            request.POST if request.method == "POST" else None,
            lead_professionals=queries.possible_lead_professionals(referral),
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
    context = {"referral": referral} | ({"form": form} if form is not None else {})
    return render(request, "casework/referral.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def panels(request: HttpRequest) -> HttpResponse:
    practitioner = _practitioner(request)
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
    meeting = queries.meetings_for(_practitioner(request)).filter(pk=meeting_id).first()
    if meeting is None:
        raise Http404("Not found")
    is_chair = meeting.panel.chair_id == _practitioner(request).pk
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


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    shown = list(queries.notifications_for(request.user)[:50])
    unread = {n.pk for n in shown if n.read_at is None}
    services.mark_read(notifications=shown, reader=request.user)
    return render(request, "casework/notifications.html", {"notifications": shown, "unread": unread})


@login_required
def case(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_or_404(request.user, Action.VIEW_PLAN, Case, pk=case_id)
    context = queries.case_summary(case, on=timezone.localdate())
    context["can_change"] = case.is_open and decide(request.user, Action.CHANGE_PLAN, case).allowed
    return render(request, "casework/case.html", context)


def _change_case(request: HttpRequest, case_id: int, *, make_form, act, title: str, button: str) -> HttpResponse:
    """Every change to a case: fetch it for change through the policy, validate, call the service,
    and show what the service refused as a GOV.UK error."""
    case = get_or_404(request.user, Action.CHANGE_PLAN, Case, pk=case_id)
    form = make_form(request.POST if request.method == "POST" else None, case)
    if request.method == "POST" and form.is_valid():
        try:
            message = act(case, form)
        except RuleBroken as broken:
            form.add_error(None, str(broken))
        else:
            messages.success(request, message)
            return redirect("casework:case", case.pk)
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
        make_form=lambda data, case: InviteForm(data, candidates=queries.possible_tac_members(case)),
        act=act,
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
        make_form=lambda data, case: LeadProfessionalForm(data, members=queries.tac_practitioners(case)),
        act=act,
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
        services.add_outcome(case=case, added_by=request.user, **form.cleaned_data)
        return "The outcome has been added to the plan"

    return _change_case(
        request,
        case_id,
        title="Add a need and outcome to the plan",
        button="Add to the plan",
        make_form=lambda data, case: OutcomeForm(data),
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
        )
        return "The action has been added and its owner told"

    return _change_case(
        request,
        case_id,
        title="Add an action to the plan",
        button="Add action",
        make_form=lambda data, case: ActionForm(data, case=case),
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
        )
        return "The review has been recorded"

    return _change_case(
        request,
        case_id,
        title="Record a review",
        button="Record review",
        make_form=lambda data, case: ReviewForm(
            data, case=case, initial={"parents_views": queries.family_words_since_last_review(case)}
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
        )
        return "The case is closed"

    return _change_case(
        request,
        case_id,
        title="Close the case",
        button="Close the case",
        make_form=lambda data, case: CloseForm(data, case=case),
        act=act,
    )


@login_required
def my_cases(request: HttpRequest) -> HttpResponse:
    """The lead professional's workspace: open cases, what is due and what is late."""
    practitioner = _practitioner(request)
    return render(request, "casework/my_cases.html", queries.workspace(practitioner, on=timezone.localdate()))


@login_required
@require_http_methods(["GET", "POST"])
def family(request: HttpRequest) -> HttpResponse:
    """A parent, carer or young person sees their plan, their lead professional and the next review,
    and adds their own views before it. Their access is their own family's cases only."""
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
    plans = [queries.case_summary(case, on=timezone.localdate()) for case in cases]
    return render(request, "casework/family.html", {"plans": plans, "form": form})


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


@login_required
def caseloads(request: HttpRequest) -> HttpResponse:
    decision = decide(request.user, Action.VIEW_CASELOADS)
    if not decision:
        raise PermissionDenied(decision.reason)
    rows = queries.caseloads(on=timezone.localdate())
    return render(request, "casework/caseloads.html", {"rows": rows})


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
        "share": LawfulReasonForm(request.POST if intent == "share" else None),
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
    context = {
        "child": child,
        "consents": child.consents.select_related("recorded_by", "withdrawn_by").prefetch_related("shared_with"),
        "sharing": child.sharing_without_consent.select_related("shared_by"),
        "can_record": can_record,
        "can_share": decide(request.user, Action.SHARE_WITHOUT_CONSENT, child).allowed,
        "record_form": forms_["record"],
        "share_form": forms_["share"],
    }
    bound = next((f for f in forms_.values() if f.is_bound), None)
    return render(request, "casework/consent.html", context | ({"form": bound} if bound else {}))


def _change_consent(request: HttpRequest, child: Child, intent: str, forms_: dict) -> str | None:
    if intent == "record" and forms_["record"].is_valid():
        data = forms_["record"].cleaned_data
        given = ConsentGiven(
            given_by=data["given_by"],
            given_by_name=data["given_by_name"],
            given_on=data["given_on"],
            share_with_all_partners=data["scope"] == "all_partners",
        )
        try:
            services.record_consent(child=child, recorded_by=request.user, consent=given)
        except RuleBroken as broken:
            forms_["record"].add_error(None, str(broken))
            return None
        return "Consent has been recorded"
    if intent == "share" and forms_["share"].is_valid():
        services.share_without_consent(
            child=child, shared_by=request.user, lawful_reason=forms_["share"].cleaned_data["lawful_reason"]
        )
        return "The lawful reason has been recorded and your manager told"
    if intent == "withdraw":
        consent = child.consents.filter(pk=request.POST.get("consent")).first()
        if consent is None:
            raise Http404("Not found")
        try:
            services.withdraw_consent(consent=consent, withdrawn_by=request.user, reason=request.POST.get("reason", ""))
        except RuleBroken as broken:
            messages.info(request, str(broken))
            return None
        return "Consent has been withdrawn: sharing that relied on it has stopped"
    return None


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
            first_name=person.forenames.split(" ")[0],
            last_name=person.surname,
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

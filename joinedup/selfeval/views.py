"""Thin views for self-evaluation: the questionnaire by anonymous link or interview, the round
pages researchers run, the coding screen and the reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from joinedup.access.policy import Action, decide
from joinedup.common.forms import chosen

from . import exports, queries, reports, scope, services, suggestions
from .errors import LinkProblem, RuleBroken, Unfinished
from .forms import (
    CodingForm,
    InterviewForm,
    JoinForm,
    LinksForm,
    RoundForm,
    SectionForm,
    describe_answer,
    wording,
)
from .models import (
    Answer,
    Code,
    Coding,
    Instrument,
    Invitation,
    Mode,
    ParticipatingAuthority,
    RespondentGroup,
    Response,
    Round,
)

# The questionnaire: the same pages by anonymous link and in an interview


@dataclass(frozen=True)
class Questionnaire:
    """Where one person's questionnaire lives: behind a link's token, or an interview's id."""

    invitation: Invitation
    route: str  # "link" or "interview"
    ref: str

    def url(self, page: str = "start", section: str | None = None) -> str:
        if page == "section":
            return reverse(f"selfeval:{self.route}_section", args=[self.ref, section])
        return reverse(f"selfeval:{self.route}_{page}", args=[self.ref])

    @property
    def instrument(self):
        return self.invitation.instrument

    @property
    def sections(self) -> list[dict]:
        return self.instrument.sections

    def response(self) -> Response | None:
        return Response.objects.filter(invitation=self.invitation).first()

    def questions(self, section_key: str | None = None):
        questions = self.instrument.questions.all()
        return list(questions.filter(section_key=section_key) if section_key else questions)

    def context(self, **extra) -> dict:
        audience = self.instrument.audience
        return {
            "questionnaire": self,
            "instrument": self.instrument,
            "invitation": self.invitation,
            "interview": self.route == "interview",
            "about": _about(self.invitation),
            "wording": lambda text: wording(text, self.invitation.key_group, audience),
            "describe_answer": describe_answer,
            **extra,
        }


def _about(invitation: Invitation) -> str:
    participant = invitation.participant
    where = f"{participant.authority.name}, {participant.locality.name}"
    return f"{where}: {invitation.key_group.name}" if invitation.key_group else where


def _link_problem(request: HttpRequest, problem: LinkProblem) -> HttpResponse:
    status = 404 if problem.title == "This link does not work" else 410
    return render(request, "selfeval/link_problem.html", {"problem": problem}, status=status)


def _by_link(view):
    """Open the link's invitation, or explain why it cannot be used."""

    def wrapped(request: HttpRequest, token: str, *args, **kwargs) -> HttpResponse:
        try:
            invitation = services.open_link(token)
        except LinkProblem as problem:
            return _link_problem(request, problem)
        return view(request, Questionnaire(invitation, "link", token), *args, **kwargs)

    return wrapped


def _by_interview(view):
    """An interview is open to the researcher who records it, while its authority is theirs to code."""

    @login_required
    def wrapped(request: HttpRequest, response_id: int, *args, **kwargs) -> HttpResponse:
        response = (
            Response.objects.select_related("invitation__instrument", "invitation__participant__authority")
            .filter(pk=response_id, invitation__mode=Mode.INTERVIEW, interviewer=request.user)
            .first()
        )
        if response is None or not scope.may_code(request.user, response.participant):
            raise Http404("Not found")
        if response.submitted_at is not None:
            messages.success(request, "This interview has been sent")
            return redirect("selfeval:participant", response.participant_id)
        return view(request, Questionnaire(response.invitation, "interview", str(response.pk)), *args, **kwargs)

    return wrapped


def _section_status(questionnaire: Questionnaire, answered: set[int]) -> list[dict]:
    by_section: dict[str, list] = {}
    for question in questionnaire.questions():
        by_section.setdefault(question.section_key, []).append(question)
    statuses = []
    for section in questionnaire.sections:
        questions = by_section.get(section["key"], [])
        required = [q for q in questions if q.required]
        given = [q for q in questions if q.pk in answered]
        if required and all(q.pk in answered for q in required) or (not required and given):
            status = "Completed"
        elif given:
            status = "In progress"
        else:
            status = "Not started"
        statuses.append({**section, "status": status, "url": questionnaire.url("section", section["key"])})
    return statuses


def _start(request: HttpRequest, questionnaire: Questionnaire) -> HttpResponse:
    response = questionnaire.response()
    answered = set(response.answers.values_list("question_id", flat=True)) if response else set()
    return render(
        request,
        "selfeval/questionnaire_start.html",
        questionnaire.context(sections=_section_status(questionnaire, answered), started=bool(answered)),
    )


def _section(request: HttpRequest, questionnaire: Questionnaire, section: str) -> HttpResponse:
    section_key = section
    keys = [s["key"] for s in questionnaire.sections]
    if section_key not in keys:
        raise Http404("Not found")
    index = keys.index(section_key)
    section = questionnaire.sections[index]
    questions = questionnaire.questions(section_key)
    options = {
        "questions": questions,
        "key_group": questionnaire.invitation.key_group,
        "audience": questionnaire.instrument.audience,
    }
    if request.method == "POST":
        form = SectionForm(request.POST, **options)
        if form.is_valid():
            given = form.given()
            try:
                problems = services.save_answers(invitation=questionnaire.invitation, given=given)
            except LinkProblem as problem:
                return _link_problem(request, problem)
            for key, problem in problems.items():
                form.add_error(key, problem)
        if not form.errors:
            if request.POST.get("action") == "later":
                return redirect(questionnaire.url("saved"))
            following = questionnaire.url("section", keys[index + 1]) if index + 1 < len(keys) else None
            return redirect(following or questionnaire.url("check"))
    else:
        response = questionnaire.response()
        answers = list(response.answers.select_related("question").filter(question__in=questions)) if response else []
        form = SectionForm(initial=SectionForm.initial_from(answers), **options)
    return render(
        request,
        "selfeval/questionnaire_section.html",
        questionnaire.context(
            form=form,
            section=section,
            number=index + 1,
            count=len(keys),
            back=questionnaire.url("section", keys[index - 1]) if index else questionnaire.url("start"),
        ),
    )


def _saved(request: HttpRequest, questionnaire: Questionnaire) -> HttpResponse:
    return render(request, "selfeval/questionnaire_saved.html", questionnaire.context())


def _check(request: HttpRequest, questionnaire: Questionnaire) -> HttpResponse:
    error = None
    missing: list = []
    if request.method == "POST":
        try:
            services.submit(invitation=questionnaire.invitation, sent_by=request.user)
        except Unfinished as unfinished:
            error, missing = str(unfinished), unfinished.missing
        except LinkProblem as problem:
            return _link_problem(request, problem)
        else:
            if questionnaire.route == "interview":
                messages.success(request, "The interview has been sent")
                return redirect("selfeval:participant", questionnaire.invitation.participant_id)
            return redirect("selfeval:sent")
    response = questionnaire.response()
    answers = {a.question_id: a for a in response.answers.all()} if response else {}
    if response and not missing and request.method == "GET":
        missing = services.unanswered(response)
    rows_by_section = []
    for section in questionnaire.sections:
        rows = [
            {"question": q, "answer": answers.get(q.pk), "missing": q in missing}
            for q in questionnaire.questions(section["key"])
        ]
        rows_by_section.append({**section, "rows": rows, "url": questionnaire.url("section", section["key"])})
    return render(
        request,
        "selfeval/questionnaire_check.html",
        questionnaire.context(sections=rows_by_section, error=error, missing=missing, answered=len(answers)),
    )


link_start = _by_link(_start)
link_section = _by_link(_section)
link_saved = _by_link(_saved)
link_check = _by_link(_check)
interview_start = _by_interview(_start)
interview_section = _by_interview(_section)
interview_saved = _by_interview(_saved)
interview_check = _by_interview(_check)


def sent(request: HttpRequest) -> HttpResponse:
    return render(request, "selfeval/questionnaire_sent.html")


def _require(request: HttpRequest, action: Action) -> None:
    decision = decide(request.user, action)
    if not decision:
        raise PermissionDenied(decision.reason)


# Researchers' pages: rounds, authorities, links and interviews


def _checkbox_items(field, chosen) -> list[dict]:
    chosen = {str(c.pk if hasattr(c, "pk") else c) for c in chosen or []}
    return [
        {"value": str(value), "text": str(label), "checked": str(value) in chosen} for value, label in field.choices
    ]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    can_view = decide(request.user, Action.VIEW_SELFEVAL_REPORTS).allowed
    can_code = decide(request.user, Action.CODE_ANSWERS).allowed
    if not (can_view or can_code):
        raise PermissionDenied(decide(request.user, Action.VIEW_SELFEVAL_REPORTS).reason)
    rounds = []
    for round_ in Round.objects.prefetch_related("participants"):
        own = scope.own_participant(request.user, round_)
        rounds.append({"round": round_, "own": own, "authorities": round_.participants.count()})
    return render(
        request,
        "selfeval/home.html",
        {
            "rounds": rounds,
            "runs_rounds": scope.runs_rounds(request.user),
            "can_code": can_code,
            "instruments": Instrument.objects.annotate(asked=Count("invitations")).order_by("code", "-version"),
        },
    )


@login_required
def round_new(request: HttpRequest) -> HttpResponse:
    _require(request, Action.MANAGE_ROUNDS)
    form = RoundForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round_ = services.open_round(
                number=data["number"],
                name=data["name"],
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                opened_by=request.user,
            )
        except RuleBroken as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, f"{round_.name} is open: add the authorities taking part")
            return redirect("selfeval:round", round_.pk)
    return render(request, "selfeval/round_new.html", {"form": form})


def _round_or_404(round_id: int) -> Round:
    round_ = Round.objects.filter(pk=round_id).first()
    if round_ is None:
        raise Http404("Not found")
    return round_


@login_required
def round_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    _require(request, Action.VIEW_SELFEVAL_REPORTS)
    round_ = _round_or_404(round_id)
    full = set(scope.full_view_participants(request.user, round_).values_list("pk", flat=True))
    codable = set(scope.codable_participants(request.user, round_).values_list("pk", flat=True))
    rows = []
    for participant in round_.participants.select_related("authority", "locality").prefetch_related("key_groups"):
        if participant.pk not in full:
            continue
        sent = dict(
            participant.responses.filter(submitted_at__isnull=False)
            .values_list("respondent_group")
            .annotate(n=Count("id"))
        )
        rows.append({"participant": participant, "sent": sent, "codable": participant.pk in codable})
    return render(
        request,
        "selfeval/round_detail.html",
        {
            "round": round_,
            "rows": rows,
            "authorities": round_.participants.count(),
            "runs_rounds": scope.runs_rounds(request.user),
            "can_code": bool(codable),
            "groups": RespondentGroup,
        },
    )


@login_required
def round_join(request: HttpRequest, round_id: int) -> HttpResponse:
    _require(request, Action.MANAGE_ROUNDS)
    round_ = _round_or_404(round_id)
    form = JoinForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            participant = services.join_round(
                round=round_,
                authority=data["authority"],
                locality=data["locality"],
                key_groups=list(data["key_groups"]),
                own_key_group=data["own_key_group"],
                integrated_since=data["integrated_since"],
                joined_by=request.user,
            )
        except RuleBroken as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, f"{participant.authority.name} has joined {round_.name}")
            return redirect("selfeval:participant", participant.pk)
    key_groups = _checkbox_items(form.fields["key_groups"], form["key_groups"].value())
    return render(request, "selfeval/round_join.html", {"form": form, "round": round_, "key_group_items": key_groups})


def _participant_or_404(request: HttpRequest, participant_id: int) -> ParticipatingAuthority:
    participant = (
        ParticipatingAuthority.objects.select_related("round", "authority", "locality")
        .filter(pk=participant_id)
        .first()
    )
    if participant is None or not (
        scope.sees_in_full(request.user, participant) or scope.may_code(request.user, participant)
    ):
        raise Http404("Not found")
    return participant


@login_required
def participant_detail(request: HttpRequest, participant_id: int) -> HttpResponse:
    return _participant_page(request, _participant_or_404(request, participant_id))


def _participant_page(request, participant, *, links_form=None, interview_form=None, issued=None, status=200):
    runs = scope.runs_rounds(request.user)
    may_code = scope.may_code(request.user, participant)
    links_form = links_form or (LinksForm(participant=participant) if runs else None)
    context = {"form": links_form} if links_form is not None else {}
    return render(
        request,
        "selfeval/participant.html",
        context
        | {
            "participant": participant,
            "interview_form": interview_form or (InterviewForm(participant=participant) if may_code else None),
            "issued": issued,
            "progress": queries.response_progress(participant),
            "batches": queries.link_batches(participant) if runs else [],
            "my_interviews": participant.responses.filter(
                interviewer=request.user, submitted_at__isnull=True
            ).select_related("instrument", "key_group"),
            "runs_rounds": runs,
            "may_code": may_code,
            "sees_in_full": scope.sees_in_full(request.user, participant),
        },
        status=status,
    )


@login_required
def issue_links(request: HttpRequest, participant_id: int) -> HttpResponse:
    _require(request, Action.MANAGE_ROUNDS)
    participant = _participant_or_404(request, participant_id)
    if request.method != "POST":
        return redirect("selfeval:participant", participant.pk)
    form = LinksForm(request.POST, participant=participant)
    if form.is_valid():
        data = form.cleaned_data
        try:
            issued = services.issue_links(
                participant=participant,
                instrument_code=data["instrument"],
                key_group=data["key_group"],
                how_many=data["how_many"],
                issued_by=request.user,
                expires_on=data["expires_on"],
                batch=data["batch"],
            )
        except RuleBroken as problem:
            form.add_error(None, str(problem))
        else:
            urls = [request.build_absolute_uri(reverse("selfeval:link_start", args=[i.token])) for i in issued]
            return render(
                request,
                "selfeval/links_issued.html",
                {"participant": participant, "urls": urls, "instrument": issued[0].invitation.instrument},
            )
    return _participant_page(request, participant, links_form=form, status=400)


@login_required
def extend_links(request: HttpRequest, participant_id: int) -> HttpResponse:
    """Give every unsent link of one set seven more days, so people can finish what they saved."""
    _require(request, Action.MANAGE_ROUNDS)
    participant = _participant_or_404(request, participant_id)
    if request.method != "POST":
        return redirect("selfeval:participant", participant.pk)
    instrument = chosen(Instrument.objects.all(), request.POST.get("instrument"))
    if instrument is None:
        raise Http404("Not found")
    invitations = participant.invitations.filter(
        mode=Mode.ONLINE, batch=request.POST.get("batch", ""), instrument=instrument
    ).exclude(response__submitted_at__isnull=False)
    until = timezone.localdate() + timedelta(days=7)
    for invitation in invitations:
        services.extend_link(invitation=invitation, until=until, extended_by=request.user)
    messages.success(request, f"{len(invitations)} unsent links now work until {until:%-d %B %Y}")
    return redirect("selfeval:participant", participant.pk)


@login_required
def interview_new(request: HttpRequest, participant_id: int) -> HttpResponse:
    participant = _participant_or_404(request, participant_id)
    if not scope.may_code(request.user, participant):
        raise PermissionDenied("Only researchers and analysts who code this authority's answers record interviews")
    if request.method != "POST":
        return redirect("selfeval:participant", participant.pk)
    form = InterviewForm(request.POST, participant=participant)
    if form.is_valid():
        try:
            response = services.start_interview(
                participant=participant,
                instrument_code=form.cleaned_data["instrument"],
                key_group=form.cleaned_data["key_group"],
                interviewer=request.user,
            )
        except RuleBroken as problem:
            form.add_error(None, str(problem))
        else:
            return redirect("selfeval:interview_start", response.pk)
    return _participant_page(request, participant, interview_form=form, status=400)


# Reports


def _report_participant(request: HttpRequest, participant_id: int) -> ParticipatingAuthority:
    participant = (
        ParticipatingAuthority.objects.select_related("round", "authority", "locality")
        .filter(pk=participant_id)
        .first()
    )
    if participant is None or not scope.sees_in_full(request.user, participant):
        raise Http404("Not found")
    return participant


def _authority_report(request: HttpRequest, participant_id: int) -> tuple[ParticipatingAuthority, reports.Report]:
    participant = _report_participant(request, participant_id)
    full = request.GET.get("version") != "shared"
    return participant, reports.authority_report(participant, full=full)


@login_required
def report(request: HttpRequest, participant_id: int) -> HttpResponse:
    participant, built = _authority_report(request, participant_id)
    return render(
        request,
        "selfeval/report.html",
        {
            "report": built,
            "participant": participant,
            "round": participant.round,
            "versions": [
                ("Full version, for the authority and its Children's Trust", "?version=full", built.full),
                (
                    "Version for sharing beyond the authority (small counts suppressed)",
                    "?version=shared",
                    not built.full,
                ),
            ],
            "exports": _exports("selfeval:report", participant.pk, built.full),
            "trends_url": reverse("selfeval:trends", args=[participant.pk]),
        },
    )


def _exports(name: str, pk: int, full: bool) -> list[tuple[str, str]]:
    query = "" if full else "?version=shared"
    return [
        ("Download as PDF", reverse(f"{name}_pdf", args=[pk]) + query),
        ("Download as a spreadsheet (XLSX)", reverse(f"{name}_xlsx", args=[pk]) + query),
    ]


def _consortium_report(request: HttpRequest, round_id: int) -> tuple[Round, reports.Report]:
    _require(request, Action.VIEW_SELFEVAL_REPORTS)
    round_ = _round_or_404(round_id)
    names = set(scope.full_view_participants(request.user, round_).values_list("pk", flat=True))
    own = scope.own_participant(request.user, round_)
    if not scope.runs_rounds(request.user):
        names = set()
    return round_, reports.consortium_report(round_, names_shown_for=names, own=own.pk if own else None)


@login_required
def consortium(request: HttpRequest, round_id: int) -> HttpResponse:
    round_, built = _consortium_report(request, round_id)
    return render(
        request,
        "selfeval/report.html",
        {"report": built, "round": round_, "exports": _exports("selfeval:consortium", round_.pk, True)},
    )


@login_required
def trends(request: HttpRequest, participant_id: int) -> HttpResponse:
    participant = _report_participant(request, participant_id)
    built = reports.trends(participant.authority, full=True)
    return render(
        request, "selfeval/report.html", {"report": built, "participant": participant, "round": participant.round}
    )


def _download(content: bytes, name: str, kind: str) -> HttpResponse:
    types = {
        "pdf": "application/pdf",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    response = HttpResponse(content, content_type=types[kind])
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return response


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


@login_required
def report_pdf(request: HttpRequest, participant_id: int) -> HttpResponse:
    participant, built = _authority_report(request, participant_id)
    return _download(exports.pdf(built), _slug(f"{participant.authority.name} {participant.round.name}"), "pdf")


@login_required
def report_xlsx(request: HttpRequest, participant_id: int) -> HttpResponse:
    participant, built = _authority_report(request, participant_id)
    return _download(exports.xlsx(built), _slug(f"{participant.authority.name} {participant.round.name}"), "xlsx")


@login_required
def consortium_pdf(request: HttpRequest, round_id: int) -> HttpResponse:
    round_, built = _consortium_report(request, round_id)
    return _download(exports.pdf(built), _slug(f"{round_.name} consortium report"), "pdf")


@login_required
def consortium_xlsx(request: HttpRequest, round_id: int) -> HttpResponse:
    round_, built = _consortium_report(request, round_id)
    return _download(exports.xlsx(built), _slug(f"{round_.name} consortium report"), "xlsx")


# Coding open answers


def _queue_filters(request: HttpRequest, round_: Round) -> tuple[ParticipatingAuthority | None, bool, str]:
    participant = None
    if request.GET.get("authority"):
        participant = chosen(scope.codable_participants(request.user, round_), request.GET["authority"])
        if participant is None:
            raise Http404("Not found")
    elif not scope.runs_rounds(request.user):
        participant = scope.codable_participants(request.user, round_).first()
        if participant is None:
            raise PermissionDenied("Your authority is not taking part in this round")
    second = request.GET.get("pass") == "second"
    query = f"?pass={'second' if second else 'first'}" + (f"&authority={participant.pk}" if participant else "")
    return participant, second, query


@login_required
def coding_queue(request: HttpRequest, round_id: int) -> HttpResponse:
    _require(request, Action.CODE_ANSWERS)
    round_ = _round_or_404(round_id)
    participant, second, _ = _queue_filters(request, round_)
    base = f"?authority={participant.pk}" if participant else ""
    joiner = "&" if base else "?"
    passes = [
        {
            "title": "First coding",
            "text": "Open answers nobody has coded yet. These codes are the record the reports use.",
            "count": queries.coding_queue(round_, request.user, second=False, participant=participant).count(),
            "href": reverse("selfeval:code_next", args=[round_.pk]) + base + f"{joiner}pass=first",
        },
        {
            "title": "Second coding",
            "text": "Answers another coder has coded and you have not. Your codes measure agreement (Cohen's kappa) "
            "and do not change the reports.",
            "count": queries.coding_queue(round_, request.user, second=True, participant=participant).count(),
            "href": reverse("selfeval:code_next", args=[round_.pk]) + base + f"{joiner}pass=second",
        },
    ]
    return render(
        request,
        "selfeval/coding_queue.html",
        {
            "round": round_,
            "participant": participant,
            "passes": passes,
            "total": queries.codable_answers(round_, participant).count(),
        },
    )


@login_required
def code_next(request: HttpRequest, round_id: int) -> HttpResponse:
    _require(request, Action.CODE_ANSWERS)
    round_ = _round_or_404(round_id)
    participant, second, query = _queue_filters(request, round_)
    answer = queries.coding_queue(round_, request.user, second=second, participant=participant).first()
    if answer is None:
        messages.success(request, "There are no more answers to code in this pass")
        return redirect(reverse("selfeval:coding_queue", args=[round_.pk]) + query)
    return redirect(reverse("selfeval:code_answer", args=[answer.pk]) + query)


@login_required
def code_answer(request: HttpRequest, answer_id: int) -> HttpResponse:
    _require(request, Action.CODE_ANSWERS)
    answer = (
        Answer.objects.select_related("question__instrument", "response__participant__round")
        .filter(pk=answer_id, response__submitted_at__isnull=False, question__kind="text")
        .exclude(question__scheme="")
        .first()
    )
    if answer is None or not scope.may_code(request.user, answer.response.participant):
        raise Http404("Not found")
    round_ = answer.response.participant.round
    _, second, query = _queue_filters(request, round_)
    codes = list(Code.objects.filter(codebook=services.current_codebook(), scheme=answer.question.scheme))
    suggested = suggestions.suggest([answer]).get(answer.pk, [])
    mine = Coding.objects.filter(answer=answer, coder=request.user).prefetch_related("codes").first()
    form = CodingForm(request.POST if request.method == "POST" else None, codes=codes)
    if request.method == "POST" and form.is_valid():
        try:
            services.code_answer(
                answer=answer,
                coder=request.user,
                codes=form.cleaned_codes(),
                no_code_fits=form.no_code_fits(),
                top_suggestion=suggested[0].code if suggested else None,
            )
        except RuleBroken as problem:
            form.add_error("codes", str(problem))
        else:
            return redirect(reverse("selfeval:code_next", args=[round_.pk]) + query)
    chosen = form.chosen() if form.is_bound else ([str(c.pk) for c in mine.codes.all()] if mine else [])
    if mine and not mine.codes.exists() and not form.is_bound:
        chosen = ["none"]
    return render(
        request,
        "selfeval/code_answer.html",
        {
            "form": form,
            "answer": answer,
            "round": round_,
            "question_text": wording(
                answer.question.text, answer.response.key_group, answer.question.instrument.audience
            ),
            "group": RespondentGroup(answer.response.respondent_group).label,
            "items": form.items(suggested, chosen),
            "scheme": answer.question.scheme,
            "second": second,
            "skip": reverse("selfeval:coding_queue", args=[round_.pk]) + query,
            "suggested": suggested[: suggestions.SHOWN],
        },
    )


@login_required
def agreement(request: HttpRequest, round_id: int) -> HttpResponse:
    _require(request, Action.CODE_ANSWERS)
    round_ = _round_or_404(round_id)
    labels = queries.codebook_labels()
    return render(
        request,
        "selfeval/agreement.html",
        {"round": round_, "figures": queries.agreement(round_), "labels": labels, "model": suggestions.MODEL_NAME},
    )

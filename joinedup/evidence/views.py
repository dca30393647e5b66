"""The evidence pages: the impact model, outcomes over time, cohorts. Thin: decide through the one
access policy, call evidence's functions, render. Every table downloads as CSV or XLSX with the
same cells the page shows."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from joinedup.access.policy import Action, decide
from joinedup.audit import services as audit

from . import extracts, pages
from .cohorts import Definition
from .forms import CohortForm, ComparisonForm, OutcomesForm, ResearchExtractForm, ReturnForm
from .measures import MeasuresNotBuilt
from .models import Cohort
from .pages import areas_for, disclosure_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(content: bytes, content_type: str, file_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{pages.safe_file_name(file_name)}"'
    return response


EVIDENCE_PAGES = [
    ("evidence:impact", "Impact model", Action.VIEW_IMPACT_MODEL),
    ("evidence:families", "Whole-family outcomes", Action.VIEW_IMPACT_MODEL),
    ("evidence:outcomes", "Outcomes over time", Action.VIEW_EVIDENCE),
    ("evidence:comparison", "Did help make a difference?", Action.VIEW_EVIDENCE),
    ("evidence:cohorts", "Cohorts", Action.VIEW_EVIDENCE),
    ("evidence:returns", "Returns", Action.MAKE_RETURNS),
    ("evidence:research_extract", "Extracts for research", Action.MAKE_RESEARCH_EXTRACT),
]


def _render(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    """Render an evidence page with the links to the other evidence pages this reader may open."""
    current = request.resolver_match.view_name if request.resolver_match else ""
    links = [
        {"href": reverse(name), "text": label, "current": name == current}
        for name, label, action in EVIDENCE_PAGES
        if decide(request.user, action)
    ]
    return render(request, template, {**context, "evidence_links": links}, status=status)


def _allowed(request: HttpRequest, action: Action) -> None:
    decision = decide(request.user, action)
    if not decision:
        raise PermissionDenied(decision.reason)


def _not_built(request: HttpRequest, title: str) -> HttpResponse:
    return _render(request, "evidence/not_built.html", {"title": title}, status=503)


def _no_area(request: HttpRequest, title: str) -> HttpResponse:
    """A service manager who manages no team or locality yet has no area whose figures to show."""
    return _render(request, "evidence/no_area.html", {"title": title})


def _chosen_area(request: HttpRequest, areas: list[tuple[int | None, str]]) -> tuple[tuple[int | None, str], dict]:
    """The area asked for (or the reader's first), and the area choices for the page."""
    area = next((a for a in areas if str(a[0] or "") == request.GET.get("area", "")), areas[0])
    items = [{"value": key or "", "text": name, "selected": key == area[0]} for key, name in areas]
    return area, {"areas": areas, "area": area, "area_items": items}


@login_required
def impact(request: HttpRequest) -> HttpResponse:
    _allowed(request, Action.VIEW_IMPACT_MODEL)
    areas = areas_for(request.user)
    if not areas:
        return _no_area(request, "The impact model")
    area, choices = _chosen_area(request, areas)
    disclosure = disclosure_for(request.user)
    try:
        built, sections = pages.impact_model_sections(locality_id=area[0], disclosure=disclosure)
    except MeasuresNotBuilt:
        return _not_built(request, "The impact model")
    title = f"What difference does integrated working make? {area[1]} ({built})"
    download = _download(request, sections, f"impact-model-{area[1]}", report_title=title)
    if download is not None:
        return download
    context = {**choices, "built": built, "sections": sections, "disclosure": disclosure}
    return _render(request, "evidence/impact.html", context)


@login_required
def families(request: HttpRequest) -> HttpResponse:
    _allowed(request, Action.VIEW_IMPACT_MODEL)
    areas = areas_for(request.user)
    if not areas:
        return _no_area(request, "Whole-family outcomes")
    area, choices = _chosen_area(request, areas)
    disclosure = disclosure_for(request.user)
    try:
        sections = pages.family_sections(locality_id=area[0], disclosure=disclosure)
    except MeasuresNotBuilt:
        return _not_built(request, "Whole-family outcomes")
    download = _download(request, sections, f"families-{area[1]}")
    if download is not None:
        return download
    return _render(request, "evidence/families.html", {**choices, "sections": sections, "disclosure": disclosure})


def _cohort_page(request: HttpRequest, *, form_class, defaults: dict, title: str, template: str, build):
    """A page of figures about a measure for a cohort the reader chose: `build(data, definition,
    disclosure)` makes its sections from the form's cleaned data."""
    _allowed(request, Action.VIEW_EVIDENCE)
    cohorts = visible_cohorts(request.user)
    form = form_class(request.GET or defaults, cohorts=cohorts)
    sections, cohort = [], None
    disclosure = disclosure_for(request.user)
    if form.is_valid():
        cohort = next((c for c in cohorts if c.id == form.cleaned_data["cohort"]), None)
        definition = Definition.from_json(cohort.definition) if cohort else Definition()
        try:
            sections = build(form.cleaned_data, definition, disclosure)
        except MeasuresNotBuilt:
            return _not_built(request, title)
        download = _download(request, sections, f"{pages.safe_file_name(title)}-{form.cleaned_data['measure']}")
        if download is not None:
            return download
    context = {"form": form, "sections": sections, "cohort": cohort, "disclosure": disclosure}
    return _render(request, template, context)


@login_required
def outcomes(request: HttpRequest) -> HttpResponse:
    return _cohort_page(
        request,
        form_class=OutcomesForm,
        defaults={"measure": "attendance_rate", "by": "key_group"},
        title="Outcomes over time",
        template="evidence/outcomes.html",
        build=lambda data, definition, disclosure: pages.outcome_sections(
            code=data["measure"], by=data["by"], cohort=definition, disclosure=disclosure
        ),
    )


@login_required
def comparison(request: HttpRequest) -> HttpResponse:
    return _cohort_page(
        request,
        form_class=ComparisonForm,
        defaults={"measure": "attendance_rate"},
        title="Comparisons",
        template="evidence/comparison.html",
        build=lambda data, definition, disclosure: pages.comparison_sections(
            code=data["measure"], cohort=definition, disclosure=disclosure
        ),
    )


@login_required
def returns(request: HttpRequest) -> HttpResponse:
    """Ofsted's Annex A list 2 for a period and the Standard Safeguarding Dataset's early help
    tables. They name children, so only analysts make them; the form asks the worker to make one
    (jobs:start_return), and each one made is audited."""
    _allowed(request, Action.MAKE_RETURNS)
    today = timezone.localdate()
    year_ago = today - timedelta(days=365)
    defaults = {
        "period_start_day": year_ago.day, "period_start_month": year_ago.month, "period_start_year": year_ago.year,
        "period_end_day": today.day, "period_end_month": today.month, "period_end_year": today.year,
        "child_id": "la_child_id",
    }  # fmt: skip
    return returns_page(request, ReturnForm(defaults))


def returns_page(request: HttpRequest, form: ReturnForm, status: int = 200) -> HttpResponse:
    """The returns form, also shown again with its errors by the view that starts the job."""
    context = {"form": form, "retention_days": settings.JOINEDUP_EXPORT_RETENTION_DAYS}
    return _render(request, "evidence/returns.html", context, status=status)


@login_required
def research_extract(request: HttpRequest) -> HttpResponse:
    """The form asks the worker to make the extract (jobs:start_research_extract)."""
    _allowed(request, Action.MAKE_RESEARCH_EXTRACT)
    return research_extract_page(request, research_extract_form(request.user))


def research_extract_form(user, data=None) -> ResearchExtractForm:
    return ResearchExtractForm(data, uses=extracts.uses().values(), cohorts=visible_cohorts(user))


def research_extract_page(request: HttpRequest, form: ResearchExtractForm, status: int = 200) -> HttpResponse:
    context = {"form": form, "retention_days": settings.JOINEDUP_EXPORT_RETENTION_DAYS}
    return _render(request, "evidence/research_extract.html", context, status=status)


def visible_cohorts(user) -> list[Cohort]:
    return list(Cohort.objects.filter(Q(created_by=user) | Q(shared=True)).select_related("created_by"))


@login_required
def cohorts(request: HttpRequest) -> HttpResponse:
    _allowed(request, Action.VIEW_EVIDENCE)
    names = pages.locality_names()
    saved = visible_cohorts(request.user)
    listed = [(each, Definition.from_json(each.definition).described(names)) for each in saved]
    can_build = decide(request.user, Action.MANAGE_COHORTS).allowed
    return _render(request, "evidence/cohorts.html", {"cohorts": listed, "can_build": can_build})


@login_required
@require_http_methods(["GET", "POST"])
def new_cohort(request: HttpRequest) -> HttpResponse:
    _allowed(request, Action.MANAGE_COHORTS)
    form = CohortForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cohort = Cohort.objects.create(
            name=form.cleaned_data["name"],
            definition=form.definition().to_json(),
            created_by=request.user,
            shared=form.cleaned_data["shared"],
        )
        audit.record(
            actor=request.user,
            verb="defined_cohort",
            legal_basis="Evaluating the impact of early help (public task)",
            target=cohort,
            detail={"name": cohort.name},
        )
        messages.success(request, f"Cohort “{cohort.name}” saved")
        return redirect("evidence:cohort", cohort.id)
    return _render(request, "evidence/cohort_form.html", {"form": form})


@login_required
def cohort(request: HttpRequest, cohort_id: int) -> HttpResponse:
    _allowed(request, Action.VIEW_EVIDENCE)
    found = next((c for c in visible_cohorts(request.user) if c.id == cohort_id), None)
    if found is None:
        raise Http404("No such cohort")
    definition = Definition.from_json(found.definition)
    disclosure = disclosure_for(request.user)
    try:
        size = pages.cohort_size(definition, disclosure)
    except MeasuresNotBuilt:  # the definition still shows; the figures come once the measures are built
        size = None
    context = {
        "cohort": found,
        "described": definition.described(pages.locality_names()),
        "size": size,
        "disclosure": disclosure,
    }
    return _render(request, "evidence/cohort.html", context)


def _download(
    request: HttpRequest, sections: list[pages.Section], name: str, *, report_title: str | None = None
) -> HttpResponse | None:
    """?download=csv&table=KEY (one table), ?download=xlsx (every table of the page, a sheet each),
    or, where the page has a `report_title`, ?download=pdf (the page as a board report)."""
    kind = request.GET.get("download")
    if kind not in ("csv", "xlsx") and not (kind == "pdf" and report_title):
        return None
    disclosure = disclosure_for(request.user)
    tables = [table for section in sections for table in section.tables]
    if kind == "csv":
        table = next((t for t in tables if t.key == request.GET.get("table")), None)
        if table is None:
            raise Http404("No such table on this page")
        content, file_name, content_type = pages.csv_of(table), f"{name}-{table.key}.csv", "text/csv; charset=utf-8"
    elif kind == "xlsx":
        content, file_name, content_type = pages.xlsx_of(tables), f"{name}.xlsx", XLSX
    else:
        content = pages.board_report_of(report_title, sections, shared_outside=not disclosure.full)
        file_name, content_type = f"{name}.pdf", "application/pdf"
    audit.record(
        actor=request.user,
        verb="downloaded_evidence",
        legal_basis="Evaluating the impact of early help (public task)",
        detail={"file": file_name, "path": request.path, "suppressed": not disclosure.full},
    )
    return _attachment(content, content_type, file_name)

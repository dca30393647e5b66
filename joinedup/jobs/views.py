"""The jobs pages: start an import, a linkage run, a build, a return or a research extract;
watch it; read an import's rejects; download an export. Thin: the access policy decides (through
the job's kind), services start the work."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from joinedup.access.policy import Action, decide
from joinedup.audit import services as audit
from joinedup.evidence import views as evidence_views
from joinedup.evidence.forms import ReturnForm
from joinedup.evidence.partner_returns import RETURNS

from . import queries, services
from .forms import ImportForm
from .kinds import KINDS, export_path
from .models import Job, JobKind

JOBS_LISTED = 50
FOLLOWED = "jobs_followed"  # the session's jobs whose following is already audited
FOLLOWED_KEPT = 20
JOBS_BASIS = "Staff checking the imports and other background work they may start"


def _may_start(request: HttpRequest, kind: str) -> None:
    """Refused before any input is read; the service asks the same (queries.may_start) again."""
    decision = queries.may_start(request.user, kind)
    if not decision:
        raise PermissionDenied(decision.reason)


def _job_or_404(request: HttpRequest, job_id: int, verb: str, *, audited: bool = True) -> Job:
    """The job, its read audited; absent and not allowed both look absent, as access.get_or_404
    does for a child's records (a job names no child, so it is decided here by its kind)."""
    job, decision = queries.job_for(request.user, job_id)
    if job is None:
        raise Http404("No such job")
    if not decision:
        audit.record(actor=request.user, verb=f"refused_{verb}", target=job, legal_basis=decision.reason)
        raise Http404("No such job")
    if audited:
        audit.record(actor=request.user, verb=verb, target=job, legal_basis=KINDS[job.kind].basis_for(job))
    return job


def _started(request: HttpRequest, job: Job, new: bool) -> HttpResponse:
    if new:
        messages.success(request, f"{job.get_kind_display()} is queued: this page shows how it goes")
    else:
        messages.success(request, "This was already asked for and has not finished: this is that job")
    return redirect("jobs:job", job_id=job.pk)


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    decision = decide(request.user, Action.RUN_JOBS)
    if not decision:
        raise PermissionDenied(decision.reason)
    jobs = list(queries.jobs_for(request.user)[:JOBS_LISTED])
    audit.record(
        actor=request.user, verb="listed_jobs", legal_basis=JOBS_BASIS, detail={"jobs": [job.pk for job in jobs]}
    )
    kinds = set(queries.kinds_for(request.user))
    return render(
        request,
        "jobs/list.html",
        {
            "jobs": jobs,
            "can_import": JobKind.IMPORT_EXTRACT in kinds,
            "can_link": JobKind.LINK_INDEX in kinds,
            "can_build": JobKind.BUILD_MEASURES in kinds,
            "can_return": JobKind.MAKE_RETURN in kinds,
            "can_extract": JobKind.MAKE_RESEARCH_EXTRACT in kinds,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_import(request: HttpRequest) -> HttpResponse:
    _may_start(request, JobKind.IMPORT_EXTRACT)
    posted = request.method == "POST"
    form = ImportForm(
        request.POST if posted else None, request.FILES if posted else None, sources=queries.source_choices()
    )
    if posted and form.is_valid():
        source = form.chosen_source()
        job, new = services.start_import(
            source_file=source.file_name,
            source=source.name,
            files=form.cleaned_data["extract"],
            submitted_by=request.user,
        )
        return _started(request, job, new)
    return render(request, "jobs/import_form.html", {"form": form})


@login_required
@require_POST
def start_linkage(request: HttpRequest) -> HttpResponse:
    _may_start(request, JobKind.LINK_INDEX)
    return _started(request, *services.start_linkage(submitted_by=request.user))


@login_required
@require_POST
def start_measures_build(request: HttpRequest) -> HttpResponse:
    _may_start(request, JobKind.BUILD_MEASURES)
    return _started(request, *services.start_measures_build(submitted_by=request.user))


@login_required
@require_POST
def start_return(request: HttpRequest) -> HttpResponse:
    """The returns page's form (evidence:returns) asks for a return; the worker makes it."""
    _may_start(request, JobKind.MAKE_RETURN)
    form = ReturnForm(request.POST)
    which = request.POST.get("return")
    if which not in RETURNS:
        form.add_error(None, "Choose which return to make")
    if not form.is_valid():
        return evidence_views.returns_page(request, form, status=400)
    data = form.cleaned_data
    job, new = services.start_return(
        which=which,
        period_start=data["period_start"],
        period_end=data["period_end"],
        child_id=data["child_id"],
        file_format=request.POST.get("download", "xlsx"),
        submitted_by=request.user,
    )
    return _started(request, job, new)


@login_required
@require_POST
def start_research_extract(request: HttpRequest) -> HttpResponse:
    """The research extract page's form (evidence:research_extract) asks for an extract."""
    _may_start(request, JobKind.MAKE_RESEARCH_EXTRACT)
    form = evidence_views.research_extract_form(request.user, request.POST)
    if not form.is_valid():
        return evidence_views.research_extract_page(request, form, status=400)
    data = form.cleaned_data
    job, new = services.start_research_extract(
        use=data["use"],
        project=data["project"],
        purpose=data["purpose"],
        cohort_id=data["cohort"],
        submitted_by=request.user,
    )
    return _started(request, job, new)


@login_required
@require_POST
def confirm_held_import(request: HttpRequest, job_id: int) -> HttpResponse:
    """From a held import's page: the records really have left the agency's extract, so apply it."""
    held_import = _job_or_404(request, job_id, "viewed_job")
    _may_start(request, JobKind.CONFIRM_HELD_IMPORT)
    try:
        return _started(request, *services.start_confirmation(held_import=held_import, submitted_by=request.user))
    except services.NotHeld:
        messages.error(request, "This import is no longer waiting to be confirmed")
        return redirect("jobs:job", job_id=held_import.pk)


@login_required
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_or_404(request, job_id, "viewed_job")
    context = {
        "job": job,
        "attempts": list(job.attempt_history.all()),
        "rejects": queries.rejects_of(job) if job.kind == JobKind.IMPORT_EXTRACT else None,
        "can_confirm": services.is_held(job) and queries.may_start(request.user, JobKind.CONFIRM_HELD_IMPORT),
        "export": KINDS[job.kind].own,
        "export_file": export_path(job) if KINDS[job.kind].own else None,
        "retention_days": settings.JOINEDUP_EXPORT_RETENTION_DAYS,
        "returns": RETURNS,
    }
    return render(request, "jobs/job.html", context)


@login_required
def job_progress(request: HttpRequest, job_id: int) -> JsonResponse:
    """How far the job has got, for the job page to follow without reloading (jobs/job.js). The
    page asks every three seconds: the first ask of a session is audited, the look it belongs to,
    not each ask (a refused ask is audited every time)."""
    followed = request.session.get(FOLLOWED, [])
    job = _job_or_404(request, job_id, "followed_job", audited=job_id not in followed)
    if job_id not in followed:
        request.session[FOLLOWED] = [*followed, job_id][-FOLLOWED_KEPT:]
    return JsonResponse(
        {
            "status": job.get_status_display(),
            "finished": job.finished,
            "done": job.progress_done,
            "total": job.progress_total,
            "message": job.progress_message,
        }
    )


@login_required
def job_download(request: HttpRequest, export_id: int) -> HttpResponse:
    """An export's file, for the person who asked for it; each download is audited."""
    job = _job_or_404(request, export_id, "downloaded_export")
    path = export_path(job) if KINDS[job.kind].own else None
    if path is None:
        raise Http404("This job has no file to download, or it has been deleted")
    response = HttpResponse(path.read_bytes(), content_type=job.result["content_type"])
    response["Content-Disposition"] = f'attachment; filename="{path.name}"'
    return response


@login_required
def job_rejects(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_or_404(request, job_id, "downloaded_rejects")
    path = queries.rejects_file(job)
    if path is None:
        raise Http404("This job has no rejects")
    # Read whole (a rejects file is the size of the rows rejected): a streamed file is left open
    # by whoever does not read it to the end.
    response = HttpResponse(path.read_bytes(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="job-{job.pk}-rejects.csv"'
    return response

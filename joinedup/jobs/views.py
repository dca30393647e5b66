"""The jobs pages: start an import, a linkage run or a build; watch it; read an import's
rejects. Thin: the access policy decides (through the job's kind), services start the work."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from joinedup.access.policy import Action, decide
from joinedup.audit import services as audit

from . import queries, services
from .forms import ImportForm
from .kinds import KINDS
from .models import Job, JobKind

JOBS_LISTED = 50
JOBS_BASIS = "Staff checking the imports and other background work they may start"


def _allowed(request: HttpRequest, action: Action) -> None:
    decision = decide(request.user, action)
    if not decision:
        raise PermissionDenied(decision.reason)


def _job_or_404(request: HttpRequest, job_id: int, verb: str) -> Job:
    """The job, its read audited; absent and not allowed both look absent, as access.get_or_404
    does for a child's records (a job names no child, so it is decided here by its kind)."""
    job, decision = queries.job_for(request.user, job_id)
    if job is None:
        raise Http404("No such job")
    if not decision:
        audit.record(actor=request.user, verb=f"refused_{verb}", target=job, legal_basis=decision.reason)
        raise Http404("No such job")
    audit.record(actor=request.user, verb=verb, target=job, legal_basis=KINDS[job.kind].legal_basis)
    return job


def _started(request: HttpRequest, job: Job, new: bool) -> HttpResponse:
    if new:
        messages.success(request, f"{job.get_kind_display()} is queued: this page shows how it goes")
    else:
        messages.success(request, "This was already asked for and has not finished: this is that job")
    return redirect("jobs:job", job_id=job.pk)


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    _allowed(request, Action.RUN_JOBS)
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
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_import(request: HttpRequest) -> HttpResponse:
    _allowed(request, Action.IMPORT_EXTRACT)
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
    _allowed(request, Action.LINK_INDEX)
    return _started(request, *services.start_linkage(submitted_by=request.user))


@login_required
@require_POST
def start_measures_build(request: HttpRequest) -> HttpResponse:
    _allowed(request, Action.BUILD_MEASURES)
    return _started(request, *services.start_measures_build(submitted_by=request.user))


@login_required
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_or_404(request, job_id, "viewed_job")
    context = {
        "job": job,
        "attempts": list(job.attempt_history.all()),
        "rejects": queries.rejects_of(job) if job.kind == JobKind.IMPORT_EXTRACT else None,
    }
    return render(request, "jobs/job.html", context)


@login_required
def job_progress(request: HttpRequest, job_id: int) -> JsonResponse:
    """How far the job has got, for the job page to follow without reloading (jobs/job.js)."""
    job = _job_or_404(request, job_id, "followed_job")
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

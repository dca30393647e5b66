"""Starting and running background jobs.

Asking twice for the same work (a double click, the same upload from two tabs) finds the job
already asked for: a unique constraint allows one unfinished job per dedupe key. The job row and
its queued task are written in one transaction, so neither exists without the other. A run that
fails is tried again after JOINEDUP_JOB_RETRY_SECONDS, then twice that, and so on, up to the
job's max_attempts; every attempt's error is kept. Work that cannot succeed as asked (an extract
that is not what its source file describes) fails at once, with its reasons. A running job writes a
heartbeat; one whose heartbeat stopped lost its worker, and is tried again like any failure."""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import get_valid_filename
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from joinedup.audit import services as audit
from joinedup.index.models import BatchStatus
from joinedup.index.queries import awaiting_confirmation

from .kinds import KINDS, JobRefused, exports_folder
from .models import UNFINISHED, Job, JobAttempt, JobKind, JobStatus
from .progress import RUNNING_HERE, Heartbeat, JobProgress
from .queries import may_start

UPLOADS = "uploads"
# An upload is stored a moment before its job is written: one younger than this is not left behind.
UPLOAD_GRACE_SECONDS = 3600
WORKER_LOST = "The worker stopped without finishing (it was killed, or its machine lost)"


class NotAllowed(Exception):
    """The access policy refused; the message is the policy's reason."""


class NotHeld(Exception):
    """A confirmation was asked of an import that is not waiting for one."""


def start_import(*, source_file: str, source: str, files: list[UploadedFile], submitted_by: Any) -> tuple[Job, bool]:
    """Keep the uploaded extract under VAR_DIR and queue its import. Returns the job and whether
    it is new (False: the same extract of the same source is already waiting or importing)."""
    _may(submitted_by, JobKind.IMPORT_EXTRACT)  # before keeping the files of someone refused
    upload, digest = store_upload(files)
    parameters = {
        "source_file": source_file,
        "source": source,
        "upload": str(upload.relative_to(Path(settings.VAR_DIR))),
        "files": sorted(path.name for path in upload.iterdir()),
        "sha256": digest,
    }
    return submit_job(
        kind=JobKind.IMPORT_EXTRACT,
        parameters=parameters,
        dedupe_key=_key(JobKind.IMPORT_EXTRACT, source_file, digest),
        submitted_by=submitted_by,
    )


def start_confirmation(*, held_import: Job, submitted_by: Any) -> tuple[Job, bool]:
    """Queue the confirmation of an import the guard held, reading the upload it kept. Asked twice,
    it is one job; asked of an import that is not held, it is refused (NotHeld)."""
    _may(submitted_by, JobKind.CONFIRM_HELD_IMPORT)
    if not is_held(held_import):
        raise NotHeld(f"Job {held_import.pk} is not an import waiting to be confirmed")
    batch = held_import.result["batch"]
    parameters = {
        "batch": batch,
        "import_job": held_import.pk,
        "source": held_import.parameters["source"],
        "upload": held_import.parameters["upload"],
        "files": held_import.parameters["files"],
    }
    return submit_job(
        kind=JobKind.CONFIRM_HELD_IMPORT,
        parameters=parameters,
        dedupe_key=_key(JobKind.CONFIRM_HELD_IMPORT, str(batch)),
        submitted_by=submitted_by,
    )


def is_held(job: Job) -> bool:
    """Whether this import job's batch is held by the guard still (not confirmed, not superseded)."""
    if job.kind != JobKind.IMPORT_EXTRACT or job.result.get("status") != BatchStatus.HELD:
        return False
    return awaiting_confirmation().filter(pk=job.result.get("batch")).exists()


def start_linkage(*, submitted_by: Any) -> tuple[Job, bool]:
    # One linkage at a time, whatever was asked: two would give the same records two children.
    return submit_job(
        kind=JobKind.LINK_INDEX, parameters={}, dedupe_key=_key(JobKind.LINK_INDEX), submitted_by=submitted_by
    )


def start_measures_build(*, submitted_by: Any) -> tuple[Job, bool]:
    return submit_job(
        kind=JobKind.BUILD_MEASURES,
        parameters={},
        dedupe_key=_key(JobKind.BUILD_MEASURES),
        submitted_by=submitted_by,
    )


def start_return(
    *, which: str, period_start: date, period_end: date, child_id: str, file_format: str, submitted_by: Any
) -> tuple[Job, bool]:
    """Queue a partner return (Annex A list 2, the Standard Safeguarding Dataset) to be made."""
    return start_export(
        kind=JobKind.MAKE_RETURN,
        parameters={
            "return": which,
            "period_start": period_start.isoformat(),
            "period_end": period_end.isoformat(),
            "child_id": child_id,
            "format": file_format if file_format == "csv" and which == "annex_a" else "xlsx",
        },
        submitted_by=submitted_by,
    )


def start_research_extract(
    *, use: str, project: str, purpose: str, cohort_id: int | None, submitted_by: Any
) -> tuple[Job, bool]:
    """Queue a de-identified extract for research to be made."""
    return start_export(
        kind=JobKind.MAKE_RESEARCH_EXTRACT,
        parameters={"use": use, "project": project, "purpose": purpose, "cohort": cohort_id},
        submitted_by=submitted_by,
    )


def start_export(*, kind: str, parameters: dict, submitted_by: Any) -> tuple[Job, bool]:
    """The same export with the same parameters, asked for again by the same person while one is
    unfinished, finds that one; someone else asking makes their own (an export is its maker's)."""
    asked = hashlib.sha256(json.dumps(parameters, sort_keys=True).encode()).hexdigest()
    return submit_job(
        kind=kind,
        parameters=parameters,
        dedupe_key=_key(kind, str(submitted_by.pk), asked),
        submitted_by=submitted_by,
    )


def submit_job(*, kind: str, parameters: dict, dedupe_key: str, submitted_by: Any) -> tuple[Job, bool]:
    """Queue a job unless the same one is unfinished; audited either way."""
    from .tasks import run_job

    _may(submitted_by, kind)
    try:
        with transaction.atomic():
            job = Job.objects.create(
                kind=kind,
                parameters=parameters,
                dedupe_key=dedupe_key,
                max_attempts=settings.JOINEDUP_JOB_MAX_ATTEMPTS,
                submitted_by=submitted_by,
            )
            job.task_result_id = run_job.enqueue(job_id=job.pk).id
            job.save(update_fields=["task_result_id"])
            _audit_start(job, submitted_by, already_asked=False)
        return job, True
    except IntegrityError:
        # The same work is unfinished: the unique constraint refused this one.
        pass
    job = Job.objects.filter(dedupe_key=dedupe_key, status__in=UNFINISHED).first()
    if job is None:  # it finished in the moment between: ask again
        return submit_job(kind=kind, parameters=parameters, dedupe_key=dedupe_key, submitted_by=submitted_by)
    _audit_start(job, submitted_by, already_asked=True)
    return job, False


def run_job(*, job_id: int) -> dict[str, Any]:
    """One attempt at a job, in the worker (the task joinedup.jobs.tasks.run_job calls this)."""
    job = _begin_attempt(job_id)
    if job is None:  # a task for a job that is no longer waiting for it
        return {"job": job_id, "ran": False}
    progress = JobProgress(job)
    try:
        with Heartbeat(job):
            result = KINDS[job.kind].run(job, progress)
    except JobRefused as refusal:
        _end_attempt(job, status=JobStatus.FAILED, error=str(refusal), result=refusal.result)
        return {"job": job.pk, "status": JobStatus.FAILED}
    except BaseException as error:  # also the worker stopped mid-run (SystemExit): it is tried again
        _after_failure(job, error)
        raise
    finally:
        progress.close()
    _end_attempt(job, status=JobStatus.SUCCEEDED, result=result)
    return {"job": job.pk, "status": JobStatus.SUCCEEDED}


def release_lost_jobs() -> list[int]:
    """Jobs "Running" whose heartbeat stopped longer ago than JOINEDUP_JOB_HEARTBEAT_TIMEOUT_SECONDS
    lost their worker (killed with SIGKILL, the machine lost): nothing else would ever finish them,
    and they would block the same work being asked for again. Each such attempt is recorded as
    failed and the job tried again, as after any failure, or failed once it has had its attempts.
    The worker calls this when it starts and every JOINEDUP_JOB_SWEEP_SECONDS."""
    limit = timezone.now() - timedelta(seconds=settings.JOINEDUP_JOB_HEARTBEAT_TIMEOUT_SECONDS)
    silent = Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, started_at__lt=limit)
    lost = Job.objects.filter(silent, status=JobStatus.RUNNING).exclude(pk__in=RUNNING_HERE)
    released = []
    for job_id in lost.values_list("pk", flat=True):
        with transaction.atomic():
            # Asked again under the row's lock: a beat may have come since.
            job = Job.objects.select_for_update().filter(silent, pk=job_id, status=JobStatus.RUNNING).first()
            if job is None:
                continue
            DBTaskResult.objects.filter(pk=job.task_result_id, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.FAILED, finished_at=timezone.now()
            )
            _retry_or_fail(job, WORKER_LOST)
        released.append(job_id)
    return released


def retry_delay(attempts_made: int) -> timedelta:
    """How long to wait after the n-th failed attempt: the base delay, then doubling."""
    return timedelta(seconds=settings.JOINEDUP_JOB_RETRY_SECONDS * 2 ** (attempts_made - 1))


def store_upload(files: Iterable[UploadedFile]) -> tuple[Path, str]:
    """Write uploaded files to a folder under VAR_DIR named by their content, and return it with
    its hash. The same files again find the folder already there, so a job never reads a file
    while another upload rewrites it."""
    root = Path(settings.VAR_DIR) / UPLOADS
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=root, prefix=".arriving-"))
    try:
        digest = hashlib.sha256()
        for upload in sorted(files, key=lambda f: f.name):
            name = get_valid_filename(Path(upload.name).name)
            digest.update(name.encode() + b"\0")
            with (staging / name).open("wb") as handle:
                for chunk in upload.chunks():
                    digest.update(chunk)
                    handle.write(chunk)
        folder = root / digest.hexdigest()
        try:
            staging.rename(folder)
        except OSError:
            if not folder.is_dir():  # not the same upload arriving from another tab: a real failure
                raise
        return folder, digest.hexdigest()
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def _may(user: Any, kind: str) -> None:
    decision = may_start(user, kind)
    if not decision:
        raise NotAllowed(decision.reason)


def _key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _audit_start(job: Job, user: Any, *, already_asked: bool) -> None:
    audit.record(
        actor=user,
        verb="started_job",
        target=job,
        legal_basis=KINDS[job.kind].basis_for(job),
        detail={"kind": job.kind, "already_asked": already_asked, **_described(job.parameters)},
    )


def _described(parameters: dict) -> dict:
    described = ("source", "files", "sha256", "return", "period_start", "period_end", "use", "project", "cohort")
    return {key: parameters[key] for key in described if key in parameters}


def _begin_attempt(job_id: int) -> Job | None:
    with transaction.atomic():
        job = Job.objects.select_for_update(of=("self",)).select_related("submitted_by").filter(pk=job_id).first()
        if job is None or job.status not in (JobStatus.QUEUED, JobStatus.WAITING_TO_RETRY):
            return None
        now = timezone.now()
        job.status, job.attempts, job.next_attempt_at = JobStatus.RUNNING, job.attempts + 1, None
        job.started_at, job.heartbeat_at = job.started_at or now, now
        job.progress_done = job.progress_total = 0
        job.progress_message = ""
        job.save(
            update_fields=[
                "status",
                "attempts",
                "next_attempt_at",
                "started_at",
                "heartbeat_at",
                "progress_done",
                "progress_total",
                "progress_message",
            ]
        )
        JobAttempt.objects.create(job=job, number=job.attempts, started_at=now)
    return job


def _end_attempt(job: Job, *, status: str, result: dict | None = None, error: str = "") -> None:
    now = timezone.now()
    with transaction.atomic():
        job = _still_this_attempt(job)
        if job is None:
            return
        job.status, job.finished_at, job.error = status, now, error
        job.result = result or {}
        job.save(update_fields=["status", "finished_at", "error", "result"])
        job.attempt_history.filter(number=job.attempts).update(
            finished_at=now, succeeded=status == JobStatus.SUCCEEDED, error=error
        )
        _when_finished(job)


def _after_failure(job: Job, error: BaseException) -> None:
    message = _in_words(error)
    if not connection.in_atomic_block:
        # The failure may be the database's (a restart): write it on a new connection, or the job
        # would stay "Running" and block the same work being asked for again.
        connection.close_if_unusable_or_obsolete()
    with transaction.atomic():
        job = _still_this_attempt(job)
        if job is not None:
            _retry_or_fail(job, message)


def _retry_or_fail(job: Job, message: str) -> None:
    """Inside the transaction holding the job's row: end its attempt as failed, then queue the
    next attempt after the back-off, or fail the job when it has had its attempts."""
    from .tasks import run_job

    now = timezone.now()
    job.error = message
    job.attempt_history.filter(number=job.attempts).update(finished_at=now, succeeded=False, error=message)
    if job.attempts < job.max_attempts:
        job.status, job.next_attempt_at = JobStatus.WAITING_TO_RETRY, now + retry_delay(job.attempts)
        job.task_result_id = run_job.using(run_after=job.next_attempt_at).enqueue(job_id=job.pk).id
    else:
        job.status, job.finished_at = JobStatus.FAILED, now
        _when_finished(job)
    job.save(update_fields=["error", "status", "next_attempt_at", "task_result_id", "finished_at"])


def _when_finished(job: Job) -> None:
    """Once the job's end is committed: an import's upload is no longer needed (its rejects are
    kept apart), unless another unfinished job reads the same files or the guard held the import:
    its confirmation reads the upload again."""
    if job.kind in (JobKind.IMPORT_EXTRACT, JobKind.CONFIRM_HELD_IMPORT):
        transaction.on_commit(lambda: _discard_upload(job))


def _discard_upload(job: Job) -> None:
    upload = job.parameters.get("upload")
    if upload and upload not in _uploads_still_read(besides=job):
        shutil.rmtree(Path(settings.VAR_DIR) / upload, ignore_errors=True)


def _uploads_still_read(*, besides: Job | None = None) -> set[str]:
    """The uploads an unfinished import or confirmation reads, and those of imports still held."""
    unfinished = Job.objects.filter(
        status__in=UNFINISHED, kind__in=[JobKind.IMPORT_EXTRACT, JobKind.CONFIRM_HELD_IMPORT]
    )
    if besides is not None:
        unfinished = unfinished.exclude(pk=besides.pk)
    read = set(unfinished.values_list("parameters__upload", flat=True))
    held_batches = set(awaiting_confirmation().values_list("pk", flat=True))
    held = Job.objects.filter(kind=JobKind.IMPORT_EXTRACT, result__status=BatchStatus.HELD)
    read |= {
        upload for upload, batch in held.values_list("parameters__upload", "result__batch") if batch in held_batches
    }
    return read


def delete_expired_files() -> dict[str, int]:
    """Delete the exports made more than JOINEDUP_EXPORT_RETENTION_DAYS ago, and uploads no
    unfinished job reads that were left behind (an upload whose job was never written, or one kept
    before uploads were deleted on finishing). The worker does it when it starts and now and then."""
    now = timezone.now()
    deleted = {"exports": 0, "uploads": 0}
    exports = exports_folder()
    folders = {int(f.name.removeprefix("job-")): f for f in _folders(exports) if f.name.removeprefix("job-").isdigit()}
    made = dict(Job.objects.filter(pk__in=folders).values_list("pk", "finished_at"))
    kept_until = now - timedelta(days=settings.JOINEDUP_EXPORT_RETENTION_DAYS)
    for job_id, folder in folders.items():
        if job_id not in made or (made[job_id] is not None and made[job_id] < kept_until):
            shutil.rmtree(folder, ignore_errors=True)
            deleted["exports"] += 1
    uploads = Path(settings.VAR_DIR) / UPLOADS
    read = _uploads_still_read()
    arrived_before = (now - timedelta(seconds=UPLOAD_GRACE_SECONDS)).timestamp()
    for folder in _folders(uploads):
        relative = str(folder.relative_to(Path(settings.VAR_DIR)))
        if relative not in read and folder.stat().st_mtime < arrived_before:
            shutil.rmtree(folder, ignore_errors=True)
            deleted["uploads"] += 1
    return deleted


def _folders(root: Path) -> list[Path]:
    return [path for path in root.iterdir() if path.is_dir()] if root.is_dir() else []


def _still_this_attempt(job: Job) -> Job | None:
    """The job's row, locked, if this attempt is still the one running: an attempt taken for lost
    (release_lost_jobs) and tried again leaves its ending to the next attempt."""
    current = Job.objects.select_for_update().get(pk=job.pk)
    if current.status != JobStatus.RUNNING or current.attempts != job.attempts:
        return None
    return current


def _in_words(error: BaseException) -> str:
    if isinstance(error, SystemExit | KeyboardInterrupt):
        return "The worker was stopped while the job ran"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__

"""What each kind of job does, who may start it and why it may touch the records: the work is
the rooms' own (the importer `joinedup import` uses, the linkage `joinedup link-index` runs, the
build `joinedup build-measures` runs); a job only runs it in the worker and reports on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from joinedup.access.policy import Action
from joinedup.common.tables import FileProblems, write_problems
from joinedup.evidence.measures import build_measures
from joinedup.index.linking import INDEX_BASIS, link_index
from joinedup.index.models import BatchStatus
from joinedup.index.services import IMPORT_BASIS, import_file, who_may_confirm

from .models import Job, JobKind
from .progress import JobProgress

EVIDENCE_BASIS = "Evaluating the impact of early help (public task)"


class JobRefused(Exception):
    """The work cannot be done as asked, and trying again would fail the same way (an extract that
    is not what its source file describes). The message is for a person; `result` is kept."""

    def __init__(self, message: str, result: dict[str, Any] | None = None):
        super().__init__(message)
        self.result = result or {}


@dataclass(frozen=True)
class Kind:
    action: Action
    legal_basis: str
    run: Callable[[Job, JobProgress], dict[str, Any]]


def upload_folder(job: Job) -> Path:
    return Path(settings.VAR_DIR) / job.parameters["upload"]


def extract_path(job: Job) -> Path:
    """One file is the extract; several are the tables of one return, read as their folder."""
    folder = upload_folder(job)
    files = job.parameters["files"]
    return folder / files[0] if len(files) == 1 else folder


def rejects_path(job: Job) -> Path:
    return Path(settings.VAR_DIR) / "rejects" / f"job-{job.pk}-{job.parameters['source']}-rejects.csv"


def import_extract(job: Job, progress: JobProgress) -> dict[str, Any]:
    mapping_path = Path(settings.JOINEDUP_SOURCE_FILES_DIR) / job.parameters["source_file"]
    began = timezone.now()
    try:
        batch = import_file(
            mapping_path=mapping_path,
            path=extract_path(job),
            imported_by=job.submitted_by,
            progress=progress,
            rejects_path=rejects_path(job),
        )
    except FileProblems as problems:
        written = write_problems(rejects_path(job), problems.problems)
        raise JobRefused(
            f"Nothing was loaded: the extract is not what the source file {job.parameters['source']} describes. "
            "Correct what the table of problems lists and upload it again.",
            {"rejects_path": str(written), "rejected": len(problems.problems)},
        ) from None
    result = {
        "batch": batch.pk,
        "source": batch.source.name,
        "status": batch.status,
        "already_imported": batch.started_at < began,
        "rejects_path": batch.rejects_path,
        **{name: getattr(batch, name) for name in ("rows_read", "created", "updated", "unchanged", "withdrawn")},
        "rejected": batch.rejected,
    }
    if batch.status == BatchStatus.HELD:
        result["held_reason"] = batch.held_reason
        result["who_may_confirm"] = who_may_confirm()
    return result


def link(job: Job, progress: JobProgress) -> dict[str, Any]:
    progress.step("Linking the index's current records")
    return asdict(link_index(actor=job.submitted_by))


def build(job: Job, progress: JobProgress) -> dict[str, Any]:
    built = build_measures(report=progress)
    return {"children": built.children, "pupil_terms": built.pupil_terms, "cases": built.cases, "terms": built.terms}


KINDS: dict[str, Kind] = {
    JobKind.IMPORT_EXTRACT: Kind(Action.IMPORT_EXTRACT, IMPORT_BASIS, import_extract),
    JobKind.LINK_INDEX: Kind(Action.LINK_INDEX, INDEX_BASIS, link),
    JobKind.BUILD_MEASURES: Kind(Action.BUILD_MEASURES, EVIDENCE_BASIS, build),
}

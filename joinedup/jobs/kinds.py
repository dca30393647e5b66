"""What each kind of job does, who may start it and why it may touch the records: the work is
the rooms' own (the importer `joinedup import` uses, the linkage `joinedup link-index` runs, the
build `joinedup build-measures` runs, evidence's returns and research extracts); a job only runs
it in the worker and reports on it, and keeps an export's file for its maker to download."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from joinedup.access.policy import Action
from joinedup.common.tables import FileProblems, write_problems
from joinedup.evidence import extracts, partner_returns
from joinedup.evidence.measures import MeasuresNotBuilt, build_measures
from joinedup.evidence.models import Cohort
from joinedup.evidence.pages import safe_file_name
from joinedup.evidence.returns.spec import CannotBeReturned
from joinedup.index.linking import INDEX_BASIS, link_index
from joinedup.index.models import BatchStatus, ImportBatch
from joinedup.index.services import (
    IMPORT_BASIS,
    WITHDRAWAL_BASIS,
    Refused,
    confirm_withdrawal,
    import_file,
    who_may_confirm,
)

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
    # An export names children or is made for one research purpose: only who asked sees its job
    # and downloads its file.
    own: bool = False

    def basis_for(self, job: Job) -> str:
        purpose = job.parameters.get("purpose")
        return f"{self.legal_basis}: {purpose}" if purpose else self.legal_basis


EXPORTS = "exports"


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
            {"rejects_path": str(written), "rejected": len(problems.problems), "problems": len(problems.problems)},
        ) from None
    return _batch_result(batch, already_imported=batch.started_at < began)


def _batch_result(batch: ImportBatch, *, already_imported: bool) -> dict[str, Any]:
    result = {
        "batch": batch.pk,
        "source": batch.source.name,
        "status": batch.status,
        "already_imported": already_imported,
        "rejects_path": batch.rejects_path,
        **{name: getattr(batch, name) for name in ("rows_read", "created", "updated", "unchanged", "withdrawn")},
        "rejected": batch.rejected,
        # Rows rejected and problems with rows loaded: counted once here, not on each look at the page.
        "problems": _lines_of(batch.rejects_path),
    }
    if batch.status == BatchStatus.HELD:
        result["held_reason"] = batch.held_reason
        result["who_may_confirm"] = who_may_confirm()
    return result


def confirm_held_import(job: Job, progress: JobProgress) -> dict[str, Any]:
    """Apply an import the guard held, as `joinedup import --confirm` does: the same extract, kept
    since its upload, judged again against the plan it was held with."""
    batch = ImportBatch.objects.select_related("source").get(pk=job.parameters["batch"])
    try:
        batch = confirm_withdrawal(batch=batch, confirmed_by=job.submitted_by, progress=progress)
    except Refused as refused:
        raise JobRefused(str(refused)) from None
    return _batch_result(batch, already_imported=False)


def _lines_of(rejects: str | None) -> int:
    if not rejects or not Path(rejects).is_file():
        return 0
    with Path(rejects).open(newline="", encoding="utf-8") as handle:
        return max(sum(1 for _ in csv.reader(handle)) - 1, 0)  # less the header


def link(job: Job, progress: JobProgress) -> dict[str, Any]:
    progress.step("Linking the index's current records")
    return asdict(link_index(actor=job.submitted_by))


def build(job: Job, progress: JobProgress) -> dict[str, Any]:
    built = build_measures(report=progress)
    return {"children": built.children, "pupil_terms": built.pupil_terms, "cases": built.cases, "terms": built.terms}


def exports_folder() -> Path:
    return Path(settings.VAR_DIR) / EXPORTS


def export_path(job: Job) -> Path | None:
    """The file an export job made, while it is kept."""
    recorded = job.result.get("file")
    path = Path(settings.VAR_DIR) / recorded if recorded else None
    return path if path is not None and path.is_file() else None


def _keep_export(job: Job, content: bytes, file_name: str) -> str:
    """Write the file into the job's own folder under VAR_DIR/exports (private, never static):
    whole, or not at all, so a download never reads half a file."""
    folder = exports_folder() / f"job-{job.pk}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / safe_file_name(file_name)
    arriving = path.with_name(f".{path.name}.arriving")
    arriving.write_bytes(content)
    arriving.replace(path)
    return str(path.relative_to(Path(settings.VAR_DIR)))


def make_return(job: Job, progress: JobProgress) -> dict[str, Any]:
    asked = job.parameters
    progress.step(f"Making the {partner_returns.RETURNS[asked['return']]}")
    try:
        # The audit of the return being made is undone if its file cannot be written.
        with transaction.atomic():
            made = partner_returns.make_return(
                made_by=job.submitted_by,
                which=asked["return"],
                period_start=date.fromisoformat(asked["period_start"]),
                period_end=date.fromisoformat(asked["period_end"]),
                child_id=asked["child_id"],
                file_format=asked["format"],
                made_on=timezone.localdate(),
            )
            kept = _keep_export(job, made.content, made.file_name)
    except CannotBeReturned as problem:
        raise JobRefused(f"The return cannot be made: {problem}") from None
    return {"file": kept, "file_name": made.file_name, "content_type": made.content_type, "rows": made.rows}


def make_research_extract(job: Job, progress: JobProgress) -> dict[str, Any]:
    asked = job.parameters
    use = extracts.uses().get(asked["use"])
    if use is None:
        raise JobRefused(f"There is no longer a use called {asked['use']}: choose another and ask again.")
    cohort = Cohort.objects.filter(pk=asked["cohort"]).first() if asked.get("cohort") else None
    if asked.get("cohort") and cohort is None:
        raise JobRefused("The cohort chosen has been deleted: choose another and ask again.")
    progress.step("Making the extract and checking no child can be singled out")
    try:
        # The record and audit of the extract are undone if its file cannot be written.
        with transaction.atomic():
            record, extract, dictionary = extracts.make_research_extract(
                made_by=job.submitted_by, use=use, project=asked["project"], purpose=asked["purpose"], cohort=cohort
            )
            file_name = extracts.extract_file_name(record)
            kept = _keep_export(job, extracts.extract_workbook(extract, dictionary), file_name)
    except MeasuresNotBuilt:
        raise JobRefused(
            "The evidence measures have not been built yet: build them from Imports and jobs, then ask again."
        ) from None
    except extracts.ExtractRefused as refusal:
        raise JobRefused(f"The extract was not made. {refusal}") from None
    return {
        "file": kept,
        "file_name": file_name,
        "content_type": partner_returns.XLSX,
        "rows": record.rows,
        "research_extract": record.pk,
    }


KINDS: dict[str, Kind] = {
    JobKind.IMPORT_EXTRACT: Kind(Action.IMPORT_EXTRACT, IMPORT_BASIS, import_extract),
    JobKind.CONFIRM_HELD_IMPORT: Kind(Action.CONFIRM_WITHDRAWAL, WITHDRAWAL_BASIS, confirm_held_import),
    JobKind.LINK_INDEX: Kind(Action.LINK_INDEX, INDEX_BASIS, link),
    JobKind.BUILD_MEASURES: Kind(Action.BUILD_MEASURES, EVIDENCE_BASIS, build),
    JobKind.MAKE_RETURN: Kind(Action.MAKE_RETURNS, partner_returns.RETURNS_BASIS, make_return, own=True),
    JobKind.MAKE_RESEARCH_EXTRACT: Kind(
        Action.MAKE_RESEARCH_EXTRACT, "De-identified extract for research", make_research_extract, own=True
    ),
}

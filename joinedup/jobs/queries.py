"""Reads for the jobs pages: the jobs a person may see, an import's rejects, the source files to
choose from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from joinedup.access.policy import Decision, decide
from joinedup.agencies.models import Agency
from joinedup.common.tables import FileProblems, read_csv
from joinedup.index.sources import load_mapping

from .kinds import KINDS
from .models import Job

REJECTS_SHOWN = 500


@dataclass(frozen=True)
class SourceChoice:
    file_name: str  # the source file (TOML), in JOINEDUP_SOURCE_FILES_DIR
    name: str
    label: str


@dataclass(frozen=True)
class Rejects:
    rows: list[dict[str, str]]
    total: int


def may_start(user: Any, kind: str) -> Decision:
    """Whether this person may start this kind of job: the one rule the pages, the list of jobs and
    the services that start them all ask."""
    return decide(user, KINDS[kind].action)


def kinds_for(user: Any) -> list[str]:
    """The kinds of job this person may start, and so see."""
    return [kind for kind in KINDS if may_start(user, kind)]


def jobs_for(user: Any) -> QuerySet[Job]:
    kinds = kinds_for(user)
    shared = [kind for kind in kinds if not KINDS[kind].own]
    own = [kind for kind in kinds if KINDS[kind].own]
    return Job.objects.filter(Q(kind__in=shared) | Q(kind__in=own, submitted_by=user)).select_related("submitted_by")


def job_for(user: Any, job_id: int) -> tuple[Job | None, Decision]:
    """The job and whether this person may see it: those who may start its kind of job, and for
    an export only the person who asked for it."""
    job = Job.objects.select_related("submitted_by").filter(pk=job_id).first()
    if job is None:
        return None, Decision(False, "No such job")
    kind = KINDS[job.kind]
    decision = may_start(user, job.kind)
    if decision and kind.own and job.submitted_by_id != user.pk:
        return job, Decision(False, "An export is downloaded only by the person who asked for it")
    return job, decision


def source_choices() -> list[SourceChoice]:
    """The source files an extract can be imported as, by their description and agency."""
    agencies = dict(Agency.objects.values_list("code", "name"))
    choices = []
    for path in sorted(Path(settings.JOINEDUP_SOURCE_FILES_DIR).glob("*.toml")):
        try:
            mapping = load_mapping(path)
        except FileProblems:
            continue  # a source file with mistakes is for the command line, which names them
        agency = agencies.get(mapping.agency, mapping.agency)
        label = mapping.description or mapping.name
        choices.append(SourceChoice(path.name, mapping.name, f"{label} ({agency})" if agency else label))
    return choices


def rejects_file(job: Job) -> Path | None:
    recorded = job.result.get("rejects_path")
    if not recorded or not Path(recorded).is_file():
        return None
    return Path(recorded)


def rejects_of(job: Job, limit: int = REJECTS_SHOWN) -> Rejects | None:
    """An import's rejected rows and problems (file, row, column, reason), the first `limit` of
    them; files are named without the folder they were kept in. The job counted them when it ran,
    so the rest of the file is not read (a job from before it counted is read to the end)."""
    path = rejects_file(job)
    if path is None:
        return None
    counted = job.result.get("problems")
    rows, read = [], 0
    for _, row in read_csv(path, ["file", "row", "column", "reason"]):
        if len(rows) == limit and counted is not None:
            break
        read += 1
        if len(rows) < limit:
            rows.append({**row, "file": Path(row["file"]).name})
    return Rejects(rows, read if counted is None else counted)

"""The files jobs keep are not kept for ever: an import's upload goes once its job has finished
(its rejects stay, for the job's page), and an export goes JOINEDUP_EXPORT_RETENTION_DAYS after it
was made, deleted by the worker when it starts and now and then while it runs."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from joinedup.jobs import kinds
from joinedup.jobs.models import Job, JobStatus
from joinedup.jobs.services import delete_expired_files, start_import, start_linkage, store_upload

from .conftest import BAD_ROWS, GOOD_ROWS, extract_file, work_through_the_queue
from .test_exports import LIST_2, an_assessment_in_the_period, job_of
from .test_lost_workers import the_worker_starts

pytestmark = pytest.mark.django_db(transaction=True)


def upload(user, rows=GOOD_ROWS, source_file="health.toml"):
    job, _ = start_import(source_file=source_file, source="health", files=[extract_file(rows)], submitted_by=user)
    return job


def kept_upload(job: Job) -> Path:
    return Path(settings.VAR_DIR) / job.parameters["upload"]


def test_an_imports_upload_is_deleted_once_it_has_finished_and_its_rejects_are_kept(sources, people):
    job = upload(people["adi"], BAD_ROWS)
    assert kept_upload(job).is_dir()

    work_through_the_queue()

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.result["rejected"] == 1
    assert not kept_upload(job).exists()
    assert Path(job.result["rejects_path"]).is_file()


def test_an_upload_that_is_not_the_sources_format_is_deleted_when_the_job_fails(sources, people):
    no_date_of_birth = SimpleUploadedFile(
        "extract.csv", b"ID,FIRST,MIDDLE,SURNAME,SEX,POSTCODE,NHS,UPN,SEEN,NOTE\nH1,Ann,,Smith,Female,,,,,\n"
    )
    job, _ = start_import(
        source_file="health.toml", source="health", files=[no_date_of_birth], submitted_by=people["adi"]
    )

    work_through_the_queue()

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and not kept_upload(job).exists()
    assert Path(job.result["rejects_path"]).is_file()


def test_an_upload_is_kept_while_its_job_waits_to_be_tried_again(sources, people, monkeypatch):
    def an_importer_that_loses_the_database(**options):
        raise ConnectionResetError("the database server closed the connection")

    monkeypatch.setattr(kinds, "import_file", an_importer_that_loses_the_database)
    job = upload(people["adi"])

    work_through_the_queue()

    job.refresh_from_db()
    assert job.status == JobStatus.WAITING_TO_RETRY and kept_upload(job).is_dir()


def test_an_upload_another_unfinished_job_reads_is_kept(sources, people):
    (sources / "health-again.toml").write_text((sources / "health.toml").read_text())
    first = upload(people["adi"])
    Job.objects.filter(pk=first.pk).update(status=JobStatus.RUNNING)  # another worker has it
    second = upload(people["adi"], source_file="health-again.toml")
    assert kept_upload(second) == kept_upload(first)

    work_through_the_queue()

    assert Job.objects.get(pk=second.pk).status == JobStatus.SUCCEEDED
    assert kept_upload(first).is_dir()


def test_an_export_is_deleted_when_its_days_are_up_and_its_page_says_so(sources, people, settings):
    settings.JOINEDUP_EXPORT_RETENTION_DAYS = 7
    an_assessment_in_the_period()
    client = Client()
    client.force_login(people["ana"])
    old = job_of(client.post("/jobs/returns/new", LIST_2))
    work_through_the_queue()
    recent = job_of(client.post("/jobs/returns/new", LIST_2))
    work_through_the_queue()
    Job.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=7, minutes=1))

    the_worker_starts()

    assert client.get(f"/jobs/{old.pk}/download").status_code == 404
    assert "The file has been deleted: files are kept 7 days" in client.get(f"/jobs/{old.pk}").content.decode()
    assert client.get(f"/jobs/{recent.pk}/download").status_code == 200
    assert sorted(p.name for p in (Path(settings.VAR_DIR) / "exports").iterdir()) == [f"job-{recent.pk}"]


def test_uploads_no_job_reads_are_deleted_once_they_are_an_hour_old(sources, people):
    read = upload(people["adi"])
    Job.objects.filter(pk=read.pk).update(status=JobStatus.RUNNING)
    left, _ = store_upload([extract_file(BAD_ROWS, name="left.csv")])
    arriving, _ = store_upload([extract_file(GOOD_ROWS, name="arriving.csv")])
    an_hour_ago = time.time() - 3601
    for folder in (kept_upload(read), left):
        os.utime(folder, (an_hour_ago, an_hour_ago))
    start_linkage(submitted_by=people["adi"])  # other jobs have no upload

    assert delete_expired_files() == {"exports": 0, "uploads": 1}
    assert kept_upload(read).is_dir() and arriving.is_dir() and not left.exists()

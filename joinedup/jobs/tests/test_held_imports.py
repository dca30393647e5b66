"""An extract the guard holds (it would withdraw more records than an extract cut short in transfer
should) keeps its upload, and the index administrator confirms it from the job's page; the worker
then applies it exactly as it was held, and the upload goes."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from joinedup.audit.models import AuditEvent
from joinedup.index.models import BatchStatus, ImportBatch, IndexRecord
from joinedup.jobs.models import Job, JobKind, JobStatus
from joinedup.jobs.services import delete_expired_files, start_import

from .conftest import GOOD_ROWS, extract_file, work_through_the_queue

pytestmark = pytest.mark.django_db(transaction=True)


def held_import(people, settings) -> Job:
    """Three records imported, then an extract with only the first: two of three would leave, more
    than the half an import may withdraw here unconfirmed, so the guard holds it."""
    settings.JOINEDUP_WITHDRAWAL_LIMIT = 0.5
    start_import(
        source_file="health.toml", source="health", files=[extract_file(GOOD_ROWS)], submitted_by=people["adi"]
    )
    work_through_the_queue()
    job, _ = start_import(
        source_file="health.toml", source="health", files=[extract_file(GOOD_ROWS[:1])], submitted_by=people["adi"]
    )
    work_through_the_queue()
    job.refresh_from_db()
    assert (job.status, job.result["status"], job.result["withdrawn"]) == (JobStatus.SUCCEEDED, BatchStatus.HELD, 2)
    return job


def signed_in(client, user):
    client.force_login(user)
    return client


def upload_of(job: Job) -> Path:
    from django.conf import settings

    return Path(settings.VAR_DIR) / job.parameters["upload"]


def test_the_administrator_confirms_a_held_import_from_its_page_and_the_worker_applies_it(
    sources, people, client, settings
):
    job = held_import(people, settings)
    assert upload_of(job).is_dir(), "a held import's upload is kept for its confirmation"
    assert delete_expired_files()["uploads"] == 0 and upload_of(job).is_dir()
    page = signed_in(client, people["adi"]).get(f"/jobs/{job.pk}").text
    assert "Confirm: withdraw 2 records" in page

    answer = client.post(f"/jobs/{job.pk}/confirm")

    confirmation = Job.objects.get(kind=JobKind.CONFIRM_HELD_IMPORT)
    assert answer.status_code == 302 and answer["Location"] == f"/jobs/{confirmation.pk}"
    assert confirmation.parameters["batch"] == job.result["batch"]
    work_through_the_queue()
    confirmation.refresh_from_db()
    assert confirmation.status == JobStatus.SUCCEEDED, confirmation.error
    assert ImportBatch.objects.get(pk=job.result["batch"]).status == BatchStatus.IMPORTED
    current = IndexRecord.objects.filter(withdrawn_at__isnull=True).values_list("record_id", flat=True)
    assert list(current) == ["H1"]
    assert AuditEvent.objects.get(verb="confirmed_withdrawal").actor_username == "adi"
    assert not upload_of(job).exists(), "once confirmed, the upload is no longer needed"
    done = client.get(f"/jobs/{confirmation.pk}").text
    assert "was applied" in done and "Confirm: withdraw" not in done
    assert "Confirm: withdraw" not in client.get(f"/jobs/{job.pk}").text


def test_confirming_twice_is_one_job_and_a_confirmed_import_is_not_confirmed_again(sources, people, client, settings):
    job = held_import(people, settings)
    signed_in(client, people["adi"])

    client.post(f"/jobs/{job.pk}/confirm")
    client.post(f"/jobs/{job.pk}/confirm")
    assert Job.objects.filter(kind=JobKind.CONFIRM_HELD_IMPORT).count() == 1
    work_through_the_queue()

    answer = client.post(f"/jobs/{job.pk}/confirm", follow=True)

    assert "no longer waiting to be confirmed" in answer.text
    assert Job.objects.filter(kind=JobKind.CONFIRM_HELD_IMPORT).count() == 1


def test_only_those_who_may_confirm_withdrawals_are_offered_it(sources, people, client, settings):
    job = held_import(people, settings)
    # An analyst runs jobs but neither imports nor confirms: the import's page is not theirs.
    signed_in(client, people["ana"])
    assert client.get(f"/jobs/{job.pk}").status_code == 404
    assert client.post(f"/jobs/{job.pk}/confirm").status_code == 404
    assert not Job.objects.filter(kind=JobKind.CONFIRM_HELD_IMPORT).exists()
    assert ImportBatch.objects.get(pk=job.result["batch"]).status == BatchStatus.HELD


def test_an_import_that_was_not_held_cannot_be_confirmed(sources, people, client):
    start_import(
        source_file="health.toml", source="health", files=[extract_file(GOOD_ROWS)], submitted_by=people["adi"]
    )
    work_through_the_queue()
    imported = Job.objects.get()
    signed_in(client, people["adi"])

    assert "Confirm: withdraw" not in client.get(f"/jobs/{imported.pk}").text
    answer = client.post(f"/jobs/{imported.pk}/confirm", follow=True)

    assert "no longer waiting to be confirmed" in answer.text
    assert not Job.objects.filter(kind=JobKind.CONFIRM_HELD_IMPORT).exists()


def test_a_held_import_superseded_by_a_later_one_is_no_longer_offered_and_its_upload_goes(
    sources, people, client, settings
):
    job = held_import(people, settings)
    # The agency sends its full extract again, with a fourth child: imported, nothing withdrawn.
    start_import(
        source_file="health.toml",
        source="health",
        files=[extract_file([*GOOD_ROWS, "H4,Dee,,Kaur,08/09/2018,Female,,,,,"])],
        submitted_by=people["adi"],
    )
    work_through_the_queue()
    signed_in(client, people["adi"])

    assert "Confirm: withdraw" not in client.get(f"/jobs/{job.pk}").text
    an_hour_ago = time.time() - 2 * 3600  # uploads younger than an hour are left alone
    os.utime(upload_of(job), (an_hour_ago, an_hour_ago))
    assert delete_expired_files()["uploads"] >= 1
    assert not upload_of(job).exists()

"""The worker runs each job: an import as `joinedup import` does it, in one transaction; a job
that fails is tried again, each wait twice as long, until it has had its attempts; an extract
that is not the source's format fails at once, with its problems listed."""

from __future__ import annotations

import signal
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django_tasks_db.models import DBTaskResult

from joinedup.audit.models import AuditEvent
from joinedup.index import services as index_services
from joinedup.index.models import ImportBatch, IndexRecord, Source
from joinedup.jobs import kinds
from joinedup.jobs.models import Job, JobStatus
from joinedup.jobs.queries import rejects_of
from joinedup.jobs.services import start_import, start_linkage, start_measures_build

from .conftest import BAD_ROWS, GOOD_ROWS, extract_file, time_passes, work_through_the_queue

pytestmark = pytest.mark.django_db(transaction=True)


def upload(user, rows=GOOD_ROWS):
    job, _ = start_import(source_file="health.toml", source="health", files=[extract_file(rows)], submitted_by=user)
    return job


def test_the_worker_imports_an_uploaded_extract_for_the_person_who_uploaded_it(sources, people):
    job = upload(people["adi"])

    work_through_the_queue()

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert (job.attempts, job.error) == (1, "")
    counts = {key: job.result[key] for key in ("rows_read", "created", "rejected")}
    assert counts == {"rows_read": 3, "created": 3, "rejected": 0}
    assert sorted(IndexRecord.objects.values_list("record_id", flat=True)) == ["H1", "H2", "H3"]
    batch = ImportBatch.objects.get()
    assert (job.result["batch"], batch.imported_by) == (batch.pk, people["adi"])
    assert AuditEvent.objects.get(verb="imported_extract").actor_username == "adi"
    assert DBTaskResult.objects.get(id=job.task_result_id).status == "SUCCESSFUL"


def test_a_failing_job_is_tried_again_each_wait_twice_as_long_then_fails_with_its_errors(sources, people, monkeypatch):
    def linkage_that_cannot_reach_the_database(**options):
        raise ConnectionResetError("the database server closed the connection")

    monkeypatch.setattr(kinds, "link_index", linkage_that_cannot_reach_the_database)
    job = start_linkage(submitted_by=people["adi"])[0]

    work_through_the_queue()

    job.refresh_from_db()
    first = job.attempt_history.get(number=1)
    assert job.status == JobStatus.WAITING_TO_RETRY
    assert job.error == "ConnectionResetError: the database server closed the connection"
    assert job.next_attempt_at - first.finished_at == pytest.approx(timedelta(seconds=60), abs=timedelta(seconds=1))
    waiting = DBTaskResult.objects.get(status="READY")
    assert (str(waiting.id), waiting.run_after) == (job.task_result_id, job.next_attempt_at)
    # The worker does not take it before its time.
    work_through_the_queue()
    job.refresh_from_db()
    assert job.attempts == 1

    time_passes(60)
    work_through_the_queue()
    job.refresh_from_db()
    second = job.attempt_history.get(number=2)
    assert job.status == JobStatus.WAITING_TO_RETRY
    assert job.next_attempt_at - second.finished_at == pytest.approx(timedelta(seconds=120), abs=timedelta(seconds=1))

    time_passes(120)
    work_through_the_queue()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert (job.attempts, job.next_attempt_at) == (3, None)
    assert job.finished_at is not None
    assert [(a.number, a.succeeded, a.error) for a in job.attempt_history.all()] == [
        (n, False, "ConnectionResetError: the database server closed the connection") for n in (1, 2, 3)
    ]
    assert not DBTaskResult.objects.filter(status="READY").exists()
    assert DBTaskResult.objects.filter(status="FAILED").count() == 3


def test_a_crash_mid_import_leaves_nothing_half_written_and_the_next_attempt_imports_it(sources, people, monkeypatch):
    """The records are written and then, before the import commits, the disk fills up."""
    real_withdraw = index_services._withdraw

    def disk_full(*args, **kwargs):
        assert IndexRecord.objects.count() == 3  # written, not yet committed
        raise OSError("No space left on device")

    monkeypatch.setattr(index_services, "_withdraw", disk_full)
    job = upload(people["adi"])

    work_through_the_queue()

    job.refresh_from_db()
    assert (job.status, job.error) == (JobStatus.WAITING_TO_RETRY, "OSError: No space left on device")
    assert not IndexRecord.objects.exists()
    assert not ImportBatch.objects.exists()
    assert not Source.objects.exists()
    assert not AuditEvent.objects.filter(verb="imported_extract").exists()

    monkeypatch.setattr(index_services, "_withdraw", real_withdraw)
    time_passes(60)
    work_through_the_queue()

    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.SUCCEEDED, 2)
    assert IndexRecord.objects.count() == 3
    assert [a.succeeded for a in job.attempt_history.all()] == [False, True]


def test_rows_that_break_a_rule_are_rejected_and_listed_while_the_good_rows_load(sources, people):
    job = upload(people["adi"], BAD_ROWS)

    work_through_the_queue()

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert (job.result["created"], job.result["rejected"]) == (2, 1)
    rejects = rejects_of(job)
    assert [(r["file"], r["row"], r["column"]) for r in rejects.rows] == [
        ("extract.csv", "3", "DOB"),
        ("extract.csv", "4", "SEX"),
    ]
    assert "31/02/2016" in rejects.rows[0]["reason"]


def test_an_extract_that_is_not_the_sources_format_fails_at_once_with_its_problems(sources, people):
    no_date_of_birth = SimpleUploadedFile(
        "extract.csv", b"ID,FIRST,MIDDLE,SURNAME,SEX,POSTCODE,NHS,UPN,SEEN,NOTE\nH1,Ann,,Smith,Female,,,,,\n"
    )
    job, _ = start_import(
        source_file="health.toml", source="health", files=[no_date_of_birth], submitted_by=people["adi"]
    )

    work_through_the_queue()

    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.FAILED, 1)
    assert job.error.startswith("Nothing was loaded: the extract is not what the source file health describes")
    assert job.next_attempt_at is None
    [problem] = rejects_of(job).rows
    assert (problem["file"], problem["column"]) == ("extract.csv", "DOB")
    assert problem["reason"] == "this column is missing from the header (named by fields.date_of_birth)"
    assert not IndexRecord.objects.exists()


def test_the_measures_build_reports_each_of_its_steps(sources, people):
    job, _ = start_measures_build(submitted_by=people["ana"])

    work_through_the_queue()

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (job.progress_done, job.progress_total, job.progress_message) == (6, 6, "Measures")
    assert set(job.result) == {"children", "pupil_terms", "cases", "terms"}
    assert (sources.parent / "var" / "evidence.duckdb").exists()


def test_once_a_job_has_finished_the_same_work_can_be_asked_for_again(sources, people):
    first = upload(people["adi"])
    work_through_the_queue()

    again, is_new = start_import(
        source_file="health.toml", source="health", files=[extract_file(GOOD_ROWS)], submitted_by=people["adi"]
    )
    work_through_the_queue()

    again.refresh_from_db()
    assert is_new and again != first
    assert again.result["already_imported"] is True
    assert again.result["batch"] == Job.objects.get(pk=first.pk).result["batch"]


def test_an_imports_progress_can_be_watched_while_its_records_are_written(sources, people, monkeypatch):
    """The records are written in one transaction, which nobody else sees until it commits; the
    job page, on its own connection, still sees how far the import has got."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one connection write at a time: there progress shows when the import commits")
    real_withdraw = index_services._withdraw
    seen_by_the_page = {}

    def look_from_the_job_page(*args, **kwargs):
        page = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            with page.cursor() as cursor:
                cursor.execute("SELECT progress_message, progress_total FROM jobs_job WHERE id = %s", [job.pk])
                seen_by_the_page["progress"] = cursor.fetchone()
                cursor.execute("SELECT count(*) FROM index_indexrecord")
                seen_by_the_page["records"] = cursor.fetchone()[0]
        finally:
            page.close()
        return real_withdraw(*args, **kwargs)

    monkeypatch.setattr(index_services, "_withdraw", look_from_the_job_page)
    job = upload(people["adi"])

    work_through_the_queue()

    assert seen_by_the_page == {"progress": ("Loading health", 3), "records": 0}
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED


def test_a_job_whose_database_connection_is_lost_mid_run_is_tried_again(sources, people, monkeypatch):
    """PostgreSQL restarts while the linkage runs: its connection is gone, so the worker records
    the failure on a new one, and the job waits to be tried again rather than staying "Running"."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite is a file in the process: there is no server to lose")

    def linkage_while_the_database_restarts(**options):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (worker_connection,) = cursor.fetchone()
        server = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            with server.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [worker_connection])
        finally:
            server.close()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    monkeypatch.setattr(kinds, "link_index", linkage_while_the_database_restarts)
    job = start_linkage(submitted_by=people["adi"])[0]

    work_through_the_queue()

    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.WAITING_TO_RETRY, 1)
    assert job.error.startswith("OperationalError")
    assert job.attempt_history.get().succeeded is False


def test_the_worker_command_runs_what_is_due_and_stops(sources, people):
    """`joinedup db_worker --batch`, the command the container runs without --batch."""
    job = upload(people["adi"])
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)

    job.refresh_from_db()
    assert (job.status, job.result["created"]) == (JobStatus.SUCCEEDED, 3)

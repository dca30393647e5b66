"""A worker killed outright (SIGKILL, the machine lost) cannot say its job stopped. The job writes a
heartbeat while it runs; a running job whose heartbeat stopped longer ago than the setting lost
its worker: the next worker to start (and every worker, now and then) records that attempt as
failed and tries the job again, so the same work is not blocked for ever."""

from __future__ import annotations

import signal
import threading
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import F
from django_tasks_db.models import DBTaskResult

from joinedup.jobs import kinds, services
from joinedup.jobs.management.commands import db_worker
from joinedup.jobs.models import Job, JobStatus
from joinedup.jobs.progress import RUNNING_HERE
from joinedup.jobs.services import release_lost_jobs, start_linkage

from .conftest import time_passes, work_through_the_queue

pytestmark = pytest.mark.django_db(transaction=True)
LOST = "The worker stopped without finishing (it was killed, or its machine lost)"


def killed_mid_run(job: Job, *, silent_for: timedelta) -> None:
    """What a worker killed while running the job leaves: the job and its task "Running", the
    heartbeat as it last wrote it."""
    DBTaskResult.objects.filter(pk=job.task_result_id).update(status="RUNNING")
    services._begin_attempt(job.pk)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=F("heartbeat_at") - silent_for)


def the_worker_starts() -> None:
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)


def test_a_job_whose_worker_was_killed_is_tried_again_when_a_worker_starts(sources, people, settings):
    settings.JOINEDUP_JOB_HEARTBEAT_TIMEOUT_SECONDS = 600
    job, _ = start_linkage(submitted_by=people["adi"])
    killed_mid_run(job, silent_for=timedelta(minutes=11))
    blocked, new = start_linkage(submitted_by=people["adi"])
    assert (blocked, new) == (job, False)  # the lost job holds the work until it is released

    the_worker_starts()

    job.refresh_from_db()
    attempt = job.attempt_history.get(number=1)
    assert (job.status, job.error) == (JobStatus.WAITING_TO_RETRY, LOST)
    assert (attempt.succeeded, attempt.error) == (False, LOST)
    assert DBTaskResult.objects.filter(status="RUNNING").count() == 0
    time_passes(60)
    work_through_the_queue()
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.SUCCEEDED, 2)


def test_a_lost_job_that_has_had_its_attempts_fails_and_no_longer_blocks_the_work(sources, people, settings):
    settings.JOINEDUP_JOB_MAX_ATTEMPTS = 1
    job, _ = start_linkage(submitted_by=people["adi"])
    killed_mid_run(job, silent_for=timedelta(minutes=11))

    assert release_lost_jobs() == [job.pk]

    job.refresh_from_db()
    assert (job.status, job.error, job.finished_at is not None) == (JobStatus.FAILED, LOST, True)
    assert start_linkage(submitted_by=people["adi"])[1] is True


def test_a_job_whose_heartbeat_is_recent_is_left_running(sources, people):
    job, _ = start_linkage(submitted_by=people["adi"])
    killed_mid_run(job, silent_for=timedelta(minutes=9))

    assert release_lost_jobs() == []
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING


def test_a_job_that_reports_no_progress_for_a_while_still_beats(sources, people, settings, monkeypatch):
    settings.JOINEDUP_JOB_HEARTBEAT_TIMEOUT_SECONDS = 0.5  # a beat every tenth of a second
    seen = {}

    def a_long_linkage_reporting_nothing(**options):
        started = Job.objects.get(kind="link_index").heartbeat_at
        time.sleep(1.5)
        job = Job.objects.get(kind="link_index")
        seen["beat"] = job.heartbeat_at - started
        RUNNING_HERE.discard(job.pk)  # as another worker would see it
        seen["released"] = release_lost_jobs()
        RUNNING_HERE.add(job.pk)
        raise RuntimeError("stopped here")

    monkeypatch.setattr(kinds, "link_index", a_long_linkage_reporting_nothing)
    start_linkage(submitted_by=people["adi"])

    work_through_the_queue()

    assert seen["beat"] >= timedelta(seconds=1)
    assert seen["released"] == []


def test_an_attempt_taken_for_lost_does_not_end_the_job_when_it_comes_back(sources, people):
    job, _ = start_linkage(submitted_by=people["adi"])
    killed_mid_run(job, silent_for=timedelta(minutes=11))
    stale = Job.objects.get(pk=job.pk)
    release_lost_jobs()

    services._end_attempt(stale, status=JobStatus.SUCCEEDED, result={"records": 1})

    job.refresh_from_db()
    assert (job.status, job.result) == (JobStatus.WAITING_TO_RETRY, {})


def test_a_worker_that_keeps_running_releases_lost_jobs_now_and_then(sources, people, settings):
    settings.JOINEDUP_JOB_SWEEP_SECONDS = 0.05
    job, _ = start_linkage(submitted_by=people["adi"])
    killed_mid_run(job, silent_for=timedelta(minutes=11))
    stopped = threading.Event()
    sweeper = threading.Thread(target=db_worker.Command._sweep, args=(stopped,))

    sweeper.start()
    deadline = time.monotonic() + 5
    while Job.objects.get(pk=job.pk).status == JobStatus.RUNNING and time.monotonic() < deadline:
        time.sleep(0.05)
    stopped.set()
    sweeper.join()

    assert Job.objects.get(pk=job.pk).status == JobStatus.WAITING_TO_RETRY

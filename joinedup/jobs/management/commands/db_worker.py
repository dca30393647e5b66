"""`joinedup db_worker`: django-tasks-db's worker, which first releases the jobs of a worker that
was killed (SIGKILL, the machine lost) and deletes exports past their retention, and goes on doing
so every JOINEDUP_JOB_SWEEP_SECONDS while it waits for work or runs it. django-tasks-db itself
leaves such a task "Running" for ever."""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import DatabaseError, connections
from django_tasks_db.management.commands import db_worker

from joinedup.jobs.services import delete_expired_files, release_lost_jobs

logger = logging.getLogger("joinedup.jobs")


def look_after_jobs(*, quietly: bool) -> None:
    try:
        released = release_lost_jobs()
        deleted = delete_expired_files()
    except (DatabaseError, OSError):
        if not quietly:
            raise
        logger.warning("Could not look after the jobs (lost workers, old files); trying again later", exc_info=True)
        return
    for job_id in released:
        logger.warning("Job %s lost its worker: its attempt is recorded as failed", job_id)
    if any(deleted.values()):
        logger.info("Deleted %(exports)s old exports and %(uploads)s uploads no job reads", deleted)


class Command(db_worker.Command):
    help = db_worker.Command.help + " Releases the jobs of a worker that was killed; deletes old exports."

    def handle(self, *args, **options) -> None:
        look_after_jobs(quietly=False)
        if options["batch"]:
            return super().handle(*args, **options)
        stopped = threading.Event()
        sweeper = threading.Thread(target=self._sweep, args=(stopped,), name="release-lost-jobs", daemon=True)
        sweeper.start()
        try:
            return super().handle(*args, **options)
        finally:
            stopped.set()

    @staticmethod
    def _sweep(stopped: threading.Event) -> None:
        try:
            while not stopped.wait(settings.JOINEDUP_JOB_SWEEP_SECONDS):
                look_after_jobs(quietly=True)
        finally:
            connections.close_all()  # this thread's own connection

"""A job's progress, written to its row as the work goes: the same shape as the command line's
progress bar (joinedup.common.progress), so the importer and the measures build report to either.

An import writes its records inside one transaction, and a row changed inside it is seen by
nobody else until it commits; so inside a transaction progress goes through a second connection
of its own. SQLite lets one connection write at a time, so there it waits for the commit."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from .models import Job, JobStatus

Advance = Callable[..., None]
# Often enough to watch, seldom enough that a million-row import writes its row a few hundred times.
WRITE_EVERY_SECONDS = 1.0


class JobProgress:
    """`with progress(total=5, description="Loading") as advance: advance(1)`, as the progress bar."""

    def __init__(self, job: Job):
        self.job_id = job.pk
        self._written_at = 0.0
        self._own_connection: BaseDatabaseWrapper | None = None

    @contextmanager
    def __call__(self, *, total: int, description: str) -> Iterator[Advance]:
        state = {"done": 0, "description": description}
        self._write(0, total, description, now=True)

        def advance(steps: int = 1, description: str | None = None) -> None:
            state["done"] += steps
            state["description"] = description or state["description"]
            self._write(state["done"], total, state["description"], now=bool(description))

        yield advance
        self._write(state["done"], total, state["description"], now=True)

    def step(self, description: str) -> None:
        """A stage of work that reports no steps of its own (a linkage run)."""
        self._write(0, 0, description, now=True)

    def close(self) -> None:
        if self._own_connection is not None:
            self._own_connection.close()
            self._own_connection = None

    def _write(self, done: int, total: int, description: str, *, now: bool) -> None:
        if not now and time.monotonic() - self._written_at < WRITE_EVERY_SECONDS:
            return
        writer = self._writer()
        if writer is None:
            return
        table = connection.ops.quote_name(Job._meta.db_table)
        columns = [
            connection.ops.quote_name(Job._meta.get_field(f).column)
            for f in ("progress_done", "progress_total", "progress_message", "heartbeat_at", "id")
        ]
        sql = (
            f"UPDATE {table} SET {columns[0]} = %s, {columns[1]} = %s, {columns[2]} = %s, {columns[3]} = %s "
            f"WHERE {columns[4]} = %s"
        )
        beat = connection.ops.adapt_datetimefield_value(timezone.now())
        with writer.cursor() as cursor:
            cursor.execute(sql, [done, total, description[:200], beat, self.job_id])
        self._written_at = time.monotonic()

    def _writer(self) -> BaseDatabaseWrapper | None:
        if not connection.in_atomic_block:
            return connection
        if connection.vendor == "sqlite":
            return None
        if self._own_connection is None:
            self._own_connection = connections.create_connection(DEFAULT_DB_ALIAS)
        return self._own_connection


# The jobs this process is running now: alive, whatever their heartbeat says (on SQLite the beat
# cannot be written while an import holds the database file).
RUNNING_HERE: set[int] = set()


class Heartbeat:
    """`with Heartbeat(job):` writes the job's heartbeat every fifth of the time after which a
    silent job is taken for lost (JOINEDUP_JOB_HEARTBEAT_TIMEOUT_SECONDS), from a thread of its
    own, so a linkage run that reports no steps for minutes still shows it is alive."""

    def __init__(self, job: Job):
        self.job_id = job.pk
        self.every = settings.JOINEDUP_JOB_HEARTBEAT_TIMEOUT_SECONDS / 5
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"job-{job.pk}-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        RUNNING_HERE.add(self.job_id)
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stopped.set()
        self._thread.join()
        RUNNING_HERE.discard(self.job_id)

    def _beat(self) -> None:
        try:
            while not self._stopped.wait(self.every):
                try:
                    Job.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(heartbeat_at=timezone.now())
                except DatabaseError:
                    pass  # SQLite while an import holds the file; the next beat tries again
        finally:
            connections.close_all()  # this thread's own connection

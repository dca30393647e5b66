"""A health source file the upload form offers, staff in each role, and the worker: the same loop
`joinedup db_worker` runs, working through the queue until nothing is due, then stopping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult, get_date_max

from joinedup.agencies.tests.factories import AgencyFactory
from joinedup.index.tests.test_readers import HEADER, HEALTH
from joinedup.people.models import Role
from joinedup.people.tests.factories import PractitionerFactory

PASSWORD = "correct-horse-battery-staple"
GOOD_ROWS = [
    "H1,Ann,Marie,Smith,02/03/2015,Female,NX4 2AB,9434765919,,01/02/2025,first",
    "H2,Bob,,Jones,04/05/2016,Male,NX4 3CD,,,,",
    "H3,Cy,,Lee,06/07/2017,Male,,,,,",
]
# Row 3 has a date of birth that is no date, and the source requires one: rejected. Row 4's sex is
# not a code the source maps: the record loads with its sex not known, and the report says so.
BAD_ROWS = [
    "H1,Ann,Marie,Smith,02/03/2015,Female,NX4 2AB,9434765919,,01/02/2025,first",
    "H2,Bob,,Jones,31/02/2016,Male,NX4 3CD,,,,",
    "H3,Cy,,Lee,06/07/2017,Robot,,,,,",
]


def extract_file(rows: list[str], name: str = "extract.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (HEADER + "".join(row + "\n" for row in rows)).encode(), content_type="text/csv")


@pytest.fixture
def sources(tmp_path, settings):
    """The child health source file, the only one offered, with the work folder in tmp_path."""
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "health.toml").write_text(
        'description = "Child health records"\nagency = "NHS-COMM"\n' + HEALTH.format(format="csv")
    )
    settings.JOINEDUP_SOURCE_FILES_DIR = folder
    settings.VAR_DIR = tmp_path / "var"
    settings.JOINEDUP_EVIDENCE_PATH = tmp_path / "var" / "evidence.duckdb"
    # Three records leaving a three-record source is all of it, which the guard against extracts
    # cut short would hold; index.tests.test_withdrawal_guard tests the guard.
    settings.JOINEDUP_WITHDRAWAL_LIMIT = 1
    settings.JOINEDUP_JOB_RETRY_SECONDS = 60
    settings.JOINEDUP_JOB_MAX_ATTEMPTS = 3
    return folder


def staff(role: str, username: str):
    practitioner = PractitionerFactory(role=role, user__username=username)
    practitioner.user.set_password(PASSWORD)
    practitioner.user.save()
    return practitioner.user


@pytest.fixture
def people(db):
    """Adi is the index administrator, Ana a performance analyst, Pat a practitioner."""
    AgencyFactory(code="NHS-COMM", name="Northshire NHS community services")
    return {
        "adi": staff(Role.ADMINISTRATOR, "adi"),
        "ana": staff(Role.PERFORMANCE_ANALYST, "ana"),
        "pat": staff(Role.PRACTITIONER, "pat"),
    }


def work_through_the_queue() -> None:
    """Run every task that is due, as the worker does, then stop (the worker's --batch)."""
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


def time_passes(seconds: float) -> None:
    """Bring every task waiting for its time `seconds` nearer to it, as if the clock had moved."""
    DBTaskResult.objects.filter(status="READY").exclude(run_after=get_date_max()).update(
        run_after=F("run_after") - timedelta(seconds=seconds)
    )

"""Work that survives a kill -9: an import or a linkage killed part-way leaves nothing half-written,
every child keeps its id, and running it again completes with what an uninterrupted run gives.

Each run is the real `joinedup` command in a process of its own, against a database of the test's
own: a SQLite file, or (when the suite runs on PostgreSQL) a database beside the suite's on the same
server. The process is killed with SIGKILL at a known point: PAUSE makes it stop just after it
writes a given audit event, and both commands write theirs last, inside their one transaction, so
the kill lands when every row of the work is written and none is committed."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from joinedup.index.synthetic import SOURCES_DIR
from joinedup.synth.tests.conftest import build_authority

POSTGRES_URL = os.environ.get("DATABASE_URL", "") if os.environ.get("DATABASE_URL", "").startswith("postgres") else ""

# Runs a `joinedup` command that stops, and says so on stdout, once it has written the audit
# event named by its first argument; the test kills it there.
PAUSE = """
import sys, time
import django
django.setup()
from joinedup.audit import services as audit
from joinedup.cli import main

record, verb = audit.record, sys.argv[1]

def record_then_pause(**event):
    written = record(**event)
    if event["verb"] == verb:
        print("paused", flush=True)
        time.sleep(600)
    return written

audit.record = record_then_pause
sys.argv = ["joinedup", *sys.argv[2:]]
main()
"""

# What the database holds, as JSON: the index, the children, and what linkage and audit wrote.
SNAPSHOT = """
import json, os
from collections import Counter
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joinedup.settings")
django.setup()
from joinedup.access.models import Involvement
from joinedup.audit.models import AuditEvent
from joinedup.index.models import ImportBatch, IndexRecord, LinkageRun
from joinedup.index.review.models import ReviewPair
from joinedup.people.models import Child

print(json.dumps({
    "batches": sorted(
        [b.source.name, b.rows_read, b.created, b.updated, b.withdrawn, b.finished_at is not None]
        for b in ImportBatch.objects.select_related("source")
    ),
    "records": sorted(
        [r.source.name, r.record_id, r.row_hash, r.withdrawn_at is not None, r.child_id]
        for r in IndexRecord.objects.select_related("source")
    ),
    "children": sorted(Child.objects.values_list("pk", flat=True)),
    "linkage_runs": sorted(LinkageRun.objects.values_list("mode", flat=True)),
    "review_pairs": ReviewPair.objects.count(),
    "involvements": sorted(Counter(Involvement.objects.values_list("kind", flat=True)).items()),
    "audit": sorted(Counter(AuditEvent.objects.values_list("verb", flat=True)).items()),
}))
"""


class Database:
    """A database the commands run against (a SQLite file, or a PostgreSQL database), copied to try
    one thing on each copy."""

    def __init__(self, folder: Path, *, copy_of: Database | None = None):
        self.folder, self.name = folder, f"joinedup_faults_{uuid.uuid4().hex[:12]}"
        if POSTGRES_URL:
            template = f' TEMPLATE "{copy_of.name}"' if copy_of else ""
            _postgres(f'CREATE DATABASE "{self.name}"{template}')
            self.url = urlsplit(POSTGRES_URL)._replace(path=f"/{self.name}").geturl()
            return
        self.path = folder / f"{self.name}.sqlite3"
        self.url = f"sqlite:///{self.path}"
        if copy_of:
            # The backup API copies what the write-ahead log holds too, which a file copy may miss.
            with sqlite3.connect(copy_of.path) as source, sqlite3.connect(self.path) as target:
                source.backup(target)

    def copy(self) -> Database:
        return Database(self.folder, copy_of=self)

    def drop(self) -> None:
        if POSTGRES_URL:
            _postgres(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def environment(self) -> dict[str, str]:
        return os.environ | {
            "DATABASE_URL": self.url,
            "JOINEDUP_MODE": "test",
            "JOINEDUP_VAR_DIR": str(self.folder / "var"),
            "DJANGO_SETTINGS_MODULE": "joinedup.settings",
        }

    def run(self, *command: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "joinedup.cli", *command],
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"joinedup {' '.join(command)} failed:\n{done.stderr[-3000:]}"
        return done.stdout

    def kill_after(self, verb: str, *command: str) -> None:
        """Run the command, and SIGKILL it as soon as it has written the audit event `verb`."""
        errors = self.folder / f"{uuid.uuid4().hex}.stderr"
        with errors.open("w") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-c", PAUSE, verb, *command],
                env=self.environment(),
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
        try:
            said = _line_saying("paused", process, timeout=300)
            assert said == "paused", f"joinedup {' '.join(command)} ended before {verb}:\n{errors.read_text()[-3000:]}"
            os.kill(process.pid, signal.SIGKILL)
            assert process.wait(timeout=60) == -signal.SIGKILL
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            process.stdout.close()

    def snapshot(self) -> dict:
        done = subprocess.run(
            [sys.executable, "-c", SNAPSHOT], env=self.environment(), capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout)


def _postgres(sql: str) -> None:
    import psycopg

    maintenance = urlsplit(POSTGRES_URL)._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(sql)


def _line_saying(wanted: str, process: subprocess.Popen, *, timeout: float) -> str:
    """Read the process's stdout until a line says `wanted` (returned), it ends or time is up ('')."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line.strip()) for line in process.stdout], daemon=True).start()
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=min(left, 1))
        except queue.Empty:
            if process.poll() is not None and lines.empty():
                return ""
            continue
        if line == wanted:
            return line
    return ""


def linked_as(snapshot: dict, children_before: set[int]) -> dict[tuple[str, str], object]:
    """Each record's child: its id if the child was there before the run, otherwise the first
    record of the child's (ids of new children depend on sequences a killed run used up)."""
    members: dict[int, list[tuple[str, str]]] = {}
    for source, record_id, *_, child in snapshot["records"]:
        members.setdefault(child, []).append((source, record_id))
    return {
        (source, record_id): child if child in children_before or child is None else ("new", min(members[child]))
        for source, record_id, *_, child in snapshot["records"]
    }


def without_children(snapshot: dict) -> dict:
    return snapshot | {
        "records": [record[:-1] for record in snapshot["records"]],
        "children": len(snapshot["children"]),
    }


CHILD_HEALTH = (
    str(SOURCES_DIR / "child_health.toml"),
    "{authority}/child_health/child_health_records.csv",
)


@pytest.fixture(scope="module")
def authority(tmp_path_factory) -> Path:
    return build_authority(tmp_path_factory, "interrupted", children=120, seed=5)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, authority):
    """An authority's staff and children loaded and its register imported: the index before an extract."""
    folder = tmp_path_factory.mktemp("databases")
    database = Database(folder)
    databases = [database]
    database.run("migrate", "--verbosity", "0")
    database.run("load-authority", str(authority), "--verbosity", "0")
    database.run(
        "import", str(SOURCES_DIR / "register.toml"), str(authority / "register" / "children.csv"), "--no-progress"
    )
    yield database, databases
    for each in databases:
        each.drop()
    shutil.rmtree(folder, ignore_errors=True)


def import_child_health(database: Database, authority: Path, *, kill_after: str = "") -> None:
    command = ("import", CHILD_HEALTH[0], CHILD_HEALTH[1].format(authority=authority), "--no-progress")
    if kill_after:
        database.kill_after(kill_after, *command)
    else:
        database.run(*command)


@pytest.fixture(scope="module")
def imported(loaded, authority) -> Database:
    """The index with a second agency's extract imported, uninterrupted, before any linkage."""
    base, databases = loaded
    database = base.copy()
    databases.append(database)
    import_child_health(database, authority)
    return database


def test_an_import_killed_part_way_leaves_nothing_and_runs_again_to_the_same_index(loaded, imported, authority):
    base, databases = loaded
    database = base.copy()
    databases.append(database)
    before = database.snapshot()

    import_child_health(database, authority, kill_after="imported_extract")

    assert database.snapshot() == before, "a killed import left part of its batch behind"
    import_child_health(database, authority)
    after = database.snapshot()
    assert after == imported.snapshot()
    assert after["children"] == before["children"]
    assert len(after["records"]) > len(before["records"]) and len(after["batches"]) == len(before["batches"]) + 1


def test_a_linkage_killed_part_way_leaves_nothing_and_runs_again_to_the_same_children(loaded, imported):
    _, databases = loaded
    database, uninterrupted = imported.copy(), imported.copy()
    databases += [database, uninterrupted]
    before = database.snapshot()
    assert not any(record[-1] for record in before["records"]), "nothing is linked yet"

    database.kill_after("linked_index", "link-index")

    assert database.snapshot() == before, "a killed linkage left some of its work behind"
    database.run("link-index")
    uninterrupted.run("link-index")
    again, expected = database.snapshot(), uninterrupted.snapshot()
    children_before = set(before["children"])
    assert set(again["children"]) >= children_before, "a child that was there before the linkage is gone"
    assert linked_as(again, children_before) == linked_as(expected, children_before)
    assert without_children(again) == without_children(expected)
    assert all(record[-1] for record in again["records"]), "every record has a child after the linkage"

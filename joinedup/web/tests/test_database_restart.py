"""The database behind a session can fail without failing the service. When PostgreSQL restarts
mid-session, the next request works on a new connection. On SQLite, the embedded default, two
people saving at once take turns rather than meet "database is locked"."""

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client, RequestFactory

from joinedup.people.tests.factories import PractitionerFactory

ON_POSTGRESQL = connection.vendor == "postgresql"


def serve(path: str, **headers: Any) -> tuple[str, str]:
    """One request through Django's WSGI handler, as the application server makes it. The test
    client skips the start and end of a request, when Django closes connections that failed or
    grew old (CONN_MAX_AGE, CONN_HEALTH_CHECKS), so it would not show what a restart does."""
    environ = RequestFactory().get(path, **headers).environ
    answer: dict[str, str] = {}
    response = WSGIHandler()(environ, lambda status, headers, exc_info=None: answer.update(status=status))
    try:
        body = b"".join(response).decode()
    finally:
        response.close()
    return answer["status"], body


def end_every_connection_to(database: str) -> int:
    """What a restart does to the application: every connection to its database ends, from a
    connection of its own as the server's administrator."""
    params = connection.settings_dict
    with psycopg.connect(
        host=params["HOST"],
        port=params["PORT"] or None,
        user=params["USER"],
        password=params["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as administrator:
        (ended,) = administrator.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s",
            [database],
        ).fetchone()
    return ended


@pytest.mark.skipif(not ON_POSTGRESQL, reason="SQLite is a file in the process: there is no server to restart")
@pytest.mark.django_db(transaction=True)
def test_the_next_request_after_postgresql_restarts_works(monkeypatch):
    """Outside tests a connection is kept between requests (CONN_MAX_AGE 60), so this test keeps
    them too: a kept connection the restart ended would fail the next request's first query
    unless it is checked as the request begins (CONN_HEALTH_CHECKS)."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    practitioner = PractitionerFactory(user__first_name="Pat", user__last_name="Jones")
    client = Client()
    client.force_login(practitioner.user)
    session = {"HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"}
    status, _ = serve("/", **session)
    assert status == "200 OK" and connection.connection is not None, "the connection is kept after the request"

    assert end_every_connection_to(connection.settings_dict["NAME"]) >= 1

    status, page = serve("/", **session)
    assert status == "200 OK"
    assert "Signed in as Pat Jones" in page, "the session survives: it lives in the database, not the connection"


# Each of two people saves in one transaction that reads before it writes, as a service does. The
# first holds its transaction open until the second is about to begin its own, and a second more.
SAVE = """
import sys, time
from pathlib import Path
import django
django.setup()
from django.db import connection, transaction

who, folder = sys.argv[1], Path(sys.argv[2])
if who == "second":
    (folder / "second is beginning").touch()
with transaction.atomic(), connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM saves")
    cursor.execute("INSERT INTO saves VALUES (%s)", [who])
    if who == "first":
        print("saving", flush=True)
        waited = time.monotonic() + 60
        while not (folder / "second is beginning").exists() and time.monotonic() < waited:
            time.sleep(0.05)
        time.sleep(1)
"""


@pytest.mark.skipif(ON_POSTGRESQL, reason="PostgreSQL locks rows, not the database: this is SQLite's question")
def test_two_people_saving_at_once_on_sqlite_take_turns(tmp_path: Path):
    """A transaction that read before another began writing cannot then write (SQLite fails it at
    once with "database is locked", whatever the timeout), so each must take the write lock as it
    begins and wait its turn."""
    database = tmp_path / "two-people.sqlite3"
    with closing(sqlite3.connect(database, isolation_level=None)) as created:
        created.execute("CREATE TABLE saves (who TEXT)")
    environment = os.environ | {
        "DATABASE_URL": f"sqlite:///{database}",
        "JOINEDUP_MODE": "test",
        "DJANGO_SETTINGS_MODULE": "joinedup.settings",
    }

    def save(who: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-c", SAVE, who, str(tmp_path)],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    first = save("first")
    assert first.stdout.readline().strip() == "saving"
    second = save("second")
    outcomes = [process.communicate(timeout=60) for process in (first, second)]

    for process, (_, errors) in zip((first, second), outcomes, strict=True):
        assert process.returncode == 0, errors[-2000:]
    with closing(sqlite3.connect(database)) as saved:
        assert sorted(row[0] for row in saved.execute("SELECT who FROM saves")) == ["first", "second"]

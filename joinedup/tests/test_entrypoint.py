"""The image's entrypoint, run straight on this machine as the container runs it: on an empty
database it migrates, then gunicorn serves the probes and the pages in production mode, behind a
proxy that ends TLS, writing JSON logs; on a stop signal it stops cleanly. CI has no container
engine, so this is how the image's start-up is tested."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
SITE = "joinedup.example.gov.uk"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A database of its own, empty, of the kind the tests run on; its URL."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'entrypoint.sqlite3'}"
        return
    params = connection.settings_dict
    name = f"joinedup_entrypoint_{uuid.uuid4().hex[:8]}"
    server = {"host": params["HOST"], "port": params["PORT"] or 5432, "user": params["USER"]}
    with psycopg.connect(**server, password=params["PASSWORD"] or None, dbname="postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            password = f":{params['PASSWORD']}" if params["PASSWORD"] else ""
            yield f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def get(port: int, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    """One request to the server on loopback. http.client follows no redirect: the site's
    redirect to https names a host that is not this machine."""
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        client.request("GET", path, headers=headers)
        response = client.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        client.close()


def through_the_proxy(port: int, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    return get(port, path, Host=SITE, **{"X-Forwarded-Proto": "https"}, **headers)


def test_the_entrypoint_migrates_an_empty_database_then_serves_under_gunicorn(tmp_path):
    port = free_port()
    with empty_database(tmp_path) as database_url:
        environment = {
            key: value for key, value in os.environ.items() if not key.startswith(("JOINEDUP_", "DJANGO_"))
        } | {
            "PYTHON": sys.executable,
            "JOINEDUP_MODE": "production",
            "SECRET_KEY": "entrypoint-test-" + "x" * 40,
            "ALLOWED_HOSTS": SITE,
            "DATABASE_URL": database_url,
            "JOINEDUP_VAR_DIR": str(tmp_path / "var"),
            "JOINEDUP_STATIC_ROOT": str(tmp_path / "static"),
            "JOINEDUP_BIND": f"127.0.0.1:{port}",
            "JOINEDUP_WEB_WORKERS": "1",
            "JOINEDUP_WEB_THREADS": "2",
        }
        entrypoint = str(ROOT / "scripts" / "entrypoint.sh")
        # As the image's build does; any command other than web, worker or migrate runs as given.
        collected = subprocess.run(
            [entrypoint, sys.executable, "-m", "joinedup.cli", "collectstatic", "--noinput", "--verbosity=0"],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
        )
        assert collected.returncode == 0, collected.stderr[-3000:]

        log_path = tmp_path / "server.log"
        with log_path.open("w") as log:
            server = subprocess.Popen([entrypoint, "web"], cwd=ROOT, env=environment, stdout=log, stderr=log)
        try:
            ready = wait_until_ready(port, server, log_path)
            assert ready == {"status": "ready"}, "ready means every migration is applied: the entrypoint migrated"

            status, headers, body = get(port, "/health/live")  # by address, as a probe asks
            assert (status, json.loads(body)) == (200, {"status": "live"})
            assert headers["Server"] == "gunicorn"

            status, _, _ = get(port, "/sign-in", Host=SITE)
            assert status == 301, "production sends plain http to https"

            status, headers, body = through_the_proxy(port, "/sign-in", **{"X-Request-ID": "proxy-1234"})
            page = body.decode()
            assert status == 200 and "Sign in" in page
            assert headers["X-Request-ID"] == "proxy-1234"
            stylesheet = page.split('href="/static/govuk/govuk-frontend.min.', 1)[1].split('"', 1)[0]
            assert stylesheet != "css", "collected static files have hashed names"
            status, headers, _ = through_the_proxy(port, f"/static/govuk/govuk-frontend.min.{stylesheet}")
            assert status == 200 and "immutable" in headers["Cache-Control"], "WhiteNoise serves the hashed file"
        finally:
            server.send_signal(signal.SIGTERM)
            stopped = server.wait(timeout=60)
        assert stopped == 0, log_path.read_text()[-3000:]

    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    request_lines = [line for line in lines if line["logger"] == "joinedup.request"]
    (sign_in,) = [line for line in request_lines if line["request_id"] == "proxy-1234"]
    assert (sign_in["method"], sign_in["path"], sign_in["status"]) == ("GET", "/sign-in", 200)
    assert any(line["logger"] == "gunicorn.error" and "Booting worker" in line["message"] for line in lines)
    unstructured = [line for line in log_path.read_text().splitlines() if line and not line.startswith("{")]
    migrate_output = [line for line in unstructured if line.startswith(("Operations to perform", "  Apply", "Running"))]
    assert unstructured == migrate_output, f"everything but migrate's own report is JSON: {unstructured[:5]}"


def wait_until_ready(port: int, server: subprocess.Popen, log_path: Path) -> dict:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the entrypoint stopped ({server.returncode}): {log_path.read_text()[-3000:]}")
        try:
            status, _, body = get(port, "/health/ready")
        except OSError:  # not listening yet
            time.sleep(0.5)
            continue
        if status == 200:
            return json.loads(body)
        time.sleep(0.5)
    pytest.fail(f"not ready after 180 s: {log_path.read_text()[-3000:]}")


@pytest.fixture
def printing_python(tmp_path) -> str:
    """A Python that prints the arguments it was given, one line a run, and does nothing else."""
    python = tmp_path / "python"
    python.write_text('#!/bin/sh\necho "$@"\n')
    python.chmod(0o755)
    return str(python)


@pytest.mark.parametrize(
    ("command", "runs"),
    [
        (["web"], ["-m joinedup.cli migrate --noinput", "-m gunicorn --config python:joinedup.gunicorn_conf"]),
        (["worker"], ["-m joinedup.cli db_worker"]),
        (["webhooks"], ["-m joinedup.cli deliver-webhooks --watch"]),
        (["migrate"], ["-m joinedup.cli migrate --noinput"]),
        (["worker", "--queue-name", "reports"], ["-m joinedup.cli db_worker --queue-name reports"]),
    ],
)
def test_each_service_of_the_compose_file_starts_its_own_process(printing_python, command, runs):
    """compose's services differ only in the entrypoint's first argument; a Python that prints
    what it is asked to run stands in for the real one (the worker's and the webhooks' commands
    come from other rooms)."""
    environment = os.environ | {"PYTHON": printing_python, "JOINEDUP_MIGRATE_ON_START": "1"}
    result = subprocess.run(
        [ROOT / "scripts" / "entrypoint.sh", *command], env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == runs


def test_the_web_service_leaves_migrating_to_compose_s_one_off_service(printing_python):
    environment = os.environ | {"PYTHON": printing_python, "JOINEDUP_MIGRATE_ON_START": "0"}
    result = subprocess.run(
        [ROOT / "scripts" / "entrypoint.sh", "web"], env=environment, capture_output=True, text=True
    )
    assert result.stdout.splitlines() == ["-m gunicorn --config python:joinedup.gunicorn_conf"]

"""The demo end to end, small: generate, load through the council's path, one login per role."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from joinedup.access.models import Involvement
from joinedup.people.models import Child, Practitioner, Role
from joinedup.web.management.commands import demo
from joinedup.web.management.commands.demo import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_demo_builds_loads_and_prints_a_login_for_every_role(settings, tmp_path, capsys):
    settings.VAR_DIR = tmp_path
    call_command("demo", children=400, seed=7, no_serve=True)
    printed = capsys.readouterr().out

    assert Child.objects.count() == 400
    assert Involvement.objects.exists()

    for role in Role:
        line = next(line for line in printed.splitlines() if line.startswith(f"  {role.label} "))
        username = line[len(role.label) + 2 :].split()[0]
        practitioner = Practitioner.objects.select_related("user").get(user__username=username)
        assert practitioner.role == role and practitioner.user.check_password(DEMO_PASSWORD)

    # Run again: nothing is generated or loaded twice
    call_command("demo", children=400, seed=7, no_serve=True)
    assert "children unchanged: 400" in capsys.readouterr().out
    assert Child.objects.count() == 400

    # A much smaller authority's extracts would withdraw most records: held, and the demo stops saying so.
    with pytest.raises(CommandError, match="would withdraw"):
        call_command("demo", children=150, seed=7, no_serve=True)


def test_the_demo_is_served_by_gunicorn_on_loopback_and_stops_on_ctrl_c(tmp_path):
    """What `joinedup demo` does once the authority is loaded, in a process of its own."""
    port = free_port()
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("JOINEDUP_", "DJANGO_"))}
    environment |= {
        "JOINEDUP_MODE": "demo",
        "JOINEDUP_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "joinedup.settings",
        "JOINEDUP_WEB_WORKERS": "1",
    }
    serve = f"import django; django.setup(); from {demo.__name__} import serve; serve({port})"
    with (tmp_path / "demo.log").open("w") as log:
        server = subprocess.Popen([sys.executable, "-c", serve], cwd=ROOT, env=environment, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, (tmp_path / "demo.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/sign-in", timeout=30) as response:
                    assert response.headers["Server"] == "gunicorn"
                    assert "Sign in" in response.read().decode()
                break
            except urllib.error.URLError:  # not listening yet
                assert time.monotonic() < deadline, (tmp_path / "demo.log").read_text()[-3000:]
                time.sleep(0.5)
    finally:
        server.send_signal(signal.SIGINT)  # Ctrl+C, as the demo's last line says
        stopped = server.wait(timeout=60)
    log = (tmp_path / "demo.log").read_text()
    assert stopped == 0, log[-3000:]
    assert f"Listening at: http://127.0.0.1:{port}" in log
    assert "INFO joinedup.request [" in log and "GET /sign-in 200" in log, "a text line a request, for a person"
    # Jobs started in the browser need a worker: gunicorn starts one beside it and stops it with itself.
    task_worker = int(re.search(r"Task worker started \(pid (\d+)\)", log).group(1))
    with pytest.raises(ProcessLookupError):
        os.kill(task_worker, 0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]

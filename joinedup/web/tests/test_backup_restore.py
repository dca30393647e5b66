"""Backup and restore as README.md ("Deployment") tells an operator to do it: scripts/backup.sh, the
database lost, scripts/restore.sh, and the site works on what came back, with the audit log
exactly as it was (every row, every time, every detail) and still append-only."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import DatabaseError, ProgrammingError, connection, transaction
from django.test import Client

from joinedup.audit import services as audit
from joinedup.audit.models import AuditEvent
from joinedup.people.models import Child
from joinedup.web import health

ROOT = Path(__file__).resolve().parents[3]
ON_POSTGRESQL = connection.vendor == "postgresql"


def database_url() -> str:
    params = connection.settings_dict
    password = f":{params['PASSWORD']}" if params["PASSWORD"] else ""
    return f"postgres://{params['USER']}{password}@{params['HOST']}:{params['PORT'] or 5432}/{params['NAME']}"


def run(script: str, *arguments: str, url: str) -> subprocess.CompletedProcess:
    environment = os.environ | {"DATABASE_URL": url, "PYTHON": sys.executable, "JOINEDUP_MODE": "test"}
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / script), *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )


@pytest.mark.skipif(
    not ON_POSTGRESQL,
    reason="backup.sh and restore.sh are for PostgreSQL, production's database; SQLite is for the demo",
)
@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_over_a_lost_database_brings_back_the_site_and_the_audit_log(scene, signed_in, tmp_path):
    alfred = scene["alfred"]
    assert signed_in("pat").get(f"/children/{alfred.pk}").status_code == 200  # audited: viewed the child
    audit.record(
        actor=scene["pat"].user,
        verb="changed_child",
        child_id=alfred.pk,
        target=alfred,
        legal_basis="Allocated worker, correcting the surname as the school spells it",
        detail={"changed": {"surname": ["Smyth", "Smith"]}, "note": "Ffion's café, £5 — spelt as the school has it"},
    )
    before = list(AuditEvent.objects.order_by("id").values())
    assert len(before) >= 2

    backup = run("backup.sh", str(tmp_path / "joinedup.dump"), url=database_url())
    assert backup.returncode == 0, backup.stderr
    assert backup.stdout.strip() == str(tmp_path / "joinedup.dump")

    lose_the_database()
    lost = Client().get(health.READY)
    assert lost.status_code == 503 and "migrations not applied" in lost.json()["reason"], "the site knows"
    with pytest.raises(ProgrammingError):
        Child.objects.count()
    connection.close()

    restore = run("restore.sh", str(tmp_path / "joinedup.dump"), url=database_url())
    assert restore.returncode == 0, restore.stderr
    assert "Restored" in restore.stdout

    ready = Client().get(health.READY)
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"}), "every migration came back"
    assert list(AuditEvent.objects.order_by("id").values()) == before, "every audit event, exactly as it was"
    page = signed_in("pat").get(f"/children/{alfred.pk}")
    assert page.status_code == 200 and "Alfred James" in page.text
    audit_page = signed_in("adi").get(f"/children/{alfred.pk}/audit")
    assert audit_page.status_code == 200
    assert "Allocated worker, correcting the surname as the school spells it" in audit_page.text
    newest = AuditEvent.objects.order_by("-id").first()
    assert newest.id > before[-1]["id"], "the id sequence came back too: new events follow the old"
    with pytest.raises(DatabaseError, match="Audit events cannot be changed or deleted"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditevent SET verb = 'nothing happened' WHERE id = %s", [before[0]["id"]])


def lose_the_database() -> None:
    """Drop it and create it again, empty, as a new server or a dropped database would be."""
    params = connection.settings_dict
    name = params["NAME"]
    connection.close()
    with psycopg.connect(
        host=params["HOST"],
        port=params["PORT"] or 5432,
        user=params["USER"],
        password=params["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as server:
        server.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{name}"')


def test_the_scripts_refuse_a_database_that_is_not_postgresql(tmp_path):
    for script in ("backup.sh", "restore.sh"):
        result = run(script, str(tmp_path / "joinedup.dump"), url=f"sqlite:///{tmp_path / 'joinedup.sqlite3'}")
        assert result.returncode == 2
        assert "DATABASE_URL is not a postgres:// URL" in result.stderr

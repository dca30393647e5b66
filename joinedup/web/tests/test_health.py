"""The container runtime asks whether the process is alive; the load balancer asks whether it is
ready for traffic. Neither needs a sign-in, and neither reads a child's record."""

import json

import pytest
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder

from joinedup.audit.models import AuditEvent
from joinedup.web import health


def test_liveness_answers_without_touching_the_database(client):
    """No database mark: any query here would fail the test."""
    response = client.get(health.LIVE)

    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "live"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readiness_says_ready_when_every_migration_is_applied(client):
    response = client.get(health.READY)

    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ready"}


@pytest.mark.django_db
def test_readiness_names_a_migration_not_yet_applied(client):
    MigrationRecorder(connection).record_unapplied("audit", "0002_append_only_in_the_database")

    response = client.get(health.READY)

    assert response.status_code == 503
    answer = json.loads(response.content)
    assert answer["status"] == "not ready"
    assert (
        answer["reason"]
        == "1 migrations not applied, first audit.0002_append_only_in_the_database: run joinedup migrate"
    )


@pytest.mark.django_db
def test_readiness_names_first_the_migration_migrate_would_run_first(client):
    """access.0006 needs people.0004: migrate runs that first, so the operator is told of it first."""
    recorder = MigrationRecorder(connection)
    # people.0004 and every people migration after it (a later one applied would hide its ancestors)
    people_from_0004 = sorted(name for app, name in recorder.applied_migrations() if app == "people" and name >= "0004")
    for name in people_from_0004:
        recorder.record_unapplied("people", name)
    recorder.record_unapplied("access", "0006_involvement_service_from_team")

    answer = json.loads(client.get(health.READY).content)

    not_applied = len(people_from_0004) + 1
    assert answer["reason"] == (
        f"{not_applied} migrations not applied, first people.0004_carer_phone_and_email: run joinedup migrate"
    )


@pytest.mark.django_db
def test_readiness_says_the_database_cannot_be_reached_without_quoting_its_address(client, monkeypatch, tmp_path):
    unreachable = connections.create_connection("default")
    unreachable.settings_dict = dict(unreachable.settings_dict)
    if unreachable.vendor == "sqlite":
        unreachable.settings_dict["NAME"] = str(tmp_path / "no such folder" / "joinedup.sqlite3")
    else:
        unreachable.settings_dict["PORT"] = "1"  # nothing listens there
    monkeypatch.setattr(health, "connection", unreachable)

    response = client.get(health.READY)

    assert response.status_code == 503
    answer = json.loads(response.content)
    assert answer["reason"] == "the database cannot be reached (OperationalError)"
    unreachable.close()


@pytest.mark.django_db
def test_probes_skip_two_factor_sign_in_and_are_not_audited(signed_in, settings):
    settings.JOINEDUP_REQUIRE_TWO_FACTOR = True
    client = signed_in("pat")  # staff, signed in with a password but not yet with the app
    audited = AuditEvent.objects.count()

    assert client.get("/").status_code == 302, "every page waits for the second factor"
    for probe in (health.LIVE, health.READY):
        assert client.get(probe).status_code == 200
    assert AuditEvent.objects.count() == audited


@pytest.mark.django_db
def test_probes_answer_whatever_host_they_ask_for(client, settings):
    """A probe asks by the container's address, which ALLOWED_HOSTS rightly does not list."""
    settings.ALLOWED_HOSTS = ["joinedup.example.gov.uk"]

    assert client.get("/sign-in", HTTP_HOST="127.0.0.1:8000").status_code == 400
    assert client.get(health.READY, HTTP_HOST="127.0.0.1:8000").status_code == 200

"""Liveness and readiness for the container runtime, the load balancer and the deploy script.

`/health/live` says the process answers (no database: a database outage must not get every web
process restarted). `/health/ready` says this process can serve pages: the database answers and
every migration this code knows is applied, else 503 with the reason as JSON, so traffic waits
during a migration or an outage. Both are answered before any other middleware: no session, no
sign-in, no audit, and no host check, since probes ask by address, not by the site's name."""

from functools import cache

from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.http import JsonResponse

LIVE = "/health/live"
READY = "/health/ready"


def health_checks(get_response):
    def middleware(request):
        if request.path == LIVE:
            return _answer({"status": "live"}, 200)
        if request.path == READY:
            reason = why_not_ready()
            return _answer(
                {"status": "not ready", "reason": reason} if reason else {"status": "ready"}, 503 if reason else 200
            )
        return get_response(request)

    return middleware


def why_not_ready() -> str:
    """Empty when ready; otherwise one sentence for the operator."""
    try:
        applied = set(MigrationRecorder(connection).applied_migrations())
    except DatabaseError as error:
        # The class name, not the message: a connection error can quote the database's address.
        return f"the database cannot be reached ({type(error).__name__})"
    pending = [f"{app}.{name}" for app, name in _known_migrations() if not _is_applied((app, name), applied)]
    if pending:
        return f"{len(pending)} migrations not applied, first {pending[0]}: run joinedup migrate"
    return ""


@cache
def _known_migrations() -> tuple[tuple[str, str], ...]:
    """The migrations on disk, read once: they do not change while the process runs."""
    return tuple(sorted(MigrationLoader(None, ignore_no_migrations=True).graph.nodes))


@cache
def _replacements() -> dict[tuple[str, str], list[tuple[str, str]]]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {key: migration.replaces for key, migration in loader.replacements.items()}


def _is_applied(migration: tuple[str, str], applied: set[tuple[str, str]]) -> bool:
    # A squashed migration stands for the ones it replaces: a database that ran those has it.
    replaced = _replacements().get(migration)
    return migration in applied or bool(replaced) and all(old in applied for old in replaced)


def _answer(body: dict, status: int) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response

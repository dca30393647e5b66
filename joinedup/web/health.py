"""Liveness and readiness for the container runtime, the load balancer and the deploy script.

`/health/live` says the process answers (no database: a database outage must not get every web
process restarted). `/health/ready` says this process can serve pages: the database answers and
every migration this code knows is applied, else 503 with the reason as JSON, so traffic waits
during a migration or an outage. Both are answered before any other middleware: no session, no
sign-in, no audit, and no host check, since probes ask by address, not by the site's name."""

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
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
    """Empty when ready; otherwise one sentence for the operator. The plan is `migrate --check`'s:
    what migrate would apply to reach every app's latest migration (squashes counted as Django does)."""
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        # The class name, not the message: a connection error can quote the database's address.
        return f"the database cannot be reached ({type(error).__name__})"
    if pending:
        first, _ = pending[0]
        return f"{len(pending)} migrations not applied, first {first.app_label}.{first.name}: run joinedup migrate"
    return ""


def _answer(body: dict, status: int) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response

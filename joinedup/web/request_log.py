"""Every request gets an id and one log line. The id comes from the proxy in front (X-Request-ID)
when it sent a sane one, so its logs and ours join up; otherwise we make one. It goes back on the
response, so a person reporting a problem can quote it, and onto every log line written meanwhile."""

import logging
import re
import time
import uuid

from django.utils.functional import empty

from joinedup.common.logs import request_id

HEADER = "X-Request-ID"
# Letters, digits and a little punctuation, as proxies and tracing systems write them: anything
# else (a newline, a megabyte) would let a client forge or flood log lines.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}")

logger = logging.getLogger("joinedup.request")


def id_for(incoming: str | None) -> str:
    if incoming and SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def request_id_and_log(get_response):
    def middleware(request):
        started = time.perf_counter()
        this_request = id_for(request.headers.get(HEADER))
        token = request_id.set(this_request)
        try:
            response = get_response(request)
            response[HEADER] = this_request
            # Probes ask every few seconds: their lines are there for debugging, not every day.
            level = logging.DEBUG if request.path.startswith("/health/") else logging.INFO
            logger.log(
                level,
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": _user_id(request),
                },
            )
            return response
        finally:
            request_id.reset(token)

    return middleware


def _user_id(request) -> int | None:
    """The signed-in user's id if this request already looked the user up: looking them up here
    would cost a query on requests that never needed one (a probe, a static file)."""
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None

"""Logs an operator can search: one JSON object a line (or plain text for a person at a terminal),
each carrying the id of the request it belongs to, so every line one request wrote can be found
from the id a user reads out or a proxy logged. Django's settings and gunicorn's configuration
both take their logging from `logging_config_from_environment`."""

import json
import logging
import os
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

# Set by the request middleware for the length of one request; each thread and task has its own.
request_id: ContextVar[str] = ContextVar("request_id", default="")

# What every LogRecord has: anything else on a record came from `extra=` and is worth printing.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        # The filter's "-" (outside a request) is for text; here it is null.
        this_request = getattr(record, "request_id", "") or request_id.get()
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": None if this_request in ("", "-") else this_request,
        }
        line.update((key, value) for key, value in vars(record).items() if key not in _RECORD_ATTRIBUTES)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
FORMATS = ("json", "text")


def logging_config(*, log_format: str, level: str, joinedup_level: str, request_level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` for the whole process: everything to standard error, which
    the container runtime or systemd collects; joinedup's own loggers at `joinedup_level`, its
    request lines at `request_level`, everything else at `level`."""
    if log_format not in FORMATS:
        raise ValueError(f"JOINEDUP_LOG_FORMAT must be json or text, not {log_format!r}")
    formatter = {"()": JsonFormatter} if log_format == "json" else {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"joinedup": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "joinedup",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "joinedup": {"level": joinedup_level},
            "joinedup.request": {"level": request_level},
            # gunicorn gives its loggers handlers of their own and stops them propagating. Requests
            # are logged once, by joinedup.request, which knows the user: gunicorn's access lines
            # (INFO) are left out.
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        },
    }


def logging_config_from_environment(mode: str) -> dict[str, Any]:
    """JSON in production, text in the demo and tests, unless JOINEDUP_LOG_FORMAT says otherwise.
    Requests are logged except in tests, one line each as runserver did in the demo; joinedup's
    progress lines (an import, linkage) only in production, where nobody watches a terminal.
    JOINEDUP_LOG_LEVEL, when set, is the level of both."""
    chosen = os.environ.get("JOINEDUP_LOG_LEVEL")
    return logging_config(
        log_format=os.environ.get("JOINEDUP_LOG_FORMAT", "json" if mode == "production" else "text"),
        level=os.environ.get("LOG_LEVEL", "WARNING"),
        joinedup_level=chosen or ("INFO" if mode == "production" else "WARNING"),
        request_level=chosen or ("WARNING" if mode == "test" else "INFO"),
    )

"""An operator searching the logs finds one JSON object a line, each with the request it belongs to."""

import io
import json
import logging

import pytest

from joinedup.common.logs import (
    TEXT_FORMAT,
    JsonFormatter,
    RequestIdFilter,
    logging_config,
    logging_config_from_environment,
    request_id,
)


@pytest.fixture
def log_lines():
    """A logger writing through the formatter and filter the console handler uses; returns a
    function giving what it wrote, one string a line."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("joinedup.tests.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, lambda: stream.getvalue().splitlines()
    logger.removeHandler(handler)


def test_a_line_written_during_a_request_carries_its_id_and_its_fields(log_lines):
    logger, lines = log_lines
    token = request_id.set("req-42")
    try:
        logger.info("GET %s %s", "/children/search", 200, extra={"status": 200, "duration_ms": 12.5, "user_id": 7})
    finally:
        request_id.reset(token)

    (line,) = lines()
    written = json.loads(line)
    assert written["message"] == "GET /children/search 200"
    assert written["level"] == "INFO" and written["logger"] == "joinedup.tests.logs"
    assert written["request_id"] == "req-42"
    assert (written["status"], written["duration_ms"], written["user_id"]) == (200, 12.5, 7)
    assert written["timestamp"].endswith("+00:00"), "timestamps are UTC, whatever the server's zone"


def test_outside_a_request_the_id_is_null_and_a_failure_keeps_its_traceback(log_lines):
    logger, lines = log_lines
    try:
        raise ValueError("no such extract")
    except ValueError:
        logger.exception("Import failed")

    (line,) = lines()  # the traceback is inside the one JSON line, not spread over several
    written = json.loads(line)
    assert written["request_id"] is None
    assert written["level"] == "ERROR"
    assert "ValueError: no such extract" in written["exception"]


def test_text_lines_show_the_request_id_for_a_person_reading():
    config = logging_config(log_format="text", level="WARNING", joinedup_level="INFO")
    formatter = logging.Formatter(config["formatters"]["joinedup"]["format"])
    record = logging.makeLogRecord({"name": "joinedup.request", "levelname": "INFO", "msg": "GET / 200"})
    token = request_id.set("abc123")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id.reset(token)
    assert formatter.format(record).endswith("INFO joinedup.request [abc123] GET / 200")


def test_an_unknown_log_format_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="json or text, not 'xml'"):
        logging_config(log_format="xml", level="WARNING", joinedup_level="INFO")


def test_the_demo_logs_each_request_but_not_progress_which_production_logs_too(monkeypatch):
    monkeypatch.delenv("JOINEDUP_LOG_LEVEL", raising=False)
    monkeypatch.delenv("JOINEDUP_LOG_FORMAT", raising=False)
    demo = logging_config_from_environment("demo")
    assert (demo["loggers"]["joinedup"]["level"], demo["loggers"]["joinedup.request"]["level"]) == ("WARNING", "INFO")
    assert demo["formatters"]["joinedup"] == {"format": TEXT_FORMAT}
    production = logging_config_from_environment("production")
    assert production["loggers"]["joinedup"]["level"] == production["loggers"]["joinedup.request"]["level"] == "INFO"
    assert production["formatters"]["joinedup"] == {"()": JsonFormatter}
    test = logging_config_from_environment("test")
    assert test["loggers"]["joinedup.request"]["level"] == "WARNING"

    monkeypatch.setenv("JOINEDUP_LOG_LEVEL", "DEBUG")  # probes' lines too, when debugging
    assert logging_config_from_environment("production")["loggers"]["joinedup.request"]["level"] == "DEBUG"

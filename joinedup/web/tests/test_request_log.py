"""Each request has an id, sent back to the browser and written on every log line the request
causes, so a person who quotes it leads an operator to exactly those lines."""

import io
import json
import logging

import pytest

from joinedup.common.logs import JsonFormatter, RequestIdFilter
from joinedup.web.request_log import HEADER


@pytest.fixture
def json_lines():
    """The joinedup loggers writing JSON through the console handler's filter, requests among
    them at INFO (tests' settings leave request lines out)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger, requests = logging.getLogger("joinedup"), logging.getLogger("joinedup.request")
    levels = logger.level, requests.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    requests.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(levels[0])
    requests.setLevel(levels[1])


@pytest.mark.django_db
def test_a_request_id_from_the_proxy_is_kept_and_logged_with_the_request(scene, signed_in, json_lines):
    client = signed_in("pat")

    response = client.get("/children/search", HTTP_X_REQUEST_ID="edge-7f3a9c")

    assert response.status_code == 200
    assert response[HEADER] == "edge-7f3a9c"
    (line,) = [line for line in json_lines() if line["logger"] == "joinedup.request"]
    assert line["request_id"] == "edge-7f3a9c"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/children/search", 200)
    assert line["user_id"] == scene["pat"].user.pk
    assert line["duration_ms"] > 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "incoming",
    ["", "two words", "line\nbreak", "x" * 129, "-starts-with-a-dash", "{json}"],
    ids=["empty", "space", "newline", "too long", "leading dash", "braces"],
)
def test_an_id_that_could_forge_or_flood_log_lines_is_replaced(client, incoming, json_lines):
    response = client.get("/sign-in", HTTP_X_REQUEST_ID=incoming)

    made = response[HEADER]
    assert made != incoming and len(made) == 32 and int(made, 16) >= 0
    (line,) = [line for line in json_lines() if line["logger"] == "joinedup.request"]
    assert line["request_id"] == made
    assert line["user_id"] is None, "nobody is signed in"


@pytest.mark.django_db
def test_each_request_without_an_id_gets_a_new_one(client):
    first, second = (client.get("/sign-in")[HEADER] for _ in range(2))

    assert first != second

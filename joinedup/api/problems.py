"""Every refusal and error the API returns has one shape, RFC 9457 problem details:
{"status", "title", "code", "detail", "errors": [{"field", "message", "expected"}]}, served as
application/problem+json. `code` is for programs; `detail` and each error's message are for people."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from http import HTTPStatus

from django.http import HttpResponse

logger = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str
    expected: str = ""


@dataclass
class ApiProblem(Exception):
    status: int
    code: str
    detail: str
    errors: list[FieldProblem] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.detail


def problem_response(problem: ApiProblem) -> HttpResponse:
    body = {
        "status": problem.status,
        "title": HTTPStatus(problem.status).phrase,
        "code": problem.code,
        "detail": problem.detail,
        "errors": [
            {"field": error.field, "message": error.message, "expected": error.expected} for error in problem.errors
        ],
    }
    response = HttpResponse(json.dumps(body), status=problem.status, content_type=MEDIA_TYPE)
    for header, value in problem.headers.items():
        response[header] = value
    return response


def invalid(errors: list[FieldProblem]) -> ApiProblem:
    count = "1 problem" if len(errors) == 1 else f"{len(errors)} problems"
    return ApiProblem(422, "invalid_input", f"The request has {count}: correct it and send it again", errors)


def not_found() -> ApiProblem:
    """Absent and not allowed look the same, so a refusal does not confirm that a child is known."""
    return ApiProblem(404, "not_found", "Nothing with this identifier is available to this token")


# What pydantic's error types expect, in words, where its own context does not say.
_EXPECTED = {
    "missing": "a value",
    "string_type": "text",
    "string_too_short": "longer text",
    "string_too_long": "shorter text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "greater_than_equal": "a larger number",
    "less_than_equal": "a smaller number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "date_type": "a date as YYYY-MM-DD",
    "date_from_datetime_parsing": "a date as YYYY-MM-DD",
    "date_parsing": "a date as YYYY-MM-DD",
    "datetime_parsing": "a date and time in ISO 8601",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "dict_type": "an object",
    "list_type": "a list",
    "extra_forbidden": "no such field",
    "url_parsing": "a URL",
    "url_scheme": "an https URL",
}


def from_pydantic(errors: list[dict]) -> ApiProblem:
    """Ninja's validation errors (pydantic's, with where the value came from first) as field problems."""
    problems = []
    for error in errors:
        # ("body", "payload", "consent", "given_by") or ("query", "since"): drop the source and
        # the name of the body's parameter, which the caller never sees.
        location = [str(part) for part in error.get("loc", ())]
        if location[:1] == ["body"]:
            location = location[2:]
        elif location:
            location = location[1:]
        context = error.get("ctx") or {}
        expected = context.get("expected") or _EXPECTED.get(error.get("type", ""), "")
        problems.append(FieldProblem(".".join(location) or "body", error.get("msg", "Not valid"), expected))
    return invalid(problems)

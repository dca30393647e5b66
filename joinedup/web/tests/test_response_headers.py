"""The header check that every URL test applies to every answer can fail: each weakness it looks
for, put into an otherwise good response, is reported."""

import pytest
from django.http import HttpResponse

from .response_headers import header_problems

GOOD_POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-abc123'; style-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
GOOD_PAGE = '<html><script type="module" nonce="abc123">initAll()</script><script src="/static/x.js"></script></html>'


def response(policy=GOOD_POLICY, page=GOOD_PAGE, headers=None):
    answer = HttpResponse(page, content_type="text/html; charset=utf-8")
    good = {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "max-age=0, no-cache, no-store, must-revalidate, private",
    }
    for name, value in (good | (headers or {})).items():
        answer[name] = value
    return answer


def test_a_good_page_has_no_problems():
    assert header_problems(response(), "/") == []


@pytest.mark.parametrize(
    "weakened, expected",
    [
        ({"policy": GOOD_POLICY.replace("'nonce-abc123'", "'unsafe-inline'")}, "'unsafe-inline' in script-src"),
        ({"policy": GOOD_POLICY + "; script-src-attr 'unsafe-inline'"}, "'unsafe-inline' in script-src"),
        ({"policy": GOOD_POLICY.replace("'nonce-abc123'", "")}, "has no nonce"),
        ({"policy": GOOD_POLICY.replace("base-uri 'none'", "base-uri 'self'")}, "base-uri"),
        ({"page": GOOD_PAGE.replace(' nonce="abc123"', "")}, "does not carry a nonce"),
        ({"page": GOOD_PAGE + "<style>p{}</style>"}, "does not carry a nonce its style-src allows"),
        ({"page": GOOD_PAGE + '<a href="#" onclick="go()">x</a>'}, "event handler"),
        ({"headers": {"Cache-Control": "max-age=600"}}, "Cache-Control"),
        ({"headers": {"X-Content-Type-Options": ""}}, "X-Content-Type-Options"),
    ],
    ids=[
        "unsafe-inline",
        "unsafe-inline for attributes",
        "no nonce",
        "base-uri self",
        "script without the nonce",
        "inline style",
        "onclick",
        "cached",
        "sniffing",
    ],
)
def test_each_weakness_is_reported(weakened, expected):
    problems = header_problems(response(**weakened), "/page")

    assert any(expected in problem for problem in problems), problems


def test_a_response_without_a_policy_is_reported():
    answer = response()
    del answer.headers["Content-Security-Policy"]

    assert "sends no Content-Security-Policy" in header_problems(answer, "/page")[-1]

"""The API's reference is browsable: Swagger UI, from files this site serves, under the site's
nonce-based content security policy, lists every operation and can be read with assistive technology."""

import pytest
from playwright.sync_api import expect

from joinedup.api.views import api
from joinedup.common.browser_testing import Journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_a_partner_developer_reads_the_reference(live_server, page):
    refused = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    requests_elsewhere = []
    page.on(
        "request",
        lambda request: requests_elsewhere.append(request.url) if not request.url.startswith(live_server.url) else None,
    )
    journey = Journey(page, "partner-api-reference")

    # Given a developer at a partner agency, When they open the API's reference
    page.goto(f"{live_server.url}/api/v1/docs")

    # Then every operation is listed, with nothing blocked and nothing fetched from elsewhere
    operations = page.locator(".opblock-summary")
    expect(operations.first).to_be_visible()
    count = sum(len(methods) for methods in api.get_openapi_schema()["paths"].values())
    expect(operations).to_have_count(count)
    expect(page.get_by_text("joinedup partner API", exact=False).first).to_be_visible()
    journey.check("reference")

    # When they open the who-is-involved operation, Then its parameters and answers can be read too
    page.locator(".opblock-summary", has_text="/who-is-involved").first.click()
    expect(page.get_by_text("Request body").first).to_be_visible()
    journey.check("an operation opened")
    assert refused == []
    assert requests_elsewhere == []

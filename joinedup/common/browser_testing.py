"""Browser tests: Playwright driving Debian's Chromium, axe-core on every page, screenshots per
step. A pytest plugin (see the root conftest.py), so every room's browser tests share it."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
OUTPUT_DIR = Path(__file__).resolve().parents[2] / "test-output"


def _govuk_conditional_reveal(violation: dict, node: dict) -> bool:
    """GOV.UK Frontend puts aria-expanded on a radio that reveals a question, against the ARIA
    spec but on purpose: screen readers announce it (its known issue, alphagov/govuk-frontend#979).
    Only that attribute on that component is let through."""
    attributes = set(re.findall(r"(aria-[a-z]+)=", node.get("failureSummary", "")))
    return (
        violation["id"] == "aria-allowed-attr"
        and "govuk-radios__input" in node["html"]
        and attributes == {"aria-expanded"}
    )


def assert_no_axe_violations(page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]})
    violations = [
        v | {"nodes": nodes}
        for v in results.response["violations"]
        if (nodes := [node for node in v["nodes"] if not _govuk_conditional_reveal(v, node)])
    ]
    details = [f"{v['id']}: {[node['target'] for node in v['nodes']]}" for v in violations]
    assert not violations, f"axe found WCAG 2.2 AA violations on {page.url}: {details}"


class Journey:
    """Steps of one journey, each saved as a numbered screenshot and checked with axe."""

    def __init__(self, page, name: str):
        self.page = page
        self.directory = OUTPUT_DIR / "browser" / name
        self.step = 0
        self.directory.mkdir(parents=True, exist_ok=True)

    def check(self, name: str) -> None:
        self.step += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        self.page.screenshot(path=str(self.directory / f"{self.step:02d}-{slug}.png"), full_page=True)
        assert_no_axe_violations(self.page)


@pytest.fixture(scope="session")
def live_server(django_db_setup, live_server):
    """The live server must stop before the test database is dropped: PostgreSQL will not drop a
    database its threads still hold a connection to."""
    return live_server


@pytest.fixture
def page():
    """Ask for `page` after every fixture that writes to the database: code run inside Playwright's
    sync context gets its own database connection, which PostgreSQL then cannot drop."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop, and Django refuses database calls from one unless told.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from django.db import connections

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        yield context.new_page()
        context.close()
        browser.close()
        # A test that queried the database inside Playwright's context opened a connection of its
        # own there; close it here, where it can be reached, or PostgreSQL keeps it open.
        connections.close_all()

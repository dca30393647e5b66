"""Driving Debian's Chromium with Playwright, and checking every page with axe-core."""

from __future__ import annotations

import re
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

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
_axe = Axe()


def assert_no_axe_violations(page) -> None:
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]})
    violations = results.response["violations"]
    details = [f"{v['id']}: {[node['target'] for node in v['nodes']]}" for v in violations]
    assert not violations, f"axe found WCAG 2.2 AA violations on {page.url}: {details}"


class Journey:
    """Steps of one journey, each saved as a numbered screenshot and checked with axe."""

    def __init__(self, page, directory: Path):
        self.page = page
        self.directory = directory
        self.step = 0
        directory.mkdir(parents=True, exist_ok=True)

    def check(self, name: str) -> None:
        self.step += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        self.page.screenshot(path=str(self.directory / f"{self.step:02d}-{slug}.png"), full_page=True)
        assert_no_axe_violations(self.page)

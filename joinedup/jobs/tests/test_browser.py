"""The index administrator uploads an agency's extract in a real browser, watches its job, and
reads the rows rejected once the worker has run it; an analyst asks for a return and downloads
it from its job; axe on every page."""

import pytest

from joinedup.common.browser_testing import Journey
from joinedup.index.tests.test_readers import HEADER

from .conftest import BAD_ROWS, PASSWORD, work_through_the_queue
from .test_exports import an_assessment_in_the_period
from .test_held_imports import held_import

pytestmark = pytest.mark.browser


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_the_administrator_uploads_an_extract_and_reads_its_rejects(sources, people, live_server, page, tmp_path):
    extract = tmp_path / "health-extract.csv"
    extract.write_text(HEADER + "".join(row + "\n" for row in BAD_ROWS))
    journey = Journey(page, "jobs-upload-extract")

    # Given the index administrator has signed in
    sign_in(page, live_server, "adi")

    # When they open the jobs and choose to upload an extract
    page.get_by_role("link", name="Imports and jobs").click()
    journey.check("the jobs list")
    page.get_by_role("button", name="Upload an agency's extract").click()
    journey.check("the upload form")

    # And upload nothing at first, then the child health extract
    page.get_by_role("button", name="Upload and import").click()
    assert page.get_by_role("link", name="Choose which agency's extract it is").is_visible()
    journey.check("what is missing")
    page.get_by_label("Child health records (Northshire NHS community services)").check()
    page.get_by_label("The extract").set_input_files(extract)
    page.get_by_role("button", name="Upload and import").click()

    # Then the job waits for the worker
    assert page.get_by_role("heading", name="Import an agency's extract: health").is_visible()
    assert page.get_by_text("Waiting to start").first.is_visible()
    journey.check("the job waiting")

    # When the worker runs it, the page follows it to the end by itself
    work_through_the_queue()
    rejects = page.get_by_role("heading", name="Rows rejected and problems found")
    rejects.wait_for(timeout=15_000)

    # Then it lists what was rejected: the file, the row, the column and what was expected
    table = page.get_by_role("region", name="Rows rejected and problems found").get_by_role("table")
    first_reject = table.get_by_role("row").nth(1)
    cells = [cell.inner_text() for cell in first_reject.get_by_role("cell").all()]
    assert cells[:3] == ["health-extract.csv", "3", "DOB"] and "31/02/2016" in cells[3]
    assert page.get_by_role("cell", name="Robot", exact=False).is_visible()
    journey.check("the finished job and its rejects")


def test_the_analyst_asks_for_a_return_and_downloads_it_from_its_job(sources, people, live_server, page):
    an_assessment_in_the_period()
    journey = Journey(page, "jobs-make-a-return")

    # Given the analyst has signed in and opened the returns page
    sign_in(page, live_server, "ana")
    page.goto(f"{live_server.url}/evidence/returns/")
    journey.check("the returns page")

    # When they ask for a period that ends before it starts, they are told, then for last year's list 2
    page.get_by_role("group", name="End of the period").get_by_label("Year").fill("2000")
    page.get_by_role("button", name="Make list 2 (XLSX)").click()
    assert page.get_by_text("The end of the period must be the same as or after its start").first.is_visible()
    journey.check("what is wrong with the period")
    for group, (day, month, year) in (
        ("Start of the period", ("1", "4", "2025")),
        ("End of the period", ("31", "3", "2026")),
    ):
        dates = page.get_by_role("group", name=group)
        dates.get_by_label("Day").fill(day)
        dates.get_by_label("Month").fill(month)
        dates.get_by_label("Year").fill(year)
    page.get_by_role("button", name="Make list 2 (XLSX)").click()

    # Then the job waits for the worker
    assert page.get_by_role("heading", name="Make a partner return").is_visible()
    assert page.get_by_text("Waiting to start").first.is_visible()
    journey.check("the return waiting")

    # When the worker makes it, the page follows it and offers the file
    work_through_the_queue()
    link = page.get_by_role("link", name="Download annex-a-list-2-2026-03-31.xlsx")
    link.wait_for(timeout=15_000)
    journey.check("the return made")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "annex-a-list-2-2026-03-31.xlsx"


def test_the_administrator_confirms_a_held_import_in_the_browser(sources, people, live_server, page, settings):
    held = held_import(people, settings)
    journey = Journey(page, "jobs-confirm-held-import")

    # Given the index administrator has signed in and opened the import the guard held
    sign_in(page, live_server, "adi")
    page.goto(f"{live_server.url}/jobs/{held.pk}")
    assert page.get_by_text("Held: nothing in the index was changed").is_visible()
    journey.check("a held import")

    # When they confirm that the records really have left the agency's extract
    page.get_by_role("button", name="Confirm: withdraw 2 records").click()

    # Then the confirmation waits for the worker, and once it has run, the page says it was applied
    assert page.get_by_role("heading", name="Confirm a held import: health").is_visible()
    journey.check("the confirmation waiting")
    work_through_the_queue()
    page.get_by_text("was applied").wait_for(timeout=15_000)
    journey.check("the confirmed import")

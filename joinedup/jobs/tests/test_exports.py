"""Returns and research extracts are made by the worker: the analyst asks on the evidence page, is
taken to the job, and once it has run downloads the file from the job's page. The file is kept in
the private work folder for its maker alone; making it and each download are audited; asking
twice while it runs finds the same job; an extract that would single a child out fails at once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.test import Client

from joinedup.audit.models import AuditEvent
from joinedup.casework.models import Assessment
from joinedup.evidence.measures import build_measures
from joinedup.evidence.models import ResearchExtract
from joinedup.evidence.tests.test_research_extracts import pupils
from joinedup.jobs.models import Job, JobKind, JobStatus
from joinedup.people.models import Role
from joinedup.people.tests.factories import ChildFactory, PractitionerFactory

from .conftest import staff, work_through_the_queue

pytestmark = pytest.mark.django_db(transaction=True)
LIST_2 = {"period_start_day": 1, "period_start_month": 4, "period_start_year": 2025, "period_end_day": 31,
          "period_end_month": 3, "period_end_year": 2026, "child_id": "la_child_id", "return": "annex_a"}  # fmt: skip
STUDY = {"use": "attendance_evaluation", "project": "Attendance study", "purpose": "Does early help change attendance?"}


def job_of(response) -> Job:
    assert response.status_code == 302, response.content.decode()[:500]
    return Job.objects.get(pk=int(response.url.rsplit("/", 1)[1]))


def an_assessment_in_the_period() -> None:
    Assessment.objects.create(
        child=ChildFactory(la_child_id="LA123", ethnicity="WBRI"),
        assessor=PractitionerFactory(),
        started_at=datetime(2025, 5, 1, 10, tzinfo=UTC),
    )


def analyst(people, client: Client) -> Client:
    client.force_login(people["ana"])
    return client


def test_a_return_is_made_by_the_worker_and_downloaded_from_its_job_page(sources, people, client):
    an_assessment_in_the_period()
    client = analyst(people, client)

    job = job_of(client.post("/jobs/returns/new", LIST_2))
    queued = client.get(f"/jobs/{job.pk}").content.decode()
    work_through_the_queue()
    page = client.get(f"/jobs/{job.pk}").content.decode()
    first, second = client.get(f"/jobs/{job.pk}/download"), client.get(f"/jobs/{job.pk}/download")

    assert job.kind == JobKind.MAKE_RETURN and "Waiting to start" in queued and "Download" not in queued
    assert f'href="/jobs/{job.pk}/download"' in page and "annex-a-list-2-2026-03-31.xlsx" in page
    rows = list(openpyxl.load_workbook(BytesIO(first.content)).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == "LA123"
    assert first["Content-Disposition"] == 'attachment; filename="annex-a-list-2-2026-03-31.xlsx"'
    assert second.content == first.content
    assert AuditEvent.objects.filter(verb="made_return", actor_username="ana").count() == 1
    assert AuditEvent.objects.filter(verb="downloaded_export", object_id=str(job.pk)).count() == 2
    kept = Path(settings.VAR_DIR) / Job.objects.get(pk=job.pk).result["file"]
    assert kept.is_file() and kept.parent.parent == Path(settings.VAR_DIR) / "exports"


def test_list_2_can_be_asked_for_as_csv(sources, people, client):
    an_assessment_in_the_period()
    client = analyst(people, client)

    job = job_of(client.post("/jobs/returns/new", {**LIST_2, "download": "csv"}))
    work_through_the_queue()
    download = client.get(f"/jobs/{job.pk}/download")

    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert "LA123" in download.content.decode("utf-8-sig")


def test_the_same_return_asked_for_twice_while_it_waits_is_one_job_but_another_analysts_is_their_own(
    sources, people, client
):
    client = analyst(people, client)
    other = Client()
    other.force_login(staff(Role.PERFORMANCE_ANALYST, "ola"))

    first, again = job_of(client.post("/jobs/returns/new", LIST_2)), job_of(client.post("/jobs/returns/new", LIST_2))
    dataset = job_of(client.post("/jobs/returns/new", {**LIST_2, "return": "ssd"}))
    theirs = job_of(other.post("/jobs/returns/new", LIST_2))

    assert (
        first == again and "already asked for and has not finished" in client.get(f"/jobs/{first.pk}").content.decode()
    )
    assert len({first.pk, dataset.pk, theirs.pk}) == 3
    work_through_the_queue()
    assert job_of(client.post("/jobs/returns/new", LIST_2)) != first  # finished: asking again makes it anew


def test_only_the_analyst_who_asked_sees_the_job_and_downloads_the_file(sources, people, client):
    an_assessment_in_the_period()
    job = job_of(analyst(people, Client()).post("/jobs/returns/new", LIST_2))
    work_through_the_queue()
    client.force_login(staff(Role.PERFORMANCE_ANALYST, "ola"))

    assert client.get(f"/jobs/{job.pk}").status_code == 404
    assert client.get(f"/jobs/{job.pk}/download").status_code == 404
    assert client.get(f"/jobs/{job.pk}/progress").status_code == 404
    assert f"/jobs/{job.pk}" not in client.get("/jobs/").content.decode()
    assert AuditEvent.objects.filter(actor_username="ola", verb="refused_downloaded_export").count() == 1
    administrator = Client()
    administrator.force_login(people["adi"])
    assert administrator.get(f"/jobs/{job.pk}/download").status_code == 404


def test_staff_who_may_not_make_returns_or_extracts_cannot_ask_the_worker_for_them(sources, people, client):
    client.force_login(PractitionerFactory(role=Role.DIRECTOR).user)

    assert client.post("/jobs/returns/new", LIST_2).status_code == 403
    assert client.post("/jobs/research-extracts/new", STUDY).status_code == 403
    assert not Job.objects.exists()


def test_a_period_that_ends_before_it_starts_is_shown_again_with_the_reason(sources, people, client):
    client = analyst(people, client)

    response = client.post("/jobs/returns/new", {**LIST_2, "period_end_year": 2024})
    unchosen = client.post("/jobs/returns/new", {**LIST_2, "return": ""})

    assert response.status_code == 400
    assert "The end of the period must be the same as or after its start" in response.content.decode()
    assert unchosen.status_code == 400 and "Choose which return to make" in unchosen.content.decode()
    assert not Job.objects.exists()


def test_a_research_extract_is_made_by_the_worker_recorded_and_downloaded(sources, people, client):
    pupils(6)
    build_measures(on=date(2025, 1, 31))
    client = analyst(people, client)

    job = job_of(client.post("/jobs/research-extracts/new", STUDY))
    work_through_the_queue()
    page = client.get(f"/jobs/{job.pk}").content.decode()
    download = client.get(f"/jobs/{job.pk}/download")

    record = ResearchExtract.objects.get()
    assert (record.made_by, record.project, record.rows) == (people["ana"], "Attendance study", 6)
    assert "Does early help change attendance?" in page and "Download" in page
    book = openpyxl.load_workbook(BytesIO(download.content))
    assert book.sheetnames[:2] == ["Extract", "Data dictionary"]
    assert len(list(book["Extract"].iter_rows(values_only=True))) == 1 + 6
    assert AuditEvent.objects.get(verb="made_research_extract").legal_basis == (
        "De-identified extract for research: Does early help change attendance?"
    )
    assert AuditEvent.objects.get(verb="downloaded_export").legal_basis == (
        "De-identified extract for research: Does early help change attendance?"
    )


def test_an_extract_that_would_single_a_child_out_fails_at_once_and_nothing_is_kept(sources, people, client):
    pupils(6)
    pupils(1, sex="M", postcode="NX9 1AA")
    build_measures(on=date(2025, 1, 31))
    client = analyst(people, client)

    job = job_of(client.post("/jobs/research-extracts/new", STUDY))
    work_through_the_queue()
    job.refresh_from_db()

    assert (job.status, job.attempts) == (JobStatus.FAILED, 1)
    assert "describes only 1 rows" in client.get(f"/jobs/{job.pk}").content.decode()
    assert client.get(f"/jobs/{job.pk}/download").status_code == 404
    assert not ResearchExtract.objects.exists() and not AuditEvent.objects.filter(verb="made_research_extract")
    assert not (Path(settings.VAR_DIR) / "exports" / f"job-{job.pk}").exists()


def test_an_extract_asked_for_before_the_measures_are_built_says_so(sources, people, client):
    client = analyst(people, client)

    job = job_of(client.post("/jobs/research-extracts/new", STUDY))
    work_through_the_queue()
    job.refresh_from_db()

    assert (job.status, job.attempts) == (JobStatus.FAILED, 1)
    assert "The evidence measures have not been built yet" in job.error

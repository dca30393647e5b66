"""The jobs pages: the index administrator uploads an extract, is taken to its job, and once the
worker has run it reads the rows rejected; asking twice finds the same job; every look at a job is
audited; staff whose role does not allow it are refused as on every other page."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from joinedup.audit.models import AuditEvent
from joinedup.jobs import queries
from joinedup.jobs.models import Job, JobKind, JobStatus
from joinedup.jobs.services import start_measures_build

from .conftest import BAD_ROWS, GOOD_ROWS, extract_file, work_through_the_queue

pytestmark = pytest.mark.django_db


def upload(client, rows=GOOD_ROWS, source="health.toml"):
    return client.post("/jobs/imports/new", {"source": source, "extract": extract_file(rows)})


def test_the_upload_form_offers_the_source_files_by_their_description_and_agency(sources, people, client):
    client.force_login(people["adi"])

    page = client.get("/jobs/imports/new").content.decode()

    assert "Child health records (Northshire NHS community services)" in page
    assert 'type="file"' in page and "multiple" in page


def test_an_uploaded_extract_is_queued_and_its_page_follows_it(sources, people, client):
    client.force_login(people["adi"])

    response = upload(client)

    job = Job.objects.get()
    assert response.status_code == 302 and response.url == f"/jobs/{job.pk}"
    assert (job.kind, job.status, job.submitted_by) == (JobKind.IMPORT_EXTRACT, JobStatus.QUEUED, people["adi"])
    page = client.get(response.url).content.decode()
    assert "is queued: this page shows how it goes" in page
    assert "Waiting to start" in page and "extract.csv" in page
    assert 'src="/static/jobs/job.js"' in page and "<progress" in page
    progress = client.get(f"/jobs/{job.pk}/progress").json()
    assert progress == {"status": "Waiting to start", "finished": False, "done": 0, "total": 0, "message": ""}


def test_the_same_extract_uploaded_twice_goes_to_the_job_already_asked_for(sources, people, client):
    client.force_login(people["adi"])

    first = upload(client)
    again = upload(client)

    assert again.url == first.url
    assert Job.objects.count() == 1
    assert "already asked for and has not finished" in client.get(again.url).content.decode()


@pytest.mark.django_db(transaction=True)
def test_once_imported_the_job_page_lists_each_reject_with_its_file_row_column_and_what_was_expected(
    sources, people, client
):
    client.force_login(people["adi"])
    job_page = upload(client, BAD_ROWS).url

    work_through_the_queue()
    page = client.get(job_page).content.decode()

    assert "Finished" in page and "job.js" not in page
    assert "Rows rejected and problems found" in page
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">3</td>' in page
    assert "DOB" in page and "31/02/2016" in page and "SEX" in page and "Robot" in page
    download = client.get(f"{job_page}/rejects.csv")
    assert download["Content-Disposition"].startswith("attachment")
    lines = download.content.decode().splitlines()
    assert lines[0] == "file,row,column,reason" and len(lines) == 3
    job = Job.objects.get()
    assert (job.result["rejected"], job.result["problems"]) == (1, 2)  # row 4 loaded, its sex not known


@pytest.mark.django_db(transaction=True)
def test_the_job_page_shows_the_first_rejects_without_reading_the_whole_file(sources, people, client):
    client.force_login(people["adi"])
    job = Job.objects.get(pk=int(upload(client, BAD_ROWS).url.rsplit("/", 1)[1]))
    work_through_the_queue()
    job.refresh_from_db()
    with open(job.result["rejects_path"], "a", encoding="utf-8") as rejects:
        rejects.write("a row the page must not reach\n")  # one value where the header has four

    shown = queries.rejects_of(job, limit=1)

    assert (len(shown.rows), shown.total) == (1, 2)


@pytest.mark.django_db(transaction=True)
def test_a_file_that_is_not_the_agencys_format_shows_why_nothing_was_loaded(sources, people, client):
    client.force_login(people["adi"])
    no_date_of_birth = SimpleUploadedFile("extract.csv", b"ID,FIRST,SURNAME\nH1,Ann,Smith\n")
    job_page = client.post("/jobs/imports/new", {"source": "health.toml", "extract": no_date_of_birth}).url

    work_through_the_queue()
    page = client.get(job_page).content.decode()

    assert "Failed" in page
    assert "Nothing was loaded: the extract is not what the source file health describes" in page
    assert "this column is missing from the header" in page


def test_an_upload_without_a_source_or_a_file_says_what_is_missing(sources, people, client):
    client.force_login(people["adi"])

    page = client.post("/jobs/imports/new", {}).content.decode()

    assert "Choose which agency&#39;s extract it is" in page
    assert "Choose the extract&#39;s file" in page
    assert not Job.objects.exists()


def test_linking_the_index_twice_makes_one_job(people, client):
    client.force_login(people["adi"])

    first = client.post("/jobs/linkage/new")
    second = client.post("/jobs/linkage/new")

    assert first.url == second.url
    assert Job.objects.filter(kind=JobKind.LINK_INDEX).count() == 1


def test_every_look_at_a_job_is_audited(sources, people, client):
    client.force_login(people["adi"])
    job = Job.objects.get(pk=int(upload(client).url.rsplit("/", 1)[1]))

    client.get("/jobs/")
    client.get(f"/jobs/{job.pk}")
    for _ in range(3):  # the page asks every three seconds: one look, audited once
        client.get(f"/jobs/{job.pk}/progress")

    verbs = list(AuditEvent.objects.filter(actor_username="adi").order_by("id").values_list("verb", "object_id"))
    assert verbs == [
        ("started_job", str(job.pk)),
        ("listed_jobs", ""),
        ("viewed_job", str(job.pk)),
        ("followed_job", str(job.pk)),
    ]
    assert AuditEvent.objects.get(verb="listed_jobs").detail == {"jobs": [job.pk]}
    client.logout()
    client.force_login(people["adi"])
    client.get(f"/jobs/{job.pk}/progress")
    assert AuditEvent.objects.filter(verb="followed_job").count() == 2  # a new session is a new look


def test_a_practitioner_is_refused_the_jobs_pages_as_every_page_refuses(sources, people, client):
    job, _ = start_measures_build(submitted_by=people["ana"])
    client.force_login(people["pat"])

    assert client.get("/jobs/").status_code == 403
    assert client.get("/jobs/imports/new").status_code == 403
    assert client.post("/jobs/linkage/new").status_code == 403
    assert client.get(f"/jobs/{job.pk}").status_code == 404
    assert client.get(f"/jobs/{job.pk}/progress").status_code == 404
    assert AuditEvent.objects.filter(verb="refused_viewed_job", actor_username="pat").count() == 1
    assert "Imports and jobs" not in client.get("/").content.decode()


def test_an_analyst_builds_the_measures_but_cannot_see_an_import_or_its_rejects(sources, people, client):
    administrator = Client()
    administrator.force_login(people["adi"])
    import_page = upload(administrator, BAD_ROWS).url
    client.force_login(people["ana"])

    listed = client.get("/jobs/").content.decode()
    started = client.post("/jobs/measures/new")

    assert "Upload an agency" not in listed and "Build the evidence measures" in listed
    assert "Import an agency" not in listed
    assert client.get(import_page).status_code == 404
    assert client.get(f"{import_page}/rejects.csv").status_code == 404
    assert client.get("/jobs/imports/new").status_code == 403
    assert Job.objects.get(pk=int(started.url.rsplit("/", 1)[1])).kind == JobKind.BUILD_MEASURES


def test_an_unknown_job_is_not_found(people, client):
    client.force_login(people["adi"])

    assert client.get("/jobs/999999").status_code == 404

"""Asking for work queues one job: the same work asked twice (a double click, two tabs) finds the
job already asked for, and only those whose role allows it may ask."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django_tasks_db.models import DBTaskResult

from joinedup.access.policy import Action, decide
from joinedup.audit.models import AuditEvent
from joinedup.jobs.models import Job, JobKind, JobStatus
from joinedup.jobs.services import NotAllowed, start_import, start_linkage, start_measures_build
from joinedup.people.models import Role
from joinedup.people.tests.factories import PractitionerFactory

from .conftest import BAD_ROWS, GOOD_ROWS, extract_file

pytestmark = pytest.mark.django_db


def upload(user, rows=GOOD_ROWS, name="extract.csv"):
    return start_import(source_file="health.toml", source="health", files=[extract_file(rows, name)], submitted_by=user)


def test_the_same_extract_uploaded_twice_is_one_job(sources, people):
    first, first_is_new = upload(people["adi"])
    again, again_is_new = upload(people["adi"])

    assert (first_is_new, again_is_new) == (True, False)
    assert again == first
    assert Job.objects.count() == 1
    assert str(DBTaskResult.objects.get().id) == first.task_result_id
    started = AuditEvent.objects.filter(verb="started_job", object_id=str(first.pk)).order_by("id")
    assert [event.detail["already_asked"] for event in started] == [False, True]


def test_the_uploaded_extract_is_kept_once_under_the_work_folder(sources, people):
    job, _ = upload(people["adi"])
    upload(people["adi"])

    uploads = sources.parent / "var" / "uploads"
    [folder] = [path for path in uploads.iterdir()]
    assert [path.name for path in folder.iterdir()] == ["extract.csv"]
    assert job.parameters["upload"] == f"uploads/{folder.name}"


def test_a_different_extract_of_the_same_source_is_another_job(sources, people):
    first, _ = upload(people["adi"])
    second, is_new = upload(people["adi"], BAD_ROWS)

    assert is_new
    assert second != first
    assert Job.objects.filter(status=JobStatus.QUEUED).count() == 2


def test_two_people_asking_to_link_the_index_make_one_job(sources, people):
    other_administrator = PractitionerFactory(role=Role.ADMINISTRATOR).user

    first, _ = start_linkage(submitted_by=people["adi"])
    second, is_new = start_linkage(submitted_by=other_administrator)

    assert not is_new
    assert second == first
    assert first.submitted_by == people["adi"]


def test_the_database_itself_refuses_a_second_unfinished_job_for_the_same_work(people):
    """Two requests at the same moment both pass any check made before writing; the unique
    constraint among unfinished jobs is what stops the second."""
    Job.objects.create(kind=JobKind.LINK_INDEX, dedupe_key="same", max_attempts=3, submitted_by=people["adi"])

    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.create(kind=JobKind.LINK_INDEX, dedupe_key="same", max_attempts=3, submitted_by=people["adi"])


def test_a_finished_job_does_not_stop_the_same_work_being_asked_for_again(people):
    Job.objects.create(
        kind=JobKind.LINK_INDEX,
        dedupe_key="same",
        max_attempts=3,
        submitted_by=people["adi"],
        status=JobStatus.FAILED,
        finished_at="2026-01-05T10:00:00Z",
    )

    Job.objects.create(kind=JobKind.LINK_INDEX, dedupe_key="same", max_attempts=3, submitted_by=people["adi"])

    assert Job.objects.filter(dedupe_key="same").count() == 2


@pytest.mark.parametrize("who", ["pat", "ana"])
def test_someone_whose_role_does_not_allow_it_cannot_start_an_import(sources, people, who):
    with pytest.raises(NotAllowed, match="does not allow you to import extract"):
        upload(people[who])

    assert not Job.objects.exists()
    assert not DBTaskResult.objects.exists()
    assert not (sources.parent / "var" / "uploads").exists()


def test_a_practitioner_cannot_rebuild_the_measures_or_link_the_index(people):
    with pytest.raises(NotAllowed):
        start_measures_build(submitted_by=people["pat"])
    with pytest.raises(NotAllowed):
        start_linkage(submitted_by=people["ana"])

    assert not Job.objects.exists()


WHO_MAY = """
role                  run_jobs  import_extract  link_index  build_measures
practitioner          no        no              no          no
panel_chair           no        no              no          no
service_manager       no        no              no          no
performance_analyst   yes       no              no          yes
director              no        no              no          no
administrator         yes       yes             yes         yes
researcher            no        no              no          no
"""


def who_may():
    header, *lines = WHO_MAY.strip().splitlines()
    actions = header.split()[1:]
    for line in lines:
        role, *answers = line.split()
        for action, answer in zip(actions, answers, strict=True):
            yield role, Action(action), answer == "yes"


@pytest.mark.parametrize("role, action, allowed", list(who_may()))
def test_who_may_start_each_kind_of_job(role, action, allowed):
    decision = decide(PractitionerFactory(role=role).user, action)

    assert decision.allowed is allowed, decision.reason


def test_the_table_of_who_may_start_jobs_covers_every_role():
    assert {role for role, _, _ in who_may()} == set(Role.values)


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_the_same_moment_make_one_job(people):
    """A double click sends two requests that the server handles at once, each in its own thread
    and database connection: both are answered with the one job. SQLite lets one connection
    write at a time, so there the second simply waits; PostgreSQL is where the race is real."""
    if connection.vendor != "postgresql":
        pytest.skip("two writers at once need PostgreSQL")
    both_ready = threading.Barrier(2)
    answers = []

    def ask():
        try:
            both_ready.wait()
            answers.append(start_linkage(submitted_by=people["adi"]))
        finally:
            connection.close()

    clicks = [threading.Thread(target=ask) for _ in range(2)]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()

    [(first, first_is_new), (second, second_is_new)] = answers
    assert first == second
    assert sorted([first_is_new, second_is_new]) == [False, True]
    assert Job.objects.count() == 1
    assert DBTaskResult.objects.count() == 1

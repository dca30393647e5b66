"""Pages keep what they read from the measures for as long as that build is in place (a child's
attendance, an area's impact model): a new build shows at once, without a restart."""

from datetime import date

import pytest

from joinedup.evidence import measures
from joinedup.evidence.measures import build_measures
from joinedup.evidence.pages import child_attendance
from joinedup.index.review.tests.factories import IndexRecordFactory
from joinedup.people.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


def autumn_term(missed: int) -> dict:
    return {"term": "2023-autumn", "starts": "2023-09-01", "urn": "100001", "nc_year": 8, "possible": 100,
            "missed": missed, "unauthorised": 0}  # fmt: skip


def test_a_childs_attendance_shows_the_new_build_once_the_measures_are_rebuilt():
    pupil = ChildFactory(date_of_birth=date(2011, 10, 1))
    record = IndexRecordFactory(child=pupil, facts={"attendance_terms": [autumn_term(missed=5)]})
    build_measures(on=date(2024, 8, 1))
    assert child_attendance(pupil.pk).tables[0].rows[0][1] == "95.0%"
    assert child_attendance(pupil.pk) is child_attendance(pupil.pk)  # kept while the build stands

    record.facts = {"attendance_terms": [autumn_term(missed=20)]}
    record.save(update_fields=["facts"])
    build_measures(on=date(2024, 8, 1))

    assert child_attendance(pupil.pk).tables[0].rows[0][1] == "80.0%"


def test_the_measures_are_opened_once_per_build_and_a_new_build_is_read_at_once(monkeypatch):
    """Opening the file cost 60 ms of every home page: a process keeps the build open until a new
    one is swapped in, and never reads the old one after that."""
    ChildFactory()
    build_measures(on=date(2024, 8, 1))
    opened = []
    duckdb_connect = measures.duckdb.connect

    def counted(path, **options):
        opened.append(options.get("read_only", False))
        return duckdb_connect(path, **options)

    monkeypatch.setattr(measures.duckdb, "connect", counted)

    def children_in_build() -> int:
        with measures.connect() as con:
            return con.execute("SELECT count(*) FROM children").fetchone()[0]

    assert [children_in_build(), children_in_build()] == [1, 1]
    ChildFactory()
    build_measures(on=date(2024, 8, 1))

    assert [children_in_build(), children_in_build()] == [2, 2]
    assert opened.count(True) == 2  # once per build

"""Pages read the measures build in place (a child's attendance, an area's impact model): a new build
shows at once, without a restart, though each server process keeps the database open while a
build stands."""

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

    record.facts = {"attendance_terms": [autumn_term(missed=20)]}
    record.save(update_fields=["facts"])
    build_measures(on=date(2024, 8, 1))

    assert child_attendance(pupil.pk).tables[0].rows[0][1] == "80.0%"


def test_each_view_of_a_child_gets_its_own_section_so_no_page_can_change_anothers():
    pupil = ChildFactory(date_of_birth=date(2011, 10, 1))
    IndexRecordFactory(child=pupil, facts={"attendance_terms": [autumn_term(missed=5)]})
    build_measures(on=date(2024, 8, 1))
    first = child_attendance(pupil.pk)

    first.tables[0].rows.clear()

    assert child_attendance(pupil.pk).tables[0].rows[0][1] == "95.0%"


def test_the_measures_are_opened_once_per_build_and_a_new_build_is_read_at_once():
    """Opening the file cost 60 ms of every home page: a process keeps the build open until a new
    one is swapped in, and never reads the old one after that."""
    ChildFactory()
    build_measures(on=date(2024, 8, 1))
    opened_before = measures._database.cache_info().misses

    def children_in_build() -> int:
        with measures.connect() as con:
            return con.execute("SELECT count(*) FROM children").fetchone()[0]

    assert [children_in_build(), children_in_build()] == [1, 1]
    ChildFactory()
    build_measures(on=date(2024, 8, 1))

    assert [children_in_build(), children_in_build()] == [2, 2]
    assert measures._database.cache_info().misses - opened_before == 2  # once per build

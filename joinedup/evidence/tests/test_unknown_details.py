"""A child whose date of birth is not known has no age in the measures, so no age band and no
youth justice age, and a blank date of birth and age in the returns, as the specifications allow."""

from datetime import UTC, date, datetime

import pytest

from joinedup.casework.models import Assessment
from joinedup.evidence.measures import build_measures, connect
from joinedup.evidence.partner_returns import annex_a_list_2
from joinedup.index.review.tests.factories import IndexRecordFactory
from joinedup.people.tests.factories import ChildFactory, PractitionerFactory

pytestmark = pytest.mark.django_db

AUTUMN = {"term": "2023-autumn", "starts": "2023-09-01", "urn": "100001", "nc_year": 8, "possible": 140,
          "missed": 7, "unauthorised": 0}  # fmt: skip


def test_a_pupil_with_no_date_of_birth_has_no_age_and_no_age_band():
    """Without a date of birth the band used to fall through to "16 and over"."""
    unknown = ChildFactory(index_only_unknown=True)
    known = ChildFactory(date_of_birth=date(2011, 10, 1))
    for child in (unknown, known):
        IndexRecordFactory(child=child, facts={"attendance_terms": [AUTUMN]})

    build_measures(on=date(2024, 8, 1))

    with connect() as con:
        rows = con.execute("SELECT child_id, age, age_band, youth_justice_age FROM pupil_terms").fetchall()
        ages = dict(con.execute("SELECT child_id, age FROM children").fetchall())
    terms = {child_id: rest for child_id, *rest in rows}
    assert terms[unknown.pk] == [None, None, None]
    assert terms[known.pk] == [11, "10 to 15", True]
    assert ages == {unknown.pk: None, known.pk: 12}


def test_annex_a_gives_a_blank_date_of_birth_and_age_for_a_child_whose_birth_is_not_known():
    child = ChildFactory(index_only_unknown=True)
    Assessment.objects.create(
        child=child, assessor=PractitionerFactory(), started_at=datetime(2025, 5, 1, 10, tzinfo=UTC)
    )

    written = annex_a_list_2(period_start=date(2025, 4, 1), period_end=date(2026, 3, 31), child_unique_id="child_id")

    assert written["Child Unique ID"].tolist() == [str(child.pk)]
    assert written["Date of Birth"].tolist() == [None]
    assert written["Age of Child (Years)"].tolist() == [None]

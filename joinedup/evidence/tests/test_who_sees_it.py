"""Who sees evidence where: the director and service managers the impact model of their area on
their home page; a practitioner their own children's attendance on their home page and on each
child's page they may open; nobody else's."""

from datetime import date

import pytest

from joinedup.access.tests.factories import InvolvementFactory
from joinedup.agencies.tests.factories import LocalityFactory
from joinedup.evidence.measures import build_measures
from joinedup.index.review.tests.factories import IndexRecordFactory
from joinedup.people.models import Role
from joinedup.people.tests.factories import AddressFactory, ChildFactory, PractitionerFactory

pytestmark = pytest.mark.django_db

TERMS = [("2023-autumn", "2023-09-01"), ("2023-spring", "2024-01-01"), ("2023-summer", "2024-04-01"),
         ("2024-autumn", "2024-09-01"), ("2024-spring", "2025-01-01")]  # fmt: skip


def pupil(locality, missed: list[int]):
    child = ChildFactory()
    AddressFactory(child=child, locality=locality)
    IndexRecordFactory(
        child=child,
        facts={
            "attendance_terms": [
                {"term": t, "starts": s, "urn": "100001", "nc_year": 8, "possible": 100, "missed": m}
                for (t, s), m in zip(TERMS, missed, strict=False)
            ]
        },
    )
    return child


def test_a_practitioner_sees_the_attendance_of_the_children_they_work_with_and_no_other(client):
    area = LocalityFactory()
    mine, other = pupil(area, [5, 6, 7, 8, 20]), pupil(area, [1, 1, 1, 1, 1])
    worker = PractitionerFactory(role=Role.PRACTITIONER)
    InvolvementFactory(child=mine, practitioner=worker)
    build_measures(on=date(2025, 3, 31))
    client.force_login(worker.user)

    home = client.get("/").content.decode()
    child_page = client.get(f"/children/{mine.pk}").content.decode()

    assert "Attendance of the children you work with" in home
    assert mine.full_name in home and other.full_name not in home
    assert "80.0%" in home and "-14.0 points" in home  # 80% now, 94% in the spring term a year before
    assert "Attendance, term by term" in child_page and "20 of 100" in child_page
    assert client.get(f"/children/{other.pk}").status_code == 404


def test_the_director_sees_the_authority_impact_model_on_their_home_page_with_small_groups_suppressed(client):
    area = LocalityFactory(name="Eastgate")
    for _ in range(3):
        pupil(area, [5, 5, 5, 5, 5])
    build_measures(on=date(2025, 3, 31))
    client.force_login(PractitionerFactory(role=Role.DIRECTOR).user)

    home = client.get("/").content.decode()

    assert "Impact of integrated working: The whole authority" in home
    assert "Level 3: outcomes for children and families, by key group" in home
    assert "[c]" in home  # three pupils: too few to show


def test_a_practitioner_has_no_impact_model_on_their_home_page(client):
    pupil(LocalityFactory(), [5])
    build_measures(on=date(2025, 3, 31))
    client.force_login(PractitionerFactory(role=Role.PRACTITIONER).user)

    assert "Impact of integrated working" not in client.get("/").content.decode()
    assert client.get("/evidence/").status_code == 403

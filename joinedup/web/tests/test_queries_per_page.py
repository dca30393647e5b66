"""The pages of a practitioner's day take as many queries for twenty children (or records) as for
two: a page that asks the database once per row slows down with every child an authority loads
(benchmarks/load.py measures the pages with 250,000)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from joinedup.access.models import Involvement, InvolvementKind
from joinedup.people.models import Address
from joinedup.people.services import refresh_name_keys
from joinedup.people.tests.factories import ChildCarerFactory, ChildFactory, FamilyFactory, PractitionerFactory

pytestmark = pytest.mark.django_db


def queries_for(client, path: str, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params or {})
    assert response.status_code == 200, response.status_code
    return len(queries)


def works_with(practitioner, child):
    Involvement.objects.create(
        child=child,
        practitioner=practitioner,
        service=practitioner.team.service,
        started=date(2025, 3, 1),
        kind=InvolvementKind.ALLOCATED_WORKER,
        recorded_by="test",
    )


def children_named_smith(scene, count: int, *, worked_with_by=None):
    north = scene["alfred"].addresses.get().locality
    for _ in range(count):
        child = ChildFactory(surname="Smith")
        refresh_name_keys(child, [])
        Address.objects.create(
            child=child, address_line_1="2 High Street", postcode="NX1 3CD", locality=north, moved_in=date(2016, 1, 1)
        )
        if worked_with_by is not None:
            works_with(worked_with_by, child)


def test_a_practitioners_home_takes_as_many_queries_for_twenty_children_as_for_two(
    signed_in, scene, django_assert_num_queries
):
    client = signed_in("pat")
    children_named_smith(scene, 1, worked_with_by=scene["pat"])  # Alfred and one more
    client.get("/")  # the first request fills caches that every later one finds full
    for_two = queries_for(client, "/")
    children_named_smith(scene, 18, worked_with_by=scene["pat"])

    with django_assert_num_queries(for_two):
        page = client.get("/").text

    assert page.count('href="/children/') >= 20


def test_a_managers_home_takes_as_many_queries_for_twenty_workers_as_for_two(
    signed_in, scene, django_assert_num_queries
):
    client = signed_in("sam")
    team = scene["pat"].team
    children_named_smith(scene, 1, worked_with_by=PractitionerFactory(agency=team.agency, team=team))
    client.get("/")
    for_two = queries_for(client, "/")
    for _ in range(18):
        children_named_smith(scene, 1, worked_with_by=PractitionerFactory(agency=team.agency, team=team))

    with django_assert_num_queries(for_two):
        client.get("/")


@pytest.mark.parametrize("worked_with", [True, False], ids=["children-they-know", "children-they-do-not"])
def test_search_takes_as_many_queries_for_twenty_children_found_as_for_two(
    signed_in, scene, django_assert_num_queries, worked_with
):
    client = signed_in("pat")
    known_to = scene["pat"] if worked_with else None
    children_named_smith(scene, 1, worked_with_by=known_to)  # Alfred Smith and one more
    client.get("/children/search", {"name": "Smith"})
    for_two = queries_for(client, "/children/search", {"name": "Smith"})
    children_named_smith(scene, 18, worked_with_by=known_to)

    with django_assert_num_queries(for_two):
        page = client.get("/children/search", {"name": "Smith"}).text

    assert "20 children found" in page


def test_the_child_page_takes_as_many_queries_for_twenty_involvements_siblings_and_carers_as_for_two(
    signed_in, scene, django_assert_num_queries
):
    """Alfred's page lists who works with him, his brothers and sisters and his carers."""
    client = signed_in("pat")
    alfred, team = scene["alfred"], scene["pat"].team
    family = FamilyFactory()
    alfred.family = family
    alfred.save(update_fields=["family"])

    def more(count):
        for _ in range(count):
            works_with(PractitionerFactory(agency=team.agency, team=team), alfred)
            ChildFactory(family=family, surname="Smith")
            ChildCarerFactory(child=alfred)

    more(1)
    path = f"/children/{alfred.pk}"
    client.get(path)
    for_two = queries_for(client, path)
    more(18)

    with django_assert_num_queries(for_two):
        page = client.get(path).text

    assert page.count("Family support worker") >= 20

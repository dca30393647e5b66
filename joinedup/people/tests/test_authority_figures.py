"""The authority in figures counts children by age band in the database, not child by child: its
bands must agree with age_on for children born either side of every band's edge."""

from collections import Counter
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from joinedup.agencies.tests.factories import LocalityFactory
from joinedup.people.models import Child
from joinedup.people.queries import AGE_BANDS, age_on, authority_figures
from joinedup.people.tests.factories import AddressFactory, ChildFactory

pytestmark = pytest.mark.django_db


def band_of(age: int) -> str:
    return next(label for label, low, high in AGE_BANDS if low <= age <= high)


@pytest.mark.parametrize("on", [date(2026, 1, 1), date(2026, 3, 1), date(2028, 2, 29), date(2027, 2, 28)])
def test_each_child_is_counted_in_the_band_of_their_age_on_the_day(on):
    for _, low, high in AGE_BANDS:
        for years in {low, min(high + 1, 30)}:
            edge = date(on.year - years, on.month, 28 if (on.month, on.day) == (2, 29) else on.day)
            for born in (edge - timedelta(days=1), edge, edge + timedelta(days=1)):
                if born <= on:
                    ChildFactory(date_of_birth=born)
    ChildFactory(date_of_birth=date(2016, 2, 29))  # a leap-day birthday, in a year with and without one
    expected = Counter(band_of(age_on(born, on)) for born in Child.objects.values_list("date_of_birth", flat=True))

    figures = authority_figures(on=on)

    assert dict(figures["by_age"]) == {label: expected[label] for label, _, _ in AGE_BANDS}
    assert figures["children"] == Child.objects.count()


KEPT_IN_MEMORY = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "figures"}}


@pytest.fixture
def shared_cache(settings):
    settings.CACHES = KEPT_IN_MEMORY
    yield
    cache.clear()


def test_the_figures_are_counted_once_for_a_while_and_say_when_they_were_counted(
    shared_cache, settings, django_assert_num_queries
):
    settings.JOINEDUP_FIGURES_SECONDS = 600
    ChildFactory(date_of_birth=date(2015, 6, 1))
    on = date(2026, 1, 1)

    first = authority_figures(on=on)
    ChildFactory(date_of_birth=date(2015, 6, 1))
    with django_assert_num_queries(0):
        again = authority_figures(on=on)

    assert again == first and first["children"] == 1
    assert first["counted_at"] <= timezone.localtime()


def test_with_no_time_to_keep_them_the_figures_are_counted_afresh(shared_cache, settings):
    settings.JOINEDUP_FIGURES_SECONDS = 0
    ChildFactory(date_of_birth=date(2015, 6, 1))
    assert authority_figures()["children"] == 1

    ChildFactory(date_of_birth=date(2015, 6, 1))

    assert authority_figures()["children"] == 2


def test_children_are_counted_by_the_locality_of_their_current_address_once_each():
    northby, southby = LocalityFactory(name="Northby"), LocalityFactory(name="Southby")
    moved = ChildFactory()
    AddressFactory(child=moved, locality=southby, moved_in=date(2020, 1, 1), moved_out=date(2024, 1, 1))
    AddressFactory(child=moved, locality=northby, moved_out=None)
    twice = ChildFactory()  # two current addresses in one locality, say with each parent
    AddressFactory(child=twice, locality=northby, moved_out=None)
    AddressFactory(child=twice, locality=northby, moved_out=None)
    AddressFactory(child=ChildFactory(), locality=None, moved_out=None)

    figures = authority_figures()

    assert figures["by_locality"] == [("Northby", 2), ("Outside the authority", 1)]

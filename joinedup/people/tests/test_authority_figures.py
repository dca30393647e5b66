"""The authority in figures counts children by age band in the database, not child by child: its
bands must agree with age_on for children born either side of every band's edge."""

from collections import Counter
from datetime import date, timedelta

import pytest

from joinedup.people.models import Child
from joinedup.people.queries import AGE_BANDS, age_on, authority_figures
from joinedup.people.tests.factories import ChildFactory

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

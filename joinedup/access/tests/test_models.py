"""One-row rules about involvements, kept by the database."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from joinedup.access.tests.factories import InvolvementFactory

pytestmark = pytest.mark.django_db


def test_involvement_cannot_end_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        InvolvementFactory(started=date(2025, 5, 1), ended=date(2025, 4, 30))


def test_involvement_may_end_on_the_day_it_starts():
    involvement = InvolvementFactory(started=date(2025, 5, 1), ended=date(2025, 5, 1))

    assert involvement.pk

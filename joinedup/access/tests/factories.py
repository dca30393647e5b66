"""Factories for involvements: the rows that give a practitioner a reason to see a child."""

from datetime import date, timedelta

import factory

from joinedup.access.models import Involvement, InvolvementKind
from joinedup.people.tests.factories import ChildFactory, PractitionerFactory


def days_ago(days: int) -> date:
    return date.today() - timedelta(days=days)


class InvolvementFactory(factory.django.DjangoModelFactory):
    """A current allocated-worker involvement. Traits make the others:
    `InvolvementFactory(ended_yesterday=True)`, `InvolvementFactory(starting_tomorrow=True)`,
    `InvolvementFactory(agency_record=True)`."""

    class Meta:
        model = Involvement

    class Params:
        ended_yesterday = factory.Trait(
            started=factory.LazyFunction(lambda: days_ago(90)), ended=factory.LazyFunction(lambda: days_ago(1))
        )
        starting_tomorrow = factory.Trait(started=factory.LazyFunction(lambda: days_ago(-1)))
        agency_record = factory.Trait(kind=InvolvementKind.AGENCY_RECORD)

    child = factory.SubFactory(ChildFactory)
    practitioner = factory.SubFactory(PractitionerFactory)
    service = factory.SelfAttribute("practitioner.team.service")
    kind = InvolvementKind.ALLOCATED_WORKER
    started = factory.LazyFunction(lambda: days_ago(30))
    ended = None
    recorded_by = "tests"

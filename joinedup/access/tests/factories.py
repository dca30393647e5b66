"""Factories for involvements: the rows that give a practitioner a reason to see a child."""

from datetime import date, timedelta

import factory
from django.utils import timezone

from joinedup.access.models import Consent, ConsentGiver, Involvement, InvolvementKind, SharingWithoutConsent
from joinedup.people.tests.factories import ChildFactory, PractitionerFactory, UserFactory


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


class ConsentFactory(factory.django.DjangoModelFactory):
    """Consent from a parent to assess and share with every partner; `withdrawn=True` for
    consent since withdrawn."""

    class Meta:
        model = Consent
        skip_postgeneration_save = True

    class Params:
        withdrawn = factory.Trait(
            withdrawn_at=factory.LazyFunction(timezone.now),
            withdrawn_by=factory.SubFactory(UserFactory),
            withdrawal_reason="Mum no longer wants the school nurse told",
        )

    child = factory.SubFactory(ChildFactory)
    given_by = ConsentGiver.PARENT_CARER
    given_by_name = "Karen Testcarer"
    given_on = factory.LazyFunction(lambda: date.today() - timedelta(days=2))
    to_assess = True
    share_with_all_partners = True
    recorded_by = factory.SubFactory(UserFactory)


class SharingWithoutConsentFactory(factory.django.DjangoModelFactory):
    """Sharing without consent, for a lawful reason, with the agencies given as `agencies=[...]`,
    from two days ago for a month."""

    class Meta:
        model = SharingWithoutConsent
        skip_postgeneration_save = True

    child = factory.SubFactory(ChildFactory)
    lawful_reason = "Risk of significant harm: the school saw bruising on her arms"
    shared_on = factory.LazyFunction(lambda: days_ago(2))
    until = factory.LazyFunction(lambda: days_ago(-28))
    shared_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def agencies(self, create, extracted, **kwargs):
        if create and extracted:
            self.agencies.set(extracted)

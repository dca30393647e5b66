"""Factories for self-evaluation rounds: `ParticipantFactory()` is an authority in a round with
the three LARC key groups; `ResearcherFactory()` a consortium researcher."""

from datetime import date

import factory

from joinedup.agencies.tests.factories import LocalAuthorityFactory, LocalityFactory
from joinedup.people.models import Role
from joinedup.people.tests.factories import PractitionerFactory
from joinedup.selfeval.models import KeyGroup, ParticipatingAuthority, Round


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Round

    number = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: f"Round {o.number}")
    opens_on = date(2026, 1, 5)
    closes_on = date(2026, 12, 18)


class AuthorityFactory(LocalAuthorityFactory):
    name = factory.Sequence(lambda n: f"Authority {n}")
    # 940 to 998: never 999, LocalAuthorityFactory's own authority, or the 3,839th authority of a
    # suite run was the outsider's own and an outsider could code its answers.
    la_code = factory.Sequence(lambda n: f"{940 + n % 59}")


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ParticipatingAuthority
        skip_postgeneration_save = True

    round = factory.SubFactory(RoundFactory)
    authority = factory.SubFactory(AuthorityFactory)
    locality = factory.SubFactory(LocalityFactory, authority=factory.SelfAttribute("..authority"))

    @factory.post_generation
    def key_groups(self, create, extracted, **kwargs):
        if create:
            self.key_groups.set(extracted if extracted is not None else KeyGroup.objects.filter(standard=True))


def ResearcherFactory(**kwargs):  # noqa: N802 - reads as the factory it wraps
    return PractitionerFactory(role=Role.RESEARCHER, job_role="Link researcher", **kwargs)


def sent_response(participant, instrument_code, answers, *, key_group=None, by=None):
    """A response sent with the given answers ({question key: Given}), through the services; the
    required questions a test does not care about are not demanded."""
    from django.utils import timezone

    from joinedup.selfeval import services
    from joinedup.selfeval.models import KeyGroup

    by = by or ResearcherFactory().user
    group = KeyGroup.objects.get(code=key_group) if key_group else None
    invitation = services.issue_links(
        participant=participant, instrument_code=instrument_code, key_group=group, how_many=1, issued_by=by
    )[0].invitation
    problems = services.save_answers(invitation=invitation, given=answers)
    assert not problems, problems
    response = invitation.response
    response.submitted_at = timezone.now()
    response.save(update_fields=["submitted_at"])
    return response

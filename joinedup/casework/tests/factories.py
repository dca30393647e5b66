"""Factories for casework: `ConsentFactory(withdrawn=True)`, `ReferralFactory()`, `PanelFactory()`."""

from datetime import date, timedelta

import factory
from django.utils import timezone

from joinedup.access.models import Involvement, InvolvementKind
from joinedup.access.tests.factories import ConsentFactory
from joinedup.agencies.models import LevelOfNeed
from joinedup.agencies.tests.factories import LocalityFactory
from joinedup.casework.models import Case, Panel, Referral, Route, TacMember
from joinedup.people.models import Role
from joinedup.people.tests.factories import ChildFactory, PractitionerFactory


class PanelFactory(factory.django.DjangoModelFactory):
    """A fortnightly panel chaired by a panel chair, with two members from other agencies."""

    class Meta:
        model = Panel
        skip_postgeneration_save = True

    locality = factory.SubFactory(LocalityFactory)
    name = factory.LazyAttribute(lambda panel: f"{panel.locality.name} allocation panel")
    chair = factory.SubFactory(PractitionerFactory, role=Role.PANEL_CHAIR, job_role="Early help manager")

    @factory.post_generation
    def members(panel, create, extracted, **kwargs):
        if not create:
            return
        members = (
            extracted
            if extracted is not None
            else [
                PractitionerFactory(job_role="School nurse"),
                PractitionerFactory(job_role="Education welfare officer"),
            ]
        )
        panel.members.set([panel.chair, *members])


class ReferralFactory(factory.django.DjangoModelFactory):
    """A referral waiting for its locality's panel, made with the family's consent; the referrer is
    involved as referrer, as the front door makes them."""

    class Meta:
        model = Referral
        skip_postgeneration_save = True

    child = factory.SubFactory(ChildFactory)
    referrer = factory.SubFactory(PractitionerFactory, job_role="Class teacher")
    locality = factory.SubFactory(LocalityFactory)
    route = Route.EARLY_HELP
    concern = "Attendance has fallen to 80% and he is withdrawn in class"
    level_of_need = LevelOfNeed.ADDITIONAL
    consent = factory.SubFactory(ConsentFactory, child=factory.SelfAttribute("..child"))
    submitted_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def referrer_involvement(referral, create, extracted, **kwargs):
        if create:
            Involvement.objects.create(
                child=referral.child,
                practitioner=referral.referrer,
                kind=InvolvementKind.REFERRER,
                started=referral.submitted_at.date(),
                recorded_by="tests",
            )


class CaseFactory(factory.django.DjangoModelFactory):
    """An open case whose lead professional is its first TAC member and is involved as such;
    build more of the team with `services.invite_to_tac`."""

    class Meta:
        model = Case
        skip_postgeneration_save = True

    child = factory.SubFactory(ChildFactory)
    lead_professional = factory.SubFactory(PractitionerFactory, job_role="Family support worker")
    opened_on = factory.LazyFunction(lambda: date.today() - timedelta(days=10))

    @factory.post_generation
    def team(case, create, extracted, **kwargs):
        if not create:
            return
        TacMember.objects.create(
            case=case,
            practitioner=case.lead_professional,
            agency=case.lead_professional.agency,
            joined_on=case.opened_on,
        )
        Involvement.objects.create(
            child=case.child,
            practitioner=case.lead_professional,
            kind=InvolvementKind.LEAD_PROFESSIONAL,
            started=case.opened_on,
            recorded_by="tests",
        )

"""Factories for the authority's reference data: authority, localities, agencies, services, teams."""

import factory

from joinedup.agencies.models import (
    Agency,
    AgencyKind,
    LevelOfNeed,
    LocalAuthority,
    Locality,
    LocalityPostcode,
    Service,
    Team,
)


class LocalAuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LocalAuthority
        django_get_or_create = ["la_code"]

    name = "Northshire County Council"
    la_code = "999"


class LocalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Locality

    authority = factory.SubFactory(LocalAuthorityFactory)
    code = factory.Sequence(lambda n: f"LOC{n}")
    name = factory.Sequence(lambda n: f"Locality {n}")


class LocalityPostcodeFactory(factory.django.DjangoModelFactory):
    """A postcode district ("NX4") or sector ("NX4 2") lying in a locality."""

    class Meta:
        model = LocalityPostcode

    locality = factory.SubFactory(LocalityFactory)
    prefix = factory.Sequence(lambda n: f"NX{n}")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    authority = factory.SubFactory(LocalAuthorityFactory)
    code = factory.Sequence(lambda n: f"AGENCY{n}")
    name = factory.Sequence(lambda n: f"Agency {n}")
    kind = AgencyKind.SOCIAL_CARE


class ServiceFactory(factory.django.DjangoModelFactory):
    """A service; `ServiceFactory(sensitive=True)` makes one whose involvements are shielded."""

    class Meta:
        model = Service

    agency = factory.SubFactory(AgencyFactory)
    code = factory.Sequence(lambda n: f"SERVICE{n}")
    name = factory.Sequence(lambda n: f"Service {n}")
    level_of_need = LevelOfNeed.ADDITIONAL
    sensitive = False


class TeamFactory(factory.django.DjangoModelFactory):
    """A front-line team of one agency's service, working in one locality."""

    class Meta:
        model = Team

    agency = factory.SubFactory(AgencyFactory)
    service = factory.SubFactory(ServiceFactory, agency=factory.SelfAttribute("..agency"))
    locality = factory.SubFactory(LocalityFactory, authority=factory.SelfAttribute("..agency.authority"))
    code = factory.Sequence(lambda n: f"TEAM{n}")
    name = factory.Sequence(lambda n: f"Team {n}")

"""Northshire's partners and their systems: Pat (a family support worker at the council) works with
Alfred Smith, as does Nia, a nurse in the health trust's young people's sexual health service, a
sensitive service. Bethany Khan is a child neither works with."""

from datetime import date

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client

from joinedup.access.models import Involvement, InvolvementKind
from joinedup.agencies.tests.factories import AgencyFactory, LocalityFactory, ServiceFactory, TeamFactory
from joinedup.api.models import Scope
from joinedup.api.tokens import issue_token
from joinedup.people.models import Address, Role
from joinedup.people.tests.factories import ChildFactory, PractitionerFactory

PASSWORD = "correct-horse-battery-staple"
EVERY_SCOPE = list(Scope.values)


@pytest.fixture
def northshire(db):
    north = LocalityFactory(name="North", code="N")
    council = AgencyFactory(name="Northshire Council", code="LA", authority=north.authority, kind="social_care")
    health = AgencyFactory(name="Northshire Health", code="NHT", authority=north.authority, kind="health")
    early_help = ServiceFactory(agency=council, code="EH", name="Early help")
    sexual_health = ServiceFactory(agency=health, code="SH", name="Young people's sexual health", sensitive=True)
    school_nursing = ServiceFactory(agency=health, code="SN", name="School nursing")
    early_help_team = TeamFactory(agency=council, service=early_help, locality=north, name="North early help team")
    clinic = TeamFactory(agency=health, service=sexual_health, locality=north, name="Clinic team")

    def staff(username, first, last, agency, team, job, role=Role.PRACTITIONER):
        return PractitionerFactory(
            user__username=username,
            user__first_name=first,
            user__last_name=last,
            user__email=f"{username}@northshire.example",
            user__password=make_password(PASSWORD),
            agency=agency,
            team=team,
            job_role=job,
            role=role,
        )

    pat = staff("pat", "Pat", "Jones", council, early_help_team, "Family support worker")
    nia = staff("nia", "Nia", "Evans", health, clinic, "Sexual health nurse")
    alfred = ChildFactory(forenames="Alfred", surname="Smith", nhs_number="9434765919", date_of_birth=date(2012, 3, 4))
    bethany = ChildFactory(forenames="Bethany", surname="Khan")
    Address.objects.create(
        child=alfred, address_line_1="1 High Street", town="Northby", postcode="NX1 2AB", locality=north,
        moved_in=date(2015, 1, 1),
    )  # fmt: skip
    for practitioner, service, started in ((pat, early_help, date(2025, 1, 6)), (nia, sexual_health, date(2025, 2, 1))):
        Involvement.objects.create(
            child=alfred,
            practitioner=practitioner,
            service=service,
            started=started,
            kind=InvolvementKind.ALLOCATED_WORKER,
            recorded_by="test",
        )
    return {
        "north": north,
        "council": council,
        "health": health,
        "school_nursing": school_nursing,
        "clinic": clinic,
        "pat": pat,
        "nia": nia,
        "alfred": alfred,
        "bethany": bethany,
    }


class PartnerSystem:
    """A partner's system calling the API with its bearer token."""

    def __init__(self, bearer: str):
        self.bearer = bearer
        self.client = Client()

    def _headers(self):
        return {"Authorization": f"Bearer {self.bearer}"}

    def get(self, path, **params):
        return self.client.get(f"/api/v1{path}", params, headers=self._headers())

    def post(self, path, body):
        return self.client.post(f"/api/v1{path}", body, content_type="application/json", headers=self._headers())

    def delete(self, path):
        return self.client.delete(f"/api/v1{path}", headers=self._headers())


@pytest.fixture
def system_for():
    """`system_for(user, agency, scopes)`: a partner system whose token acts as `user`."""

    def issue(user, agency, scopes=EVERY_SCOPE, **kwargs):
        issued = issue_token(agency=agency, name="Case system", scopes=scopes, acts_as=user, **kwargs)
        system = PartnerSystem(issued.bearer)
        system.token = issued.token
        return system

    return issue


@pytest.fixture
def pats_system(northshire, system_for):
    """The council's case management system, acting as Pat."""
    return system_for(northshire["pat"].user, northshire["council"])


@pytest.fixture
def administrator(northshire):
    """Ida, the index administrator, who issues and revokes the partner systems' tokens."""
    return PractitionerFactory(
        user__username="ida", agency=northshire["council"], job_role="Index administrator", role=Role.ADMINISTRATOR
    )

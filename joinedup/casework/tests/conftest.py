"""A locality panel and a referral waiting for it, used across the casework tests."""

from datetime import date

import pytest
from django.contrib.auth.hashers import make_password

from joinedup.agencies.tests.factories import AgencyFactory, LocalityFactory, ServiceFactory, TeamFactory
from joinedup.people.models import Address, Role
from joinedup.people.services import refresh_name_keys
from joinedup.people.tests.factories import ChildFactory, PractitionerFactory

from .factories import PanelFactory, ReferralFactory


@pytest.fixture
def panel(db):
    return PanelFactory(chair__user__email="chair@northshire.example")


@pytest.fixture
def referral(panel):
    """A teacher's referral in the panel's locality, made with the mother's consent."""
    return ReferralFactory(locality=panel.locality, referrer__user__email="teacher@northshire.example")


@pytest.fixture
def family_worker(panel):
    """A family support worker in the panel's locality, who may become lead professional."""
    return PractitionerFactory(
        team__locality=panel.locality, job_role="Family support worker", user__email="worker@northshire.example"
    )


@pytest.fixture
def manager():
    return PractitionerFactory(role=Role.SERVICE_MANAGER, job_role="Early help service manager")


PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def front_door(db):
    """Northshire's north locality: Tom (a class teacher) knows Alfie Smith; Chris chairs the
    North allocation panel with Nina (school nurse) and Pat (family support worker)."""
    north = LocalityFactory(name="North", code="NORTH")
    council = AgencyFactory(name="Northshire Council", authority=north.authority)
    school = AgencyFactory(name="Northby Primary School", authority=north.authority, kind="education")
    health = AgencyFactory(name="Northshire Community Health", authority=north.authority, kind="health")
    early_help = ServiceFactory(agency=council, name="Family support")
    early_help_team = TeamFactory(agency=council, service=early_help, locality=north, name="North early help team")

    def staff(username, first, last, agency, job, role=Role.PRACTITIONER, team=None):
        practitioner = PractitionerFactory(
            user__username=username,
            user__first_name=first,
            user__last_name=last,
            user__email=f"{username}@northshire.example",
            user__password=factory_password(),
            agency=agency,
            team=team or TeamFactory(agency=agency, locality=north),
            job_role=job,
            role=role,
        )
        return practitioner

    chris = staff("chris", "Chris", "Adeyemi", council, "Early help manager", Role.PANEL_CHAIR, early_help_team)
    pat = staff("pat", "Pat", "Jones", council, "Family support worker", team=early_help_team)
    nina = staff("nina", "Nina", "Evans", health, "School nurse")
    tom = staff("tom", "Tom", "Baker", school, "Class teacher")
    panel = PanelFactory(locality=north, name="North allocation panel", chair=chris, members=[nina, pat])
    alfie = ChildFactory(forenames="Alfie", surname="Smith", date_of_birth=date(2014, 5, 17))
    refresh_name_keys(alfie, [])
    Address.objects.create(
        child=alfie,
        address_line_1="4 Mill Lane",
        town="Northby",
        postcode="NX1 2AB",
        locality=north,
        moved_in=date(2018, 1, 1),
    )
    return {"north": north, "panel": panel, "chris": chris, "pat": pat, "nina": nina, "tom": tom, "alfie": alfie}


def factory_password():
    return make_password(PASSWORD)

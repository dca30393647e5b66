"""A small scene for the web tests: one authority, two children, staff in every role."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from joinedup.access.models import Involvement, InvolvementKind
from joinedup.agencies.models import Agency, LocalAuthority, Locality, LocalityPostcode, Service, Team
from joinedup.people.models import Address, Child, Practitioner, Role
from joinedup.people.services import refresh_name_keys

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def scene(db):
    """Pat (family support worker) works with Alfred Smith, not with Bethany Khan. Sam manages
    Pat's team. Ana is a performance analyst, Dee the director, Adi an administrator."""
    authority = LocalAuthority.objects.create(name="Northshire", la_code="801")
    north = Locality.objects.create(authority=authority, code="N", name="North")
    LocalityPostcode.objects.create(locality=north, prefix="NX1")
    council = Agency.objects.create(authority=authority, code="LA", name="Northshire Council", kind="social_care")
    early_help = Service.objects.create(agency=council, code="EH", name="Early help", level_of_need="additional")
    sexual_health = Service.objects.create(
        agency=council, code="SH", name="Young people's sexual health", level_of_need="additional", sensitive=True
    )
    team = Team.objects.create(
        agency=council, service=early_help, locality=north, code="EH-N", name="North early help team"
    )
    clinic = Team.objects.create(agency=council, service=sexual_health, code="SH-T", name="Clinic team")

    def staff(username, first, last, role, job, team=None):
        user = get_user_model().objects.create_user(
            username, password=PASSWORD, first_name=first, last_name=last, email=f"{username}@northshire.example"
        )
        return Practitioner.objects.create(user=user, agency=council, team=team, job_role=job, role=role)

    pat = staff("pat", "Pat", "Jones", Role.PRACTITIONER, "Family support worker", team)
    nurse = staff("nia", "Nia", "Evans", Role.PRACTITIONER, "Sexual health nurse", clinic)
    sam = staff("sam", "Sam", "Okafor", Role.SERVICE_MANAGER, "Early help service manager")
    sam.manages_teams.add(team)
    people = {
        "pat": pat,
        "nia": nurse,
        "sam": sam,
        "ana": staff("ana", "Ana", "Silva", Role.PERFORMANCE_ANALYST, "Performance analyst"),
        "dee": staff("dee", "Dee", "Marsh", Role.DIRECTOR, "Director of Children's Services"),
        "adi": staff("adi", "Adi", "Shah", Role.ADMINISTRATOR, "Systems administrator"),
    }
    alfred = Child.objects.create(
        forenames="Alfred James",
        surname="Smith",
        date_of_birth=date(2012, 3, 4),
        sex="M",
        nhs_number="9434765919",
        upn="B801200005001",
        la_child_id="LA0001",
    )
    bethany = Child.objects.create(
        forenames="Bethany", surname="Khan", date_of_birth=date(2011, 7, 19), sex="F", la_child_id="LA0002"
    )
    for child in (alfred, bethany):
        refresh_name_keys(child, [])
        Address.objects.create(
            child=child,
            address_line_1="1 High Street",
            town="Northtown",
            postcode="NX1 2AB",
            locality=north,
            moved_in=date(2015, 1, 1),
        )
    Involvement.objects.create(
        child=alfred,
        practitioner=pat,
        service=early_help,
        started=date(2025, 1, 6),
        kind=InvolvementKind.ALLOCATED_WORKER,
        recorded_by="test",
    )
    Involvement.objects.create(
        child=alfred,
        practitioner=nurse,
        service=sexual_health,
        started=date(2025, 2, 1),
        kind=InvolvementKind.ALLOCATED_WORKER,
        recorded_by="test",
    )
    return {**people, "alfred": alfred, "bethany": bethany}


@pytest.fixture
def signed_in(client, scene):
    def sign_in_as(username):
        client.force_login(scene[username].user)
        return client

    return sign_in_as

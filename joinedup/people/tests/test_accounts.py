"""Staff accounts from the authority file, with the management lines the access policy reads."""

import pytest

from joinedup.agencies.tests.factories import AgencyFactory, TeamFactory
from joinedup.common.tables import FileProblems
from joinedup.people.models import Practitioner, Role
from joinedup.people.services import create_practitioner_accounts

pytestmark = pytest.mark.django_db

SOURCE = "northshire/authority.json"


@pytest.fixture
def early_help_team():
    agency = AgencyFactory(code="NCC-CS")
    return TeamFactory(code="EH-N", agency=agency)


def staff_member(username: str, role: str, **more) -> dict:
    return {
        "username": username,
        "given_name": "Priya",
        "family_name": "Shah",
        "agency": "NCC-CS",
        "team": "EH-N",
        "job_role": "Family support worker",
        "role": role,
        **more,
    }


def test_accounts_are_created_without_a_usable_password(early_help_team):
    create_practitioner_accounts(practitioners=[staff_member("p.shah", Role.PRACTITIONER)], teams=[], source=SOURCE)

    worker = Practitioner.objects.get(user__username="p.shah")
    assert (worker.team, worker.role, worker.name) == (early_help_team, Role.PRACTITIONER, "Priya Shah")
    assert not worker.user.has_usable_password()


def test_team_manager_manages_the_team_and_a_service_manager_its_locality(early_help_team):
    staff = [staff_member("t.lead", Role.PRACTITIONER), staff_member("s.manager", Role.SERVICE_MANAGER)]
    teams = [{"code": "EH-N", "manager": "t.lead"}, {"code": "EH-N", "manager": "s.manager"}]

    create_practitioner_accounts(practitioners=staff, teams=teams, source=SOURCE)

    team_lead = Practitioner.objects.get(user__username="t.lead")
    service_manager = Practitioner.objects.get(user__username="s.manager")
    assert list(team_lead.manages_teams.all()) == [early_help_team]
    assert not team_lead.manages_localities.exists()
    assert list(service_manager.manages_localities.all()) == [early_help_team.locality]


def test_loading_the_same_staff_twice_keeps_one_account_each(early_help_team):
    staff = [staff_member("p.shah", Role.PRACTITIONER)]
    create_practitioner_accounts(practitioners=staff, teams=[], source=SOURCE)

    create_practitioner_accounts(practitioners=staff, teams=[], source=SOURCE)

    assert Practitioner.objects.count() == 1


def test_unknown_role_and_agency_are_reported_by_path(early_help_team):
    staff = [staff_member("p.shah", Role.PRACTITIONER), staff_member("x.y", "superuser", agency="POLICE")]

    with pytest.raises(FileProblems) as error:
        create_practitioner_accounts(practitioners=staff, teams=[], source=SOURCE)

    assert [p.column for p in error.value.problems] == ["practitioners[1].agency", "practitioners[1].role"]
    assert not Practitioner.objects.exists()

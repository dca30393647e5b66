"""The lead professional's workspace: each open case with who to call about it (the family as held,
the team around the child, the referrer), only where the policy lets them see the plan; and the
caseload figures managers read beside it."""

import re
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model

from joinedup.access.models import Involvement, InvolvementKind
from joinedup.audit.models import AuditEvent
from joinedup.casework import queries, services
from joinedup.people.models import Address, Carer, Relationship, Role
from joinedup.people.tests.factories import ChildCarerFactory, PractitionerFactory

from .factories import CaseFactory, ReferralFactory

pytestmark = pytest.mark.django_db
TODAY = date.today()


@pytest.fixture
def case(front_door):
    """Pat leads Alfie's case, referred by Tom; Nina the school nurse is in the team; Karen, his mum,
    has parental responsibility, lives with him and has an account to see the plan; Dave, his dad,
    has no account. The register holds a phone number for both, and an email address for Dave."""
    alfie = front_door["alfie"]
    referral = ReferralFactory(child=alfie, referrer=front_door["tom"], locality=front_door["north"])
    case = CaseFactory(child=alfie, lead_professional=front_door["pat"], referral=referral)
    front_door["nina"].phone = "01632 960 123"
    front_door["nina"].save()
    services.invite_to_tac(case=case, practitioner=front_door["nina"], invited_by=front_door["pat"].user)
    karen = ChildCarerFactory(
        child=alfie,
        carer__forenames="Karen",
        carer__surname="Smith",
        carer__phone="07700 900123",
        carer__email="karen.smith@example.org",
        relationship=Relationship.MOTHER,
        parental_responsibility=True,
        lives_with=True,
    ).carer
    services.create_family_account(
        case=case,
        created_by=front_door["pat"].user,
        username="karen",
        email="karen@example.com",
        first_name="Karen",
        last_name="Smith",
        carer=karen,
    )
    ChildCarerFactory(
        child=alfie,
        carer__forenames="Dave",
        carer__surname="Smith",
        carer__phone="07700 900456",
        carer__email="dave.smith@example.org",
        relationship=Relationship.FATHER,
        parental_responsibility=True,
        lives_with=False,
    )
    return case


@pytest.fixture
def pat_client(client, front_door):
    client.force_login(front_door["pat"].user)
    return client


def test_the_lead_professional_sees_who_to_call_about_each_case(pat_client, case):
    page = pat_client.get("/casework/cases/mine/").content.decode()

    assert "Alfie Smith: 4 contacts" in page
    assert "Alfie lives at 4 Mill Lane, Northby NX1 2AB." in page
    assert "Mother, parental responsibility, lives with Alfie" in page
    assert 'href="tel:07700900123"' in page
    assert 'href="mailto:karen@example.com"' in page
    assert "Father, parental responsibility</td>" in page
    assert 'href="tel:07700900456"' in page
    assert 'href="mailto:dave.smith@example.org"' in page
    assert "School nurse, Northshire Community Health (team around the child)" in page
    assert 'href="tel:01632960123"' in page
    assert "Class teacher, Northby Primary School (referred Alfie)" in page
    assert 'href="mailto:tom@northshire.example"' in page


def test_the_lead_professional_is_not_their_own_contact(front_door, case):
    rows = queries.workspace_contacts(front_door["pat"].user, [case])

    assert [contact.name for contact in rows[0]["team"]] == ["Nina Evans"]


def test_carers_show_the_register_phone_and_their_account_email_before_the_register_one(front_door, case):
    """Karen's account email is the one she gave Pat and signs in with, so it wins over the
    register's; Dave has no account, so the register's is shown."""
    family = queries.workspace_contacts(front_door["pat"].user, [case])[0]["family"]

    assert [(c.name, c.phone, c.email) for c in family] == [
        ("Karen Smith", "07700 900123", "karen@example.com"),
        ("Dave Smith", "07700 900456", "dave.smith@example.org"),
    ]


def test_a_carer_account_without_an_email_falls_back_to_the_register(front_door, case):
    get_user_model().objects.filter(username="karen").update(email="")

    family = queries.workspace_contacts(front_door["pat"].user, [case])[0]["family"]

    assert family[0].email == "karen.smith@example.org"


def test_a_carer_with_no_details_held_shows_not_held(pat_client, case):
    Carer.objects.filter(surname="Smith", forenames="Dave").update(phone="", email="")

    page = pat_client.get("/casework/cases/mine/").content.decode()

    dave = re.search(r"Dave Smith</td>(.*?)</tr>", page, re.S).group(1)
    assert dave.count("Not held") == 2


def test_showing_the_contacts_is_audited_per_child(pat_client, case):
    pat_client.get("/casework/cases/mine/")

    event = AuditEvent.objects.get(verb="listed_child")
    assert event.child_id == case.child_id
    assert event.legal_basis.startswith("Listed on your cases, with who to contact about each")


def test_no_contacts_are_shown_where_the_policy_no_longer_allows_the_plan(pat_client, front_door, case):
    """The case still names Pat, but her involvement has ended: the policy decides, not the list."""
    Involvement.objects.filter(practitioner=front_door["pat"], kind=InvolvementKind.LEAD_PROFESSIONAL).update(
        ended=TODAY - timedelta(days=1)
    )

    page = pat_client.get("/casework/cases/mine/").content.decode()

    assert "Karen Smith" not in page
    assert "Alfie Smith" not in page
    assert not AuditEvent.objects.filter(verb="listed_child").exists()


def test_other_peoples_cases_and_closed_cases_have_no_contacts_here(pat_client, front_door, case):
    CaseFactory(lead_professional=front_door["nina"])
    CaseFactory(
        lead_professional=front_door["pat"], closed_on=TODAY, closure_reason="needs_met", needs_met_at="additional"
    )

    page = pat_client.get("/casework/cases/mine/").content.decode()

    assert page.count("govuk-details__summary-text") == 1


def test_a_case_without_a_referral_or_family_says_so(client, front_door):
    nina_case = CaseFactory(lead_professional=front_door["nina"])
    client.force_login(front_door["nina"].user)

    page = client.get("/casework/cases/mine/").content.decode()

    assert f"{nina_case.child.full_name}: 0 contacts" in page
    assert "No family member, team member or referrer is recorded yet." in page


def test_a_lead_professional_who_referred_the_child_is_not_listed_as_referrer(front_door, case):
    case.referral.referrer = front_door["pat"]
    case.referral.save()

    assert queries.workspace_contacts(front_door["pat"].user, [case])[0]["referrer"] is None


def test_a_young_person_with_an_account_is_a_contact(front_door, case):
    services.create_family_account(
        case=case,
        created_by=front_door["pat"].user,
        username="alfie",
        email="alfie@example.com",
        first_name="Alfie",
        last_name="Smith",
    )

    family = queries.workspace_contacts(front_door["pat"].user, [case])[0]["family"]

    assert ("Alfie Smith", "The young person", "alfie@example.com") in [(c.name, c.who, c.email) for c in family]


def test_a_child_who_moved_shows_the_current_address(pat_client, front_door, case):
    Address.objects.filter(child=case.child).update(moved_out=TODAY - timedelta(days=1))
    Address.objects.create(
        child=case.child, address_line_1="9 New Road", town="Northby", postcode="NX1 9ZZ", moved_in=TODAY
    )

    page = pat_client.get("/casework/cases/mine/").content.decode()

    assert "Alfie lives at 9 New Road, Northby NX1 9ZZ." in page
    assert "Mill Lane" not in page


# Caseloads beside the workspace


def test_the_workspace_and_the_caseloads_page_count_the_same_work(front_door, case):
    late = CaseFactory(lead_professional=front_door["pat"], opened_on=TODAY - timedelta(days=60))
    outcome = services.add_outcome(
        case=late, need="Sleep", desired_outcome="Sleeps well", added_by=late.lead_professional.user
    )
    action = services.add_action(
        outcome=outcome,
        description="Sleep diary",
        owner=front_door["pat"],
        due_on=TODAY,
        added_by=front_door["pat"].user,
    )
    action.due_on = TODAY - timedelta(days=3)
    action.save()

    mine = queries.workspace(front_door["pat"], on=TODAY)
    row = next(r for r in queries.caseloads(on=TODAY) if r["lead"] == front_door["pat"])

    assert (row["cases"], row["reviews_late"], row["actions_late"]) == (2, 1, 1)
    assert (len(mine["rows"]), mine["reviews_late"], mine["actions_late"]) == (2, 1, 1)
    assert row["actions"] == len(mine["actions"])


def test_caseloads_add_up_per_team(client, front_door, case):
    """Pat and a colleague in the North early help team, and Nina in her own health team."""
    colleague = PractitionerFactory(team=front_door["pat"].team, agency=front_door["pat"].agency)
    CaseFactory(lead_professional=colleague)
    CaseFactory(lead_professional=colleague)
    CaseFactory(lead_professional=front_door["nina"])

    teams = queries.caseloads_by_team(queries.caseloads(on=TODAY))

    north = next(total for total in teams if total["team"] == "North early help team")
    assert (north["leads"], north["cases"], north["average_cases"]) == (2, 3, 1.5)
    assert sum(total["cases"] for total in teams) == 4


def test_the_caseloads_page_shows_team_totals_and_flags_a_lead_who_has_left(client, front_door, case):
    front_door["pat"].user.is_active = False
    front_door["pat"].user.save()
    client.force_login(front_door["chris"].user)

    page = client.get("/casework/caseloads/").content.decode()

    assert "By team" in page
    assert re.search(r"Pat Jones\s*<strong[^>]*>\s*Has left", page)
    assert "Some lead professionals have left" in page
    assert "Alfie" not in page


def test_a_manager_sees_caseloads_but_a_practitioner_does_not(client, front_door, case):
    client.force_login(PractitionerFactory(role=Role.SERVICE_MANAGER).user)
    assert client.get("/casework/caseloads/").status_code == 200
    client.force_login(front_door["nina"].user)
    assert client.get("/casework/caseloads/").status_code == 403

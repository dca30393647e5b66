"""A sexual health nurse's job title and agency name the service as surely as its name: casework
pages show the nurse by name only to anyone who may not know the service is involved with the
child (the family, the referrer, others in the team, the panel), and in full to the nurse's own
manager. Panel agendas name only the children a member may open now, in a bounded number of
queries however long the agenda."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from joinedup.access.models import Involvement, InvolvementKind
from joinedup.access.queries import shield_for
from joinedup.agencies.tests.factories import ServiceFactory, TeamFactory
from joinedup.audit.models import AuditEvent
from joinedup.casework import services
from joinedup.casework.models import Case, PanelDecision
from joinedup.people.models import Role
from joinedup.people.tests.factories import ChildCarerFactory, ChildFactory, PractitionerFactory

from .factories import ConsentFactory, ReferralFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def clinic(front_door):
    """Sol Reid is a sexual health nurse at Northshire Community Health (Nina's agency); Lena
    manages the clinic team."""
    health = front_door["nina"].agency
    sexual_health = ServiceFactory(agency=health, name="Young people's sexual health", sensitive=True)
    team = TeamFactory(agency=health, service=sexual_health, locality=front_door["north"], name="Clinic team")
    sol = PractitionerFactory(
        user__first_name="Sol",
        user__last_name="Reid",
        agency=health,
        team=team,
        job_role="Sexual health nurse",
        phone="01632 960 777",
    )
    lena = PractitionerFactory(
        user__first_name="Lena",
        user__last_name="Park",
        agency=health,
        team=None,
        job_role="Sexual health service manager",
        role=Role.SERVICE_MANAGER,
    )
    lena.manages_teams.add(team)
    return {"sol": sol, "lena": lena}


def refer_alfie(front_door, referrer):
    return services.refer(
        referrer=referrer.user,
        child=front_door["alfie"],
        locality=front_door["north"],
        route="early_help",
        concern="Often late",
        level_of_need="additional",
        consent=services.ConsentGiven(
            given_by="parent_carer",
            given_by_name="Karen Smith",
            given_on=TODAY,
            share_with_all_partners=True,
        ),
    )


@pytest.fixture
def allocated_to_the_nurse(front_door, clinic):
    """Tom referred Alfie; the panel made Sol his lead professional; Sol brought Tom into the team."""
    referral = refer_alfie(front_door, front_door["tom"])
    services.prepare_meeting(panel=front_door["panel"], prepared_by=front_door["chris"].user)
    referral.refresh_from_db()
    services.record_decision(
        referral=referral,
        decided_by=front_door["chris"].user,
        decision=PanelDecision.ALLOCATE,
        reasons="Needs support in school and at home",
        lead_professional=clinic["sol"],
    )
    case = Case.objects.get(referral=referral)
    services.invite_to_tac(case=case, practitioner=front_door["tom"], invited_by=clinic["sol"].user)
    return case


def page(client, user, path):
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_a_parent_of_a_young_person_does_not_see_the_lead_professionals_sensitive_job(
    client, front_door, clinic, allocated_to_the_nurse
):
    case = allocated_to_the_nurse
    karen = ChildCarerFactory(child=case.child, carer__forenames="Karen", carer__surname="Smith").carer
    services.create_family_account(
        case=case,
        created_by=clinic["sol"].user,
        username="karen",
        email="karen@example.com",
        first_name="Karen",
        last_name="Smith",
        carer=karen,
    )
    karen_user = case.child.carer_links.get().carer.accounts.get().user

    family_page = page(client, karen_user, "/casework/family/")

    assert "Sol Reid, phone 01632 960 777" in family_page
    assert "Sexual health nurse" not in family_page
    assert "Northshire Community Health" not in family_page


def test_the_referrer_hears_who_leads_but_not_their_sensitive_job(client, front_door, allocated_to_the_nurse):
    feedback = page(
        client, front_door["tom"].user, f"/casework/referrals/{allocated_to_the_nurse.referral.pk}/feedback/"
    )

    assert "Sol Reid (01632 960 777)" in feedback
    assert "Sexual health nurse" not in feedback


def test_the_case_page_names_the_nurse_without_her_job_to_a_team_member_outside_the_service(
    client, front_door, allocated_to_the_nurse
):
    case_page = page(client, front_door["tom"].user, f"/casework/cases/{allocated_to_the_nurse.pk}/")

    assert "Sol Reid, a practitioner" in case_page
    assert "Sexual health nurse" not in case_page
    assert "Northshire Community Health" not in case_page
    assert "Class teacher" in case_page  # Tom's own line is shown as ever


def test_the_nurses_own_manager_sees_her_job_on_the_case_page(client, clinic, allocated_to_the_nurse):
    case_page = page(client, clinic["lena"].user, f"/casework/cases/{allocated_to_the_nurse.pk}/")

    assert "Sol Reid, Sexual health nurse (Northshire Community Health)" in case_page


def test_the_panel_reads_a_referral_from_the_nurse_without_her_job(client, front_door, clinic):
    referral = refer_alfie(front_door, clinic["sol"])
    services.prepare_meeting(panel=front_door["panel"], prepared_by=front_door["chris"].user)

    referral_page = page(client, front_door["chris"].user, f"/casework/referrals/{referral.pk}/")

    assert "Sol Reid, a practitioner" in referral_page
    assert "Sexual health nurse" not in referral_page


def test_the_team_around_the_child_sees_the_nurse_as_a_contact_without_her_job(
    client, front_door, clinic, allocated_to_the_nurse
):
    """Pat leads a case Sol is in the team of: Pat's workspace lists Sol by name and phone."""
    case = allocated_to_the_nurse
    services.invite_to_tac(case=case, practitioner=front_door["pat"], invited_by=clinic["sol"].user)
    services.change_lead_professional(case=case, to=front_door["pat"], changed_by=clinic["sol"].user)

    workspace = page(client, front_door["pat"].user, "/casework/cases/mine/")

    assert "Sol Reid" in workspace
    assert "A practitioner (team around the child)" in workspace
    assert "Sexual health nurse" not in workspace
    assert AuditEvent.objects.filter(verb="listed_child", child_id=case.child_id).exists()


def test_an_overdue_action_tells_the_lead_professional_whose_it_is_without_the_sensitive_agency(
    front_door, clinic, allocated_to_the_nurse
):
    case = allocated_to_the_nurse
    services.invite_to_tac(case=case, practitioner=front_door["pat"], invited_by=clinic["sol"].user)
    services.change_lead_professional(case=case, to=front_door["pat"], changed_by=clinic["sol"].user)
    outcome = services.add_outcome(
        case=case, added_by=front_door["pat"].user, need="Support at school", desired_outcome="Attends every day"
    )
    action = services.add_action(
        outcome=outcome,
        description="Drop-in session",
        owner=clinic["sol"],
        due_on=TODAY + timedelta(days=1),
        added_by=front_door["pat"].user,
    )
    type(action).objects.filter(pk=action.pk).update(due_on=TODAY - timedelta(days=1))

    services.flag_overdue(on=TODAY)

    to_pat = front_door["pat"].user.notifications.get(subject="An action in a plan is overdue")
    to_lena = clinic["lena"].user.notifications.get(subject="An action in a plan is overdue")
    assert to_pat.body.startswith("An action owned by Sol Reid was due on")
    assert to_lena.body.startswith("An action owned by Sol Reid (Northshire Community Health) was due on")


# Panel agendas


def agenda_path(meeting):
    return f"/casework/panels/meetings/{meeting.pk}/"


def test_a_member_no_longer_involved_sees_only_the_decision_on_a_past_item(client, front_door):
    referral = refer_alfie(front_door, front_door["tom"])
    meeting = services.prepare_meeting(panel=front_door["panel"], prepared_by=front_door["chris"].user)
    referral.refresh_from_db()
    services.record_decision(
        referral=referral,
        decided_by=front_door["chris"].user,
        decision=PanelDecision.NO_FURTHER_ACTION,
        reasons="Needs are met by the school",
    )
    # The seat ended with the decision; a day on, it gives Nina no reason to see Alfie.
    Involvement.objects.filter(practitioner=front_door["nina"], kind=InvolvementKind.PANEL_MEMBER).update(
        started=TODAY - timedelta(days=3), ended=TODAY - timedelta(days=1)
    )

    agenda = page(client, front_door["nina"].user, agenda_path(meeting))

    assert "A child the panel considered (you are not involved now)" in agenda
    assert PanelDecision.NO_FURTHER_ACTION.label in agenda
    for named in ("Alfie", "Smith", "Tom Baker", "Additional", "17 May 2014"):
        assert named not in agenda
    assert not AuditEvent.objects.filter(verb="listed_child", actor_username=front_door["nina"].user.username)


def test_the_meetings_list_names_no_child(client, front_door):
    refer_alfie(front_door, front_door["tom"])
    services.prepare_meeting(panel=front_door["panel"], prepared_by=front_door["chris"].user)

    panels = page(client, front_door["nina"].user, "/casework/panels/")

    assert "Alfie" not in panels


def meeting_with(front_door, items):
    """A meeting of the North panel with `items` referrals, each from the family with consent."""
    for _ in range(items):
        ReferralFactory(child=ChildFactory(), locality=front_door["north"], referrer=front_door["tom"])
    return services.prepare_meeting(
        panel=front_door["panel"],
        prepared_by=front_door["chris"].user,
        held_on=TODAY + timedelta(days=7 * (1 + front_door["panel"].meetings.count())),
    )


def test_the_agenda_takes_as_many_queries_for_twelve_items_as_for_three(
    client, front_door, django_assert_max_num_queries
):
    client.force_login(front_door["nina"].user)
    short, long = meeting_with(front_door, 3), None
    with CaptureQueriesContext(connection) as for_three:
        assert client.get(agenda_path(short)).status_code == 200
    long = meeting_with(front_door, 12)

    with django_assert_max_num_queries(len(for_three)):
        page_for_twelve = client.get(agenda_path(long)).content.decode()

    assert page_for_twelve.count('href="/casework/referrals/') == 12


def test_a_consent_naming_a_sensitive_agency_does_not_name_it_outside_the_service(client, front_door):
    """Horizon is a young people's drug service and nothing else: a consent naming it tells anyone
    who reads it that the service works with the child."""
    alfie, pat = front_door["alfie"], front_door["pat"]
    horizon = ServiceFactory(name="Young people's substance misuse", sensitive=True, agency__name="Horizon").agency
    worker = PractitionerFactory(agency=horizon, team=TeamFactory(agency=horizon, service=horizon.services.get()))
    consent = ConsentFactory(child=alfie, share_with_all_partners=False)
    consent.shared_with.set([horizon, pat.agency])
    Involvement.objects.create(
        child=alfie, practitioner=worker, kind=InvolvementKind.ALLOCATED_WORKER, started=TODAY, recorded_by="tests"
    )
    Involvement.objects.create(
        child=alfie, practitioner=pat, kind=InvolvementKind.ALLOCATED_WORKER, started=TODAY, recorded_by="tests"
    )

    client.force_login(pat.user)
    seen_by_pat = client.get(f"/casework/children/{alfie.pk}/consent/").content.decode()
    client.force_login(worker.user)
    seen_by_worker = client.get(f"/casework/children/{alfie.pk}/consent/").content.decode()

    assert f"Sharing with {pat.agency.name}, an agency not shown" in seen_by_pat
    assert f"Sharing with Horizon, {pat.agency.name}" in seen_by_worker


def test_a_shielded_practitioners_work_email_is_not_shown(front_door, clinic):
    sol = clinic["sol"]
    sol.user.email = "sol.reid@sexualhealth.example.org"

    seen = shield_for(front_door["tom"].user, [front_door["alfie"].pk]).practitioner(sol, front_door["alfie"].pk)

    assert (seen.shielded, seen.email, seen.phone) == (True, "", "01632 960 777")

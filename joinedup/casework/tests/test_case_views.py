"""The lead professional's pages through the test client: the plan, the team, reviews and closure,
with GOV.UK errors for bad input and 404s for people outside the team."""

from datetime import date, timedelta

import pytest

from joinedup.casework import services
from joinedup.casework.models import FamilyAccount, PlanAction, Review
from joinedup.people.tests.factories import ChildCarerFactory, PractitionerFactory

from .factories import CaseFactory, ConsentFactory

pytestmark = pytest.mark.django_db
TODAY = date.today()


@pytest.fixture
def case():
    return CaseFactory()


@pytest.fixture
def lead_client(client, case):
    client.force_login(case.lead_professional.user)
    return client


@pytest.fixture
def nurse(case):
    """A school nurse in the team around the child: the family agreed to share with every partner."""
    ConsentFactory(child=case.child)
    nurse = PractitionerFactory(job_role="School nurse", user__first_name="Nina", user__last_name="Evans")
    services.invite_to_tac(case=case, practitioner=nurse, invited_by=case.lead_professional.user)
    return nurse


@pytest.fixture
def outcome(case):
    return services.add_outcome(
        case=case,
        need="Misses school",
        desired_outcome="Goes to school every day",
        added_by=case.lead_professional.user,
    )


def date_parts(prefix, when):
    return {f"{prefix}_day": when.day, f"{prefix}_month": when.month, f"{prefix}_year": when.year}


def test_the_case_page_shows_the_team_plan_and_next_review(lead_client, case, nurse, outcome):
    page = lead_client.get(f"/casework/cases/{case.pk}/").content.decode()

    assert "Nina Evans" in page
    assert "Goes to school every day" in page
    assert "Record a review" in page


def test_practitioner_outside_tac_gets_a_404(client, case):
    client.force_login(PractitionerFactory().user)

    assert client.get(f"/casework/cases/{case.pk}/").status_code == 404


def test_a_tac_member_reads_the_plan_but_cannot_change_it(client, case, nurse):
    client.force_login(nurse.user)

    assert "Record a review" not in client.get(f"/casework/cases/{case.pk}/").content.decode()
    assert client.get(f"/casework/cases/{case.pk}/outcomes/new/").status_code == 404


def test_an_action_due_in_the_past_gets_a_govuk_error(lead_client, case, nurse, outcome):
    data = {"outcome": outcome.pk, "description": "Hearing check", "owner": nurse.pk} | date_parts(
        "due_on", TODAY - timedelta(days=1)
    )

    page = lead_client.post(f"/casework/cases/{case.pk}/actions/new/", data).content.decode()

    assert "govuk-error-summary" in page
    assert "The due date must be today or in the future" in page
    assert not PlanAction.objects.exists()


def test_an_action_owned_outside_the_tac_gets_a_govuk_error(lead_client, case, outcome):
    outsider = PractitionerFactory()
    data = {"outcome": outcome.pk, "description": "Visit", "owner": outsider.pk} | date_parts("due_on", TODAY)

    page = lead_client.post(f"/casework/cases/{case.pk}/actions/new/", data).content.decode()

    assert "The owner of an action must be a member of the team around the child" in page


def test_a_lead_professional_outside_the_tac_gets_a_govuk_error(lead_client, case):
    outsider = PractitionerFactory()

    page = lead_client.post(
        f"/casework/cases/{case.pk}/lead-professional/", {"lead_professional": outsider.pk}
    ).content.decode()

    assert "The lead professional must be a member of the team around the child" in page


def test_a_date_that_does_not_exist_gets_a_govuk_error(lead_client, case):
    data = {"held_on_day": 31, "held_on_month": 2, "held_on_year": 2026, "family_attended": "yes"}

    page = lead_client.post(f"/casework/cases/{case.pk}/meetings/new/", data).content.decode()

    assert "Date of the meeting must be a real date" in page


def test_a_review_with_the_familys_views_and_larc_items_is_recorded(lead_client, case, outcome):
    data = {
        f"progress_{outcome.pk}": "some",
        "child_views": "I have breakfast at school now",
        "parents_views": "Mornings are calmer",
        "what_changed": ["attendance", "calmer"],
        "sdq_informant": "parent",
        "sdq_total": "15",
        "wellbeing_happy": "6",
        "wellbeing_safe_home": "9",
    } | date_parts("held_on", TODAY)

    response = lead_client.post(f"/casework/cases/{case.pk}/reviews/new/", data, follow=True)

    review = Review.objects.get()
    assert (review.sdq_total, review.what_changed) == (15, ["attendance", "calmer"])
    page = response.content.decode()
    assert "Calmer, more relaxed" in page
    assert review.wellbeing == {"happy": 6, "safe_home": 9}
    assert "15 (Parent or carer): borderline" in page
    assert "How safe do you feel at home?" in page


def test_closing_needs_a_rating_per_outcome(lead_client, case, outcome):
    page = lead_client.post(
        f"/casework/cases/{case.pk}/close/", {"reason": "needs_met", "needs_met_at": "additional"}
    ).content.decode()

    assert "Rate how far this was achieved: Goes to school every day" in page
    case.refresh_from_db()
    assert case.is_open


def test_the_workspace_counts_what_is_late(lead_client, case):
    case.opened_on = TODAY - timedelta(days=60)
    case.save()

    page = lead_client.get("/casework/cases/mine/").content.decode()

    assert "1 open case; 1 with a review overdue; 0 of your actions overdue." in page


def test_the_lead_professional_records_and_withdraws_consent(lead_client, case):
    data = {"intent": "record", "given_by": "young_person", "given_by_name": "Jay Smith", "scope": "assess_only"}

    lead_client.post(f"/casework/children/{case.child_id}/consent/", data | date_parts("given_on", TODAY))
    consent = case.child.consents.get()
    lead_client.post(
        f"/casework/children/{case.child_id}/consent/",
        {"intent": "withdraw", "consent": consent.pk, "reason": "Jay changed his mind"},
    )

    consent.refresh_from_db()
    assert (consent.given_by_name, consent.withdrawal_reason) == ("Jay Smith", "Jay changed his mind")
    assert "Consent, withdrawn" in lead_client.get(f"/casework/children/{case.child_id}/consent/").content.decode()


def test_consent_dated_in_the_future_gets_a_govuk_error(lead_client, case):
    data = {"intent": "record", "given_by": "parent_carer", "given_by_name": "Karen", "scope": "all_partners"}

    page = lead_client.post(
        f"/casework/children/{case.child_id}/consent/", data | date_parts("given_on", TODAY + timedelta(days=2))
    ).content.decode()

    assert "The date consent was given must be today or in the past" in page


def test_sharing_without_consent_needs_the_reason_on_the_page(lead_client, case):
    page = lead_client.post(
        f"/casework/children/{case.child_id}/consent/", {"intent": "share", "lawful_reason": ""}
    ).content.decode()

    assert "Enter the lawful reason for sharing without consent" in page


def test_a_tac_member_sees_consent_but_cannot_record_it(client, case, nurse):
    client.force_login(nurse.user)

    assert "Record consent" not in client.get(f"/casework/children/{case.child_id}/consent/").content.decode()
    assert client.post(f"/casework/children/{case.child_id}/consent/", {"intent": "share"}).status_code == 404


def test_the_lead_professional_gives_a_parent_access_to_the_plan(lead_client, case):
    mum = ChildCarerFactory(child=case.child, parental_responsibility=True, carer__forenames="Karen").carer

    response = lead_client.post(
        f"/casework/cases/{case.pk}/family-access/",
        {"who": str(mum.pk), "username": "karen", "email": "karen@example.com"},
        follow=True,
    )

    assert f"{mum.full_name} can now sign in" in response.content.decode()
    assert FamilyAccount.objects.get().carer == mum


def test_a_taken_username_gets_a_govuk_error(lead_client, case):
    page = lead_client.post(
        f"/casework/cases/{case.pk}/family-access/",
        {"who": "young_person", "username": case.lead_professional.user.username, "email": "jay@example.com"},
    ).content.decode()

    assert "That username is taken: choose another" in page


def test_a_wellbeing_answer_above_ten_gets_a_govuk_error(lead_client, case):
    data = {"wellbeing_happy": "11"} | date_parts("held_on", TODAY)

    page = lead_client.post(f"/casework/cases/{case.pk}/reviews/new/", data).content.decode()

    assert "Answers are from 0 to 10" in page


def _action(case, outcome, owner):
    return services.add_action(
        outcome=outcome,
        description="Walk to school together on Mondays",
        owner=owner,
        due_on=date.today() + timedelta(days=7),
        added_by=case.lead_professional.user,
    )


def test_the_owner_marks_their_action_done_from_the_case_page(client, case, nurse, outcome):
    action = _action(case, outcome, nurse)
    client.force_login(nurse.user)
    page = client.get(f"/casework/cases/{case.pk}/").content.decode()
    assert f"/casework/cases/{case.pk}/actions/{action.pk}/done/" in page

    client.post(f"/casework/cases/{case.pk}/actions/{action.pk}/done/")

    action.refresh_from_db()
    assert action.done_on == date.today()
    again = client.post(f"/casework/cases/{case.pk}/actions/{action.pk}/done/", follow=True).content.decode()
    assert "This action is already marked done" in again


def test_a_team_member_cannot_mark_someone_elses_action_done(client, case, nurse, outcome):
    action = _action(case, outcome, case.lead_professional)
    client.force_login(nurse.user)
    assert f"/actions/{action.pk}/done/" not in client.get(f"/casework/cases/{case.pk}/").content.decode()

    response = client.post(f"/casework/cases/{case.pk}/actions/{action.pk}/done/")

    assert response.status_code == 403
    action.refresh_from_db()
    assert action.done_on is None

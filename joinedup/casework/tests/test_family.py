"""Families see their own plan, who their lead professional is and when the next review is, and
add their own views before it; nobody else's plan, and nothing once the case has closed."""

import pytest

from joinedup.audit.models import AuditEvent
from joinedup.casework import queries, services
from joinedup.casework.errors import NotAllowed, RuleBroken
from joinedup.casework.models import Notification
from joinedup.people.tests.factories import CarerFactory, ChildCarerFactory

from .factories import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    return CaseFactory()


def carer_of(child, parental_responsibility=True):
    return ChildCarerFactory(child=child, carer=CarerFactory(), parental_responsibility=parental_responsibility).carer


def account_for(case, carer=None, username="karen"):
    return services.create_family_account(
        case=case,
        created_by=case.lead_professional.user,
        username=username,
        email=f"{username}@example.com",
        first_name="Karen",
        last_name="Smith",
        carer=carer,
    )


def test_a_parent_with_parental_responsibility_sees_their_childs_plan(case):
    account = account_for(case, carer_of(case.child))

    assert list(queries.family_cases(account.user)) == [case]


def test_a_carer_without_parental_responsibility_gets_no_account(case):
    with pytest.raises(RuleBroken, match="parental responsibility"):
        account_for(case, carer_of(case.child, parental_responsibility=False))


def test_a_young_person_sees_their_own_plan_and_no_other(case):
    account = account_for(case, username="jay")
    CaseFactory()

    assert list(queries.family_cases(account.user)) == [case]


def test_a_closed_plan_is_no_longer_shown(case):
    account = account_for(case, carer_of(case.child))
    case.closed_on, case.closure_reason, case.needs_met_at = case.opened_on, "needs_met", "additional"
    case.save()

    assert not queries.family_cases(account.user).exists()


def test_the_familys_views_reach_the_lead_professional(case):
    account = account_for(case, carer_of(case.child))

    services.add_family_view(case=case, written_by=account.user, text="Mornings are still hard")

    assert case.family_views.get().text == "Mornings are still hard"
    assert Notification.objects.filter(recipient=case.lead_professional.user, subject__contains="views").exists()
    assert AuditEvent.objects.filter(verb="family_added_views").exists()


def test_a_family_cannot_write_on_another_familys_plan(case):
    account = account_for(case, carer_of(case.child))

    with pytest.raises(NotAllowed):
        services.add_family_view(case=CaseFactory(), written_by=account.user, text="Hello")


def test_the_family_page_shows_the_lead_professional_and_next_review(client, case):
    account = account_for(case, carer_of(case.child))
    client.force_login(account.user)

    page = client.get("/casework/family/").content.decode()

    assert case.lead_professional.name in page
    assert "Next review" in page
    assert AuditEvent.objects.filter(verb="family_viewed_plan", child_id=case.child_id).exists()


def test_an_empty_view_gets_a_govuk_error(client, case):
    account = account_for(case, carer_of(case.child))
    client.force_login(account.user)

    page = client.post("/casework/family/", {"case": case.pk, "text": ""}).content.decode()

    assert "Write what you would like the team to know" in page


def test_staff_have_no_family_page(client, case):
    client.force_login(case.lead_professional.user)

    assert client.get("/casework/family/").status_code == 404


def test_the_familys_words_start_the_review(client, case):
    account = account_for(case, carer_of(case.child))
    services.add_family_view(case=case, written_by=account.user, text="Mondays are still hard")
    client.force_login(case.lead_professional.user)

    page = client.get(f"/casework/cases/{case.pk}/reviews/new/").content.decode()

    assert "Mondays are still hard</textarea>" in page

"""The case page and a plan update take as many queries for a plan with twenty outcomes, actions,
members of the team around the child and reviews as for one with two: a page that asks the
database once per row slows down as plans grow (benchmarks/load.py measures the pages under load).
The panel agenda's test is in test_sensitive_services_shielded.py."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from joinedup.casework import services
from joinedup.casework.models import Progress, SdqInformant
from joinedup.people.tests.factories import PractitionerFactory

from .factories import CaseFactory, ConsentFactory

pytestmark = pytest.mark.django_db
TODAY = date.today()


@pytest.fixture
def case():
    case = CaseFactory(opened_on=TODAY - timedelta(days=400))
    ConsentFactory(child=case.child)  # the family agreed to share with every partner
    return case


def grow_plan(case, count: int):
    """`count` more of everything the case page lists: a team member who owns an action towards a
    new outcome, and a review of progress on every outcome."""
    lead = case.lead_professional.user
    for _ in range(count):
        member = PractitionerFactory(job_role="School nurse")
        services.invite_to_tac(case=case, practitioner=member, invited_by=lead)
        outcome = services.add_outcome(
            case=case, need="Misses school", desired_outcome="Goes to school every day", added_by=lead
        )
        services.add_action(
            outcome=outcome, description="Walk to school together", owner=member, due_on=TODAY, added_by=lead
        )
        services.record_review(
            case=case,
            held_on=TODAY - timedelta(days=case.reviews.count()),
            recorded_by=lead,
            progress={outcome: Progress.SOME for outcome in case.outcomes.all()},
            sdq=services.SdqScores(informant=SdqInformant.PARENT, total=14),
        )


def queries_for(client, method: str, path: str, data=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(path, data or {})
    assert response.status_code in (200, 302), response.status_code
    return len(queries)


def test_the_case_page_takes_as_many_queries_for_twenty_of_everything_as_for_two(
    client, case, django_assert_num_queries
):
    client.force_login(case.lead_professional.user)
    path = f"/casework/cases/{case.pk}/"
    grow_plan(case, 2)
    client.get(path)
    for_two = queries_for(client, "get", path)
    grow_plan(case, 18)

    with django_assert_num_queries(for_two):
        page = client.get(path).content.decode()

    assert page.count("Walk to school together") >= 20  # every action is listed


def test_a_plan_update_takes_as_many_queries_on_a_plan_of_twenty_outcomes_as_on_one_of_two(
    client, case, django_assert_num_queries
):
    """The lead professional opens the form and adds a need and outcome, as benchmarks/load.py does."""
    client.force_login(case.lead_professional.user)
    path = f"/casework/cases/{case.pk}/outcomes/new/"

    def update():
        case.refresh_from_db()
        form = {"need": "Mornings are hard", "desired_outcome": "On time four days a week"}
        return queries_for(client, "get", path) + queries_for(
            client, "post", path, form | {"version": case.plan_version}
        )

    grow_plan(case, 2)
    update()
    for_two = update()
    grow_plan(case, 18)
    case.refresh_from_db()

    with django_assert_num_queries(for_two):
        client.get(path)
        client.post(
            path,
            {"need": "Mornings are hard", "desired_outcome": "On time four days a week", "version": case.plan_version},
        )

    assert case.outcomes.filter(desired_outcome="On time four days a week").count() == 3

"""The early help assessment: short by design. Prefilled from the index and any earlier
assessment, saved as a draft, completed with the family's own words and a level of need; the time
it took is recorded, and it is shared with the team only as far as consent allows."""

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from joinedup.casework import queries, services
from joinedup.casework.errors import NotAllowed, RuleBroken
from joinedup.casework.models import Assessment, Notification
from joinedup.common import instruments
from joinedup.index.review.tests.factories import IndexRecordFactory
from joinedup.people.tests.factories import PractitionerFactory

from .factories import CaseFactory, ConsentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    case = CaseFactory()
    ConsentFactory(child=case.child, share_with_all_partners=False)
    return case


@pytest.fixture
def lead(case):
    return case.lead_professional.user


def test_the_three_domains_and_their_elements_are_data():
    domains = instruments.assessment_domains()

    assert [d.title for d in domains] == [
        "Development of the child or young person",
        "Parents and carers",
        "Family and environmental factors",
    ]
    assert [len(d.elements) for d in domains] == [9, 3, 4]


def test_no_assessment_without_consent_to_assess():
    case = CaseFactory()

    with pytest.raises(RuleBroken, match="consent to an assessment"):
        services.start_assessment(case=case, assessor=case.lead_professional.user)


def test_a_new_assessment_is_prefilled_from_what_the_index_knows(case, lead):
    IndexRecordFactory(child=case.child, facts={"sen_primary_need": "ASD"})

    assessment = services.start_assessment(case=case, assessor=lead)

    health = assessment.elements.get(code="general_health")
    assert health.needs.startswith("From the index: Autism is the primary special educational need")


def test_a_new_assessment_carries_forward_the_last_completed_one(case, lead):
    first = services.start_assessment(case=case, assessor=lead)
    services.save_assessment(
        assessment=first, saved_by=lead, elements={"learning": ("Loves reading", "")}, parents_views="We want help"
    )
    services.complete_assessment(assessment=first, completed_by=lead, level_of_need="additional")

    second = services.start_assessment(case=case, assessor=lead)

    assert second.elements.get(code="learning").strengths == "Loves reading"
    assert second.parents_views == "We want help"


def test_starting_again_continues_the_draft(case, lead):
    draft = services.start_assessment(case=case, assessor=lead)

    assert services.start_assessment(case=case, assessor=lead) == draft
    with pytest.raises(IntegrityError):
        Assessment.objects.create(case=case, assessor=case.lead_professional, started_at=timezone.now())


def test_completing_records_the_level_of_need_and_the_time_taken(case, lead):
    assessment = services.start_assessment(case=case, assessor=lead)
    Assessment.objects.filter(pk=assessment.pk).update(started_at=timezone.now() - timedelta(minutes=47))
    assessment.refresh_from_db()
    services.save_assessment(
        assessment=assessment, saved_by=lead, elements={"basic_care": ("", "Food runs out")}, child_views="I get hungry"
    )

    services.complete_assessment(assessment=assessment, completed_by=lead, level_of_need="additional")

    assert assessment.minutes_to_complete == 47
    assert assessment.sittings == 2


def test_completing_needs_the_familys_own_words(case, lead):
    assessment = services.start_assessment(case=case, assessor=lead)
    services.save_assessment(assessment=assessment, saved_by=lead, elements={"basic_care": ("", "Food runs out")})

    with pytest.raises(RuleBroken, match="views, in their own words"):
        services.complete_assessment(assessment=assessment, completed_by=lead, level_of_need="additional")


def test_a_completed_assessment_cannot_be_changed(case, lead):
    assessment = services.start_assessment(case=case, assessor=lead)
    services.save_assessment(
        assessment=assessment, saved_by=lead, elements={"learning": ("Reads", "")}, child_views="OK"
    )
    services.complete_assessment(assessment=assessment, completed_by=lead, level_of_need="universal")

    with pytest.raises(RuleBroken, match="cannot be changed"):
        services.save_assessment(assessment=assessment, saved_by=lead, child_views="Changed")


def test_a_tac_member_cannot_write_the_assessment(case, lead):
    nurse = PractitionerFactory()
    case.child.consents.get().shared_with.add(nurse.agency)
    services.invite_to_tac(case=case, practitioner=nurse, invited_by=lead)
    assessment = services.start_assessment(case=case, assessor=lead)

    with pytest.raises(NotAllowed):
        services.save_assessment(assessment=assessment, saved_by=nurse.user, child_views="Hello")


def test_the_completed_assessment_goes_only_to_agencies_the_family_agreed_to(case, lead):
    """Both joined the team while the family shared with both agencies; then they withdrew that
    consent and agreed to share with one of them only."""
    agreed, not_agreed = PractitionerFactory(), PractitionerFactory()
    first = case.child.consents.get()
    first.shared_with.add(agreed.agency, not_agreed.agency)
    for member in (agreed, not_agreed):
        services.invite_to_tac(case=case, practitioner=member, invited_by=lead)
    services.withdraw_consent(consent=first, withdrawn_by=lead, reason="Only the school, not the nurse")
    ConsentFactory(child=case.child, share_with_all_partners=False).shared_with.add(agreed.agency)
    assessment = services.start_assessment(case=case, assessor=lead)
    services.save_assessment(
        assessment=assessment, saved_by=lead, elements={"learning": ("Reads", "")}, child_views="OK"
    )

    services.complete_assessment(assessment=assessment, completed_by=lead, level_of_need="additional")

    told = Notification.objects.filter(subject="An early help assessment is ready to read")
    assert [n.recipient for n in told] == [agreed.user]
    assert queries.assessment_shared_with(assessment, agreed.user)
    assert not queries.assessment_shared_with(assessment, not_agreed.user)


def test_the_assessment_pages_prefill_and_complete(client, case, lead):
    client.force_login(lead)
    response = client.post(f"/casework/cases/{case.pk}/assessment/")
    assessment = Assessment.objects.get()
    assert response.url == f"/casework/assessments/{assessment.pk}/"

    client.post(f"/casework/assessments/{assessment.pk}/parents_carers/", {"needs_basic_care": "Food runs out"})
    page = client.post(
        f"/casework/assessments/{assessment.pk}/finish/", {"parents_views": "We need help", "complete": "yes"}
    ).content.decode()
    assert "Select the level of need the assessment shows" in page

    client.post(
        f"/casework/assessments/{assessment.pk}/finish/",
        {"parents_views": "We need help", "level_of_need": "additional", "complete": "yes"},
    )
    assessment.refresh_from_db()
    assert assessment.level_of_need == "additional"
    assert "Food runs out" in client.get(f"/casework/assessments/{assessment.pk}/").content.decode()

"""The early help assessment before a case: the practitioner who first sees a need (here Tom, a
class teacher) assesses with the family, with their consent, and sends the completed assessment to
the allocation panel as the request for help, so the agenda is built from new referrals and
assessments (001 §6). Panel members read it as far as consent allows; when the panel allocates,
the new case carries it."""

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from joinedup.access.models import ConsentGiver, Involvement, InvolvementKind
from joinedup.access.policy import Action, decide
from joinedup.access.tests.factories import InvolvementFactory
from joinedup.audit.models import AuditEvent
from joinedup.casework import queries, services
from joinedup.casework.errors import NotAllowed, RuleBroken
from joinedup.casework.models import Assessment, Notification, PanelDecision, Referral, ReferralStatus, Route
from joinedup.casework.services import ConsentGiven
from joinedup.people.models import Role
from joinedup.people.tests.factories import PractitionerFactory

from .factories import CaseFactory, ConsentFactory

pytestmark = pytest.mark.django_db


def mums_consent(*, share_with_all_partners=True):
    return ConsentGiven(
        given_by=ConsentGiver.PARENT_CARER,
        given_by_name="Karen Smith",
        given_on=timezone.localdate(),
        share_with_all_partners=share_with_all_partners,
    )


def start(practitioner, child, **consent):
    return services.start_assessment(assessor=practitioner.user, child=child, consent=mums_consent(**consent))


def complete(assessment, practitioner, *, needs="Food often runs out by Friday"):
    services.save_assessment(
        assessment=assessment,
        saved_by=practitioner.user,
        elements={"basic_care": ("Mum is warm and loving", needs)},
        parents_views="We need help with money",
    )
    return services.complete_assessment(
        assessment=assessment, completed_by=practitioner.user, level_of_need="additional"
    )


@pytest.fixture
def tom(front_door):
    return front_door["tom"]


@pytest.fixture
def alfie(front_door):
    return front_door["alfie"]


@pytest.fixture
def completed(tom, alfie):
    """Tom's completed assessment of Alfie; mum agreed to share with every partner agency."""
    return complete(start(tom, alfie), tom)


def send(assessment, practitioner, front_door):
    return services.send_to_panel(assessment=assessment, sent_by=practitioner.user, locality=front_door["north"])


# Starting without a case


def test_a_teacher_starts_an_assessment_before_any_case_with_the_familys_consent(tom, alfie):
    assessment = start(tom, alfie)

    assert (assessment.child, assessment.case, assessment.assessor) == (alfie, None, tom)
    assert assessment.consent.given_by_name == "Karen Smith"
    assert assessment.consent.to_assess
    assert Involvement.objects.get(practitioner=tom, child=alfie).kind == InvolvementKind.ASSESSOR
    assert AuditEvent.objects.filter(verb="started_assessment", child_id=alfie.pk).exists()


def test_the_assessor_reads_and_changes_their_own_draft(tom, alfie):
    assessment = start(tom, alfie)

    assert decide(tom.user, Action.VIEW_ASSESSMENT, assessment)
    assert services.may_change(tom.user, assessment)
    assert queries.assessment_shared_with(assessment, tom.user)


def test_a_current_consent_to_assess_is_enough(tom, alfie):
    consent = ConsentFactory(child=alfie)

    assessment = services.start_assessment(assessor=tom.user, child=alfie)

    assert assessment.consent == consent


def test_no_assessment_before_a_case_without_consent_to_assess(tom, alfie):
    ConsentFactory(child=alfie, withdrawn=True)

    with pytest.raises(RuleBroken, match="consent to an assessment"):
        services.start_assessment(assessor=tom.user, child=alfie)

    assert not Involvement.objects.filter(practitioner=tom).exists()


def test_starting_again_carries_on_the_assessors_own_draft(tom, alfie):
    draft = start(tom, alfie)

    assert services.start_assessment(assessor=tom.user, child=alfie) == draft


def test_a_second_assessment_by_the_same_practitioner_keeps_one_involvement(tom, alfie):
    complete(start(tom, alfie), tom)

    services.start_assessment(assessor=tom.user, child=alfie)

    assert Involvement.objects.filter(practitioner=tom, kind=InvolvementKind.ASSESSOR).count() == 1


def test_one_assessment_of_a_child_is_under_way_at_a_time(tom, alfie, front_door):
    start(tom, alfie)

    with pytest.raises(RuleBroken, match="Ask the family who, so that they tell their story only once"):
        start(front_door["nina"], alfie)
    with pytest.raises(IntegrityError):
        Assessment.objects.create(child=alfie, assessor=front_door["nina"], started_at=timezone.now())


def test_a_child_with_an_open_case_is_assessed_inside_it(tom, alfie):
    CaseFactory(child=alfie)

    with pytest.raises(RuleBroken, match="already has an open early help case: its lead professional"):
        start(tom, alfie)


def test_roles_without_casework_cannot_start_an_assessment(alfie):
    analyst = PractitionerFactory(role=Role.PERFORMANCE_ANALYST)

    with pytest.raises(NotAllowed):
        start(analyst, alfie)


def test_only_the_assessor_changes_a_draft_made_before_a_case(tom, alfie):
    assessment = start(tom, alfie)
    manager = PractitionerFactory(role=Role.SERVICE_MANAGER)
    manager.manages_teams.add(tom.team)

    assert decide(manager.user, Action.CHANGE_ASSESSMENT, assessment)
    with pytest.raises(NotAllowed, match="Only its assessor"):
        services.save_assessment(assessment=assessment, saved_by=manager.user, child_views="Hello")


def test_the_time_to_complete_is_kept(tom, alfie):
    assessment = start(tom, alfie)
    Assessment.objects.filter(pk=assessment.pk).update(started_at=timezone.now() - timedelta(minutes=52))
    assessment.refresh_from_db()

    complete(assessment, tom)

    assert assessment.minutes_to_complete == 52
    assert assessment.sittings == 2


def test_a_new_assessment_is_prefilled_from_an_earlier_one_shared_with_the_assessor(tom, alfie, front_door):
    complete(start(tom, alfie), tom)
    nina = front_door["nina"]

    later = start(nina, alfie)

    assert later.elements.get(code="basic_care").needs == "Food often runs out by Friday"
    assert later.parents_views == "We need help with money"


def test_an_earlier_assessment_not_shared_with_the_assessors_agency_is_not_prefilled(tom, alfie, front_door):
    complete(start(tom, alfie, share_with_all_partners=False), tom)

    later = start(front_door["nina"], alfie, share_with_all_partners=False)

    assert not later.elements.filter(code="basic_care").exists()
    assert later.parents_views == ""


# Sending to the allocation panel


def test_a_completed_assessment_sent_to_the_panel_is_on_its_next_agenda(completed, tom, front_door):
    panel = front_door["panel"]

    referral = send(completed, tom, front_door)
    meeting = services.prepare_meeting(panel=panel, prepared_by=panel.chair.user)

    assert list(meeting.agenda.all()) == [referral]
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ON_AGENDA
    assert (referral.route, referral.level_of_need, referral.assessment) == (Route.EARLY_HELP, "additional", completed)
    assert referral.concern == "Basic care, ensuring safety and protection: Food often runs out by Friday"
    assert referral.consent == completed.consent
    assert referral.referrer == tom
    assert Notification.objects.filter(recipient=tom.user, subject="Your referral has been received").exists()
    assert AuditEvent.objects.filter(verb="sent_assessment_to_panel", child_id=completed.child_id).exists()


def on_the_agenda(assessment, front_door):
    """Tom sends the assessment and the chair prepares the next meeting: Nina, a member, may read
    the referral."""
    send(assessment, front_door["tom"], front_door)
    services.prepare_meeting(panel=front_door["panel"], prepared_by=front_door["chris"].user)
    return front_door["nina"]


def test_a_panel_member_reads_the_assessment_when_the_family_agreed_to_share(completed, front_door):
    nina = on_the_agenda(completed, front_door)

    assert queries.assessment_readable_by(nina.user, completed)


def test_a_panel_member_cannot_see_the_item_when_the_family_agreed_to_the_assessment_only(tom, alfie, front_door):
    """Sharing follows consent: the panel's agencies see the child only as far as the family agreed."""
    assessment = complete(start(tom, alfie, share_with_all_partners=False), tom)

    nina = on_the_agenda(assessment, front_door)

    assert not decide(nina.user, Action.VIEW_REFERRAL, assessment.referrals.get())
    assert not queries.assessment_readable_by(nina.user, assessment)


def test_a_panel_member_reads_it_once_the_family_agrees_to_share_with_their_agency(tom, alfie, front_door):
    assessment = complete(start(tom, alfie, share_with_all_partners=False), tom)
    nina = on_the_agenda(assessment, front_door)

    assessment.consent.shared_with.add(nina.agency)

    assert queries.assessment_readable_by(nina.user, assessment)


def test_an_incomplete_assessment_cannot_be_sent(tom, alfie, front_door):
    draft = start(tom, alfie)

    with pytest.raises(RuleBroken, match="Complete the assessment before you send it"):
        send(draft, tom, front_door)


def test_an_assessment_goes_to_the_panel_once(completed, tom, front_door):
    send(completed, tom, front_door)

    with pytest.raises(RuleBroken, match="This assessment went to the North allocation panel on"):
        send(completed, tom, front_door)
    assert Referral.objects.count() == 1


def test_an_assessment_whose_referral_was_withdrawn_can_be_sent_again(completed, tom, front_door):
    services.withdraw_referral(referral=send(completed, tom, front_door), withdrawn_by=tom.user)

    again = send(completed, tom, front_door)

    assert again.status == ReferralStatus.SUBMITTED


def test_an_assessment_is_not_sent_for_a_child_with_an_open_case(completed, tom, alfie, front_door):
    CaseFactory(child=alfie)

    with pytest.raises(RuleBroken, match="give the assessment to the lead professional"):
        send(completed, tom, front_door)


def test_only_the_assessor_sends_the_assessment(completed, front_door):
    manager = PractitionerFactory(role=Role.SERVICE_MANAGER)
    manager.manages_teams.add(front_door["tom"].team)

    with pytest.raises(NotAllowed):
        send(completed, manager, front_door)


def test_withdrawn_consent_stops_the_assessment_going_until_the_family_agrees_again(completed, tom, alfie, front_door):
    """Tom assesses under the family's consent, so once it is withdrawn he no longer sees Alfie (the
    policy refuses before the service would say why): the family's allocated worker records their
    consent again."""
    services.withdraw_consent(consent=completed.consent, withdrawn_by=tom.user, reason="Mum changed her mind")

    with pytest.raises(NotAllowed):
        send(completed, tom, front_door)

    worker = InvolvementFactory(child=alfie, practitioner=front_door["pat"]).practitioner
    again = services.record_consent(child=alfie, recorded_by=worker.user, consent=mums_consent())
    assert send(completed, tom, front_door).consent == again


def test_an_assessment_recording_no_needs_is_not_sent(tom, alfie, front_door):
    assessment = complete(start(tom, alfie), tom, needs="")

    with pytest.raises(RuleBroken, match="records no needs"):
        send(assessment, tom, front_door)


# The panel's decision


@pytest.fixture
def on_agenda(completed, front_door):
    on_the_agenda(completed, front_door)
    return completed.referrals.get()


def test_the_case_the_panel_opens_carries_the_assessment(on_agenda, completed, front_door):
    pat = front_door["pat"]

    services.record_decision(
        referral=on_agenda,
        decided_by=front_door["chris"].user,
        decision=PanelDecision.ALLOCATE,
        reasons="Needs at home; mum wants family support",
        lead_professional=pat,
    )

    completed.refresh_from_db()
    case = on_agenda.case
    assert completed.case == case
    assert list(queries.case_summary(case, on=timezone.localdate())["assessments"]) == [completed]
    assert queries.assessment_readable_by(pat.user, completed)
    later = services.start_assessment(case=case, assessor=pat.user)
    assert later.elements.get(code="basic_care").needs == "Food often runs out by Friday"


def test_the_assessors_involvement_ends_with_the_panels_decision(on_agenda, completed, tom, front_door):
    services.record_decision(
        referral=on_agenda,
        decided_by=front_door["chris"].user,
        decision=PanelDecision.STEP_DOWN,
        reasons="The school's pastoral support meets these needs",
    )

    assessor = Involvement.objects.get(practitioner=tom, kind=InvolvementKind.ASSESSOR)
    assert assessor.ended == timezone.localdate()
    assert decide(tom.user, Action.VIEW_REFERRAL_FEEDBACK, on_agenda)
    assert Notification.objects.filter(recipient=tom.user, subject__contains="decided").exists()


def test_a_draft_by_another_practitioner_joins_the_case_the_panel_opens(front_door, alfie):
    """Pat's referral is allocated while Nina is still assessing: the lead professional finishes
    Nina's draft with the family rather than starting again."""
    nina, pat, chris = front_door["nina"], front_door["pat"], front_door["chris"]
    draft = start(nina, alfie)
    referral = services.refer(
        referrer=front_door["tom"].user,
        child=alfie,
        locality=front_door["north"],
        route=Route.EARLY_HELP,
        concern="Often hungry",
        level_of_need="additional",
        consent=mums_consent(),
    )
    services.prepare_meeting(panel=front_door["panel"], prepared_by=chris.user)
    referral.refresh_from_db()

    services.record_decision(
        referral=referral,
        decided_by=chris.user,
        decision=PanelDecision.ALLOCATE,
        reasons="Family support",
        lead_professional=pat,
    )

    draft.refresh_from_db()
    assert draft.case == referral.case
    assert services.may_change(pat.user, draft)
    # Like the panel's members, Nina's involvement lasts to the end of the day of the decision.
    assert Involvement.objects.get(practitioner=nina, kind=InvolvementKind.ASSESSOR).ended == timezone.localdate()
    assert Notification.objects.filter(
        recipient=nina.user, subject="A lead professional now leads an assessment you started"
    ).exists()


# The ordinary referral form


def test_a_referral_can_take_the_referrers_own_completed_assessment(completed, tom, alfie, front_door):
    assert queries.assessment_to_attach(alfie, tom) == completed

    referral = services.refer(
        referrer=tom.user,
        child=alfie,
        locality=front_door["north"],
        route=Route.EARLY_HELP,
        concern="Often hungry",
        level_of_need="additional",
        consent=mums_consent(),
        assessment=completed,
    )

    assert referral.assessment == completed
    assert queries.assessment_to_attach(alfie, tom) is None


def test_a_referral_cannot_take_someone_elses_assessment(completed, alfie, front_door):
    with pytest.raises(NotAllowed):
        services.refer(
            referrer=front_door["nina"].user,
            child=alfie,
            locality=front_door["north"],
            route=Route.EARLY_HELP,
            concern="Often hungry",
            level_of_need="additional",
            consent=mums_consent(),
            assessment=completed,
        )

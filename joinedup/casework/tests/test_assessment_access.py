"""Who may read and change an early help assessment, by the policy's assessment actions rather than
the plan's: the assessor before a case reaches the child's assessments but never a plan, and their
access lapses JOINEDUP_ASSESSOR_ACCESS_DAYS after their last save when the assessment is never
sent. Days are moved by dating the assessor's involvement as if the saves were made earlier."""

from datetime import timedelta

import pytest
from django.utils import timezone

from joinedup.access.models import ConsentGiver, Involvement, InvolvementKind
from joinedup.access.policy import Action, decide
from joinedup.audit.models import AuditEvent
from joinedup.casework import queries, services
from joinedup.casework.errors import NotAllowed, RuleBroken
from joinedup.casework.models import Assessment, ClosureReason, Notification, PanelDecision
from joinedup.casework.services import ConsentGiven
from joinedup.people.queries import reference_for
from joinedup.people.tests.factories import PractitionerFactory

from .factories import CaseFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def mums_consent():
    return ConsentGiven(
        given_by=ConsentGiver.PARENT_CARER,
        given_by_name="Karen Smith",
        given_on=TODAY,
        share_with_all_partners=True,
    )


@pytest.fixture
def tom(front_door):
    return front_door["tom"]


@pytest.fixture
def alfie(front_door):
    return front_door["alfie"]


@pytest.fixture
def draft(tom, alfie):
    return services.start_assessment(assessor=tom.user, child=alfie, consent=mums_consent())


def complete(assessment, practitioner):
    services.save_assessment(
        assessment=assessment,
        saved_by=practitioner.user,
        elements={"basic_care": ("Mum is warm and loving", "Food often runs out by Friday")},
        parents_views="We need help with money",
    )
    return services.complete_assessment(
        assessment=assessment, completed_by=practitioner.user, level_of_need="additional"
    )


def assessing(practitioner) -> Involvement:
    return Involvement.objects.get(practitioner=practitioner, kind=InvolvementKind.ASSESSOR)


def as_if_last_saved(practitioner, *, days_ago: int, access_days: int = 90) -> None:
    """Date the assessor's involvement as the service would have, had their last save been
    `days_ago` days ago."""
    Involvement.objects.filter(practitioner=practitioner, kind=InvolvementKind.ASSESSOR).update(
        started=TODAY - timedelta(days=days_ago), ended=TODAY - timedelta(days=days_ago) + timedelta(days=access_days)
    )


# The actions


def test_the_assessor_reads_and_changes_the_assessment_but_sees_no_plan(tom, draft):
    assert decide(tom.user, Action.VIEW_ASSESSMENT, draft)
    assert decide(tom.user, Action.CHANGE_ASSESSMENT, draft)
    assert not decide(tom.user, Action.VIEW_PLAN, draft)
    assert not decide(tom.user, Action.CHANGE_PLAN, draft)


def test_the_assessor_sees_no_plan_of_the_childs_earlier_closed_case(tom, alfie):
    earlier = CaseFactory(
        child=alfie,
        closed_on=TODAY - timedelta(days=1),
        closure_reason=ClosureReason.NEEDS_MET,
        needs_met_at="universal",
    )

    services.start_assessment(assessor=tom.user, child=alfie, consent=mums_consent())

    assert not decide(tom.user, Action.VIEW_PLAN, earlier)
    assert decide(tom.user, Action.VIEW_ASSESSMENT, alfie)


def on_the_agenda(assessment, front_door):
    services.send_to_panel(assessment=assessment, sent_by=front_door["tom"].user, locality=front_door["north"])
    services.prepare_meeting(panel=front_door["panel"], prepared_by=front_door["chris"].user)
    return assessment.referrals.get()


def test_on_the_day_the_panel_opens_a_case_the_former_assessor_sees_no_plan_and_changes_nothing(front_door, alfie):
    """Tom's referral is allocated while a health visitor is still assessing: her involvement lasts
    to the end of the day, and lets her read her own draft, but neither the new case's plan nor a
    change to the assessment the lead professional now leads."""
    hana, pat, chris = PractitionerFactory(job_role="Health visitor"), front_door["pat"], front_door["chris"]
    draft = services.start_assessment(assessor=hana.user, child=alfie, consent=mums_consent())
    referral = services.refer(
        referrer=front_door["tom"].user,
        child=alfie,
        locality=front_door["north"],
        route="early_help",
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
    case = referral.case
    assert decide(hana.user, Action.VIEW_ASSESSMENT, draft)
    assert not decide(hana.user, Action.VIEW_PLAN, case)
    assert not decide(hana.user, Action.CHANGE_PLAN, case)
    assert not services.may_change(hana.user, draft)
    assert services.may_change(pat.user, draft)
    with pytest.raises(NotAllowed, match="those who lead it"):
        services.save_assessment(assessment=draft, saved_by=hana.user, child_views="Hello")
    with pytest.raises(NotAllowed, match="those who lead it"):
        services.start_assessment(case=case, assessor=hana.user)


# The assessor's access lapses when the assessment is never sent


def test_the_assessors_access_runs_for_the_set_number_of_days_from_the_start(tom, alfie, settings):
    settings.JOINEDUP_ASSESSOR_ACCESS_DAYS = 30

    services.start_assessment(assessor=tom.user, child=alfie, consent=mums_consent())

    assert (assessing(tom).started, assessing(tom).ended) == (TODAY, TODAY + timedelta(days=30))


def test_saving_within_the_period_extends_it(tom, draft):
    as_if_last_saved(tom, days_ago=80)

    services.save_assessment(assessment=draft, saved_by=tom.user, child_views="I like school")

    assert assessing(tom).ended == TODAY + timedelta(days=90)
    assert services.may_change(tom.user, draft)


def test_completing_extends_it_too(tom, draft):
    as_if_last_saved(tom, days_ago=80)

    complete(draft, tom)

    assert assessing(tom).ended == TODAY + timedelta(days=90)


def test_a_lapsed_assessor_can_no_longer_open_or_change_the_draft(client, tom, draft):
    as_if_last_saved(tom, days_ago=91)
    client.force_login(tom.user)

    assert not decide(tom.user, Action.VIEW_CHILD, draft)
    assert not decide(tom.user, Action.VIEW_ASSESSMENT, draft)
    assert client.get(f"/casework/assessments/{draft.pk}/").status_code == 404
    assert client.get(f"/casework/assessments/{draft.pk}/parents_carers/").status_code == 404
    with pytest.raises(NotAllowed):
        services.save_assessment(assessment=draft, saved_by=tom.user, child_views="Hello")
    assert AuditEvent.objects.filter(verb="refused_view_assessment", child_id=draft.child_id).exists()


def test_a_lapsed_assessor_can_neither_send_nor_attach_a_completed_assessment(tom, alfie, draft, front_door):
    complete(draft, tom)
    as_if_last_saved(tom, days_ago=91)

    with pytest.raises(NotAllowed):
        services.send_to_panel(assessment=draft, sent_by=tom.user, locality=front_door["north"])
    assert queries.assessment_to_attach(alfie, tom) is None


def test_a_lapsed_assessor_takes_up_their_draft_again_with_the_familys_consent(client, tom, alfie, draft):
    services.save_assessment(
        assessment=draft, saved_by=tom.user, elements={"learning": ("Loves reading", "")}, child_views="OK"
    )
    as_if_last_saved(tom, days_ago=91)
    client.force_login(tom.user)
    start_page = f"/casework/assess/{reference_for(tom.user, alfie)}/"
    assert client.get(start_page).status_code == 200, "the start page asks for consent again"

    response = client.post(
        start_page,
        {
            "consent": "yes",
            "consent_given_by": "parent_carer",
            "consent_given_by_name": "Karen Smith",
            "consent_scope": "all_partners",
        },
    )

    assert response.url == f"/casework/assessments/{draft.pk}/"
    assert draft.elements.get(code="learning").strengths == "Loves reading"
    assert Involvement.objects.filter(practitioner=tom, kind=InvolvementKind.ASSESSOR, ended__gte=TODAY).count() == 1
    assert services.may_change(tom.user, draft)
    assert AuditEvent.objects.filter(verb="took_up_assessment_again", child_id=alfie.pk).exists()


def test_a_sent_assessment_does_not_lapse_while_it_waits_for_the_panel(tom, draft, front_door):
    complete(draft, tom)

    on_the_agenda(draft, front_door)

    assert assessing(tom).ended is None


def test_withdrawing_the_referral_starts_the_period_again(tom, draft, front_door):
    complete(draft, tom)
    referral = services.send_to_panel(assessment=draft, sent_by=tom.user, locality=front_door["north"])

    services.withdraw_referral(referral=referral, withdrawn_by=tom.user)

    assert assessing(tom).ended == TODAY + timedelta(days=90)


def test_the_panels_decision_ends_a_sent_assessments_access(tom, draft, front_door):
    complete(draft, tom)
    referral = on_the_agenda(draft, front_door)

    services.record_decision(
        referral=referral,
        decided_by=front_door["chris"].user,
        decision=PanelDecision.STEP_DOWN,
        reasons="The school's pastoral support meets these needs",
    )

    assert assessing(tom).ended == TODAY


# A draft its assessor can no longer carry on passes to the next practitioner


def nina_starts(front_door, alfie, **consent):
    """Nina, the school nurse, meets Alfie's family later and starts an assessment with mum."""
    return services.start_assessment(assessor=front_door["nina"].user, child=alfie, **consent)


def test_a_lapsed_draft_passes_to_the_next_practitioner_with_the_familys_consent(tom, alfie, draft, front_door):
    """Tom never sent his draft and his access lapsed: Nina carries it on rather than being told,
    for ever, that someone else has started one."""
    services.save_assessment(
        assessment=draft, saved_by=tom.user, elements={"learning": ("Loves reading", "")}, child_views="OK"
    )
    as_if_last_saved(tom, days_ago=91)
    nina = front_door["nina"]

    taken = nina_starts(front_door, alfie, consent=mums_consent())

    assert taken.pk == draft.pk
    assert taken.assessor == nina
    assert taken.elements.get(code="learning").strengths == "Loves reading"
    assert (assessing(nina).started, assessing(nina).ended) == (TODAY, TODAY + timedelta(days=90))
    assert assessing(tom).ended == TODAY - timedelta(days=1), "Tom's involvement stays ended"
    event = AuditEvent.objects.get(verb="took_over_assessment", child_id=alfie.pk)
    assert (event.actor_id, event.detail["previous_assessor"], event.detail["previous_assessor_left"]) == (
        nina.user.pk,
        tom.pk,
        False,
    )
    assert Notification.objects.filter(
        recipient=tom.user, subject="Another practitioner has taken over an assessment you started"
    ).exists()


def test_a_lapsed_draft_does_not_pass_without_the_familys_consent(tom, alfie, draft, front_door):
    services.withdraw_consent(consent=draft.consent, withdrawn_by=tom.user, reason="Mum changed her mind")
    as_if_last_saved(tom, days_ago=91)

    with pytest.raises(RuleBroken, match="consent to an assessment"):
        nina_starts(front_door, alfie)

    draft.refresh_from_db()
    assert draft.assessor == tom


def test_a_leavers_draft_passes_likewise(tom, alfie, draft, front_door):
    """Tom left the school with his draft a month old: a leaver's involvements give no access, so
    his draft passes on at once. His account is switched off, so nobody is told."""
    tom.user.is_active = False
    tom.user.save(update_fields=["is_active"])

    taken = nina_starts(front_door, alfie, consent=mums_consent())

    assert taken.assessor == front_door["nina"]
    assert assessing(tom).ended == TODAY, "a leaver's involvement that had not lapsed ends"
    assert AuditEvent.objects.get(verb="took_over_assessment").detail["previous_assessor_left"] is True
    assert not Notification.objects.filter(recipient=tom.user, subject__contains="taken over").exists()


def test_a_draft_its_assessor_may_still_change_keeps_blocking(tom, alfie, draft, front_door):
    as_if_last_saved(tom, days_ago=89)

    with pytest.raises(RuleBroken, match="Ask the family who, so that they tell their story only once"):
        nina_starts(front_door, alfie, consent=mums_consent())

    draft.refresh_from_db()
    assert draft.assessor == tom
    assert not Involvement.objects.filter(practitioner=front_door["nina"], kind=InvolvementKind.ASSESSOR).exists()
    assert not AuditEvent.objects.filter(verb="took_over_assessment").exists()


def test_the_new_assessor_saves_completes_and_sends_it(tom, alfie, draft, front_door):
    """The time to complete counts from when Nina took the draft over, not from Tom's start four
    months earlier: the lapse is not time spent assessing. Tom's start is kept in the audit."""
    Assessment.objects.filter(pk=draft.pk).update(started_at=timezone.now() - timedelta(days=120))
    draft.refresh_from_db()
    as_if_last_saved(tom, days_ago=91)
    nina = front_door["nina"]
    taken = nina_starts(front_door, alfie, consent=mums_consent())

    complete(taken, nina)
    referral = services.send_to_panel(assessment=taken, sent_by=nina.user, locality=front_door["north"])

    assert taken.completed_at is not None
    assert taken.minutes_to_complete < 5
    assert taken.sittings == 2
    assert referral.referrer == nina
    assert AuditEvent.objects.get(verb="took_over_assessment").detail["earlier_started_at"] == (
        draft.started_at.isoformat()
    )


def test_the_old_assessor_cannot_open_it_once_it_has_passed_on(client, tom, alfie, draft, front_door):
    as_if_last_saved(tom, days_ago=91)
    nina_starts(front_door, alfie, consent=mums_consent())
    client.force_login(tom.user)

    assert client.get(f"/casework/assessments/{draft.pk}/").status_code == 404
    assert not services.may_change(tom.user, draft)
    with pytest.raises(RuleBroken, match="Another practitioner has already started"):
        services.start_assessment(assessor=tom.user, child=alfie, consent=mums_consent())

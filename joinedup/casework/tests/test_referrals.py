"""The front door and the allocation panel: a referral with consent, the panel's agenda, its
decision with reasons, the lead professional, and feedback to the referrer at each step (001 §6)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from joinedup.access.models import ConsentGiver, Involvement, InvolvementKind
from joinedup.access.policy import Action, decide
from joinedup.agencies.models import LevelOfNeed
from joinedup.audit.models import AuditEvent
from joinedup.casework import services
from joinedup.casework.errors import NotAllowed, RuleBroken
from joinedup.casework.models import Notification, PanelDecision, ReferralStatus, Route
from joinedup.casework.services import TRANSITIONS, ConsentGiven
from joinedup.people.models import Role
from joinedup.people.tests.factories import ChildFactory, PractitionerFactory

from .factories import CaseFactory, PanelFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def refer(referrer, child, panel, consent=None, lawful_reason=""):
    return services.refer(
        referrer=referrer.user,
        child=child,
        locality=panel.locality,
        route=Route.EARLY_HELP,
        concern="Often late and hungry; mum says she is struggling since the baby arrived",
        level_of_need=LevelOfNeed.ADDITIONAL,
        consent=consent,
        lawful_reason=lawful_reason,
    )


def mums_consent():
    return ConsentGiven(given_by=ConsentGiver.PARENT_CARER, given_by_name="Karen Smith", given_on=timezone.localdate())


# Referral


def test_any_practitioner_can_refer_a_child_they_found_and_hears_it_was_received(panel):
    teacher = PractitionerFactory(job_role="Class teacher")
    child = ChildFactory()

    referral = refer(teacher, child, panel, consent=mums_consent())

    assert referral.status == ReferralStatus.SUBMITTED
    assert referral.consent.given_by_name == "Karen Smith"
    assert Involvement.objects.get(practitioner=teacher, child=child).kind == InvolvementKind.REFERRER
    assert Notification.objects.get(recipient=teacher.user).subject == "Your referral has been received"
    assert AuditEvent.objects.filter(verb="referred", child_id=child.pk).exists()


def test_referral_without_consent_or_a_lawful_reason_is_refused(panel):
    with pytest.raises(RuleBroken, match="Record the family's consent"):
        refer(PractitionerFactory(), ChildFactory(), panel)


def test_step_up_without_consent_records_the_lawful_reason(panel):
    referral = refer(PractitionerFactory(), ChildFactory(), panel, lawful_reason="Disclosure of harm at school")

    assert referral.consent is None
    assert referral.sharing_without_consent.lawful_reason == "Disclosure of harm at school"


def test_referrer_sees_feedback_only(referral):
    referrer = referral.referrer
    services_involvement = Involvement.objects.create(
        child=referral.child, practitioner=referrer, kind=InvolvementKind.REFERRER, started=timezone.localdate()
    )

    assert decide(referrer.user, Action.VIEW_REFERRAL_FEEDBACK, referral)
    assert not decide(referrer.user, Action.VIEW_REFERRAL, referral)
    assert not decide(referrer.user, Action.VIEW_CHILD, services_involvement.child)


@pytest.mark.parametrize("role", [Role.PERFORMANCE_ANALYST, Role.DIRECTOR, Role.ADMINISTRATOR, Role.RESEARCHER])
def test_roles_without_casework_cannot_refer(panel, role):
    with pytest.raises(NotAllowed):
        refer(PractitionerFactory(role=role), ChildFactory(), panel, consent=mums_consent())


# The panel's agenda


def test_preparing_a_meeting_puts_waiting_referrals_on_its_agenda_and_lets_members_read_them(panel, referral):
    elsewhere = ReferralFactory()

    meeting = services.prepare_meeting(panel=panel, prepared_by=panel.chair.user)

    referral.refresh_from_db()
    assert list(meeting.agenda.all()) == [referral]
    assert referral.status == ReferralStatus.ON_AGENDA
    for member in panel.members.all():
        assert decide(member.user, Action.VIEW_REFERRAL, referral), member
    assert not decide(panel.members.exclude(pk=panel.chair.pk).first().user, Action.VIEW_REFERRAL, elsewhere)
    assert Notification.objects.filter(subject=f"Agenda ready for {panel.name}").count() == panel.members.count()


def test_the_next_meeting_follows_the_panels_cycle(panel):
    first = services.prepare_meeting(panel=panel, prepared_by=panel.chair.user)

    assert services.next_meeting_date(panel) == first.held_on + timedelta(days=14)


def test_a_meeting_cannot_be_prepared_in_the_past(panel):
    with pytest.raises(RuleBroken, match="in the past"):
        services.prepare_meeting(
            panel=panel, prepared_by=panel.chair.user, held_on=timezone.localdate() - timedelta(days=1)
        )


def test_a_practitioner_cannot_prepare_a_panel_meeting(panel):
    with pytest.raises(NotAllowed):
        services.prepare_meeting(panel=panel, prepared_by=PractitionerFactory().user)


# The panel's decision


@pytest.fixture
def on_agenda(panel, referral):
    services.prepare_meeting(panel=panel, prepared_by=panel.chair.user)
    referral.refresh_from_db()
    return referral


def test_chair_allocates_a_lead_professional_who_is_told_and_involved(panel, on_agenda, family_worker):
    services.record_decision(
        referral=on_agenda,
        decided_by=panel.chair.user,
        decision=PanelDecision.ALLOCATE,
        reasons="Needs across school and home; mum agrees to family support",
        lead_professional=family_worker,
    )

    on_agenda.refresh_from_db()
    assert on_agenda.status == ReferralStatus.DECIDED
    assert on_agenda.days_to_decision == 0
    assert decide(family_worker.user, Action.CHANGE_PLAN, on_agenda)
    assert Notification.objects.get(recipient=family_worker.user).subject == "You are now a family's lead professional"


@pytest.mark.parametrize("decision", list(PanelDecision))
def test_referrer_gets_feedback_at_every_decision(
    panel, on_agenda, family_worker, decision, mailoutbox, django_capture_on_commit_callbacks
):
    lead = family_worker if decision == PanelDecision.ALLOCATE else None

    with django_capture_on_commit_callbacks(execute=True):
        services.record_decision(
            referral=on_agenda,
            decided_by=panel.chair.user,
            decision=decision,
            reasons="Discussed",
            lead_professional=lead,
        )

    feedback = Notification.objects.get(recipient=on_agenda.referrer.user, subject__contains="decided")
    assert feedback.body == f"{panel.name} decided: {decision.label.lower()}."
    assert "teacher@northshire.example" in [address for mail in mailoutbox for address in mail.to]


def test_allocation_without_a_lead_professional_is_refused(panel, on_agenda):
    with pytest.raises(RuleBroken, match="Choose the lead professional"):
        services.record_decision(
            referral=on_agenda, decided_by=panel.chair.user, decision=PanelDecision.ALLOCATE, reasons="Needs help"
        )


def test_a_decision_needs_reasons(panel, on_agenda):
    with pytest.raises(RuleBroken, match="reasons"):
        services.record_decision(
            referral=on_agenda, decided_by=panel.chair.user, decision=PanelDecision.NO_FURTHER_ACTION, reasons=""
        )


def test_panel_members_who_are_not_the_chair_cannot_record_the_decision(panel, on_agenda):
    member = panel.members.exclude(pk=panel.chair.pk).first()

    with pytest.raises(NotAllowed):
        services.record_decision(
            referral=on_agenda, decided_by=member.user, decision=PanelDecision.NO_FURTHER_ACTION, reasons="Fine"
        )


def test_a_chair_of_another_panel_cannot_decide(on_agenda):
    other_chair = PanelFactory().chair

    with pytest.raises(NotAllowed):
        services.record_decision(
            referral=on_agenda, decided_by=other_chair.user, decision=PanelDecision.NO_FURTHER_ACTION, reasons="Fine"
        )


def test_panel_members_stop_seeing_the_case_after_the_day_of_the_decision(panel, on_agenda):
    services.record_decision(
        referral=on_agenda, decided_by=panel.chair.user, decision=PanelDecision.STEP_DOWN, reasons="Universal offer"
    )

    ended = Involvement.objects.filter(child=on_agenda.child, kind=InvolvementKind.PANEL_MEMBER)
    assert set(ended.values_list("ended", flat=True)) == {timezone.localdate()}


# The state machine


def test_the_allowed_moves_are_exactly_these():
    assert set(TRANSITIONS) == {
        (ReferralStatus.SUBMITTED, ReferralStatus.ON_AGENDA),
        (ReferralStatus.ON_AGENDA, ReferralStatus.DECIDED),
        (ReferralStatus.SUBMITTED, ReferralStatus.WITHDRAWN),
    }


def test_a_referral_not_yet_on_an_agenda_cannot_be_decided(panel, referral):
    with pytest.raises(NotAllowed):
        services.record_decision(
            referral=referral, decided_by=panel.chair.user, decision=PanelDecision.NO_FURTHER_ACTION, reasons="Fine"
        )


def test_a_decided_referral_cannot_be_decided_again(panel, on_agenda):
    services.record_decision(
        referral=on_agenda, decided_by=panel.chair.user, decision=PanelDecision.NO_FURTHER_ACTION, reasons="Fine"
    )

    with pytest.raises(RuleBroken, match="decided cannot be decided"):
        services.record_decision(
            referral=on_agenda, decided_by=panel.chair.user, decision=PanelDecision.STEP_UP, reasons="Changed our mind"
        )


def test_the_referrer_may_withdraw_before_the_panel_but_nobody_else(referral):
    with pytest.raises(NotAllowed):
        services.withdraw_referral(referral=referral, withdrawn_by=PractitionerFactory().user)

    services.withdraw_referral(referral=referral, withdrawn_by=referral.referrer.user)

    assert referral.status == ReferralStatus.WITHDRAWN


def test_a_referral_on_the_agenda_cannot_be_withdrawn(on_agenda):
    with pytest.raises(RuleBroken, match="on the panel's agenda cannot be withdrawn"):
        services.withdraw_referral(referral=on_agenda, withdrawn_by=on_agenda.referrer.user)


def test_cases_due_for_review_join_the_agenda_and_members_read_the_plan_until_the_meeting(panel):
    # The case's own referral is no longer waiting for the panel.
    referral = ReferralFactory(locality=panel.locality, status=ReferralStatus.WITHDRAWN)
    due = CaseFactory(child=referral.child, referral=referral, opened_on=timezone.localdate() - timedelta(days=40))
    member = panel.members.exclude(pk=panel.chair.pk).first()

    meeting = services.prepare_meeting(panel=panel, prepared_by=panel.chair.user)

    assert list(meeting.reviews_due.all()) == [due]
    assert decide(member.user, Action.VIEW_PLAN, due)
    assert Involvement.objects.get(practitioner=member, child=due.child).ended == meeting.held_on

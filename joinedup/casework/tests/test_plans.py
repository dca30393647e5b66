"""The team around the child, the delivery plan and its reviews, overdue flags and closure: the
lead professional coordinates; every action has an owner in the team, an agency and a date."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from joinedup.access.models import InvolvementKind
from joinedup.access.policy import Action, current_involvements, decide
from joinedup.agencies.models import LevelOfNeed
from joinedup.casework import queries, services
from joinedup.casework.errors import NotAllowed, RuleBroken
from joinedup.casework.models import ClosureReason, Notification, PanelDecision, Progress
from joinedup.casework.services import SdqScores
from joinedup.common import instruments
from joinedup.people.models import Role
from joinedup.people.tests.factories import PractitionerFactory

from .factories import CaseFactory, ConsentFactory, ReferralFactory

pytestmark = pytest.mark.django_db

TODAY = date.today()


@pytest.fixture
def case():
    return CaseFactory()


@pytest.fixture
def lead(case):
    return case.lead_professional.user


@pytest.fixture
def nurse(case, lead):
    """A school nurse in the team around the child: the family agreed to share with every partner."""
    ConsentFactory(child=case.child)
    nurse = PractitionerFactory(job_role="School nurse")
    services.invite_to_tac(case=case, practitioner=nurse, invited_by=lead)
    return nurse


@pytest.fixture
def outcome(case, lead):
    return services.add_outcome(
        case=case,
        need="Alfie misses school most Mondays",
        desired_outcome="Alfie goes to school every day",
        added_by=lead,
    )


# The team around the child


def test_an_invited_practitioner_sees_the_plan_and_is_told(case, nurse):
    assert decide(nurse.user, Action.VIEW_PLAN, case)
    assert not decide(nurse.user, Action.CHANGE_PLAN, case)
    assert Notification.objects.get(recipient=nurse.user).subject == "You have been invited to a team around the child"


def test_practitioner_outside_tac_cannot_view_plan(case):
    assert not decide(PractitionerFactory().user, Action.VIEW_PLAN, case)


def test_only_the_lead_professional_or_their_manager_changes_the_team(case, nurse):
    with pytest.raises(NotAllowed):
        services.invite_to_tac(case=case, practitioner=PractitionerFactory(), invited_by=nurse.user)


def test_lead_professional_outside_the_tac_is_refused(case, lead):
    with pytest.raises(RuleBroken, match="must be a member of the team around the child"):
        services.change_lead_professional(case=case, to=PractitionerFactory(), changed_by=lead)


def test_lead_professional_handed_to_a_tac_member_who_then_changes_the_plan(case, lead, nurse):
    """The former lead professional stays in the team; their lead role ends at the end of the day."""
    former = case.lead_professional

    services.change_lead_professional(case=case, to=nurse, changed_by=lead)

    assert decide(nurse.user, Action.CHANGE_PLAN, case)
    assert decide(former.user, Action.VIEW_PLAN, case)
    from_tomorrow = current_involvements(on=TODAY + timedelta(days=1)).filter(child=case.child)
    assert {(i.practitioner, i.kind) for i in from_tomorrow} == {
        (nurse, InvolvementKind.TAC_MEMBER),
        (nurse, InvolvementKind.LEAD_PROFESSIONAL),
        (former, InvolvementKind.TAC_MEMBER),
    }


def test_a_tac_meeting_cannot_be_recorded_before_it_happens(case, lead):
    with pytest.raises(RuleBroken, match="today or in the past"):
        services.record_tac_meeting(
            case=case, held_on=TODAY + timedelta(days=3), recorded_by=lead, attendees=[], family_attended=True
        )


def test_time_from_decision_to_first_tac_meeting(front_door):
    referral = services.refer(
        referrer=front_door["tom"].user,
        child=front_door["alfie"],
        locality=front_door["north"],
        route="early_help",
        concern="Often late",
        level_of_need=LevelOfNeed.ADDITIONAL,
        consent=services.ConsentGiven(given_by="parent_carer", given_by_name="Karen Smith", given_on=TODAY),
    )
    services.prepare_meeting(panel=front_door["panel"], prepared_by=front_door["chris"].user)
    referral.refresh_from_db()
    services.record_decision(
        referral=referral,
        decided_by=front_door["chris"].user,
        decision=PanelDecision.ALLOCATE,
        reasons="Family support",
        lead_professional=front_door["pat"],
    )
    case = referral.case

    assert queries.days_from_decision_to_first_tac(case) is None
    services.record_tac_meeting(
        case=case, held_on=TODAY, recorded_by=front_door["pat"].user, attendees=[], family_attended=True
    )
    assert queries.days_from_decision_to_first_tac(case) == 0


def test_a_second_allocation_while_a_case_is_open_is_refused(front_door):
    CaseFactory(child=front_door["alfie"])
    referral = services.refer(
        referrer=front_door["tom"].user,
        child=front_door["alfie"],
        locality=front_door["north"],
        route="early_help",
        concern="Again",
        level_of_need=LevelOfNeed.ADDITIONAL,
        consent=services.ConsentGiven(given_by="parent_carer", given_by_name="Karen Smith", given_on=TODAY),
    )
    services.prepare_meeting(panel=front_door["panel"], prepared_by=front_door["chris"].user)
    referral.refresh_from_db()

    with pytest.raises(RuleBroken, match="already has an open case"):
        services.record_decision(
            referral=referral,
            decided_by=front_door["chris"].user,
            decision=PanelDecision.ALLOCATE,
            reasons="Family support",
            lead_professional=front_door["pat"],
        )


# The plan


def test_an_action_has_an_owner_in_the_team_their_agency_and_a_date(outcome, lead, nurse):
    action = services.add_action(
        outcome=outcome, description="Check hearing", owner=nurse, due_on=TODAY + timedelta(days=14), added_by=lead
    )

    assert action.agency == nurse.agency
    assert Notification.objects.filter(recipient=nurse.user, subject="An action in a plan is yours").exists()


def test_an_action_owned_by_someone_outside_the_team_is_refused(outcome, lead):
    with pytest.raises(RuleBroken, match="must be a member of the team around the child"):
        services.add_action(
            outcome=outcome, description="Visit", owner=PractitionerFactory(), due_on=TODAY, added_by=lead
        )


def test_an_action_due_in_the_past_is_refused(outcome, lead, nurse):
    with pytest.raises(RuleBroken, match="today or in the future"):
        services.add_action(
            outcome=outcome, description="Visit", owner=nurse, due_on=TODAY - timedelta(days=1), added_by=lead
        )


def test_the_owner_marks_their_own_action_done(outcome, lead, nurse):
    action = services.add_action(outcome=outcome, description="Check hearing", owner=nurse, due_on=TODAY, added_by=lead)

    services.complete_action(action=action, completed_by=nurse.user)

    assert action.done_on == TODAY


# Overdue


def test_an_overdue_action_is_flagged_once_to_the_lead_professional_and_the_owners_manager(outcome, lead, nurse):
    manager = PractitionerFactory(role=Role.SERVICE_MANAGER)
    manager.manages_teams.add(nurse.team)
    services.add_action(outcome=outcome, description="Check hearing", owner=nurse, due_on=TODAY, added_by=lead)

    first = services.flag_overdue(on=TODAY + timedelta(days=1))
    again = services.flag_overdue(on=TODAY + timedelta(days=2))

    flagged = Notification.objects.filter(subject="An action in a plan is overdue")
    assert {n.recipient for n in flagged} == {lead, manager.user}
    assert (first["actions"], again["actions"]) == (1, 0)


def test_an_action_done_on_time_is_not_overdue(outcome, lead, nurse):
    action = services.add_action(outcome=outcome, description="Check hearing", owner=nurse, due_on=TODAY, added_by=lead)
    services.complete_action(action=action, completed_by=nurse.user)

    assert not queries.overdue_actions(on=TODAY + timedelta(days=5)).exists()


def test_reviews_fall_due_every_six_weeks_by_default_and_are_flagged_when_late(case, lead):
    assert queries.next_review_due(case) == case.opened_on + timedelta(weeks=6)

    services.flag_overdue(on=case.opened_on + timedelta(weeks=6, days=1))

    assert Notification.objects.filter(recipient=lead, subject="A review is overdue").count() == 1


def test_the_review_interval_can_be_agreed_differently(case):
    case.review_interval_days = 28

    assert queries.next_review_due(case) == case.opened_on + timedelta(weeks=4)


# Reviews


def test_a_review_records_progress_views_the_larc_checklist_and_sdq_scores(case, lead, outcome):
    review = services.record_review(
        case=case,
        held_on=TODAY,
        recorded_by=lead,
        progress={outcome: Progress.SOME},
        child_views="I like breakfast club",
        parents_views="Mornings are calmer now",
        what_changed=["attendance", "happier"],
        sdq=SdqScores(informant="parent", total=15, emotional=4),
    )

    assert review.what_changed == ["attendance", "happier"]
    assert instruments.sdq_band(review.sdq_total, review.sdq_informant) == "Borderline"
    assert queries.next_review_due(case) == TODAY + timedelta(weeks=6)


def test_a_review_must_record_progress_on_every_outcome(case, lead, outcome):
    with pytest.raises(RuleBroken, match="every outcome"):
        services.record_review(case=case, held_on=TODAY, recorded_by=lead, progress={})


def test_an_sdq_total_above_forty_is_refused(case, lead):
    with pytest.raises(RuleBroken, match="between 0 and 40"):
        services.record_review(
            case=case, held_on=TODAY, recorded_by=lead, progress={}, sdq=SdqScores(informant="parent", total=41)
        )


@pytest.mark.parametrize(
    "informant, total, band",
    [
        ("parent", 13, "Close to average"),
        ("parent", 14, "Borderline"),
        ("parent", 17, "Abnormal"),
        ("teacher", 12, "Borderline"),
        ("self", 20, "Abnormal"),
    ],
)
def test_sdq_bands_are_the_published_ones(informant, total, band):
    assert instruments.sdq_band(total, informant) == band


def test_the_larc_checklist_holds_table_1_items():
    texts = {item.text for item in instruments.larc_items()}

    assert {"Feel safer", "Feel happier", "Getting on well with school work", "Improved school attendance"} <= texts
    assert "Get on better at home" in texts
    assert len(texts) == 14


# Closure


def test_closure_records_reason_destination_and_ratings_and_ends_the_teams_access(case, lead, nurse, outcome):
    services.close_case(
        case=case,
        closed_by=lead,
        reason=ClosureReason.NEEDS_MET,
        needs_met_at=LevelOfNeed.ADDITIONAL,
        ratings={outcome: 4},
    )

    case.refresh_from_db()
    outcome.refresh_from_db()
    assert (case.closure_reason, case.needs_met_at, outcome.closing_rating) == ("needs_met", "additional", 4)
    assert case.tac_members.filter(left_on__isnull=True).count() == 0
    assert not current_involvements(on=TODAY + timedelta(days=1)).filter(child=case.child).exists()


def test_closure_needs_a_rating_for_every_outcome(case, lead, outcome):
    with pytest.raises(RuleBroken, match="Rate every outcome"):
        services.close_case(
            case=case, closed_by=lead, reason=ClosureReason.NEEDS_MET, needs_met_at=LevelOfNeed.ADDITIONAL, ratings={}
        )


def test_a_closed_case_cannot_change(case, lead, outcome):
    services.close_case(
        case=case,
        closed_by=lead,
        reason=ClosureReason.DECLINED,
        needs_met_at=LevelOfNeed.UNIVERSAL,
        ratings={outcome: 1},
    )

    with pytest.raises((RuleBroken, NotAllowed)):
        services.add_outcome(case=case, need="More", desired_outcome="More", added_by=lead)


def test_a_tac_member_cannot_close_the_case(case, nurse, outcome):
    with pytest.raises(NotAllowed):
        services.close_case(
            case=case,
            closed_by=nurse.user,
            reason=ClosureReason.NEEDS_MET,
            needs_met_at=LevelOfNeed.ADDITIONAL,
            ratings={outcome: 3},
            on=timezone.localdate(),
        )


def test_the_daily_command_flags_overdue_reviews(case, lead):
    case.opened_on = TODAY - timedelta(days=50)
    case.save()
    out = StringIO()

    call_command("flag_casework_overdue", stdout=out)

    assert out.getvalue().strip() == "Flagged 0 overdue actions and 1 overdue reviews"


def test_the_referrer_hears_when_the_case_closes(client):
    referral = ReferralFactory(status="withdrawn")
    case = CaseFactory(child=referral.child, referral=referral)
    lead = case.lead_professional.user

    services.close_case(
        case=case, closed_by=lead, reason=ClosureReason.STEPPED_DOWN, needs_met_at=LevelOfNeed.UNIVERSAL, ratings={}
    )

    assert Notification.objects.get(recipient=referral.referrer.user).body == (
        "The case closed: stepped down to universal services."
    )
    client.force_login(referral.referrer.user)
    assert (
        "Stepped down to universal services"
        in client.get(f"/casework/referrals/{referral.pk}/feedback/").content.decode()
    )

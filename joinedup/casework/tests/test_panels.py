"""Setting up allocation panels: a service manager creates a locality's panel with a chair and
members from several agencies, changes it, and the children on a waiting agenda follow the seats."""

from datetime import timedelta

import pytest
from django.utils import timezone

from joinedup.access.models import Involvement, InvolvementKind
from joinedup.access.policy import Action, current_involvements, decide
from joinedup.agencies.tests.factories import AgencyFactory
from joinedup.audit.models import AuditEvent
from joinedup.casework import services
from joinedup.casework.errors import NotAllowed
from joinedup.casework.models import Notification, Panel, PanelCycle
from joinedup.casework.services import PanelRefused
from joinedup.people.models import Role
from joinedup.people.tests.factories import PractitionerFactory

from .factories import CaseFactory, ConsentFactory, PanelFactory, ReferralFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def staff(front_door):
    """North's chair and members from the council and health, and a second chair from the school."""
    school = front_door["tom"].agency
    return front_door | {
        "sam": PractitionerFactory(
            role=Role.PANEL_CHAIR,
            agency=school,
            job_role="Deputy head",
            user__first_name="Sam",
            user__last_name="Okafor",
        ),
    }


def create(staff, manager, **changes):
    arguments = {
        "locality": staff["north"],
        "name": "North early help panel",
        "cycle": PanelCycle.WEEKLY,
        "chair": staff["chris"],
        "members": [staff["pat"], staff["nina"]],
        "created_by": manager.user,
    } | changes
    return services.create_panel(**arguments)


def change(panel, manager, **changes):
    arguments = {
        "panel": panel,
        "cycle": panel.cycle_days,
        "chair": panel.chair,
        "members": [m for m in panel.members.all() if m != panel.chair],
        "changed_by": manager.user,
    } | changes
    return services.change_panel(**arguments)


# Creating a panel


def test_a_service_manager_sets_up_a_weekly_panel_with_members_from_two_agencies(staff, manager):
    panel = create(staff, manager)

    assert (panel.locality, panel.name, panel.cycle_days) == (staff["north"], "North early help panel", 7)
    assert set(panel.members.all()) == {staff["chris"], staff["pat"], staff["nina"]}
    event = AuditEvent.objects.get(verb="created_panel")
    assert (event.actor_username, event.object_id) == (manager.user.username, str(panel.pk))
    assert event.detail["members"] == sorted([staff["pat"].pk, staff["nina"].pk])


def test_the_chair_and_each_member_are_told_they_have_joined(staff, manager):
    create(staff, manager)

    assert Notification.objects.get(recipient=staff["chris"].user).subject == "You now chair North early help panel"
    for member in ("pat", "nina"):
        told = Notification.objects.get(recipient=staff[member].user)
        assert told.subject == "You have joined North early help panel"
        assert "meets weekly" in told.body


def test_a_panel_chair_may_set_up_a_panel_but_a_practitioner_may_not(staff):
    assert create(staff, staff["chris"])
    with pytest.raises(NotAllowed):
        create(staff, staff["pat"], name="Another panel")


def test_a_panel_with_members_from_one_agency_is_refused(staff, manager):
    council_colleague = PractitionerFactory(agency=staff["pat"].agency, team=staff["pat"].team)

    with pytest.raises(PanelRefused) as refused:
        create(staff, manager, members=[staff["pat"], council_colleague])

    assert refused.value.problems == {"members": "Choose members from at least 2 agencies, besides the chair"}
    assert not Panel.objects.filter(name="North early help panel").exists()


def test_the_chairs_own_agency_does_not_make_a_panel_multi_agency(staff, manager):
    """Chris (council) chairs; Nina alone is from health: the members are one agency."""
    with pytest.raises(PanelRefused, match="at least 2 agencies"):
        create(staff, manager, members=[staff["nina"]])


def test_a_chair_without_the_panel_chair_role_is_refused(staff, manager):
    with pytest.raises(PanelRefused) as refused:
        create(staff, manager, chair=staff["tom"], members=[staff["pat"], staff["nina"]])

    assert refused.value.problems["chair"] == "Tom Baker does not have the panel chair role: choose a panel chair"


def test_a_chair_who_has_left_is_refused(staff, manager):
    staff["sam"].user.is_active = False
    staff["sam"].user.save()

    with pytest.raises(PanelRefused) as refused:
        create(staff, manager, chair=staff["sam"])

    assert refused.value.problems["chair"] == "Sam Okafor has left: choose a new chair"


def test_members_who_have_left_are_refused_by_name(staff, manager):
    for name in ("pat", "nina"):
        staff[name].user.is_active = False
        staff[name].user.save()

    with pytest.raises(PanelRefused) as refused:
        create(staff, manager, members=[staff["pat"], staff["nina"], staff["tom"]])

    assert refused.value.problems["members"] == "Nina Evans and Pat Jones have left: remove them from the panel"


def test_staff_who_never_see_a_childs_record_cannot_sit_on_a_panel(staff, manager):
    analyst = PractitionerFactory(role=Role.PERFORMANCE_ANALYST, user__first_name="Ann", user__last_name="Lyst")

    with pytest.raises(PanelRefused, match="Ann Lyst cannot read a child's papers"):
        create(staff, manager, members=[staff["pat"], staff["nina"], analyst])


def test_a_second_panel_with_the_same_name_in_a_locality_is_refused(staff, manager):
    create(staff, manager)

    with pytest.raises(PanelRefused) as refused:
        create(staff, manager, name="  north EARLY help   panel ")

    assert refused.value.problems["name"] == (
        "North already has a panel called north EARLY help panel: choose another name"
    )


def test_the_same_name_in_another_locality_is_fine(staff, manager):
    create(staff, manager)
    elsewhere = PanelFactory().locality

    assert create(staff, manager, locality=elsewhere).locality == elsewhere


def test_every_problem_is_reported_at_once(staff, manager):
    create(staff, manager)

    with pytest.raises(PanelRefused) as refused:
        create(staff, manager, chair=staff["tom"], members=[staff["pat"]])

    assert set(refused.value.problems) == {"name", "chair", "members"}


def test_a_failure_to_audit_leaves_no_panel_behind(staff, manager, monkeypatch):
    def broken(**_):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr("joinedup.audit.services.record", broken)

    with pytest.raises(RuntimeError):
        create(staff, manager)

    assert not Panel.objects.filter(name="North early help panel").exists()
    assert not Notification.objects.exists()


# Changing a panel


@pytest.fixture
def panel(staff):
    """North's panel as the fixture made it: Chris chairs, Pat (council) and Nina (health) sit."""
    return staff["panel"]


def test_a_panel_changes_to_weekly_and_the_change_is_audited(panel, manager):
    change(panel, manager, cycle=PanelCycle.WEEKLY)

    panel.refresh_from_db()
    assert panel.cycle_days == 7
    assert AuditEvent.objects.get(verb="changed_panel").detail == {"cycle_days": [14, 7]}


def test_saving_a_panel_unchanged_writes_no_audit(panel, manager):
    change(panel, manager)

    assert not AuditEvent.objects.filter(verb="changed_panel").exists()


def test_a_new_member_is_told_and_one_who_is_removed_hears_they_have_left(panel, staff, manager):
    change(panel, manager, members=[staff["nina"], staff["tom"]])

    assert set(panel.members.all()) == {staff["chris"], staff["nina"], staff["tom"]}
    assert Notification.objects.get(recipient=staff["tom"].user).subject == "You have joined North allocation panel"
    removed = Notification.objects.get(recipient=staff["pat"].user)
    assert removed.subject == "You are no longer on North allocation panel"
    assert not Notification.objects.filter(recipient=staff["nina"].user).exists()
    detail = AuditEvent.objects.get(verb="changed_panel").detail
    assert (detail["joined"], detail["left"]) == ([staff["tom"].pk], [staff["pat"].pk])


def test_a_change_that_leaves_one_agency_is_refused_and_nothing_changes(panel, staff, manager):
    with pytest.raises(PanelRefused, match="at least 2 agencies"):
        change(panel, manager, members=[staff["pat"]])

    assert set(panel.members.all()) == {staff["chris"], staff["pat"], staff["nina"]}


def test_a_panel_cannot_keep_a_member_who_has_left(panel, staff, manager):
    staff["nina"].user.is_active = False
    staff["nina"].user.save()

    with pytest.raises(PanelRefused, match="Nina Evans has left: remove them from the panel"):
        change(panel, manager, cycle=PanelCycle.WEEKLY)


def test_a_panel_keeps_its_own_name_when_changed(panel, manager):
    """The duplicate-name rule does not trip over the panel itself."""
    assert change(panel, manager, cycle=PanelCycle.WEEKLY).name == "North allocation panel"


def test_a_new_chair_must_hold_the_panel_chair_role(panel, staff, manager):
    with pytest.raises(PanelRefused, match="Pat Jones does not have the panel chair role"):
        change(panel, manager, chair=staff["pat"], members=[staff["nina"], staff["tom"]])


def test_a_new_chair_is_told(panel, staff, manager):
    change(panel, manager, chair=staff["sam"], members=[staff["pat"], staff["nina"]])

    assert panel.chair == staff["sam"]
    assert Notification.objects.get(recipient=staff["sam"].user).subject == "You now chair North allocation panel"
    assert AuditEvent.objects.get(verb="changed_panel").detail["chair"] == [staff["chris"].pk, staff["sam"].pk]


# The agenda follows the seats


@pytest.fixture
def agenda(panel, staff):
    """A referral on the panel's prepared agenda, waiting for its decision, and an open case due for
    review at the same meeting, its seats given as prepare_meeting gives them (until the meeting);
    the family agreed to share the case with every partner agency."""
    referral = ReferralFactory(locality=staff["north"])
    case = CaseFactory(opened_on=TODAY - timedelta(days=60))
    ConsentFactory(child=case.child)
    meeting = services.prepare_meeting(panel=panel, prepared_by=staff["chris"].user)
    meeting.reviews_due.add(case)
    for member, kind in (
        (staff["chris"], InvolvementKind.PANEL_CHAIR),
        (staff["pat"], InvolvementKind.PANEL_MEMBER),
        (staff["nina"], InvolvementKind.PANEL_MEMBER),
    ):
        Involvement.objects.create(
            child=case.child, practitioner=member, kind=kind, started=TODAY, ended=meeting.held_on, recorded_by="tests"
        )
    referral.refresh_from_db()
    return {"referral": referral, "case": case, "meeting": meeting}


def seats(child, on=TODAY):
    return {(i.practitioner_id, i.kind) for i in current_involvements(on).filter(child=child)}


def test_a_new_member_may_read_the_papers_of_children_on_the_waiting_agenda(panel, staff, manager, agenda):
    change(panel, manager, members=[staff["pat"], staff["nina"], staff["tom"]])

    assert decide(staff["tom"].user, Action.VIEW_REFERRAL, agenda["referral"])
    assert decide(staff["tom"].user, Action.VIEW_PLAN, agenda["case"])
    review_seat = Involvement.objects.get(child=agenda["case"].child, practitioner=staff["tom"])
    assert review_seat.ended == agenda["meeting"].held_on
    assert AuditEvent.objects.filter(verb="changed_panel_seats_for_child", child_id=agenda["referral"].child_id)


def test_a_removed_member_loses_the_children_on_the_waiting_agenda(panel, staff, manager, agenda):
    change(panel, manager, members=[staff["nina"], staff["tom"]])

    tomorrow = TODAY + timedelta(days=1)
    for child in (agenda["referral"].child, agenda["case"].child):
        assert (staff["pat"].pk, InvolvementKind.PANEL_MEMBER) not in seats(child, on=tomorrow)
        assert Involvement.objects.get(child=child, practitioner=staff["pat"]).ended == TODAY
    event = AuditEvent.objects.get(verb="changed_panel_seats_for_child", child_id=agenda["referral"].child_id)
    assert event.detail["lost"] == [[staff["pat"].pk, "panel_member"]]


def test_a_new_chair_may_decide_and_the_old_chair_sits_on_as_a_member(panel, staff, manager, agenda):
    change(panel, manager, chair=staff["sam"], members=[staff["chris"], staff["pat"], staff["nina"]])

    child = agenda["referral"].child
    tomorrow = TODAY + timedelta(days=1)
    assert decide(staff["sam"].user, Action.DECIDE_REFERRAL, agenda["referral"])
    assert (staff["chris"].pk, InvolvementKind.PANEL_MEMBER) in seats(child, on=tomorrow)
    assert (staff["chris"].pk, InvolvementKind.PANEL_CHAIR) not in seats(child, on=tomorrow)


def test_the_new_chair_records_the_decision_and_every_seat_ends(panel, staff, manager, agenda):
    change(panel, manager, chair=staff["sam"], members=[staff["pat"], staff["nina"]])

    services.record_decision(
        referral=agenda["referral"],
        decided_by=staff["sam"].user,
        decision="no_further_action",
        reasons="Needs met by the school",
    )

    left_open = Involvement.objects.filter(
        child=agenda["referral"].child,
        kind__in=[InvolvementKind.PANEL_MEMBER, InvolvementKind.PANEL_CHAIR],
        ended__isnull=True,
    )
    assert not left_open.exists()


def test_the_lead_professional_gets_no_panel_seat_for_their_own_case_under_review(panel, staff, manager, agenda):
    lead = agenda["case"].lead_professional

    change(panel, manager, members=[staff["pat"], staff["nina"], lead])

    assert not Involvement.objects.filter(child=agenda["case"].child, practitioner=lead, kind="panel_member").exists()


def test_decided_referrals_and_past_reviews_do_not_follow_the_seats(panel, staff, manager, agenda):
    services.record_decision(
        referral=agenda["referral"],
        decided_by=staff["chris"].user,
        decision="no_further_action",
        reasons="Needs met by the school",
    )
    agenda["meeting"].held_on = TODAY - timedelta(days=1)
    agenda["meeting"].save()

    change(panel, manager, members=[staff["pat"], staff["nina"], staff["tom"]])

    assert not Involvement.objects.filter(practitioner=staff["tom"]).exists()


def test_a_failure_to_audit_a_change_keeps_the_old_seats(panel, staff, manager, agenda, monkeypatch):
    def broken(**_):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr("joinedup.audit.services.record", broken)

    with pytest.raises(RuntimeError):
        change(panel, manager, members=[staff["nina"], staff["tom"]])

    assert set(panel.members.all()) == {staff["chris"], staff["pat"], staff["nina"]}
    assert not Involvement.objects.filter(practitioner=staff["tom"]).exists()
    assert Involvement.objects.get(child=agenda["referral"].child, practitioner=staff["pat"]).ended is None


def test_a_panel_with_another_agencys_members_is_accepted(panel, staff, manager):
    youth = PractitionerFactory(agency=AgencyFactory(name="Youth offending service"))

    change(panel, manager, members=[youth, staff["pat"]])

    assert set(panel.members.all()) == {staff["chris"], youth, staff["pat"]}

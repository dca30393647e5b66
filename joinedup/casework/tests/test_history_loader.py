"""load_casework_history writes the generator's early help episodes as they are in its files:
each referral on its day with its decision, each case open from the day help started to the day
it closed, its reviews carrying the SDQ totals, wellbeing check answers and LARC items recorded,
and a row naming a child not loaded left out and counted."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from joinedup.casework import queries
from joinedup.casework.history import CHILD_VIEWS, PARENTS_VIEWS
from joinedup.casework.management.commands.load_casework_history import _children, add_family_login
from joinedup.casework.models import Assessment, Case, FamilyAccount, PlanOutcome, Referral
from joinedup.index.review.tests.factories import IndexRecordFactory
from joinedup.people.models import Address
from joinedup.people.tests.factories import ChildCarerFactory, ChildFactory
from joinedup.synth.fit import EMOTIONAL_WELLBEING, SUBSTANCE_MISUSE

from .factories import CaseFactory, ReferralFactory
from .history_files import write_history_files

AS_OF = date(2025, 3, 31)


def episode(la_child_id, referred_on, decision, level="complex", started=None, closed=None, why="", met_at=""):
    return {
        "la_child_id": la_child_id,
        "referred_on": referred_on,
        "level_of_need": level,
        "decision": decision,
        "help_started_on": started or "",
        "closed_on": closed or "",
        "closure_reason": why,
        "needs_met_at": met_at,
    }


@pytest.fixture
def authority(front_door, tmp_path):
    """Alfie's three episodes (help that closed with needs met, a step down, help still open),
    Bea's referral that needed no further action, one for a record of Alfie's that the index
    merged into his, and one for a child the authority never loaded."""
    alfie = front_door["alfie"]
    alfie.la_child_id = "LA-ALFIE"
    alfie.save(update_fields=["la_child_id"])
    bea = ChildFactory(la_child_id="LA-BEA", forenames="Bea", date_of_birth=date(2012, 2, 1))
    Address.objects.create(
        child=bea,
        address_line_1="9 Mill Lane",
        town="Northby",
        postcode="NX1 2AB",
        locality=front_door["north"],
        moved_in=date(2018, 1, 1),
    )
    ChildFactory(la_child_id="LA-ALFIE-AGAIN", forenames="Alfy", merged_into=alfie)
    files = write_history_files(
        tmp_path,
        as_of=AS_OF,
        episodes=[
            episode("LA-ALFIE-AGAIN", date(2023, 5, 1), "step_up", level="acute"),
            episode("LA-ALFIE", date(2024, 1, 8), "allocate", started=date(2024, 1, 20), closed=date(2024, 6, 1),
                    why="needs_met", met_at="additional"),
            episode("LA-ALFIE", date(2024, 9, 2), "step_down", level="additional"),
            episode("LA-NOBODY", date(2024, 9, 9), "allocate", started=date(2024, 9, 20)),
            episode("LA-ALFIE", date(2024, 10, 7), "allocate", started=date(2024, 10, 10)),
            episode("LA-BEA", date(2025, 2, 3), "no_further_action", level="universal"),
        ],
        scores=[
            ("LA-ALFIE", date(2024, 1, 20), "assessment", 22, 3, 5, 4, 6),
            ("LA-ALFIE", date(2024, 3, 2), "review", 18, 5, 6, 5, 7, "happier;calmer"),
            ("LA-ALFIE", date(2024, 4, 13), "review", "", 6, 7, "", 8),
            ("LA-ALFIE", date(2024, 5, 25), "review", 12, "", "", "", "", "school_work"),
            ("LA-ALFIE", date(2024, 10, 10), "assessment", 21),
            ("LA-ALFIE", date(2024, 11, 21), "review", 20),
            ("LA-ALFIE", date(2025, 2, 13), "review", 15),
            ("LA-NOBODY", date(2024, 11, 1), "review", 30),
        ],
    )  # fmt: skip
    return {"folder": files, "alfie": alfie, "bea": bea}


@pytest.mark.django_db
def test_each_episode_is_a_referral_on_its_day_decided_at_the_panel_as_the_file_says(authority):
    printed = StringIO()

    call_command("load_casework_history", authority=authority["folder"], seed=1, stdout=printed)

    alfie, bea = authority["alfie"], authority["bea"]
    referrals = Referral.objects.select_related("meeting__panel").order_by("submitted_at")
    assert [(r.child, timezone.localtime(r.submitted_at).date(), r.level_of_need, r.decision) for r in referrals] == [
        (alfie, date(2023, 5, 1), "acute", "step_up"),
        (alfie, date(2024, 1, 8), "complex", "allocate"),
        (alfie, date(2024, 9, 2), "additional", "step_down"),
        (alfie, date(2024, 10, 7), "complex", "allocate"),
        (bea, date(2025, 2, 3), "universal", "no_further_action"),
    ]
    for referral in referrals:
        referred_on = timezone.localtime(referral.submitted_at).date()
        assert referral.meeting.panel.locality == referral.locality == authority["alfie"].addresses.get().locality
        assert referred_on < referral.meeting.held_on <= referred_on + timedelta(days=14)
        assert referral.submitted_at < referral.decided_at
        if referral.decision == "allocate":
            assert referral.meeting.held_on <= referral.case.opened_on
    assert "1 naming a child not loaded" in printed.getvalue()


@pytest.mark.django_db
def test_help_opens_and_closes_on_the_days_the_file_gives_with_its_sdq_scores_at_reviews(authority):
    call_command("load_casework_history", authority=authority["folder"], seed=1, stdout=StringIO())

    cases = Case.objects.order_by("opened_on")
    assert [(c.child, c.opened_on, c.closed_on, c.closure_reason, c.needs_met_at) for c in cases] == [
        (authority["alfie"], date(2024, 1, 20), date(2024, 6, 1), "needs_met", "additional"),
        (authority["alfie"], date(2024, 10, 10), None, "", ""),
    ]
    closed, still_open = ([(r.held_on, r.sdq_total) for r in case.reviews.all()] for case in cases)
    assert closed == [(date(2024, 3, 2), 18), (date(2024, 4, 13), None), (date(2024, 5, 25), 12)]
    assert still_open == [
        (date(2024, 11, 21), 20),
        (date(2025, 1, 2), None),
        (date(2025, 2, 13), 15),
        (date(2025, 3, 27), None),
    ]
    assert not Referral.objects.filter(case__isnull=True, decision="allocate").exists()


@pytest.mark.django_db
def test_each_review_carries_the_wellbeing_check_and_what_changed_as_the_file_gives_them(authority):
    call_command("load_casework_history", authority=authority["folder"], seed=1, stdout=StringIO())

    closed, still_open = (list(case.reviews.order_by("held_on")) for case in Case.objects.order_by("opened_on"))
    assert [(r.held_on, r.wellbeing, r.what_changed) for r in closed] == [
        (date(2024, 3, 2), {"happy": 5, "safe_home": 6, "safe_school": 5, "listened_to": 7}, ["calmer", "happier"]),
        (date(2024, 4, 13), {"happy": 6, "safe_home": 7, "listened_to": 8}, []),
        (date(2024, 5, 25), {}, ["school_work"]),
    ]
    # The views in words agree with whether anything was said to have changed.
    assert [(r.child_views in CHILD_VIEWS[True], r.parents_views in PARENTS_VIEWS[True]) for r in closed] == [
        (True, True),
        (False, False),
        (True, True),
    ]
    # A review the file has no row for recorded nothing.
    assert (still_open[1].held_on, still_open[1].sdq_total, still_open[1].wellbeing, still_open[1].what_changed) == (
        date(2025, 1, 2),
        None,
        {},
        [],
    )


@pytest.mark.django_db
def test_a_bad_wellbeing_answer_or_checklist_item_is_refused_naming_its_row_and_column(authority):
    folder = write_history_files(
        authority["folder"],
        as_of=AS_OF,
        episodes=[episode("LA-ALFIE", date(2024, 1, 8), "allocate", started=date(2024, 1, 20))],
        scores=[
            ("LA-ALFIE", date(2024, 1, 20), "assessment", 22, 3, 5, 4, 6, "calmer"),
            ("LA-ALFIE", date(2024, 3, 2), "review", 18, 11, 6, 5, 7),
            ("LA-ALFIE", date(2024, 4, 13), "review", "", 6, "lots", 5, 8, "calmer;tidier"),
            ("LA-ALFIE", date(2024, 5, 25), "review", 12, 5, 5, 5, -1, "calmer;calmer"),
        ],
    )

    with pytest.raises(CommandError) as refused:
        call_command("load_casework_history", authority=folder, stdout=StringIO())

    message = str(refused.value)
    assert "wellbeing.csv, row 2, column what_changed: what changed is said at reviews" in message
    assert "wellbeing.csv, row 3, column happy: a wellbeing answer is a whole number from 0 to 10, not '11'" in message
    assert (
        "wellbeing.csv, row 4, column safe_home: a wellbeing answer is a whole number from 0 to 10, not 'lots'"
        in message
    )
    assert "wellbeing.csv, row 4, column what_changed: not on LARC's checklist: 'tidier'" in message
    assert (
        "wellbeing.csv, row 5, column listened_to: a wellbeing answer is a whole number from 0 to 10, not '-1'"
        in message
    )
    assert "wellbeing.csv, row 5, column what_changed: names an item twice" in message
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_a_history_ending_earlier_leaves_out_what_came_after(authority):
    call_command("load_casework_history", authority=authority["folder"], end=date(2024, 5, 1), stdout=StringIO())

    (case,) = Case.objects.all()
    assert (case.opened_on, case.closed_on) == (date(2024, 1, 20), None)
    assert [r.held_on for r in case.reviews.all()] == [date(2024, 3, 2), date(2024, 4, 13)]
    assert Referral.objects.count() == 2


@pytest.mark.django_db
def test_a_file_that_breaks_the_contract_is_refused_naming_its_rows(authority):
    folder = write_history_files(
        authority["folder"],
        as_of=AS_OF,
        episodes=[
            episode("LA-ALFIE", date(2024, 1, 8), "allocate"),
            episode("LA-BEA", date(2024, 1, 9), "maybe"),
        ],
        scores=[("LA-BEA", date(2024, 2, 1), "review", 41)],
    )

    with pytest.raises(CommandError) as refused:
        call_command("load_casework_history", authority=folder, stdout=StringIO())

    message = str(refused.value)
    assert "early_help.csv, row 2: help_started_on is given exactly when the decision is allocate" in message
    assert "early_help.csv, row 3: decision is not one of" in message
    assert (
        "wellbeing.csv, row 2, column sdq_total: an SDQ total difficulties score is a whole number from 0 to 40"
        in message
    )
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_the_loaded_assessments_belong_to_their_child_and_go_with_the_referral(front_door, tmp_path):
    """Twelve short episodes of help for Alfie: with seed 4 his referrer assessed him first for
    some, and the panel allocated each."""
    alfie = front_door["alfie"]
    starts = [date(2023, 1, 2) + timedelta(days=60 * n) for n in range(12)]
    rows = [
        episode(alfie.la_child_id, day, "allocate", started=day + timedelta(days=5), closed=day + timedelta(days=50),
                why="declined", met_at="additional")
        for day in starts
    ]  # fmt: skip
    folder = write_history_files(tmp_path, as_of=AS_OF, episodes=rows, scores=[])

    call_command("load_casework_history", authority=folder, seed=4, stdout=StringIO())

    assessed_first = Referral.objects.filter(assessment__isnull=False).select_related("assessment", "case")
    assert assessed_first.exists()
    for referral in assessed_first:
        assessment = referral.assessment
        assert (assessment.child, assessment.case) == (alfie, referral.case)
        assert assessment.assessor == referral.referrer
        assert assessment.completed_at < referral.submitted_at
        assert referral.consent == assessment.consent
    assert Assessment.objects.filter(case__isnull=True).count() == 0


@pytest.mark.django_db
def test_the_loader_writes_the_history_once(authority):
    call_command("load_casework_history", authority=authority["folder"], stdout=StringIO())
    loaded = Referral.objects.count()
    printed = StringIO()

    call_command("load_casework_history", authority=authority["folder"], stdout=printed)

    assert loaded == Referral.objects.count() == 5
    assert "already loaded" in printed.getvalue()


@pytest.mark.django_db
def test_the_loader_adds_a_demo_parent_login_once_and_says_whose_plan_they_see(front_door, tmp_path):
    ReferralFactory(child=front_door["alfie"])  # history already loaded
    case = with_a_plan(CaseFactory(child=front_door["alfie"]))
    mum = ChildCarerFactory(child=case.child, parental_responsibility=True).carer
    printed = StringIO()

    call_command("load_casework_history", authority=tmp_path, end=date.today(), family_login="karen", stdout=printed)
    call_command("load_casework_history", authority=tmp_path, end=date.today(), family_login="karen", stdout=StringIO())

    account = FamilyAccount.objects.get()
    assert (account.user.username, account.carer) == ("karen", mum)
    assert list(queries.family_cases(account.user)) == [case]
    due = queries.next_review_due(case)
    assert f"a parent of {case.child.full_name}, whose open early help plan" in printed.getvalue()
    assert f"next review on {due:%-d %B %Y}" in printed.getvalue()


@pytest.mark.django_db
def test_the_loader_reads_the_needs_that_call_for_a_sensitive_service_from_the_childs_records(front_door):
    alfie = front_door["alfie"]
    cin = {"episodes": [{"assessments": [{"factors": ["4B", "2A"]}]}]}  # a parent's mental health; the child's drugs
    IndexRecordFactory(child=alfie, facts=cin)
    IndexRecordFactory(child=alfie, facts={"sen_primary_need": "SEMH"})

    assert _children(ids={alfie.pk})[0].needs == {SUBSTANCE_MISUSE, EMOTIONAL_WELLBEING}


def with_a_plan(case: Case) -> Case:
    PlanOutcome.objects.create(case=case, need="Getting to school", desired_outcome="Alfie is at school every day")
    return case


@pytest.mark.django_db
def test_the_demo_parent_is_a_parent_of_a_child_whose_open_plan_has_a_review_to_come():
    """The demo prints the parent login as a parent of a child with an open plan and a review coming
    up: children listed first with no case, a case with no plan yet, a plan whose review is overdue
    and a plan with no parent on record must not be chosen."""
    today = date.today()
    ChildCarerFactory(parental_responsibility=True)
    ChildCarerFactory(child=CaseFactory().child, parental_responsibility=True)
    overdue = with_a_plan(CaseFactory(opened_on=today - timedelta(days=60)))
    ChildCarerFactory(child=overdue.child, parental_responsibility=True)
    with_a_plan(CaseFactory())
    chosen = with_a_plan(CaseFactory())
    ChildCarerFactory(child=chosen.child, parental_responsibility=False)
    parent = ChildCarerFactory(child=chosen.child, parental_responsibility=True)

    account, case = add_family_login("parent", today=today)

    assert (account.carer, case) == (parent.carer, chosen)
    assert queries.next_review_due(case) > today


@pytest.mark.django_db
def test_no_demo_parent_without_an_open_plan_with_a_review_to_come():
    ChildCarerFactory(child=CaseFactory().child, parental_responsibility=True)

    with pytest.raises(CommandError, match="No open case with a plan"):
        add_family_login("parent", today=date.today())

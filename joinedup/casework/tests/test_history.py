"""The synthetic casework history: plain Python, repeatable, faithful to the generator's episodes,
consistent with each child's needs, and loadable without breaking a rule of the casework models."""

import ast
import dataclasses
import random
from collections import Counter
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from joinedup.access.models import Involvement, InvolvementKind
from joinedup.casework import history
from joinedup.casework.history import (
    CHILD_VIEWS,
    NOTHING_RECORDED,
    PARENTS_VIEWS,
    REVIEW_EVERY,
    SENSITIVE_REFERS_FROM,
    ChildIn,
    EpisodeIn,
    ReviewIn,
    WorkerIn,
    age_on,
    generate_history,
)
from joinedup.casework.management.commands.load_casework_history import RECORDED_BY, _children
from joinedup.casework.models import Case, Panel, Referral
from joinedup.common import instruments
from joinedup.people.models import Child
from joinedup.synth.fit import EMOTIONAL_WELLBEING, FIT, LOOKED_AFTER, SEXUAL_HEALTH, SUBSTANCE_MISUSE
from joinedup.synth.generate import generate
from joinedup.synth.options import options_from_arguments
from joinedup.synth.services import AGENCIES, SERVICES

from .history_files import write_history_files

END = date(2026, 11, 1)
LARC = [item.code for item in instruments.larc_items()]
QUESTIONS = [question.code for question in instruments.wellbeing_questions()]


def authority(children=2000):
    workers = [WorkerIn(id=n, locality=n % 3, agency=n % 4) for n in range(30)]
    needs = [frozenset(), frozenset({"autism"}), frozenset({"looked_after"}), frozenset({"ks3_absence"})]
    kids = [
        ChildIn(
            id=n,
            born=date(2010, 1, 1) + timedelta(days=n),
            locality=n % 3,
            needs=needs[n % 4] if n % 3 else frozenset(),
        )
        for n in range(children)
    ]
    return kids, workers


def episodes_for(children: list[ChildIn], *, share=0.3, end=END, seed=1) -> list[EpisodeIn]:
    """One episode in the two years before `end` for about `share` of the children, in the shape
    the generator writes: most allocated, some still open at `end`, what most reviews recorded
    (scores at some, answers at some, items said to have changed at some)."""
    rng = random.Random(seed)
    episodes = []
    for child in children:
        if rng.random() >= share:
            continue
        referred = end - timedelta(days=30 + rng.randrange(700))
        decision = rng.choice(["allocate", "allocate", "allocate", "step_up", "step_down", "no_further_action"])
        if decision != "allocate":
            episodes.append(EpisodeIn(child.id, referred, "additional", decision))
            continue
        started = referred + timedelta(days=rng.randrange(30))
        closed = started + timedelta(days=60 + rng.randrange(300))
        closed = closed if closed <= end else None
        held = [started + REVIEW_EVERY * k for k in range(1, 12) if started + REVIEW_EVERY * k <= (closed or end)]
        reviews = {
            day: ReviewIn(
                sdq_total=rng.randrange(41) if rng.random() < 0.6 else None,
                wellbeing={code: rng.randrange(11) for code in QUESTIONS} if rng.random() < 0.6 else {},
                what_changed=tuple(rng.sample(LARC, k=rng.randrange(4))),
            )
            for day in held
            if rng.random() < 0.9
        }
        episodes.append(
            EpisodeIn(child.id, referred, "complex", decision, started, closed, "needs_met" if closed else "",
                      "additional" if closed else "", reviews)
        )  # fmt: skip
    return episodes


def test_the_generator_imports_no_django():
    tree = ast.parse(Path(history.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}

    assert not any(name.startswith(("django", "joinedup")) for name in imported)


def test_the_same_seed_gives_the_same_history():
    children, workers = authority(300)
    episodes = episodes_for(children)

    first = generate_history(children=children, workers=workers, episodes=episodes, end=END, seed=7)
    again = generate_history(children=children, workers=workers, episodes=episodes, end=END, seed=7)

    assert first == again


def test_each_referral_is_its_episode_on_its_days_decided_at_a_panel_in_between():
    children, workers = authority()
    episodes = episodes_for(children)
    by_child = {episode.child: episode for episode in episodes}

    made = generate_history(children=children, workers=workers, episodes=episodes, end=END)

    assert len(made.referrals) == len(episodes) and not made.skipped
    for referral in made.referrals:
        episode = by_child[referral.child]
        assert referral.submitted.date() == episode.referred_on
        assert referral.level_of_need == episode.level_of_need
        if not referral.decision:  # the locality's next panel is after END
            assert episode.decision != "allocate" and not any(
                episode.referred_on < held <= END for held in made.meetings[referral.locality]
            )
            continue
        assert referral.decision == episode.decision
        assert referral.meeting in made.meetings[referral.locality]
        assert referral.submitted < referral.decided and referral.decided.date() == referral.meeting
        assert episode.referred_on <= referral.meeting <= (episode.help_started_on or END)
        case = referral.case
        assert (case is not None) == (episode.decision == "allocate")
        if case is None:
            continue
        assert (case.opened, case.closed, case.closure_reason) == (
            episode.help_started_on,
            episode.closed_on,
            episode.closure_reason,
        )
        six_weekly = [case.opened + REVIEW_EVERY * k for k in range(1, 20)]
        assert [(r.held, r.sdq_total, r.wellbeing, r.what_changed) for r in case.reviews] == [
            (day, recorded.sdq_total, recorded.wellbeing, sorted(recorded.what_changed))
            for day in six_weekly
            if day <= (case.closed or END)
            for recorded in [episode.reviews.get(day, NOTHING_RECORDED)]
        ]
        assert (case.closed is None) == (case.closure_reason == "") == (case.needs_met_at == "")


def test_a_panel_meets_on_the_day_help_started_when_its_cycle_has_none_in_between():
    children, workers = authority(3)
    first = EpisodeIn(0, date(2026, 1, 5), "additional", "step_down")
    same_day = EpisodeIn(1, date(2026, 3, 2), "complex", "allocate", help_started_on=date(2026, 3, 2))

    made = generate_history(children=children, workers=workers, episodes=[first, same_day], end=END)

    referral = next(r for r in made.referrals if r.child == 1)
    assert referral.meeting == referral.case.opened == date(2026, 3, 2)
    assert referral.decided > referral.submitted
    assert made.meetings[referral.locality].count(date(2026, 3, 2)) == 1


def test_what_has_not_happened_by_the_end_is_left_out():
    children, workers = authority(3)
    end = date(2026, 6, 30)
    episodes = [
        EpisodeIn(0, date(2026, 1, 5), "complex", "allocate", date(2026, 1, 19), date(2026, 8, 1), "needs_met",
                  "additional"),
        EpisodeIn(1, date(2026, 7, 1), "complex", "step_up"),
    ]  # fmt: skip

    made = generate_history(children=children, workers=workers, episodes=episodes, end=end)

    (referral,) = made.referrals
    assert (referral.case.opened, referral.case.closed, referral.case.closure_reason) == (date(2026, 1, 19), None, "")
    assert referral.case.reviews[-1].held <= end < referral.case.reviews[-1].held + REVIEW_EVERY


def test_a_case_that_would_overlap_an_open_one_is_left_out_and_counted():
    children, workers = authority(3)
    episodes = [
        EpisodeIn(0, date(2026, 1, 5), "complex", "allocate", date(2026, 1, 19)),
        EpisodeIn(0, date(2026, 4, 6), "complex", "allocate", date(2026, 4, 20)),
    ]

    made = generate_history(children=children, workers=workers, episodes=episodes, end=END)

    assert [r.case.opened for r in made.referrals] == [date(2026, 1, 19)]
    assert made.skipped == {"overlaps an open case": 1}


def test_a_child_whose_date_of_birth_is_not_known_is_left_out_and_counted():
    children, workers = authority(3)
    children[0] = dataclasses.replace(children[0], born=None)
    episodes = [EpisodeIn(0, date(2026, 1, 5), "complex", "allocate", date(2026, 1, 19))]

    made = generate_history(children=children, workers=workers, episodes=episodes, end=END)

    assert made.referrals == [] and made.skipped == {"no date of birth known": 1}


def test_some_referrers_assess_with_the_family_before_they_refer():
    children, workers = authority()

    referrals = generate_history(children=children, workers=workers, episodes=episodes_for(children), end=END).referrals

    assessed = [r for r in referrals if r.assessment is not None]
    assert 0.15 < len(assessed) / len(referrals) < 0.35
    for referral in assessed:
        completed = referral.assessment.started + timedelta(minutes=referral.assessment.minutes)
        assert completed < referral.submitted
        # The case carries the assessment that came with the referral; it does not start another.
        assert referral.case is None or referral.case.assessment_started is None


def test_the_child_and_parents_say_things_are_better_at_the_reviews_where_they_said_something_changed():
    """What changed comes from the file; the views in words agree with it, and a review the file
    has no row for records nothing (no score, no answers, nothing changed)."""
    children, workers = authority(200)
    started = date(2025, 1, 6)
    episodes = [
        EpisodeIn(child.id, started - timedelta(days=10), "complex", "allocate", started, reviews={
            started + REVIEW_EVERY: ReviewIn(what_changed=("calmer", "home") if child.id % 2 else ()),
        })
        for child in children
    ]  # fmt: skip

    made = generate_history(children=children, workers=workers, episodes=episodes, end=END)

    views = Counter()
    for referral in made.referrals:
        first, *later = referral.case.reviews
        changed = referral.child % 2 == 1
        assert first.what_changed == (["calmer", "home"] if changed else [])
        assert first.child_views in CHILD_VIEWS[changed] and first.parents_views in PARENTS_VIEWS[changed]
        views[first.child_views] += 1
        for review in later:
            assert (review.sdq_total, review.wellbeing, review.what_changed) == (None, {}, [])
            assert review.child_views in CHILD_VIEWS[False]
    assert set(views) == {*CHILD_VIEWS[True], *CHILD_VIEWS[False]}


# Who is beside a child fits the child: the ages of each practitioner's service, and the needs that
# call for a sensitive service (joinedup.synth.fit.FIT).

SENSITIVE = {spec.code for spec in SERVICES if spec.sensitive}


def partnership(localities=3, per_service=2) -> list[WorkerIn]:
    """Two practitioners of each of the synthetic partnership's services in every locality."""
    agency = {spec.code: number for number, spec in enumerate(AGENCIES)}
    return [
        WorkerIn(
            id=len(SERVICES) * per_service * locality + per_service * number + copy,
            locality=locality,
            agency=agency[spec.agency],
            service=spec.code,
            sensitive=spec.sensitive,
            youngest=FIT[spec.code].youngest,
            oldest=FIT[spec.code].oldest,
            called_for_by=FIT[spec.code].called_for_by,
        )
        for locality in range(localities)
        for number, spec in enumerate(SERVICES)
        if spec.code in FIT
        for copy in range(per_service)
    ]


def children_of_every_age(count=3000) -> list[ChildIn]:
    needs = [
        frozenset(),
        frozenset({EMOTIONAL_WELLBEING}),
        frozenset({SUBSTANCE_MISUSE}),
        frozenset({SEXUAL_HEALTH}),
        frozenset({LOOKED_AFTER}),
        frozenset({"autism"}),
    ]
    return [
        ChildIn(id=n, born=END - timedelta(days=(n * 37) % (18 * 365)), locality=n % 3, needs=needs[n % 7 % 6])
        for n in range(count)
    ]


def beside(children=None, workers=None):
    """(role, worker, child, age) for every referrer, lead professional and team member."""
    children = children or children_of_every_age()
    workers = {w.id: w for w in workers or partnership()}
    by_id = {child.id: child for child in children}
    episodes = episodes_for(children)
    for referral in generate_history(
        children=children, workers=list(workers.values()), episodes=episodes, end=END
    ).referrals:
        child = by_id[referral.child]
        yield "referrer", workers[referral.referrer], child, age_on(child.born, referral.submitted.date())
        if referral.case:
            age = age_on(child.born, referral.case.opened)
            yield "lead", workers[referral.case.lead], child, age
            for member in referral.case.team[1:]:
                yield "member", workers[member], child, age


def test_no_practitioner_is_beside_a_child_outside_their_services_ages():
    seen = Counter()
    for role, worker, _, age in beside():
        fit = FIT[worker.service]
        assert fit.youngest <= age <= fit.oldest, f"a {worker.service} {role} for a child of {age}"
        seen[role] += 1
    assert min(seen.values()) > 100


def test_a_sensitive_service_is_beside_a_child_only_when_their_needs_call_for_it():
    sensitive = Counter()
    for role, worker, child, _ in beside():
        if worker.sensitive:
            assert FIT[worker.service].called_for_by & child.needs, f"a {worker.service} {role} for {child.needs}"
            sensitive[worker.service] += 1
    assert set(sensitive) == SENSITIVE


def test_a_sensitive_service_never_leads_a_family_and_never_refers_a_child_under_13():
    for role, worker, _, age in beside():
        if worker.sensitive:
            assert role != "lead"
            assert role != "referrer" or age >= SENSITIVE_REFERS_FROM


def test_the_service_a_childs_need_calls_for_joins_their_team():
    """A looked-after child's team has a children in care social worker; a child with an emotional
    wellbeing need, a CAMHS practitioner (when of an age CAMHS sees)."""
    teams: dict[int, set[str]] = {}
    children = {}
    for role, worker, child, age in beside():
        if role != "referrer":
            teams.setdefault(child.id, set()).add(worker.service)
            children[child.id] = (child, age)
    for child_id, services in teams.items():
        child, age = children[child_id]
        if LOOKED_AFTER in child.needs:
            assert "CSC-CIC" in services
        if EMOTIONAL_WELLBEING in child.needs and 5 <= age <= 17:
            assert "MH-CAMHS" in services


def test_a_worker_of_an_unlisted_service_may_be_beside_any_child_unless_the_service_is_sensitive():
    anyone = WorkerIn(id=1, locality=0, agency=0, service="SCHOOL")
    secret = WorkerIn(id=2, locality=0, agency=0, service="CLINIC", sensitive=True)

    assert anyone.fits(0, frozenset()) and anyone.fits(17, frozenset({"autism"}))
    assert not secret.fits(15, frozenset()) and not secret.may_lead(15, frozenset())


AS_OF = date(2025, 3, 31)


@pytest.fixture
def synthetic_authority(db, tmp_path):
    """A small synthetic authority (400 children) loaded as a council would load its register,
    with an early help episode for every other child written by hand beside it."""
    out = tmp_path / "authority"
    generate(options_from_arguments(children=400, seed=3, out=out, as_of=AS_OF), show_progress=False)
    call_command("load_authority", str(out), verbosity=0, stdout=StringIO())
    rng = random.Random(5)
    rows = []
    for la_child_id in Child.objects.order_by("la_child_id").values_list("la_child_id", flat=True)[::2]:
        referred = AS_OF - timedelta(days=30 + rng.randrange(700))
        started = referred + timedelta(days=rng.randrange(20))
        closed = started + timedelta(days=rng.randrange(400))
        rows.append(
            {"la_child_id": la_child_id, "referred_on": referred, "level_of_need": "complex", "decision": "allocate",
             "help_started_on": started} | ({"closed_on": closed, "closure_reason": "needs_met",
                                              "needs_met_at": "additional"} if closed <= AS_OF else {})
        )  # fmt: skip
    return write_history_files(out, as_of=AS_OF, episodes=rows, scores=[])


@pytest.mark.django_db
def test_every_loaded_involvement_names_the_service_its_practitioner_works_in(synthetic_authority):
    call_command("load_casework_history", authority=synthetic_authority, seed=2, stdout=StringIO())

    written = Involvement.objects.filter(recorded_by=RECORDED_BY).select_related("practitioner__team")
    assert written.count() > 100
    for involvement in written:
        assert involvement.practitioner.team is not None
        assert involvement.service_id == involvement.practitioner.team.service_id is not None


@pytest.mark.django_db
def test_the_loaded_history_puts_only_fitting_practitioners_beside_each_child(synthetic_authority):
    call_command("load_casework_history", authority=synthetic_authority, seed=2, stdout=StringIO())
    needs = {child.id: child.needs for child in _children(ids=set(Referral.objects.values_list("child_id", flat=True)))}

    written = Involvement.objects.filter(recorded_by=RECORDED_BY).select_related("service", "child")
    kinds = Counter()
    for involvement in written.exclude(kind__in=[InvolvementKind.PANEL_MEMBER, InvolvementKind.PANEL_CHAIR]):
        service, child = involvement.service, involvement.child
        fit = FIT[service.code]
        age = age_on(child.date_of_birth, involvement.started)
        assert fit.youngest <= age <= fit.oldest, f"{service.code} as {involvement.kind} for a child of {age}"
        if service.sensitive:
            assert fit.called_for_by & needs[child.id]
            assert involvement.kind != InvolvementKind.LEAD_PROFESSIONAL
            assert involvement.kind != InvolvementKind.REFERRER or age >= SENSITIVE_REFERS_FROM
        kinds[involvement.kind] += 1
        kinds["sensitive"] += service.sensitive
    assert kinds[InvolvementKind.LEAD_PROFESSIONAL] and kinds[InvolvementKind.TAC_MEMBER] and kinds["sensitive"]
    assert Referral.objects.count() == Case.objects.count() > 150
    # A panel member reads every child's papers: no sensitive service sits on a panel.
    assert not Panel.objects.filter(members__team__service__sensitive=True).exists()

"""The synthetic casework history: plain Python, repeatable, consistent with each child's needs,
and loadable into the database without breaking a rule of the casework models."""

import ast
from collections import Counter
from datetime import date, timedelta
from io import StringIO
from itertools import pairwise
from pathlib import Path

import pytest
from django.core.management import call_command

from joinedup.access.models import Involvement, InvolvementKind
from joinedup.casework import history, queries
from joinedup.casework.history import SENSITIVE_REFERS_FROM, ChildIn, WorkerIn, age_on, generate_history
from joinedup.casework.management.commands.load_casework_history import (
    RECORDED_BY,
    _children,
    _workers,
    add_family_login,
)
from joinedup.casework.models import Assessment, Case, FamilyAccount, Panel, Referral
from joinedup.index.review.tests.factories import IndexRecordFactory
from joinedup.people.tests.factories import ChildCarerFactory
from joinedup.synth.fit import EMOTIONAL_WELLBEING, FIT, LOOKED_AFTER, SEXUAL_HEALTH, SUBSTANCE_MISUSE
from joinedup.synth.generate import generate
from joinedup.synth.options import options_from_arguments
from joinedup.synth.services import AGENCIES, SERVICES

from .factories import CaseFactory, ReferralFactory

END = date(2026, 11, 1)


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


def test_the_generator_imports_no_django():
    tree = ast.parse(Path(history.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}

    assert not any(name.startswith(("django", "joinedup")) for name in imported)


def test_the_same_seed_gives_the_same_history():
    children, workers = authority(300)

    first = generate_history(children=children, workers=workers, end=END, seed=7)
    again = generate_history(children=children, workers=workers, end=END, seed=7)

    assert first == again


def test_children_with_needs_are_referred_more_and_looked_after_children_stepped_up():
    children, workers = authority()
    needs = {child.id: child.needs for child in children}

    referrals = generate_history(children=children, workers=workers, end=END).referrals

    referred = Counter(bool(needs[r.child]) for r in referrals)
    assert referred[True] > referred[False]
    decisions = Counter(r.decision for r in referrals if "looked_after" in needs[r.child])
    assert decisions.most_common(1)[0][0] == "step_up"


def test_everything_happens_within_two_years_and_in_order():
    children, workers = authority()

    for referral in generate_history(children=children, workers=workers, end=END).referrals:
        assert END - timedelta(days=730) <= referral.submitted.date() <= END
        if referral.decided:
            assert referral.submitted < referral.decided
        case = referral.case
        if case is None:
            continue
        assert all(b.held - a.held == timedelta(days=42) for a, b in pairwise(case.reviews))
        assert all(review.held <= END for review in case.reviews)
        assert (case.closed is None) == (case.closure_reason == "") == (case.needs_met_at == "")


def test_some_referrers_assess_with_the_family_before_they_refer():
    children, workers = authority()

    referrals = generate_history(children=children, workers=workers, end=END).referrals

    assessed = [r for r in referrals if r.assessment is not None]
    assert 0.15 < len(assessed) / len(referrals) < 0.35
    for referral in assessed:
        completed = referral.assessment.started + timedelta(minutes=referral.assessment.minutes)
        assert completed < referral.submitted
        # The case carries the assessment that came with the referral; it does not start another.
        assert referral.case is None or referral.case.assessment_started is None


@pytest.mark.django_db
def test_the_loaded_assessments_belong_to_their_child_and_go_with_the_referral(front_door):
    """With seed 7, Alfie's referrer assessed him first and the panel allocated (for any end date
    in the two years from this test's writing)."""
    call_command("load_casework_history", share=1.0, seed=7, end=date.today(), stdout=StringIO())
    referral = Referral.objects.get()

    assessment = Assessment.objects.get()
    assert referral.assessment == assessment
    assert (assessment.child, assessment.case) == (front_door["alfie"], referral.case)
    assert assessment.assessor == referral.referrer
    assert assessment.completed_at < referral.submitted_at
    assert referral.consent == assessment.consent


@pytest.mark.django_db
def test_the_loader_writes_the_history_once(front_door):
    call_command("load_casework_history", share=1.0, seed=3, end=date.today())
    loaded = Referral.objects.count()

    call_command("load_casework_history", share=1.0, seed=3)

    assert loaded == Referral.objects.count() == 1
    referral = Referral.objects.get()
    assert referral.child == front_door["alfie"]
    if referral.decision == "allocate":
        case = Case.objects.get()
        assert case.tac_members.exists()
        planned = generate_history(children=_children(), workers=_workers(), end=date.today(), share=1.0, seed=3)
        assert case.reviews.count() == len(planned.referrals[0].case.reviews)


@pytest.mark.django_db
def test_the_loader_adds_a_demo_parent_login_once(front_door):
    ReferralFactory(child=front_door["alfie"])  # history already loaded
    case = CaseFactory(child=front_door["alfie"])
    mum = ChildCarerFactory(child=case.child, parental_responsibility=True).carer

    call_command("load_casework_history", family_login="karen", stdout=StringIO())
    call_command("load_casework_history", family_login="karen", stdout=StringIO())

    account = FamilyAccount.objects.get()
    assert (account.user.username, account.carer) == ("karen", mum)
    assert list(queries.family_cases(account.user)) == [case]


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
    for referral in generate_history(children=children, workers=list(workers.values()), end=END, share=0.3).referrals:
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


@pytest.fixture
def synthetic_authority(db, tmp_path):
    """A small synthetic authority (400 children) loaded as a council would load its register."""
    out = tmp_path / "authority"
    generate(options_from_arguments(children=400, seed=3, out=out), show_progress=False)
    call_command("load_authority", str(out), verbosity=0, stdout=StringIO())


@pytest.mark.django_db
def test_every_loaded_involvement_names_the_service_its_practitioner_works_in(synthetic_authority):
    call_command("load_casework_history", share=0.5, seed=2, end=date(2025, 3, 31), stdout=StringIO())

    written = Involvement.objects.filter(recorded_by=RECORDED_BY).select_related("practitioner__team")
    assert written.count() > 100
    for involvement in written:
        assert involvement.practitioner.team is not None
        assert involvement.service_id == involvement.practitioner.team.service_id is not None


@pytest.mark.django_db
def test_the_loaded_history_puts_only_fitting_practitioners_beside_each_child(synthetic_authority):
    call_command("load_casework_history", share=0.5, seed=2, end=date(2025, 3, 31), stdout=StringIO())
    needs = {child.id: child.needs for child in _children()}

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
    # A panel member reads every child's papers: no sensitive service sits on a panel.
    assert not Panel.objects.filter(members__team__service__sensitive=True).exists()


@pytest.mark.django_db
def test_the_loader_reads_the_needs_that_call_for_a_sensitive_service_from_the_childs_records(front_door):
    alfie = front_door["alfie"]
    cin = {"episodes": [{"assessments": [{"factors": ["4B", "2A"]}]}]}  # a parent's mental health; the child's drugs
    IndexRecordFactory(child=alfie, facts=cin)
    IndexRecordFactory(child=alfie, facts={"sen_primary_need": "SEMH"})

    assert _children()[0].needs == {SUBSTANCE_MISUSE, EMOTIONAL_WELLBEING}


@pytest.mark.django_db
def test_the_demo_parent_is_a_carer_of_a_child_whose_case_is_open():
    """The demo prints the parent login as a parent of a child with an open plan: a child with no
    case at all, listed first, must not be chosen."""
    ChildCarerFactory()  # a child with no case, first by id
    with_a_plan = ChildCarerFactory(child=CaseFactory().child)

    account = add_family_login("parent")

    assert account.carer == with_a_plan.carer

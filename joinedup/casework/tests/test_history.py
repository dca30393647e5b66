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

from joinedup.casework import history, queries
from joinedup.casework.history import ChildIn, WorkerIn, generate_history
from joinedup.casework.management.commands.load_casework_history import _children, _workers
from joinedup.casework.models import Assessment, Case, FamilyAccount, Referral
from joinedup.people.tests.factories import ChildCarerFactory

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
    """With seed 1, Alfie's referrer assessed him first and the panel allocated."""
    call_command("load_casework_history", share=1.0, seed=1, end=date.today(), stdout=StringIO())
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

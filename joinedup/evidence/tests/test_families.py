"""Whole-family outcomes, counted as the Supporting Families outcome framework counts them."""

from datetime import UTC, date, datetime

import pytest

from joinedup.casework.models import ClosureReason, LevelOfNeed
from joinedup.casework.tests.factories import CaseFactory, ReferralFactory
from joinedup.evidence.measures import build_measures, connect
from joinedup.evidence.queries import family_outcomes
from joinedup.people.tests.factories import ChildFactory, FamilyFactory, PractitionerFactory

pytestmark = pytest.mark.django_db


def closed_case(child, lead, *, opened: date, closed: date, reason=ClosureReason.NEEDS_MET):
    return CaseFactory(
        child=child, lead_professional=lead, opened_on=opened, closed_on=closed, closure_reason=reason,
        needs_met_at=LevelOfNeed.ADDITIONAL,
    )  # fmt: skip


def by_label(lines):
    return {line.label: (line.count, line.of) for line in lines}


def test_a_family_helped_by_one_lead_whose_needs_stayed_met_for_a_year_counts_at_every_step():
    family, lead = FamilyFactory(), PractitionerFactory()
    older, younger = ChildFactory(family=family), ChildFactory(family=family)
    closed_case(older, lead, opened=date(2023, 1, 10), closed=date(2023, 6, 1))
    closed_case(younger, lead, opened=date(2023, 1, 10), closed=date(2023, 6, 1))

    build_measures(on=date(2024, 8, 1))
    with connect() as con:
        lines = by_label(family_outcomes(con))

    assert lines["Families helped"] == (1, None)
    assert lines["Whole-family plan for brothers and sisters"] == (1, 1)
    assert lines["Needs met at closure"] == (1, 1)
    assert lines["Still met six months later"] == (1, 1)
    assert lines["Still met twelve months later"] == (1, 1)


def test_a_brother_referred_again_five_months_after_closure_means_needs_did_not_stay_met():
    family, lead = FamilyFactory(), PractitionerFactory()
    helped, brother = ChildFactory(family=family), ChildFactory(family=family)
    closed_case(helped, lead, opened=date(2023, 1, 10), closed=date(2023, 6, 1))
    ReferralFactory(child=brother, submitted_at=datetime(2023, 11, 1, 10, tzinfo=UTC))

    build_measures(on=date(2024, 8, 1))
    with connect() as con:
        lines = by_label(family_outcomes(con))

    assert lines["Needs met at closure"] == (1, 1)
    assert lines["Still met six months later"] == (0, 1)
    assert lines["Whole-family plan for brothers and sisters"] == (0, 0)


def test_families_whose_children_had_different_leads_have_no_single_lead_practitioner():
    family = FamilyFactory()
    for child in (ChildFactory(family=family), ChildFactory(family=family)):
        closed_case(child, PractitionerFactory(), opened=date(2024, 1, 10), closed=date(2024, 3, 1))

    build_measures(on=date(2024, 8, 1))
    with connect() as con:
        lines = by_label(family_outcomes(con))

    assert lines["With one lead practitioner"] == (0, 1)
    assert lines["Still met six months later"] == (0, 0)  # closed too recently to tell

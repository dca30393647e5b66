"""Key groups come from what the linked records say, with the evidence for each."""

import pytest

from joinedup.index.key_groups import key_groups
from joinedup.index.review.tests.factories import IndexRecordFactory, SourceFactory
from joinedup.people.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


def school_record(child, nc_year, possible, absent, **facts):
    source = SourceFactory(name="school_census", format="school_census")
    return IndexRecordFactory(
        child=child,
        source=source,
        facts={"nc_year": nc_year, "sessions_possible": possible, "sessions_absent": absent, **facts},
    )


def test_an_open_period_of_care_makes_a_child_looked_after():
    child = ChildFactory()
    IndexRecordFactory(
        child=child,
        source=SourceFactory(name="ssda903", format="ssda903_csv"),
        facts={"looked_after_open": True, "legal_status": "C2"},
    )

    groups = key_groups(child.pk)

    assert groups.looked_after and "legal status C2" in groups.evidence[0]


def test_a_closed_period_of_care_does_not():
    child = ChildFactory()
    IndexRecordFactory(
        child=child, source=SourceFactory(name="ssda903", format="ssda903_csv"), facts={"looked_after_open": False}
    )

    assert not key_groups(child.pk).looked_after


@pytest.mark.parametrize("facts", [{"sen_primary_need": "ASD"}, {"disabilities": ["HAND", "AUT"]}])
def test_autism_from_the_school_census_or_the_cin_census(facts):
    child = ChildFactory()
    IndexRecordFactory(child=child, facts=facts)

    assert key_groups(child.pk).autism


def test_a_secondary_need_of_autism_is_not_the_primary_need():
    child = ChildFactory()
    IndexRecordFactory(child=child, facts={"sen_primary_need": "SLCN", "sen_needs": ["SLCN", "ASD"]})

    assert not key_groups(child.pk).autism


@pytest.mark.parametrize(
    "nc_year, absent, over_20, persistent, severe",
    [
        ("8", 28, True, True, False),  # 28 of 136 = 20.6%
        ("8", 27, False, True, False),  # 19.9%: not over the LARC line
        ("5", 40, False, True, False),  # not key stage 3
        ("9", 70, True, True, True),  # 51%
        ("7", 13, False, False, False),  # 9.6%
    ],
)
def test_key_stage_3_absence_with_the_dfe_flags_beside_it(nc_year, absent, over_20, persistent, severe):
    child = ChildFactory()
    school_record(child, nc_year, 136, absent)

    groups = key_groups(child.pk)

    assert (groups.key_stage_3_absence, groups.persistent_absence, groups.severe_absence) == (
        over_20,
        persistent,
        severe,
    )


def test_the_absence_threshold_is_a_setting(settings):
    settings.JOINEDUP_KS3_ABSENCE_THRESHOLD = 0.10
    child = ChildFactory()
    school_record(child, "8", 136, 15)

    assert key_groups(child.pk).key_stage_3_absence


def test_withdrawn_records_say_nothing():
    from django.utils import timezone

    child = ChildFactory()
    IndexRecordFactory(child=child, facts={"sen_primary_need": "ASD"}, withdrawn_at=timezone.now())

    assert not key_groups(child.pk).autism

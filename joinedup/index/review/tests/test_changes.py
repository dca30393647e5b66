"""Each merge, separation and undo in clerical review leaves one change event, in order, naming
the entries and the records it moved: what partner systems that keep the index's ids follow."""

import pytest

from joinedup.index.models import ChangeKind, IndexChange
from joinedup.index.review.models import ChildMerge, ChildSplit
from joinedup.index.review.services import decide_pair, undo_merge, undo_split
from joinedup.people.models import Role
from joinedup.people.tests.factories import ChildFactory, PractitionerFactory

from .test_review import pair_between

pytestmark = pytest.mark.django_db


def events():
    return [(c.kind, c.child_id, c.other_child_id, c.record_ids) for c in IndexChange.objects.order_by("id")]


def test_a_merge_and_its_undoing_are_events_naming_both_entries_and_the_records_moved():
    kept, other = ChildFactory(la_child_id="LA1"), ChildFactory()
    pair = pair_between(kept, other)
    reviewer = PractitionerFactory(role=Role.ADMINISTRATOR).user

    decide_pair(pair=pair, decided_by=reviewer, same_child=True)
    undo_merge(merge=ChildMerge.objects.get(), undone_by=reviewer)

    moved = [pair.record_b.pk]  # other's record, made second
    assert events() == [
        (ChangeKind.ENTRIES_MERGED, kept.pk, other.pk, moved),
        (ChangeKind.MERGE_UNDONE, kept.pk, other.pk, moved),
    ]


def test_a_separation_makes_a_new_entry_and_its_undoing_is_an_event_too():
    child = ChildFactory()
    pair = pair_between(child, child)
    reviewer = PractitionerFactory(role=Role.ADMINISTRATOR).user

    decide_pair(pair=pair, decided_by=reviewer, same_child=False)
    split = ChildSplit.objects.get()
    undo_split(split=split, undone_by=reviewer)

    assert events() == [
        (ChangeKind.ENTRY_CREATED, split.separated_id, None, []),
        (ChangeKind.RECORDS_SEPARATED, child.pk, split.separated_id, [pair.record_b.pk]),
        (ChangeKind.SEPARATION_UNDONE, child.pk, split.separated_id, [pair.record_b.pk]),
    ]

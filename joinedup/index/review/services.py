"""A person decides whether two records are one child; merges and splits follow, and each can be
undone. Every step is audited on the children it touches."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from joinedup.access.models import Involvement
from joinedup.audit import services as audit
from joinedup.index.changes import record_change
from joinedup.index.linking import INDEX_RECORD_PREFIX, child_from_records
from joinedup.index.models import ChangeKind, IndexRecord
from joinedup.people.models import Child

from .models import ChildMerge, ChildSplit, PairStatus, ReviewPair

REVIEW_BASIS = "Clerical review of the children's index by an index administrator"


COMPARING_BASIS = "Index administrator deciding whether two records are one child"


def record_pairs_shown(*, shown_to: Any, pairs: Iterable[ReviewPair], verb: str) -> None:
    """Names, dates of birth and NHS numbers on a review page are a read of each child the records
    already belong to: one audit event per child, written together."""
    child_ids = {record.child_id for pair in pairs for record in (pair.record_a, pair.record_b)} - {None}
    audit.record_each(actor=shown_to, verb=verb, child_ids=sorted(child_ids), legal_basis=COMPARING_BASIS)


class AlreadyDecided(Exception):
    """A decision is never asked, or made, twice."""


@transaction.atomic
def decide_pair(*, pair: ReviewPair, decided_by: Any, same_child: bool, note: str = "") -> ReviewPair:
    pair = ReviewPair.objects.select_for_update().select_related("record_a", "record_b").get(pk=pair.pk)
    if pair.status != PairStatus.WAITING:
        raise AlreadyDecided(f"This pair was decided by someone else: {pair.get_status_display().lower()}")
    pair.status = PairStatus.SAME_CHILD if same_child else PairStatus.DIFFERENT_CHILDREN
    pair.decided_by, pair.decided_at, pair.note = decided_by, timezone.now(), note
    pair.save(update_fields=["status", "decided_by", "decided_at", "note"])
    a, b = pair.record_a, pair.record_b
    for child_id in {a.child_id, b.child_id} - {None}:
        audit.record(
            actor=decided_by,
            verb=f"decided_{pair.status}",
            child_id=child_id,
            target=pair,
            legal_basis=REVIEW_BASIS,
            detail={"records": [a.pk, b.pk], "note": note},
        )
    if same_child and a.child_id and b.child_id and a.child_id != b.child_id:
        kept, merged = _kept_and_merged(Child.objects.get(pk=a.child_id), Child.objects.get(pk=b.child_id))
        merge_children(kept=kept, merged=merged, merged_by=decided_by, because_of=pair)
    if not same_child and a.child_id and a.child_id == b.child_id:
        split_records(child=Child.objects.get(pk=b.child_id), records=[b], split_by=decided_by, because_of=pair)
    return pair


def _kept_and_merged(first: Child, second: Child) -> tuple[Child, Child]:
    """Keep the authority's own record of the child (it has an LA child ID), else the older one."""
    order = sorted([first, second], key=lambda child: (child.la_child_id is None, child.pk))
    return order[0], order[1]


def _record_involvements(records: list[IndexRecord]) -> list[int]:
    labels = [f"{INDEX_RECORD_PREFIX}{record.pk}" for record in records]
    return list(Involvement.objects.filter(recorded_by__in=labels).values_list("pk", flat=True))


@transaction.atomic
def merge_children(*, kept: Child, merged: Child, merged_by: Any, because_of: ReviewPair | None = None) -> ChildMerge:
    """Everything known about `merged` now belongs to `kept`; `merged` stays, marked, so the
    merge can be undone exactly."""
    records = list(IndexRecord.objects.filter(child=merged).values_list("pk", flat=True))
    involvements = list(Involvement.objects.filter(child=merged).values_list("pk", flat=True))
    IndexRecord.objects.filter(pk__in=records).update(child=kept)
    Involvement.objects.filter(pk__in=involvements).update(child=kept)
    merged.merged_into = kept
    merged.save(update_fields=["merged_into"])
    merge = ChildMerge.objects.create(
        kept=kept,
        merged=merged,
        records_moved=records,
        involvements_moved=involvements,
        because_of=because_of,
        merged_by=merged_by,
    )
    record_change(kind=ChangeKind.ENTRIES_MERGED, child_id=kept.pk, other_child_id=merged.pk, record_ids=records)
    for child in (kept, merged):
        audit.record(
            actor=merged_by,
            verb="merged_children",
            child_id=child.pk,
            target=merge,
            legal_basis=REVIEW_BASIS,
            detail={"kept": kept.pk, "merged": merged.pk, "records": records},
        )
    return merge


@transaction.atomic
def undo_merge(*, merge: ChildMerge, undone_by: Any) -> ChildMerge:
    merge = ChildMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at:
        raise AlreadyDecided("This merge was already undone")
    IndexRecord.objects.filter(pk__in=merge.records_moved, child=merge.kept).update(child=merge.merged)
    Involvement.objects.filter(pk__in=merge.involvements_moved, child=merge.kept).update(child=merge.merged)
    Child.objects.filter(pk=merge.merged_id).update(merged_into=None)
    merge.undone_by, merge.undone_at = undone_by, timezone.now()
    merge.save(update_fields=["undone_by", "undone_at"])
    record_change(
        kind=ChangeKind.MERGE_UNDONE,
        child_id=merge.kept_id,
        other_child_id=merge.merged_id,
        record_ids=merge.records_moved,
    )
    for child_id in (merge.kept_id, merge.merged_id):
        audit.record(
            actor=undone_by,
            verb="unmerged_children",
            child_id=child_id,
            target=merge,
            legal_basis=REVIEW_BASIS,
            detail={"kept": merge.kept_id, "merged": merge.merged_id},
        )
    return merge


@transaction.atomic
def split_records(
    *, child: Child, records: list[IndexRecord], split_by: Any, because_of: ReviewPair | None = None
) -> ChildSplit:
    """Records that are not this child become a child of their own, with their involvements."""
    involvements = _record_involvements(records)
    separated = child_from_records(records)
    record_ids = [record.pk for record in records]
    IndexRecord.objects.filter(pk__in=record_ids).update(child=separated)
    Involvement.objects.filter(pk__in=involvements).update(child=separated)
    split = ChildSplit.objects.create(
        original=child,
        separated=separated,
        records_moved=record_ids,
        involvements_moved=involvements,
        because_of=because_of,
        split_by=split_by,
    )
    record_change(
        kind=ChangeKind.RECORDS_SEPARATED, child_id=child.pk, other_child_id=separated.pk, record_ids=record_ids
    )
    for child_id in (child.pk, separated.pk):
        audit.record(
            actor=split_by,
            verb="separated_records",
            child_id=child_id,
            target=split,
            legal_basis=REVIEW_BASIS,
            detail={"from": child.pk, "to": separated.pk, "records": record_ids},
        )
    return split


@transaction.atomic
def undo_split(*, split: ChildSplit, undone_by: Any) -> ChildSplit:
    split = ChildSplit.objects.select_for_update().get(pk=split.pk)
    if split.undone_at:
        raise AlreadyDecided("This separation was already undone")
    IndexRecord.objects.filter(pk__in=split.records_moved, child=split.separated).update(child=split.original)
    Involvement.objects.filter(pk__in=split.involvements_moved, child=split.separated).update(child=split.original)
    Child.objects.filter(pk=split.separated_id).update(merged_into=split.original)
    split.undone_by, split.undone_at = undone_by, timezone.now()
    split.save(update_fields=["undone_by", "undone_at"])
    record_change(
        kind=ChangeKind.SEPARATION_UNDONE,
        child_id=split.original_id,
        other_child_id=split.separated_id,
        record_ids=split.records_moved,
    )
    for child_id in (split.original_id, split.separated_id):
        audit.record(
            actor=undone_by,
            verb="rejoined_records",
            child_id=child_id,
            target=split,
            legal_basis=REVIEW_BASIS,
            detail={"from": split.separated_id, "to": split.original_id},
        )
    return split

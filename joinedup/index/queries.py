"""Shared reads of the children's index: its sources, their imports, their current records and the
changes to its entries."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, Max, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast, Coalesce

from .models import BatchStatus, ImportBatch, IndexChange, IndexRecord, Source


def current_records(source: Source | None = None) -> QuerySet[IndexRecord]:
    """Records present in their source's latest extract (not withdrawn)."""
    records = IndexRecord.objects.filter(withdrawn_at__isnull=True)
    return records.filter(source=source) if source is not None else records


def awaiting_confirmation() -> QuerySet[ImportBatch]:
    """Held imports that may still be confirmed: no import of their source was applied after them
    (once one was, confirming is refused, and the held extract is superseded)."""
    later = ImportBatch.objects.filter(source=OuterRef("source"), status=BatchStatus.IMPORTED, pk__gt=OuterRef("pk"))
    return ImportBatch.objects.filter(status=BatchStatus.HELD).exclude(Exists(later))


def latest_batch(source: Source) -> ImportBatch | None:
    return source.batches.order_by("-started_at", "-id").first()


def linked_facts(holding: str) -> QuerySet:
    """(child_id, facts as JSON text) of every current record whose facts hold `holding` (e.g.
    "attendance_terms", "looked_after_open") and that linkage has tied to a child, the child being
    the one it was merged into where it was: the evidence room builds its measures from these."""
    return (
        current_records()
        .filter(facts__has_key=holding, child__isnull=False)
        .annotate(
            current_child_id=Coalesce("child__merged_into_id", "child_id"),
            facts_text=Cast("facts", TextField()),
        )
        .values_list("current_child_id", "facts_text")
    )


def changes_since(since: int, *, until: int, about: QuerySet, limit: int) -> list[IndexChange]:
    """Changes to entries after the change numbered `since` up to `until`, oldest first, that
    concern a child in `about` (a queryset of children: the one kept, merged, separated or linked to)."""
    children = about.values("pk")
    return list(
        IndexChange.objects.filter(id__gt=since, id__lte=until)
        .filter(Q(child_id__in=children) | Q(other_child_id__in=children))
        .order_by("id")[:limit]
    )


def latest_change_id() -> int:
    return IndexChange.objects.aggregate(latest=Max("id"))["latest"] or 0


def records_held_by(agency_id: int, record_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """Of these index records, those from the agency's own sources: id to (source, the agency's key)."""
    return {
        pk: (source, key)
        for pk, source, key in IndexRecord.objects.filter(
            pk__in=list(record_ids), source__agency_id=agency_id
        ).values_list("pk", "source__name", "record_id")
    }

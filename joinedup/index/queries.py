"""Shared reads of the children's index: its sources, their imports and their current records."""

from __future__ import annotations

from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast, Coalesce

from .models import ImportBatch, IndexRecord, Source


def current_records(source: Source | None = None) -> QuerySet[IndexRecord]:
    """Records present in their source's latest extract (not withdrawn)."""
    records = IndexRecord.objects.filter(withdrawn_at__isnull=True)
    return records.filter(source=source) if source is not None else records


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

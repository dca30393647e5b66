"""Shared reads of the children's index: its sources, their imports and their current records."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from .models import ImportBatch, IndexRecord, Source


def current_records(source: Source | None = None) -> QuerySet[IndexRecord]:
    """Records present in their source's latest extract (not withdrawn)."""
    records = IndexRecord.objects.filter(withdrawn_at__isnull=True)
    return records.filter(source=source) if source is not None else records


def latest_batch(source: Source) -> ImportBatch | None:
    return source.batches.order_by("-started_at", "-id").first()


def sources_with_latest_import() -> QuerySet[Source]:
    """Every source, annotated with when its latest extract was imported and from which file."""
    latest = ImportBatch.objects.filter(source=OuterRef("pk")).order_by("-started_at", "-id")
    return Source.objects.annotate(
        last_imported_at=Subquery(latest.values("finished_at")[:1]),
        last_file=Subquery(latest.values("file_path")[:1]),
    ).order_by("name")

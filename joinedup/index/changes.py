"""Changes to the index's entries as events, for partner systems that keep the index's child ids:
a child entered, records linked to one, two found to be one or one found to be two, and undone.
Every service that changes entries calls record_change, in its own transaction."""

from __future__ import annotations

from collections.abc import Iterable

from .models import ChangeKind, IndexChange


def record_change(
    *, kind: ChangeKind, child_id: int, other_child_id: int | None = None, record_ids: Iterable[int] = ()
) -> IndexChange:
    return IndexChange.objects.create(
        kind=kind, child_id=child_id, other_child_id=other_child_id, record_ids=sorted(record_ids)
    )


def record_links(linked: dict[int, list[int]]) -> None:
    """Records linked to children in one run of the linkage, one event per child, written together."""
    IndexChange.objects.bulk_create(
        [
            IndexChange(kind=ChangeKind.RECORDS_LINKED, child_id=child_id, record_ids=sorted(record_ids))
            for child_id, record_ids in sorted(linked.items())
        ],
        batch_size=2000,
    )

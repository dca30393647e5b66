"""The one way to write the audit log."""

from __future__ import annotations

from typing import Any

from .models import AuditEvent


def record(
    *,
    actor: Any,
    verb: str,
    legal_basis: str,
    child_id: int | None = None,
    target: Any = None,
    detail: dict | None = None,
) -> AuditEvent:
    """Write one audit event. Call it inside the transaction of the change it records, so a
    failure to audit rolls the change back."""
    return AuditEvent.objects.create(
        **_actor(actor),
        verb=verb,
        child_id=child_id,
        object_type=type(target).__name__ if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        legal_basis=legal_basis,
        detail=detail or {},
    )


def record_each(
    *,
    actor: Any,
    verb: str,
    legal_basis: str,
    child_ids: list[int],
    object_type: str = "Child",
    details: dict[int, dict] | None = None,
) -> None:
    """One event per child, written together in one statement: a page that lists children reads
    each of them. `details` holds the detail of each child's event, by child id."""
    who = _actor(actor)
    details = details or {}
    AuditEvent.objects.bulk_create(
        AuditEvent(
            **who,
            verb=verb,
            child_id=child_id,
            object_type=object_type,
            object_id=str(child_id),
            legal_basis=legal_basis,
            detail=details.get(child_id) or {},
        )
        for child_id in child_ids
    )


def _actor(actor: Any) -> dict[str, Any]:
    profile = getattr(actor, "practitioner", None) if actor is not None else None
    return {
        "actor_id": getattr(actor, "pk", None),
        "actor_username": getattr(actor, "username", "") or ("system" if actor is None else "anonymous"),
        "actor_role": getattr(profile, "role", "") or "",
    }

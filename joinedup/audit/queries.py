"""Reads of the audit log."""

from django.db.models import QuerySet

from .models import AuditEvent


def events_for_child(child_id: int) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(child_id=child_id).order_by("-at", "-id")


def recent_refusals(limit: int = 20) -> QuerySet[AuditEvent]:
    """Refused attempts to open a child's record, newest first: worth an administrator's look."""
    return AuditEvent.objects.filter(verb__startswith="refused_").order_by("-at", "-id")[:limit]

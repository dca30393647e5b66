"""Who is involved: every agency record linked to a child, as a given user may see it. A sensitive
service's record shows only that a sensitive service is involved, except to that service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from joinedup.access.policy import sensitive_services_seen_by
from joinedup.access.queries import SensitiveShield
from joinedup.agencies.models import Service
from joinedup.people.models import Child

from .models import IndexRecord


@dataclass(frozen=True)
class RecordLine:
    source: str
    agency: str
    service: str
    practitioner: str
    contact: str
    started: date | None
    ended: date | None
    record_id: str
    shielded: bool


def records_as_seen_by(user: Any, child: Child, shield: SensitiveShield | None = None) -> list[RecordLine]:
    """`shield`: the reader's shield for this child (access.queries.shield_for), when the page has
    already asked for it; otherwise the policy is asked here."""
    services = {service.code: service for service in Service.objects.select_related("agency")}
    seen = (shield.seen if shield else sensitive_services_seen_by(user, [child.pk]))[child.pk]
    lines = []
    records = IndexRecord.objects.filter(child=child, withdrawn_at__isnull=True).select_related("source__agency")
    for record in records.order_by("source__name", "record_id"):
        service = services.get(record.service or record.source.default_service)
        lines.append(
            RecordLine(
                source=record.source.description or record.source.name,
                agency=record.source.agency.name if record.source.agency else (service.agency.name if service else ""),
                service=service.name if service else "",
                practitioner=record.practitioner,
                contact=record.practitioner_contact,
                started=record.involvement_start,
                ended=record.involvement_end,
                record_id=record.record_id,
                shielded=_shielded(record, service, seen),
            )
        )
    return lines


def _shielded(record: IndexRecord, service: Service | None, seen: frozenset[int]) -> bool:
    """A record of a sensitive service is shielded unless the policy lets this reader see that
    service; a sensitive source whose service is unknown is always shielded."""
    if service is not None and service.sensitive:
        return service.pk not in seen
    return record.source.sensitive

"""Who is involved: every agency record linked to a child, as a given user may see it. A sensitive
service's record shows only that a sensitive service is involved, except to that service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from joinedup.access.models import Involvement
from joinedup.access.policy import Action, decide
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


def records_as_seen_by(user: Any, child: Child) -> list[RecordLine]:
    services = {service.code: service for service in Service.objects.select_related("agency")}
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
                shielded=_shielded(user, child, record, service),
            )
        )
    return lines


def _shielded(user: Any, child: Child, record: IndexRecord, service: Service | None) -> bool:
    """The policy decides about sensitive services through an involvement; a record of one is
    asked about as the involvement it shows."""
    if not (record.source.sensitive or (service and service.sensitive)):
        return False
    as_involvement = Involvement(child=child, service=service, practitioner=None)
    if service is None or not service.sensitive:
        return True
    return not decide(user, Action.VIEW_SENSITIVE_INVOLVEMENT, as_involvement).allowed

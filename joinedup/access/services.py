"""Recording involvements: the relationships that give a practitioner a reason to see a child."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from joinedup.agencies.models import Service
from joinedup.audit import services as audit
from joinedup.common.dates import parse_date
from joinedup.common.tables import RowChecker, read_csv
from joinedup.people.models import Child, Practitioner

from .models import Involvement, InvolvementKind

REGISTER = "register"


@transaction.atomic
def load_allocations(*, path: Path, la_child_ids: dict[str, str]) -> dict[str, int]:
    """The authority's own allocations of workers to children, as allocated-worker involvements.
    `la_child_ids` maps the register's child_id to the LA child id. Replaces the register's
    earlier allocations, so loading the same file twice changes nothing."""
    checker = RowChecker(path)
    children = dict(Child.objects.filter(la_child_id__isnull=False).values_list("la_child_id", "id"))
    practitioners = dict(Practitioner.objects.values_list("user__username", "id"))
    services = dict(Service.objects.values_list("code", "id"))
    wanted = set()
    for number, row in read_csv(path, ["child_id", "service", "practitioner", "started", "ended"]):
        child_id = children.get(la_child_ids.get(row["child_id"], ""))
        if child_id is None:
            checker.problem(number, "child_id", "no child in the register has this id")
        if row["practitioner"] not in practitioners:
            checker.problem(number, "practitioner", "no practitioner has this username")
        if row["service"] and row["service"] not in services:
            checker.problem(number, "service", "no service has this code")
        started = checker.cell(number, row, "started", parse_date)
        ended = checker.cell(number, row, "ended", parse_date, required=False)
        if started and ended and ended < started:
            checker.problem(number, "ended", "ends before it starts")
        wanted.add((child_id, practitioners.get(row["practitioner"]), services.get(row["service"]), started, ended))
    checker.raise_if_any()
    existing = {
        (i.child_id, i.practitioner_id, i.service_id, i.started, i.ended): i.pk
        for i in Involvement.objects.filter(recorded_by=REGISTER)
    }
    added, withdrawn = wanted - existing.keys(), existing.keys() - wanted
    Involvement.objects.filter(pk__in=[existing[key] for key in withdrawn]).delete()
    Involvement.objects.bulk_create(
        [
            Involvement(
                child_id=c,
                practitioner_id=p,
                service_id=s,
                started=start,
                ended=end,
                kind=InvolvementKind.ALLOCATED_WORKER,
                recorded_by=REGISTER,
            )
            for c, p, s, start, end in added
        ]
    )
    # Allocations decide who may see a child, so each change to them is on the child's audit trail.
    usernames = {pk: username for username, pk in practitioners.items()}
    for verb, keys in (("allocation_recorded", added), ("allocation_withdrawn", withdrawn)):
        for child_id, practitioner_id, service_id, started, ended in sorted(keys, key=str):
            audit.record(
                actor=None,
                verb=verb,
                child_id=child_id,
                legal_basis=f"Authority's allocations file {path.name}",
                detail={
                    "practitioner": usernames[practitioner_id],
                    "service_id": service_id,
                    "started": str(started),
                    "ended": str(ended or ""),
                },
            )
    return {"involvements_created": len(added), "involvements_removed": len(withdrawn)}

"""What every casework service shares: the policy check, the referral's state machine, and the
involvements casework writes and ends."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.utils import timezone

from joinedup.access.models import Involvement, InvolvementKind
from joinedup.access.policy import Action, decide
from joinedup.agencies.models import Service
from joinedup.casework.errors import NotAllowed, RuleBroken
from joinedup.casework.models import (
    Case,
    Referral,
    ReferralStatus,
)
from joinedup.people.models import Child, Practitioner

RECORDED_BY = "casework"


# The referral's state machine: each allowed move and the service that makes it.
TRANSITIONS: dict[tuple[str, str], str] = {
    (ReferralStatus.SUBMITTED, ReferralStatus.ON_AGENDA): "prepare_meeting",
    (ReferralStatus.ON_AGENDA, ReferralStatus.DECIDED): "record_decision",
    (ReferralStatus.SUBMITTED, ReferralStatus.WITHDRAWN): "withdraw_referral",
}


def _require(user: Any, action: Action, target: Any = None) -> None:
    decision = decide(user, action, target)
    if not decision:
        raise NotAllowed(decision.reason)


def _move(referral: Referral, to: ReferralStatus) -> None:
    if (referral.status, to) not in TRANSITIONS:
        raise RuleBroken(
            f"A referral that is {referral.get_status_display().lower()} cannot be {ReferralStatus(to).label.lower()}"
        )
    referral.status = to


def _involve(
    *,
    child: Child,
    practitioner: Practitioner,
    kind: InvolvementKind,
    service: Service | None = None,
    until: date | None = None,
):
    # Every involvement knows its service, so shielding of sensitive services applies to it.
    if service is None and practitioner.team_id is not None:
        service = practitioner.team.service
    return Involvement.objects.create(
        child=child,
        practitioner=practitioner,
        kind=kind,
        service=service,
        started=timezone.localdate(),
        ended=until,
        recorded_by=RECORDED_BY,
    )


def _end_involvements(*, child: Child, kind: InvolvementKind, practitioners: Iterable[Practitioner]) -> None:
    Involvement.objects.filter(child=child, kind=kind, practitioner__in=practitioners, ended__isnull=True).update(
        ended=timezone.localdate()
    )


def _require_open(case: Case) -> None:
    if not case.is_open:
        raise RuleBroken("This case is closed")

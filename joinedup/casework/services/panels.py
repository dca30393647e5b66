"""Setting up the multi-agency allocation panels: each locality's panels meet weekly or fortnightly,
with a chair and members from several agencies (001 §6). When the seats change while an agenda
waits for decisions, who may read each child's papers changes with them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from joinedup.access.models import Involvement, InvolvementKind
from joinedup.access.policy import CASEWORK_ROLES, Action
from joinedup.agencies.models import Locality
from joinedup.audit import services as audit
from joinedup.casework import queries
from joinedup.casework.errors import RuleBroken
from joinedup.casework.models import Panel, PanelCycle
from joinedup.casework.notifications import notify
from joinedup.people.models import Child, Practitioner, Role

from ._common import _end_involvements, _involve, _require
from .front_door import _seats

FEWEST_AGENCIES = 2

Seat = tuple[Practitioner, InvolvementKind]


class PanelRefused(RuleBroken):
    """Every rule the proposed panel breaks, each under the form field it is about."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(problems.values()))
        self.problems = problems


@transaction.atomic
def create_panel(
    *,
    locality: Locality,
    name: str,
    cycle: PanelCycle,
    chair: Practitioner,
    members: Iterable[Practitioner],
    created_by: Any,
) -> Panel:
    """A new panel for a locality. The chair sits on it as a member; each member is told."""
    _require(created_by, Action.MANAGE_PANELS)
    name = " ".join(name.split())
    members = set(members) - {chair}
    _check(locality=locality, name=name, cycle=cycle, chair=chair, members=members)
    panel = Panel.objects.create(locality=locality, name=name, cycle_days=cycle, chair=chair)
    panel.members.set([chair, *members])
    audit.record(
        actor=created_by,
        verb="created_panel",
        target=panel,
        legal_basis=f"Setting up the allocation panels of {locality.name}",
        detail={
            "locality": locality.pk,
            "name": name,
            "cycle_days": int(cycle),
            "chair": chair.pk,
            "members": sorted(member.pk for member in members),
        },
    )
    _tell_chair(panel)
    for member in members:
        _tell_joined(panel, member)
    return panel


@transaction.atomic
def change_panel(
    *,
    panel: Panel,
    cycle: PanelCycle,
    chair: Practitioner,
    members: Iterable[Practitioner],
    changed_by: Any,
) -> Panel:
    """Change how often a panel meets, its chair or its members. Children on an agenda still
    waiting for the panel follow the seats: new members may read their papers, those who left may
    not. Who joined, who left and a new chair are told."""
    _require(changed_by, Action.MANAGE_PANELS)
    members = set(members) - {chair}
    _check(locality=panel.locality, name=panel.name, cycle=cycle, chair=chair, members=members, panel=panel)
    before = _seats(panel)
    changes: dict[str, list[int]] = {}
    if panel.cycle_days != cycle:
        changes["cycle_days"] = [panel.cycle_days, int(cycle)]
    if panel.chair_id != chair.pk:
        changes["chair"] = [panel.chair_id, chair.pk]
    panel.cycle_days = cycle
    panel.chair = chair
    panel.save(update_fields=["cycle_days", "chair"])
    panel.members.set([chair, *members])
    after = _seats(panel)
    if joined := sorted(p.pk for p in after.keys() - before.keys()):
        changes["joined"] = joined
    if left := sorted(p.pk for p in before.keys() - after.keys()):
        changes["left"] = left
    if not changes:
        return panel
    audit.record(
        actor=changed_by,
        verb="changed_panel",
        target=panel,
        legal_basis=f"Setting up the allocation panels of {panel.locality.name}",
        detail=changes,
    )
    _follow_agenda(panel, before=before, after=after, changed_by=changed_by)
    if "chair" in changes:
        _tell_chair(panel)
    for practitioner in after.keys() - before.keys() - {chair}:
        _tell_joined(panel, practitioner)
    for practitioner in before.keys() - after.keys():
        if not practitioner.user.is_active:
            continue
        notify(
            recipient=practitioner.user,
            subject=f"You are no longer on {panel.name}",
            body=f"You have left {panel.name} and no longer see the papers on its agenda.",
        )
    return panel


def _check(
    *,
    locality: Locality,
    name: str,
    cycle: int,
    chair: Practitioner,
    members: set[Practitioner],
    panel: Panel | None = None,
) -> None:
    """A panel is multi-agency, chaired by a panel chair, staffed by people who still work here,
    and known by a name no other panel in its locality has."""
    problems: dict[str, str] = {}
    if not name:
        problems["name"] = "Enter the panel's name"
    elif Panel.objects.filter(locality=locality, name__iexact=name).exclude(pk=getattr(panel, "pk", None)).exists():
        problems["name"] = f"{locality.name} already has a panel called {name}: choose another name"
    if cycle not in PanelCycle.values:
        problems["cycle"] = "Select how often the panel meets"
    if not chair.user.is_active:
        problems["chair"] = f"{chair.name} has left: choose a new chair"
    elif chair.role != Role.PANEL_CHAIR:
        problems["chair"] = f"{chair.name} does not have the panel chair role: choose a panel chair"
    gone = sorted(member.name for member in members if not member.user.is_active)
    outside = sorted(member.name for member in members if member.user.is_active and member.role not in CASEWORK_ROLES)
    if gone:
        problems["members"] = f"{_names(gone)} {'has' if len(gone) == 1 else 'have'} left: remove them from the panel"
    elif outside:
        problems["members"] = f"{_names(outside)} cannot read a child's papers, so cannot sit on a panel"
    elif len({member.agency_id for member in members}) < FEWEST_AGENCIES:
        problems["members"] = f"Choose members from at least {FEWEST_AGENCIES} agencies, besides the chair"
    if problems:
        raise PanelRefused(problems)


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _follow_agenda(
    panel: Panel,
    *,
    before: dict[Practitioner, InvolvementKind],
    after: dict[Practitioner, InvolvementKind],
    changed_by: Any,
) -> None:
    """Seats given or taken away for each child on an agenda still waiting for the panel, as
    prepare_meeting gives them: for a referral until it is decided, for a review until the meeting."""
    today = timezone.localdate()
    gained: set[Seat] = set(after.items()) - set(before.items())
    lost: set[Seat] = set(before.items()) - set(after.items())
    if not (gained or lost):
        return
    referrals, reviews = queries.pending_agenda(panel, on=today)
    for referral in referrals:
        for practitioner, kind in lost:
            _end_involvements(child=referral.child, kind=kind, practitioners=[practitioner])
        for practitioner, kind in gained:
            _involve(child=referral.child, practitioner=practitioner, kind=kind)
        _audit_seats(panel, referral.child, gained=gained, lost=lost, changed_by=changed_by, target=referral)
    for case, held_on in reviews:
        for practitioner, kind in lost:
            _end_review_involvement(child=case.child, practitioner=practitioner, kind=kind, on=today)
        seated = {(p, kind) for p, kind in gained if p != case.lead_professional}
        for practitioner, kind in seated:
            _involve(child=case.child, practitioner=practitioner, kind=kind, until=held_on)
        _audit_seats(panel, case.child, gained=seated, lost=lost, changed_by=changed_by, target=case)


def _end_review_involvement(*, child: Child, practitioner: Practitioner, kind: InvolvementKind, on: date) -> None:
    """A review's seat runs to the meeting day; leaving the panel ends it today instead."""
    Involvement.objects.filter(child=child, practitioner=practitioner, kind=kind, started__lte=on).filter(
        Q(ended__isnull=True) | Q(ended__gt=on)
    ).update(ended=on)


def _audit_seats(panel: Panel, child: Child, *, gained: set[Seat], lost: set[Seat], changed_by: Any, target) -> None:
    if not (gained or lost):
        return
    audit.record(
        actor=changed_by,
        verb="changed_panel_seats_for_child",
        child_id=child.pk,
        target=target,
        legal_basis=f"The seats of {panel.name} changed while the child is on its agenda",
        detail={
            "gained": sorted([p.pk, str(kind)] for p, kind in gained),
            "lost": sorted([p.pk, str(kind)] for p, kind in lost),
        },
    )


def _tell_joined(panel: Panel, member: Practitioner) -> None:
    notify(
        recipient=member.user,
        subject=f"You have joined {panel.name}",
        body=f"You are now a member of {panel.name}, which meets {panel.get_cycle_days_display().lower()}. "
        "You will be told when each agenda is ready to read.",
        link=reverse("casework:panels"),
    )


def _tell_chair(panel: Panel) -> None:
    notify(
        recipient=panel.chair.user,
        subject=f"You now chair {panel.name}",
        body=f"You chair {panel.name}, which meets {panel.get_cycle_days_display().lower()}. You prepare its "
        "agendas, record its decisions and keep its minutes.",
        link=reverse("casework:panels"),
    )

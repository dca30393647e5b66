"""Shared reads about who is involved with which children."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from joinedup.audit.queries import recent_refusals
from joinedup.people.models import Child, Practitioner

from .models import Involvement
from .policy import Action, current_involvements, decide


def children_worked_with(practitioner: Practitioner):
    """The children a practitioner currently works with, most recent involvement first."""
    return (
        Child.objects.filter(involvements__in=current_involvements().filter(practitioner=practitioner))
        .distinct()
        .order_by("surname", "forenames")
    )


def managed_caseloads(manager: Practitioner) -> list[dict[str, Any]]:
    """Open children per practitioner in the teams and localities a manager oversees."""
    staff = Practitioner.objects.filter(
        Q(team__in=manager.manages_teams.all()) | Q(team__locality__in=manager.manages_localities.all())
    ).exclude(pk=manager.pk)
    open_counts = dict(
        current_involvements()
        .filter(practitioner__in=staff)
        .values_list("practitioner")
        .annotate(n=Count("child", distinct=True))
    )
    return [
        {"practitioner": p, "open_children": open_counts.get(p.pk, 0)}
        for p in staff.select_related("user", "team").distinct()
    ]


@dataclass(frozen=True)
class InvolvementLine:
    """One line of "who is involved", shielded when the service is sensitive."""

    involvement: Involvement
    shielded: bool


def involvements_as_seen_by(user: Any, child: Child) -> list[InvolvementLine]:
    lines = []
    for involvement in (
        current_involvements()
        .filter(child=child)
        .select_related("service__agency", "practitioner__user", "practitioner__team")
    ):
        shielded = not decide(user, Action.VIEW_SENSITIVE_INVOLVEMENT, involvement).allowed
        lines.append(InvolvementLine(involvement, shielded))
    return lines


def account_overview() -> dict[str, Any]:
    """Staff accounts by role, for administrators."""
    by_role = Counter(Practitioner.objects.values_list("role", flat=True))
    users = get_user_model().objects
    return {
        "by_role": sorted(by_role.items()),
        "active": users.filter(is_active=True).count(),
        "without_password": users.filter(password__startswith="!").count(),
        "recent_refusals": recent_refusals(),
    }

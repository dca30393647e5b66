"""Shared reads about who is involved with which children."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from joinedup.audit import services as audit
from joinedup.audit.queries import recent_refusals
from joinedup.people.models import Child, Practitioner

from .models import Involvement
from .policy import Action, current_involvements, grounds, sensitive_services_seen_by


def children_worked_with(user: Any) -> QuerySet[Child]:
    """The children a practitioner works with now and may open: their own involvements that let
    them view the child (a referrer's feedback-only involvement does not), as the policy says."""
    own = grounds(user, Action.VIEW_CHILD).filter(practitioner__user=user, child_id=OuterRef("pk"))
    return Child.objects.filter(Exists(own)).order_by("surname", "forenames")


def managed_caseloads(manager: Practitioner) -> list[dict[str, Any]]:
    """Per practitioner in the teams and localities a manager oversees, the children they work with
    and may open, counted in one query."""
    staff = Practitioner.objects.filter(
        Q(team__in=manager.manages_teams.all()) | Q(team__locality__in=manager.manages_localities.all())
    ).exclude(pk=manager.pk)
    open_counts = dict(
        grounds(manager.user, Action.VIEW_CHILD)
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
    """One line of "who is involved", shielded when the service is sensitive and the reader may not
    know it is involved: nothing that names it (service, team, job title, agency) is shown."""

    involvement: Involvement
    shielded: bool


def involvements_as_seen_by(user: Any, child: Child) -> list[InvolvementLine]:
    seen = sensitive_services_seen_by(user, [child.pk])[child.pk]
    return [
        InvolvementLine(involvement, involvement.shields_from(seen))
        for involvement in current_involvements()
        .filter(child=child)
        .select_related("service__agency", "practitioner__user", "practitioner__team__service", "practitioner__agency")
    ]


def audit_listing(user: Any, children: Iterable[Child], *, listed_on: str) -> None:
    """A list naming children is a read of each: one audit event per child listed."""
    audit.record_each(
        actor=user,
        verb="listed_child",
        child_ids=[child.pk for child in children],
        legal_basis=f"Listed on {listed_on}, as someone who may open the child's record",
    )


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

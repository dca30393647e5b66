"""Shared reads about who is involved with which children."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.db.models.functions import Coalesce

from joinedup.agencies.models import Service, Team
from joinedup.audit import services as audit
from joinedup.audit.queries import events_for_child, recent_refusals
from joinedup.people.models import Child, Practitioner

from .models import Involvement
from .policy import Action, current_involvements, grounds, managed_by, sensitive_services_seen_by


def children_worked_with(user: Any) -> QuerySet[Child]:
    """The children a practitioner works with now and may open: their own involvements that let
    them view the child (a referrer's feedback-only involvement does not), as the policy says."""
    own = grounds(user, Action.VIEW_CHILD).filter(practitioner__user=user, child_id=OuterRef("pk"))
    return Child.objects.filter(Exists(own))  # in the children's own order: names not known last


def managed_caseloads(manager: Practitioner) -> list[dict[str, Any]]:
    """Per practitioner in the teams and localities a manager oversees, the children they work with
    and may open, counted in one query."""
    staff = list(
        Practitioner.objects.filter(managed_by(manager, via=""))
        .exclude(pk=manager.pk)
        .select_related("user", "team")
        .distinct()
    )
    # Counted for the workers' ids as a list: as a subquery, PostgreSQL read every current
    # involvement in the authority (80,000 at 250,000 children) to find the few hundred of theirs.
    open_counts = dict(
        grounds(manager.user, Action.VIEW_CHILD)
        .filter(practitioner__in=[p.pk for p in staff])
        .values_list("practitioner")
        .annotate(n=Count("child", distinct=True))
    )
    return [{"practitioner": p, "open_children": open_counts.get(p.pk, 0)} for p in staff]


@dataclass(frozen=True)
class InvolvementLine:
    """One line of "who is involved", shielded when the service is sensitive and the reader may not
    know it is involved: nothing that names it (service, team, job title, agency) is shown."""

    involvement: Involvement
    shielded: bool


def involvements_as_seen_by(user: Any, child: Child, shield: SensitiveShield | None = None) -> list[InvolvementLine]:
    """`shield`: the reader's shield for this child, when the page has already asked for it."""
    shield = shield or shield_for(user, [child.pk])
    return [
        InvolvementLine(involvement, shield.hides_involvement(involvement))
        for involvement in current_involvements()
        .filter(child=child)
        .select_related("service__agency", "practitioner__user", "practitioner__team__service", "practitioner__agency")
    ]


@dataclass(frozen=True)
class PractitionerAsSeen:
    """A practitioner as one reader may see them beside one child. The name and phone are always
    shown (the family and the team need to reach them); when their team is in a sensitive service
    the reader may not know is involved with the child, their job title, agency and email are not,
    since each can name the service (pages name no team beside a child)."""

    name: str
    job_role: str
    agency: str
    phone: str
    email: str
    shielded: bool

    @property
    def job(self) -> str:
        return "A practitioner" if self.shielded else self.job_role

    @property
    def described(self) -> str:
        """One line naming them: "Nia Evans, School nurse (Northshire Community Health)"."""
        if self.shielded:
            return f"{self.name}, a practitioner"
        return f"{self.name}, {self.job_role} ({self.agency})" if self.agency else f"{self.name}, {self.job_role}"


class SensitiveShield:
    """What one reader may know of sensitive services for some children, decided once per page
    (policy.sensitive_services_seen_by): pages ask it how to name each practitioner beside a child
    and whether a service may be named, and templates render its answers."""

    def __init__(self, user: Any, child_ids: Iterable[int]):
        self.seen = sensitive_services_seen_by(user, child_ids)

    @cached_property
    def _sensitive_services(self) -> frozenset[int]:
        return frozenset(Service.objects.filter(sensitive=True).values_list("pk", flat=True))

    @cached_property
    def _sensitive_teams(self) -> dict[int, int]:
        """Team to its sensitive service, for the teams of sensitive services (a handful)."""
        return dict(Team.objects.filter(service__sensitive=True).values_list("pk", "service_id"))

    def hides_service(self, service_id: int | None, child_id: int) -> bool:
        """Whether naming this service beside this child would tell the reader more than they may know."""
        return service_id in self._sensitive_services and service_id not in self.seen.get(child_id, frozenset())

    def hides_team(self, team_id: int | None, child_id: int) -> bool:
        return self.hides_service(self._sensitive_teams.get(team_id), child_id)

    @cached_property
    def _sensitive_agencies(self) -> dict[int, frozenset[int]]:
        """Agencies whose every service is sensitive (a mental health trust, a young people's drug
        service), with those services: naming such an agency beside a child names the service."""
        sensitive: dict[int, set[int]] = {}
        ordinary = set()
        for agency_id, service_id, is_sensitive in Service.objects.values_list("agency_id", "pk", "sensitive"):
            if is_sensitive:
                sensitive.setdefault(agency_id, set()).add(service_id)
            else:
                ordinary.add(agency_id)
        return {agency: frozenset(services) for agency, services in sensitive.items() if agency not in ordinary}

    def hides_agency(self, agency_id: int | None, child_id: int) -> bool:
        services = self._sensitive_agencies.get(agency_id, frozenset())
        return bool(services) and not services & self.seen.get(child_id, frozenset())

    def agency_names(self, agencies: Iterable[Any], child_id: int) -> str:
        """The agencies' names joined for a page, each one the reader may not know of left out and
        counted, so a consent naming a sensitive agency does not name it to them."""
        agencies = list(agencies)
        shown = [agency.name for agency in agencies if not self.hides_agency(agency.pk, child_id)]
        hidden = len(agencies) - len(shown)
        if hidden:
            shown.append("an agency not shown" if hidden == 1 else f"{hidden} agencies not shown")
        return ", ".join(shown)

    def hides_involvement(self, involvement: Involvement) -> bool:
        """Whether the involvement's own service, or its practitioner's team's, may not be named."""
        child_id = involvement.child_id
        return self.hides_service(involvement.service_id, child_id) or self.hides_team(
            involvement.practitioner.team_id, child_id
        )

    def practitioner(self, practitioner: Practitioner, child_id: int) -> PractitionerAsSeen:
        shielded = self.hides_team(practitioner.team_id, child_id)
        return PractitionerAsSeen(
            name=practitioner.name,
            job_role="" if shielded else practitioner.job_role,
            agency="" if shielded else practitioner.agency.name,
            phone=practitioner.phone,
            # A work email's domain can name the service as surely as the job title.
            email="" if shielded else practitioner.user.email,
            shielded=shielded,
        )

    def practitioners(self, practitioners: Iterable[Practitioner], child_id: int) -> dict[int, PractitionerAsSeen]:
        """Each practitioner by id, for a page that names several beside one child."""
        return {p.pk: self.practitioner(p, child_id) for p in practitioners}


def shield_for(user: Any, child_ids: Iterable[int]) -> SensitiveShield:
    return SensitiveShield(user, child_ids)


@dataclass(frozen=True)
class AuditLine:
    """One line of a child's audit trail as a reader may see it: an event that could tell them a
    sensitive service is involved names neither the person nor their reason."""

    at: Any
    who: str
    role: str
    what: str
    why: str
    shielded: bool


def audit_trail_as_seen_by(user: Any, child: Child, limit: int = 500) -> list[AuditLine]:
    """A child's audit events, newest first. An event is shielded when the reader may not know the
    sensitive service it carries (a read allowed through that service's involvement, or a change
    to its allocations), or when its actor works in such a service: a username or a reason names
    the service as surely as its name."""
    events = list(events_for_child(child.pk)[:limit])
    shield = shield_for(user, [child.pk])
    actor_teams = dict(
        Practitioner.objects.filter(user_id__in={e.actor_id for e in events if e.actor_id}).values_list(
            "user_id", "team_id"
        )
    )

    def shielded(event) -> bool:
        detail = event.detail or {}
        service_id = detail.get("sensitive_service_id") or (
            detail.get("service_id") if event.verb in ("allocation_recorded", "allocation_withdrawn") else None
        )
        actor_team = actor_teams.get(event.actor_id)
        return shield.hides_service(service_id, child.pk) or shield.hides_team(actor_team, child.pk)

    return [
        AuditLine(
            event.at,
            "A practitioner in a sensitive service",
            "",
            event.verb.replace("_", " "),
            "Their involvement is with a sensitive service",
            True,
        )
        if shielded(event)
        else AuditLine(
            event.at,
            event.actor_username,
            event.actor_role.replace("_", " "),
            event.verb.replace("_", " "),
            event.legal_basis,
            False,
        )
        for event in events
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


def involvement_return_rows():
    """Every involvement as a plain row, for the Standard Safeguarding Dataset's involvements."""
    return Involvement.objects.annotate(current_child_id=Coalesce("child__merged_into_id", "child_id")).values(
        "id", "current_child_id", "child__la_child_id", "practitioner_id", "kind", "practitioner__team__name",
        "started", "ended",
    )  # fmt: skip

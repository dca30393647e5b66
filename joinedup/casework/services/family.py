"""The family's own view of their plan: accounts for a parent or carer, or the young person, and
their words before a review."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse

from joinedup.access.policy import Action
from joinedup.audit import services as audit
from joinedup.casework import queries
from joinedup.casework.errors import NotAllowed, RuleBroken
from joinedup.casework.models import (
    Case,
    FamilyAccount,
    FamilyView,
)
from joinedup.casework.notifications import notify
from joinedup.people.models import Carer

from ._common import _require, _require_open


@transaction.atomic
def create_family_account(
    *,
    case: Case,
    created_by: Any,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    carer: Carer | None = None,
) -> FamilyAccount:
    """An account for a parent or carer with parental responsibility (`carer`), or for the young
    person (no carer). They set their password through the forgotten-password page."""
    _require(created_by, Action.CHANGE_PLAN, case)
    _require_open(case)
    if carer is not None and not case.child.carer_links.filter(carer=carer, parental_responsibility=True).exists():
        raise RuleBroken("Only a parent or carer with parental responsibility for the child can see the plan")
    user = get_user_model().objects.create_user(
        username=username, email=email, first_name=first_name, last_name=last_name, password=None
    )
    account = FamilyAccount.objects.create(user=user, carer=carer, child=None if carer else case.child)
    audit.record(
        actor=created_by,
        verb="created_family_account",
        child_id=case.child_id,
        target=account,
        legal_basis="The family's own access to their plan",
    )
    return account


@transaction.atomic
def add_family_view(*, case: Case, written_by: Any, text: str) -> FamilyView:
    """The family's words before a review; the lead professional is told."""
    account = queries.family_account_of(written_by)
    if account is None or not queries.family_cases(written_by).filter(pk=case.pk).exists():
        raise NotAllowed("This is not your family's plan")
    if not text.strip():
        raise RuleBroken("Write what you would like the team to know")
    view = FamilyView.objects.create(case=case, account=account, text=text.strip())
    audit.record(
        actor=written_by, verb="family_added_views", child_id=case.child_id, target=view, legal_basis="Family member"
    )
    notify(
        recipient=case.lead_professional.user,
        subject="A family has added their views for the next review",
        body="Read them before the review.",
        link=reverse("casework:case", args=[case.pk]),
    )
    return view

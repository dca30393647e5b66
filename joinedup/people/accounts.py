"""Staff accounts, as an administrator manages them: create, change, switch off, unlock, and
reset an authenticator app. Every change is audited (with no child: it is about staff)."""

from __future__ import annotations

from typing import Any

from axes.utils import reset as reset_sign_in_failures
from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from joinedup.agencies.models import Agency, Team
from joinedup.audit import services as audit

from .models import Practitioner

ADMINISTRATION = "Account administration by an administrator"


@transaction.atomic
def create_staff_account(
    *,
    created_by: Any,
    username: str,
    given_name: str,
    family_name: str,
    email: str,
    agency: Agency,
    team: Team | None,
    job_role: str,
    role: str,
) -> Practitioner:
    """A new account starts without a password: its holder sets one from an emailed link."""
    user = get_user_model().objects.create(username=username, first_name=given_name, last_name=family_name, email=email)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    practitioner = Practitioner.objects.create(user=user, agency=agency, team=team, job_role=job_role, role=role)
    audit.record(
        actor=created_by,
        verb="created_account",
        target=practitioner,
        legal_basis=ADMINISTRATION,
        detail={"username": username, "role": role, "agency": agency.code},
    )
    return practitioner


@transaction.atomic
def change_staff_account(
    *, changed_by: Any, practitioner: Practitioner, team: Team | None, job_role: str, role: str, active: bool
) -> Practitioner:
    before = {
        "team": practitioner.team_id,
        "job_role": practitioner.job_role,
        "role": practitioner.role,
        "active": practitioner.user.is_active,
    }
    practitioner.team, practitioner.job_role, practitioner.role = team, job_role, role
    practitioner.save(update_fields=["team", "job_role", "role"])
    practitioner.user.is_active = active
    practitioner.user.save(update_fields=["is_active"])
    after = {"team": practitioner.team_id, "job_role": job_role, "role": role, "active": active}
    changed = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    audit.record(
        actor=changed_by,
        verb="changed_account",
        target=practitioner,
        legal_basis=ADMINISTRATION,
        detail={"username": practitioner.user.username, "changed": changed},
    )
    return practitioner


@transaction.atomic
def reset_two_factor(*, reset_by: Any, practitioner: Practitioner) -> int:
    """For a lost phone: the holder enrols a new authenticator app at their next sign-in."""
    removed, _ = TOTPDevice.objects.filter(user=practitioner.user).delete()
    audit.record(
        actor=reset_by,
        verb="reset_two_factor",
        target=practitioner,
        legal_basis=ADMINISTRATION,
        detail={"username": practitioner.user.username, "devices_removed": removed},
    )
    return removed


@transaction.atomic
def unlock_sign_in(*, unlocked_by: Any, practitioner: Practitioner) -> int:
    """Clear the failed sign-ins that locked an account (django-axes)."""
    cleared = reset_sign_in_failures(username=practitioner.user.username)
    audit.record(
        actor=unlocked_by,
        verb="unlocked_sign_in",
        target=practitioner,
        legal_basis=ADMINISTRATION,
        detail={"username": practitioner.user.username, "failures_cleared": cleared},
    )
    return cleared

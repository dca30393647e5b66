"""What every casework view needs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone

from joinedup.access.queries import shield_for
from joinedup.casework.services import ConsentGiven


def practitioner_of(request: HttpRequest):
    practitioner = getattr(request.user, "practitioner", None)
    if practitioner is None:
        raise PermissionDenied("This account has no practitioner profile")
    return practitioner


def choices_as_seen(form: forms.Form, field: str, *, by: Any, child_id: int) -> forms.Form:
    """Name the practitioners a form offers as `by` may see them beside the child: a job title or
    agency that would name a sensitive service they may not know is involved is left out."""
    shield = shield_for(by, [child_id])
    form.fields[field].label_from_instance = lambda practitioner: shield.practitioner(practitioner, child_id).described
    return form


def consent_given_today(data: dict) -> ConsentGiven | None:
    """The family's consent as a form with consent, consent_given_by, _name and _scope heard it
    today; None unless they said yes."""
    if data.get("consent") != "yes":
        return None
    return ConsentGiven(
        given_by=data["consent_given_by"],
        given_by_name=data["consent_given_by_name"],
        given_on=timezone.localdate(),
        share_with_all_partners=data["consent_scope"] == "all_partners",
    )

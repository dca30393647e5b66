"""What every casework view needs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from joinedup.access.queries import shield_for


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

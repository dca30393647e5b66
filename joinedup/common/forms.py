"""Form parts every room shares: GOV.UK date inputs, where one date is three boxes and the error
names the part that is wrong (https://design-system.service.gov.uk/components/date-input/); free
text with a limit; and the row an id from a page names."""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from django import forms
from django.db import models

Row = TypeVar("Row", bound=models.Model)

PARTS = ("day", "month", "year")


def date_part(label: str, low: int, high: int) -> forms.IntegerField:
    message = f"{label} must be a number between {low} and {high}"
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=low,
        max_value=high,
        error_messages={"invalid": message, "min_value": message, "max_value": message},
    )


class DateInputs(forms.Form):
    """`dates = {"held_on": "Date of the meeting"}` adds the boxes held_on_day, held_on_month and
    held_on_year (after the declared fields) and puts the date in cleaned_data["held_on"], or an
    error on held_on_day saying what is wrong. Dates named in `optional_dates` may be left empty
    (None); `first_year` is the earliest year the boxes take; `date_problem` adds a form's own rule
    (a date of birth cannot be in the future)."""

    dates: dict[str, str] = {}
    optional_dates: frozenset[str] = frozenset()
    first_year = 2000

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bounds = {"day": (1, 31), "month": (1, 12), "year": (self.first_year, 2100)}
        for prefix in self.dates:
            for part in PARTS:
                self.fields[f"{prefix}_{part}"] = date_part(part.capitalize(), *bounds[part])

    def date_problem(self, prefix: str, value: date) -> str | None:
        return None

    def clean(self):
        cleaned = super().clean()
        for prefix, label in self.dates.items():
            target = f"{prefix}_day"
            if any(f"{prefix}_{part}" in self.errors for part in PARTS):
                continue
            day, month, year = (cleaned.get(f"{prefix}_{part}") for part in PARTS)
            if day is None and month is None and year is None:
                if prefix in self.optional_dates:
                    cleaned[prefix] = None
                else:
                    self.add_error(target, f"Enter the {label.lower()}")
                continue
            missing = [part for part, value in zip(PARTS, (day, month, year), strict=True) if value is None]
            if missing:
                self.add_error(target, f"{label} must include a {' and '.join(missing)}")
                continue
            try:
                value = date(year, month, day)
            except ValueError:
                self.add_error(target, f"{label} must be a real date")
                continue
            problem = self.date_problem(prefix, value)
            if problem:
                self.add_error(target, problem)
            else:
                cleaned[prefix] = value
        return cleaned


class FreeText(forms.CharField):
    """Text a person writes, never unbounded: it is stored, shown on pages and exported. `what`
    names it in the GOV.UK message for text that is too long ("Reasons must be 2,000 characters
    or fewer"); pages show a textarea with a limit as a GOV.UK character count."""

    def __init__(self, *, what: str, max_length: int, **kwargs):
        super().__init__(max_length=max_length, **kwargs)
        self.error_messages.setdefault("max_length", f"{what} must be {max_length:,} characters or fewer")


def chosen(queryset: models.QuerySet[Row], value: object) -> Row | None:
    """The row of `queryset` that an id from a page (a hidden field, a query string) names, or
    None when it names none of them: missing, not a number, or not one of the rows."""
    try:
        return forms.ModelChoiceField(queryset=queryset, required=False).clean(value)
    except forms.ValidationError:
        return None

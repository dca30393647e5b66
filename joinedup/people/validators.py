"""Django validators over the shared identifier rules, so every form and model checks alike."""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone

from joinedup.common.identifiers import nhs_number_problem, upn_problem


def validate_nhs_number(value: str) -> None:
    if problem := nhs_number_problem(value):
        raise ValidationError(problem, code="invalid_nhs_number")


def validate_upn(value: str) -> None:
    if problem := upn_problem(value):
        raise ValidationError(problem, code="invalid_upn")


def validate_birth_date(value: date) -> None:
    if value > timezone.localdate():
        raise ValidationError("Date of birth must be today or in the past", code="future_birth_date")
    if value.year < 1990:
        raise ValidationError(
            "Date of birth must be after 1990: joinedup holds children and care leavers", code="implausible_birth_date"
        )

"""The two national child identifiers and their check characters.

NHS number: ten digits, weights 10..2 on the first nine, check = 11 - (sum mod 11); 11 means 0 and
10 means the number is invalid. UPN (unique pupil number): a check letter then twelve digits
(LA code 3, establishment 4, year 2, serial 3); weights 2..13 on characters 2-13, sum mod 23
indexes the 23-letter alphabet below (DfE, "Unique pupil numbers", annex).
"""

from __future__ import annotations

import re

UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
_NHS_SHAPE = re.compile(r"^\d{10}$")
_UPN_SHAPE = re.compile(r"^[A-Z]\d{11}[0-9A-Z]$")


def normalise_nhs_number(value: str) -> str:
    """NHS numbers are often written 943 476 5919 or 943-476-5919."""
    return re.sub(r"[\s-]", "", value or "")


def nhs_check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when no valid number can end them."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def nhs_number_problem(value: str) -> str | None:
    """Why this is not a valid NHS number, in words for a person; None when it is valid."""
    number = normalise_nhs_number(value)
    if not _NHS_SHAPE.match(number):
        return "Enter an NHS number with 10 digits, like 943 476 5919"
    if len(set(number)) == 1:
        return "Enter a real NHS number: 10 identical digits are not issued"
    check = nhs_check_digit(number[:9])
    if check is None or check != int(number[9]):
        return "Enter a valid NHS number: the last digit (the check digit) does not match"
    return None


def is_valid_nhs_number(value: str) -> bool:
    return nhs_number_problem(value) is None


def upn_check_letter(last_twelve: str) -> str:
    """The check letter for the twelve characters after it (the last may be a letter in
    temporary UPNs, which counts as its alphabet position)."""
    total = 0
    for weight, char in zip(range(2, 14), last_twelve, strict=True):
        total += weight * (int(char) if char.isdigit() else UPN_CHECK_LETTERS.index(char))
    return UPN_CHECK_LETTERS[total % 23]


def normalise_upn(value: str) -> str:
    return re.sub(r"\s", "", value or "").upper()


def upn_problem(value: str) -> str | None:
    """Why this is not a valid UPN, in words for a person; None when it is valid."""
    upn = normalise_upn(value)
    if not _UPN_SHAPE.match(upn) or (upn[-1].isalpha() and upn[-1] not in UPN_CHECK_LETTERS):
        return "Enter a UPN of 13 characters: a letter then 12 digits, like B801200005001"
    if upn[0] != upn_check_letter(upn[1:]):
        return "Enter a valid UPN: the first letter (the check letter) does not match"
    return None


def is_valid_upn(value: str) -> bool:
    return upn_problem(value) is None

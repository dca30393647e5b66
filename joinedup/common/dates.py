"""The one date parser: every file and form states its date format by name."""

from __future__ import annotations

from datetime import date, datetime

FORMATS = {
    "iso": "%Y-%m-%d",
    "dd/mm/yyyy": "%d/%m/%Y",
    "yyyymmdd": "%Y%m%d",
    # The school census COLLECT export (as liia-tools-pipeline reads it): 2025-Jan-16 00:00:00.
    "yyyy-mon-dd hh:mm:ss": "%Y-%b-%d %H:%M:%S",
    # Case management systems' exports, e.g. youth justice: 16-Jan-2025.
    "dd-mon-yyyy": "%d-%b-%Y",
}


def parse_date(value: str, format_name: str = "iso") -> date:
    """Parse `value` in the named format; ValueError says what was expected."""
    pattern = FORMATS[format_name]
    try:
        return datetime.strptime(value.strip(), pattern).date()
    except ValueError:
        raise ValueError(f"expected a date as {format_name}, got {value!r}") from None


def parse_optional_date(value: str | None, format_name: str = "iso") -> date | None:
    return parse_date(value, format_name) if value and value.strip() else None


def format_date(value: date, format_name: str = "iso") -> str:
    """Write a date in the named format (a spreadsheet's date cell, in the format its column declares)."""
    return value.strftime(FORMATS[format_name])

"""Column-at-a-time cleaning of extract values into the canonical record's shapes. Each rule that
already exists for one value (the date parser, the identifier and postcode rules) is applied once
per distinct value, so a million rows cost what their few thousand distinct dates cost.

Text columns are Arrow-backed (pandas' "string[pyarrow]"): their operations run in C++, several
times faster than on Python objects, which a million-row extract needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from joinedup.common.dates import FORMATS as DATE_FORMATS
from joinedup.common.dates import format_date, parse_date
from joinedup.common.identifiers import normalise_nhs_number, normalise_upn
from joinedup.common.postcodes import normalise_postcode

TEXT = "string[pyarrow]"
_UNTIDY = r"\s\s|[\x00-\x1f\x7f]"  # runs of spaces, tabs, line breaks and other control characters
_SPACES = r"[\s\x00-\x1f\x7f]+"


def mask(values: pd.Series | np.ndarray) -> np.ndarray:
    """A plain boolean array from any boolean column (Arrow, nullable or numpy), missing as False."""
    if isinstance(values, np.ndarray) and values.dtype == bool:
        return values
    return pd.Series(values).to_numpy(dtype=bool, na_value=False)


def as_text(values, index: pd.Index | None = None) -> pd.Series:
    """An Arrow text column from text values (a list, an array or a column); None stays missing."""
    if isinstance(values, pd.Series) and values.dtype == TEXT:
        return values
    array = pa.array(values.tolist() if isinstance(values, pd.Series) else values, type=pa.large_string())
    series = pd.Series(pd.arrays.ArrowStringArray(array))
    return series.set_axis(index if index is not None else getattr(values, "index", series.index))


def constant(value: str, index: pd.Index) -> pd.Series:
    """A text column holding one value on every row."""
    repeated = pa.array([value], type=pa.large_string()).take(pa.array(np.zeros(len(index), dtype=np.int64)))
    return pd.Series(pd.arrays.ArrowStringArray(repeated), index=index)


def per_value(values: pd.Series, convert: Callable[[str], str | None]) -> pd.Series:
    """Apply `convert` to each distinct value and spread the answers back over the rows (missing
    where it answered None)."""
    codes, distinct = pd.factorize(as_text(values))
    answers = pa.array([convert(v) for v in distinct.tolist()], type=pa.large_string())
    spread = answers.take(pa.array(codes, type=pa.int64()))
    return pd.Series(pd.arrays.ArrowStringArray(spread), index=values.index)


def text(values: pd.Series) -> pd.Series:
    """Stripped, with runs of spaces, tabs, line breaks and control characters made one space."""
    stripped = as_text(values).str.strip()
    untidy = mask(stripped.str.contains(_UNTIDY, regex=True))
    if untidy.any():
        stripped = stripped.where(~untidy, stripped.str.replace(_SPACES, " ", regex=True).str.strip())
    return stripped


def names(values: pd.Series, case: str) -> pd.Series:
    """Names keep the case they are held in unless the source file asks otherwise (a system that
    holds names in capitals); linkage compares them without case."""
    cleaned = text(values)
    if case == "upper":
        return cleaned.str.upper()
    if case == "title":
        return cleaned.str.title()
    return cleaned


def postcodes(values: pd.Series) -> pd.Series:
    return per_value(values, normalise_postcode)


def nhs_numbers(values: pd.Series) -> pd.Series:
    """Digits as held, without the spaces or hyphens of 943 476 5919; the check digit is the
    linkage engine's to weigh, not the import's to refuse."""
    return _where(values, r"[\s-]", normalise_nhs_number)


def upns(values: pd.Series) -> pd.Series:
    return _where(values, r"[\sa-z]", normalise_upn)


def _where(values: pd.Series, untidy: str, convert: Callable[[str], str]) -> pd.Series:
    """`convert` applied only to values matching `untidy` (most are already in shape)."""
    values = as_text(values)
    needed = mask(values.str.contains(untidy, regex=True))
    if not needed.any():
        return values
    return values.where(~needed, per_value(values, convert))


def compact(values: pd.Series) -> pd.Series:
    """Other identifiers: no spaces, case as held."""
    return as_text(values).str.replace(r"\s+", "", regex=True)


class DateFormats(tuple[str, ...]):
    """The formats a date column is held in, tried in turn: a value is read by the first that reads
    it (a system that changed its export keeps both). Written as a person reads it: "yyyymmdd or
    iso"."""

    def __new__(cls, names: str | Iterable[str]) -> DateFormats:
        return super().__new__(cls, (names,) if isinstance(names, str) else names)

    def __str__(self) -> str:
        return " or ".join(self)


@lru_cache(maxsize=65536)
def iso_date(value: str, formats: str | tuple[str, ...]) -> str | None:
    """One date held in the named format (or the first of the formats that reads it) as ISO text:
    '' when empty, None when it is not a date."""
    if not value.strip():
        return ""
    for format_name in DateFormats(formats):
        try:
            return parse_date(value, format_name).isoformat()
        except ValueError:
            continue
    return None


def dates(values: pd.Series, formats: str | tuple[str, ...]) -> tuple[pd.Series, pd.Series]:
    """ISO text for each date held in the named format, or the first of the formats that reads it
    ('' where empty), and which rows could not be read as one."""
    converted = per_value(values, lambda value: iso_date(value, formats))
    failed = mask(converted.isna())
    return converted.fillna(""), pd.Series(failed, index=values.index)


def disagreement(first: str, second: str) -> tuple[str, date, date] | None:
    """A text the two date formats both read, as different dates (16/01/2025 as dd/mm/yyyy and as
    mm/dd/yyyy), or None when they cannot be confused: a column may then list both."""
    return _disagreement(first, second, DATE_FORMATS[first], DATE_FORMATS[second])


@lru_cache(maxsize=256)
def _disagreement(first: str, second: str, *_patterns: str) -> tuple[str, date, date] | None:
    """Every day of a common, a leap and a two-digit year written in each format and read in the
    other: the day, the month and the year each take every value they can, so a pair that can
    mistake one for another does so on one of them. (The patterns key the cache.)"""
    years = (1987, 2001, 2012)
    days = [date(year, 1, 1) + timedelta(days=n) for year in years for n in range(366 if year == 2012 else 365)]
    for written_in, read_in in ((first, second), (second, first)):
        for day in days:
            text = format_date(day, written_in)
            try:
                read = parse_date(text, read_in)
            except ValueError:
                continue
            if read != day:
                return (text, day, read) if written_in == first else (text, read, day)
    return None


def numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers as the school census writes them ("140.0"), as floats (NaN where empty), and which
    rows held something else."""
    stripped = values.astype(object).str.strip()
    parsed = pd.to_numeric(stripped.where(stripped != "", None), errors="coerce").astype(float)
    return parsed, pd.Series(mask(parsed.isna()) & mask(stripped != ""), index=values.index)


def plain_number(value: float) -> int | float | None:
    """A count for JSON: 140.0 -> 140, 2.5 stays 2.5, NaN -> None."""
    if value is None or np.isnan(value):
        return None
    return int(value) if float(value).is_integer() else float(value)


def json_objects(columns: dict[str, pd.Series], index: pd.Index) -> pd.Series:
    """One JSON object of text values per row, built column at a time. Keys are fact names
    (letters, digits, _) and values have been through text(), which leaves no control
    characters, so only backslashes and quotes need escaping."""
    if not columns:
        return constant("{}", index)
    parts: list = []
    for number, (key, values) in enumerate(columns.items()):
        parts.append(pa.scalar(("{" if number == 0 else ",") + f'"{key}":"', type=pa.large_string()))
        held = as_text(values).array._pa_array
        parts.append(pc.replace_substring(pc.replace_substring(held, "\\", "\\\\"), '"', '\\"'))
        parts.append(pa.scalar('"', type=pa.large_string()))
    parts.append(pa.scalar("}", type=pa.large_string()))
    joined = pc.binary_join_element_wise(*parts, pa.scalar("", type=pa.large_string()))
    return pd.Series(pd.arrays.ArrowStringArray(joined), index=index)

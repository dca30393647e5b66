"""Column-at-a-time cleaning of extract values into the canonical record's shapes. Each rule that
already exists for one value (the date parser, the identifier and postcode rules) is applied once
per distinct value, so a million rows cost what their few thousand distinct dates cost."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np
import pandas as pd

from joinedup.common.dates import parse_date
from joinedup.common.identifiers import normalise_nhs_number, normalise_upn
from joinedup.common.postcodes import normalise_postcode

_SPACES = r"\s+"
# Text columns are Arrow-backed: column operations run in C++, several times faster than on
# Python objects, which a million-row extract needs.
TEXT = "string[pyarrow]"


def mask(values: pd.Series | np.ndarray) -> np.ndarray:
    """A plain boolean array from any boolean column (Arrow, nullable or numpy), missing as False."""
    if isinstance(values, np.ndarray) and values.dtype == bool:
        return values
    return pd.Series(values).to_numpy(dtype=bool, na_value=False)


def per_value(values: pd.Series, convert: Callable[[str], str], *, only: np.ndarray | None = None) -> pd.Series:
    """Apply `convert` to each distinct value (of the rows `only` marks, when given: those not
    already in shape) and spread the answers back over the rows."""
    if only is not None:
        if not only.any():
            return values
        converted = values.astype(object)
        converted[only] = per_value(values[only], convert)
        return converted.astype(TEXT)
    distinct = pd.unique(values.astype(object).to_numpy())
    answers = dict(zip(distinct, (convert(v) for v in distinct), strict=True))
    return values.astype(object).map(answers)


def text(values: pd.Series) -> pd.Series:
    """Stripped, with runs of spaces, tabs and line breaks made one space."""
    stripped = values.astype(TEXT).str.strip()
    untidy = mask(stripped.str.contains(r"\s\s|[\t\r\n]", regex=True))
    if untidy.any():
        stripped = stripped.where(~untidy, stripped.str.replace(_SPACES, " ", regex=True))
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
    return per_value(values, normalise_postcode).astype(TEXT)


def nhs_numbers(values: pd.Series) -> pd.Series:
    """Digits as held, without the spaces or hyphens of 943 476 5919; the check digit is the
    linkage engine's to weigh, not the import's to refuse."""
    return per_value(values, normalise_nhs_number, only=mask(values.str.contains(r"[\s-]", regex=True)))


def upns(values: pd.Series) -> pd.Series:
    return per_value(values, normalise_upn, only=mask(values.str.contains(r"[\sa-z]", regex=True)))


def compact(values: pd.Series) -> pd.Series:
    """Other identifiers: no spaces, case as held."""
    return values.str.replace(_SPACES, "", regex=True)


@lru_cache(maxsize=65536)
def iso_date(value: str, format_name: str) -> str | None:
    """One date held in the named format as ISO text: '' when empty, None when it is not a date."""
    if not value.strip():
        return ""
    try:
        return parse_date(value, format_name).isoformat()
    except ValueError:
        return None


def dates(values: pd.Series, format_name: str) -> tuple[pd.Series, pd.Series]:
    """ISO text for each date held in the named format ('' where empty), and which rows could not
    be read as one."""
    converted = per_value(values, lambda value: iso_date(value, format_name))
    failed = mask(converted.isna())
    return converted.fillna("").astype(TEXT), pd.Series(failed, index=values.index)


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

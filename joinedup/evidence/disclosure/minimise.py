"""Data minimisation for de-identified extracts: a research partner gets only the columns its use
needs, each as coarse as the use allows (month of birth, postcode district, age band), with
identifiers replaced by a keyed hash that is stable within one project and differs across projects."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

PSEUDONYM_LENGTH = 16  # hex characters: 64 bits, no collisions in practice among an authority's children
SALT_BYTES = 32
# The age groups DfE publishes looked-after children in: under 1, 1 to 4, 5 to 9, 10 to 15, 16 and over.
DEFAULT_AGE_BANDS = (0, 1, 5, 10, 16)
# A full UK postcode, written without spaces: outward code (area, district) then inward code (sector digit, unit).
_POSTCODE = r"^(?P<district>[A-Z]{1,2}[0-9][A-Z0-9]?)(?P<sector>[0-9])[A-Z]{2}$"


class Treatment(StrEnum):
    KEEP = "keep"
    DROP = "drop"
    DATE_TO_MONTH = "date_to_month"
    DATE_TO_YEAR = "date_to_year"
    POSTCODE_TO_DISTRICT = "postcode_to_district"
    POSTCODE_TO_SECTOR = "postcode_to_sector"
    AGE_BAND = "age_band"
    PSEUDONYMISE = "pseudonymise"
    TOP_CODE = "top_code"


_COARSER_DATES = {Treatment.DATE_TO_MONTH, Treatment.DATE_TO_YEAR, Treatment.AGE_BAND}
_COARSER_POSTCODES = {Treatment.POSTCODE_TO_DISTRICT, Treatment.POSTCODE_TO_SECTOR}
# Direct identifiers, recognised by column name (lower case, letters and digits only), and what
# may be done with each: drop or pseudonymise always, or make it coarser where that is meaningful.
_DIRECT_IDENTIFIERS = [
    ("an NHS number", re.compile(r"nhs"), set()),
    ("a unique pupil number", re.compile(r"^upn|upn$"), set()),
    ("a full date of birth", re.compile(r"^dob|dob$|dateofbirth|birthdate"), _COARSER_DATES),
    ("a full postcode", re.compile(r"postcode|^homepost$|^plpost$"), _COARSER_POSTCODES),
    ("an address", re.compile(r"address"), set()),
    ("a name", re.compile(r"(^|first|fore|given|family|last|sur|middle|full|preferred|former)names?$"), set()),
    ("the authority's child identifier", re.compile(r"^(child|childid|lachildid|personid)$"), set()),
]


@dataclass(frozen=True)
class ColumnRule:
    """What the extract does with one column; `extract_column` is its name in the extract."""

    column: str
    treatment: Treatment
    extract_column: str
    cap: float | None = None
    age_bands: tuple[int, ...] = DEFAULT_AGE_BANDS


@dataclass(frozen=True)
class MinimisationPolicy:
    """One use's minimisation: the purpose recorded with every extract and a rule per column.
    Columns without a rule are dropped."""

    purpose: str
    rules: tuple[ColumnRule, ...]

    def __post_init__(self) -> None:
        if not self.purpose.strip():
            raise ValueError("Say what the extract is for: a policy needs a purpose")
        names = [rule.extract_column for rule in self.rules if rule.treatment != Treatment.DROP]
        if duplicated := sorted({name for name in names if names.count(name) > 1}):
            raise ValueError(f"Two columns would have the same name in the extract: {duplicated}")
        for rule in self.rules:
            _check_rule(rule)

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> MinimisationPolicy:
        """From a TOML-friendly shape::

        purpose = "Attendance after early help, for the university's evaluation"
        [columns]
        child_id = "pseudonymise"
        date_of_birth = { treatment = "age_band", as = "age_band", bands = [0, 5, 11, 16] }
        postcode = { treatment = "postcode_to_district", as = "postcode_district" }
        sessions_missed = { treatment = "top_code", cap = 200 }
        """
        rules = []
        for column, spec in mapping.get("columns", {}).items():
            spec = {"treatment": spec} if isinstance(spec, str) else dict(spec)
            if unknown := sorted(set(spec) - {"treatment", "as", "cap", "bands"}):
                raise ValueError(f"The rule for {column} has settings this policy does not know: {unknown}")
            try:
                treatment = Treatment(spec["treatment"])
            except (KeyError, ValueError):
                choices = ", ".join(treatment.value for treatment in Treatment)
                raise ValueError(f"Give {column} a treatment, one of: {choices}") from None
            rules.append(
                ColumnRule(
                    column=column,
                    treatment=treatment,
                    extract_column=spec.get("as", column),
                    cap=spec.get("cap"),
                    age_bands=tuple(spec.get("bands", DEFAULT_AGE_BANDS)),
                )
            )
        return cls(purpose=mapping.get("purpose", ""), rules=tuple(rules))


def new_project_salt() -> bytes:
    """A secret for one research project's pseudonyms. The caller stores it with the project (so a
    later extract for the same project links to the first) and never exports it: anyone holding
    it can test a guessed NHS number against the pseudonyms."""
    return secrets.token_bytes(SALT_BYTES)


def minimise(
    frame: pd.DataFrame, policy: MinimisationPolicy, *, project_salt: bytes, reference_date: date
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The extract and its data dictionary: for every column of `frame`, in plain English, what
    was done to it. `reference_date` is the date ages are worked out at."""
    if len(project_salt) < 16:
        raise ValueError("A project salt needs at least 16 random bytes; make one with new_project_salt()")
    if missing := [rule.column for rule in policy.rules if rule.column not in frame.columns]:
        raise ValueError(f"The policy names columns the data does not have: {missing}")
    extract = {}
    dictionary = {}
    for rule in policy.rules:
        if rule.treatment != Treatment.DROP:
            extract[rule.extract_column] = _treated(frame[rule.column], rule, project_salt, reference_date)
        dictionary[rule.column] = _described(rule)
    for column in frame.columns:
        dictionary.setdefault(column, "Dropped: not needed for this use.")
    return pd.DataFrame(extract, index=frame.index), dictionary


def pseudonyms(values: pd.Series, *, project_salt: bytes) -> pd.Series:
    """HMAC-SHA256 of each normalised identifier keyed with the project's salt, cut to 16 hex
    characters. A plain hash would not do: anyone can hash every possible NHS number and look
    the children up. Blank identifiers stay blank rather than sharing one pseudonym."""
    keyed = hmac.new(project_salt, digestmod=hashlib.sha256)

    def pseudonym(identifier: str) -> str:
        digest = keyed.copy()
        digest.update(identifier.encode())
        return digest.hexdigest()[:PSEUDONYM_LENGTH] if identifier else ""

    def convert(distinct: pd.Series) -> pd.Series:
        # Upper case without spaces or hyphens: how NHS numbers and UPNs are normalised on import.
        normalised = distinct.astype("string").str.upper().str.replace(r"[\s-]", "", regex=True).fillna("")
        return normalised.map(pseudonym)

    return _per_distinct(values, convert)


def ages(dates_of_birth: pd.Series, *, on: date) -> pd.Series:
    """Age in completed years on a date (a birthday counts on the day), missing where unknown."""
    born = _dates(dates_of_birth)
    before_birthday = (born.dt.month > on.month) | ((born.dt.month == on.month) & (born.dt.day > on.day))
    return (on.year - born.dt.year - before_birthday.astype(int)).astype("Int64")


def _check_rule(rule: ColumnRule) -> None:
    if rule.treatment == Treatment.TOP_CODE and rule.cap is None:
        raise ValueError(f"Give the cap to top-code {rule.column} at")
    bands = rule.age_bands
    if rule.treatment == Treatment.AGE_BAND and (not bands or list(bands) != sorted(set(bands)) or bands[0] < 0):
        raise ValueError(f"Age bands for {rule.column} must be rising whole ages from 0 or more: {bands}")
    compact = re.sub(r"[^a-z0-9]", "", rule.column.lower())
    for identifier, pattern, coarser in _DIRECT_IDENTIFIERS:
        allowed = {Treatment.DROP, Treatment.PSEUDONYMISE} | coarser
        if pattern.search(compact) and rule.treatment not in allowed:
            options = ", ".join(sorted(allowed))
            raise ValueError(
                f"{rule.column} looks like {identifier}, a direct identifier, and the policy would "
                f"{rule.treatment.value.replace('_', ' ')} it. Use one of: {options}."
            )


def _treated(values: pd.Series, rule: ColumnRule, salt: bytes, reference_date: date) -> pd.Series:
    match rule.treatment:
        case Treatment.KEEP:
            return values.copy()
        case Treatment.DATE_TO_MONTH:
            return _date_text(values, unit="M")
        case Treatment.DATE_TO_YEAR:
            return _date_text(values, unit="Y")
        case Treatment.POSTCODE_TO_DISTRICT:
            return _per_distinct(values, lambda distinct: _postcode_parts(distinct)["district"].fillna(""))
        case Treatment.POSTCODE_TO_SECTOR:
            return _per_distinct(values, _postcode_sectors)
        case Treatment.AGE_BAND:
            return _age_bands(ages(values, on=reference_date), rule.age_bands)
        case Treatment.PSEUDONYMISE:
            return pseudonyms(values, project_salt=salt)
        case Treatment.TOP_CODE:
            return pd.to_numeric(values).clip(upper=rule.cap)


def _described(rule: ColumnRule) -> str:
    shown_as = f" Shown as {rule.extract_column}." if rule.extract_column != rule.column else ""
    match rule.treatment:
        case Treatment.KEEP:
            what = "Kept as held."
        case Treatment.DROP:
            return "Dropped by the policy."
        case Treatment.DATE_TO_MONTH:
            what = "Year and month only (YYYY-MM); the day is removed."
        case Treatment.DATE_TO_YEAR:
            what = "Year only (YYYY)."
        case Treatment.POSTCODE_TO_DISTRICT:
            what = "Postcode district only (the outward code, e.g. LS6); blank when not a valid postcode."
        case Treatment.POSTCODE_TO_SECTOR:
            what = "Postcode sector only (e.g. LS6 2); blank when not a valid postcode."
        case Treatment.AGE_BAND:
            what = f"Age band on the extract's reference date: {', '.join(_band_labels(rule.age_bands))}."
        case Treatment.PSEUDONYMISE:
            what = (
                f"Replaced by a pseudonym ({PSEUDONYM_LENGTH} hex characters of a keyed hash): the same child "
                "has the same pseudonym in every extract for this project and a different one in other projects."
            )
        case Treatment.TOP_CODE:
            what = f"Values above {rule.cap:g} shown as {rule.cap:g}."
    return what + shown_as


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce", format="ISO8601")


def _date_text(values: pd.Series, *, unit: str) -> pd.Series:
    """Dates as YYYY-MM (unit "M") or YYYY (unit "Y"), blank when not a date."""
    coarse = _dates(values).to_numpy().astype(f"datetime64[{unit}]")
    text = np.where(np.isnat(coarse), "", np.datetime_as_string(coarse, unit=unit))
    return pd.Series(text, index=values.index, dtype=object)


def _postcode_parts(values: pd.Series) -> pd.DataFrame:
    # Vectorised and validating: common.postcodes tidies one postcode at a time and keeps invalid ones.
    compact = values.astype("string").str.upper().str.replace(r"\s+", "", regex=True)
    return compact.str.extract(_POSTCODE)


def _postcode_sectors(values: pd.Series) -> pd.Series:
    parts = _postcode_parts(values)
    return (parts["district"] + " " + parts["sector"]).fillna("")


def _per_distinct(values: pd.Series, convert: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """`convert` applied once to each distinct value: an extract repeats the same postcodes and children."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    converted = convert(pd.Series(distinct)).to_numpy(dtype=object)
    return pd.Series(converted[codes], index=values.index, dtype=object)


def _band_labels(bands: tuple[int, ...]) -> list[str]:
    uppers = [*bands[1:], None]
    return [
        f"{lower} and over" if upper is None else f"Under {upper}" if lower == 0 else f"{lower} to {upper - 1}"
        for lower, upper in zip(bands, uppers, strict=True)
    ]


def _age_bands(years: pd.Series, bands: tuple[int, ...]) -> pd.Series:
    banded = pd.cut(years.astype(float), bins=[*bands, np.inf], right=False, labels=_band_labels(bands))
    return banded.astype(object).where(banded.notna(), "")

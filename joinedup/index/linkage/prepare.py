"""From the canonical record to the linkage table: the columns Splink compares, normalised once.

Names lose case and punctuation and are split into the parts people drop or swap; dates of birth
get their day/month-swapped twin; postcodes give their sector and district; an NHS number or UPN
whose check character fails is blanked, so a mistyped number never links two children.
"""

from __future__ import annotations

import re

import jellyfish
import pandas as pd

from joinedup.common.identifiers import is_valid_nhs_number, is_valid_upn, normalise_nhs_number, normalise_upn
from joinedup.common.nicknames import forename_variants
from joinedup.common.postcodes import normalise_postcode, postcode_district, postcode_sector

# The canonical frame may carry this extra column: earlier postcodes of the same record, "|"-separated.
PREVIOUS_POSTCODES = "previous_postcodes"

LINKAGE_COLUMNS = [
    "unique_id",  # source + ":" + record_id
    "source",
    "record_id",
    "first_name",
    "middle_names",  # all middle names, space-separated
    "first_middle_name",
    "middle_name_tokens",
    "forename_variants",  # nicknames of the first name and the names it is short for
    "first_name_sound",  # Metaphone code: Catherine, Kathryn -> K0RN
    "surname",  # letters only, parts joined: "Khan-Cox" -> "khancox"
    "surnames_all",  # surname, its hyphenated parts, former surnames and their parts
    "surname_sound",
    "dob",  # yyyy-mm-dd
    "dob_swapped",  # yyyy-dd-mm where the day could be a month
    "sex",
    "postcode",  # a full UK postcode, "AB1 2CD"
    "postcode_text",  # any postcode as held, letters and digits only ("AB12CD", "2615")
    "postcode_sector",
    "postcode_district",
    "postcodes_all",  # this postcode and any earlier ones
    "nhs_number",  # only when the check digit is valid
    "upn",  # only when the check letter is valid
    "la_child_id",
    "other_id",
    "address",  # the first line, lower case, letters and digits: "12 smith street"
]
ARRAY_COLUMNS = ["middle_name_tokens", "forename_variants", "surnames_all", "postcodes_all"]

_SPLIT = re.compile(r"[\s\-]+")
_NOT_LETTERS = re.compile(r"[^a-z]")
_NOT_WORD = re.compile(r"[^a-zA-Z0-9]")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}$")


def unique_ids(frame: pd.DataFrame) -> pd.Series:
    return frame["source"].astype(str) + ":" + frame["record_id"].astype(str)


def linkage_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The linkage table for a canonical frame (one row per record, in the same order)."""
    text = frame.fillna("").astype(str)
    twice = unique_ids(text)[unique_ids(text).duplicated()]
    if len(twice):
        raise ValueError(
            f"{len(twice):,} records appear twice (source and record id), e.g. {twice.iloc[0]}: "
            "give each source a name of its own"
        )
    forenames = _values(text["forenames"], _name_tokens)
    surname_parts = _values(text["surname"], _name_tokens)
    former = _values(text["former_surname"], _former_surnames)
    first = forenames.map(lambda tokens: tokens[0] if tokens else None)
    dob = _values(text["date_of_birth"], _iso_date)
    postcode = _values(text["postcode"], _postcode)
    previous = (
        _values(text[PREVIOUS_POSTCODES], lambda v: [p for p in map(_postcode, v.split("|")) if p])
        if PREVIOUS_POSTCODES in text
        else pd.Series([[]] * len(text), index=text.index)
    )
    table = pd.DataFrame(
        {
            "unique_id": unique_ids(text),
            "source": text["source"],
            "record_id": text["record_id"],
            "first_name": first,
            "middle_names": forenames.map(lambda tokens: " ".join(tokens[1:]) or None),
            "first_middle_name": forenames.map(lambda tokens: tokens[1] if len(tokens) > 1 else None),
            "middle_name_tokens": forenames.map(lambda tokens: tokens[1:] or None),
            "forename_variants": _values(first.fillna(""), lambda name: sorted(forename_variants(name)) or None),
            "first_name_sound": _values(first.fillna(""), _sound),
            "surname": surname_parts.map(lambda parts: "".join(parts) or None),
            "surnames_all": [
                _all_surnames(parts, formers) for parts, formers in zip(surname_parts, former, strict=True)
            ],
            "surname_sound": _values(surname_parts.map("".join), _sound),
            "dob": dob,
            "dob_swapped": _values(dob.fillna(""), _swapped),
            "sex": text["sex"].str.strip().str.upper().where(lambda s: s.isin(["M", "F"]), None),
            "postcode": postcode,
            "postcode_text": _values(text["postcode"], _postcode_text),
            "postcode_sector": postcode.map(lambda p: postcode_sector(p) if p else None),
            "postcode_district": postcode.map(lambda p: postcode_district(p) if p else None),
            "postcodes_all": [
                sorted({p for p in [current, *earlier] if p}) or None
                for current, earlier in zip(postcode, previous, strict=True)
            ],
            "nhs_number": _values(text["nhs_number"], _nhs_number),
            "upn": _values(text["upn"], _upn),
            "la_child_id": _identifier(text["la_child_id"]),
            "other_id": _identifier(text["other_id"]),
            "address": _values(text["address_line_1"], _address),
        }
    )
    return table.reset_index(drop=True)[LINKAGE_COLUMNS]


def _values(column: pd.Series, function) -> pd.Series:
    """Apply `function` once per distinct value: names and dates repeat a great deal."""
    distinct = column.unique()
    results = [function(value) for value in distinct]
    mapping = pd.Series(results, index=distinct, dtype=object) if len(distinct) else pd.Series(dtype=object)
    return pd.Series(mapping.reindex(column.to_numpy()).to_numpy(), index=column.index, dtype=object)


def _name_tokens(name: str) -> list[str]:
    """Lower-case letters of each part: "Mary-Jane O'Brien" -> ["mary", "jane", "obrien"]."""
    return [part for part in (_NOT_LETTERS.sub("", piece) for piece in _SPLIT.split(name.lower())) if part]


def _former_surnames(value: str) -> list[list[str]]:
    return [parts for parts in (_name_tokens(name) for name in value.split("|")) if parts]


def _all_surnames(parts: list[str], formers: list[list[str]]) -> list[str] | None:
    names = set()
    for name in [parts, *formers]:
        if name:
            names.add("".join(name))
            names.update(name)
    return sorted(names) or None


def _sound(name: str) -> str | None:
    return jellyfish.metaphone(name) or None if name else None


def _identifier(column: pd.Series) -> pd.Series:
    return column.str.strip().str.upper().replace("", None)


def _address(value: str) -> str | None:
    return " ".join(_NOT_WORD.sub(" ", value.lower()).split()) or None


def _postcode_text(value: str) -> str | None:
    return _NOT_WORD.sub("", value.upper()) or None


def _iso_date(value: str) -> str | None:
    match = _ISO_DATE.match(value.strip())
    if not match:
        return None
    month, day = int(match.group(2)), int(match.group(3))
    return value.strip() if 1 <= month <= 12 and 1 <= day <= 31 else None


def _swapped(dob: str) -> str | None:
    if not dob:
        return None
    year, month, day = dob.split("-")
    return f"{year}-{day}-{month}" if int(day) <= 12 and day != month else None


def _postcode(value: str) -> str | None:
    """A full UK postcode, or None: a partial one ("NX4") would agree with a whole district."""
    postcode = normalise_postcode(value)
    return postcode if _POSTCODE.match(postcode) else None


def _nhs_number(value: str) -> str | None:
    number = normalise_nhs_number(value.strip())
    return number if number and is_valid_nhs_number(number) else None


def _upn(value: str) -> str | None:
    upn = normalise_upn(value)
    return upn if upn and is_valid_upn(upn) else None

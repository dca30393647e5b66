"""A source file (TOML) describes one agency's extract: its format, its key, and how its columns
become the canonical record, with what real files need (date formats, code maps, values that mean
"not known"). Problems are reported by TOML key, all at once, so a file is fixed in one pass.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import tomli_w

from joinedup.common.dates import FORMATS as DATE_FORMATS
from joinedup.common.tables import FileProblems, Problem
from joinedup.index.canonical import CANONICAL_FIELDS

from .normalise import DateFormats, disagreement

# The formats joinedup reads, and the reader options each accepts under [options].
FORMAT_OPTIONS: dict[str, set[str]] = {
    "csv": {"encoding", "delimiter"},
    "xlsx": {"sheet"},
    "cin_census_xml": set(),
    "ssda903_csv": {"encoding"},
    "ssda903_xml": set(),
    "school_census": {"encoding", "attendance_authorised", "attendance_unauthorised", "attendance_not_counted"},
    "register": {"encoding"},
    "pupil_attendance": {"encoding"},
}
AGENCY_KINDS = {"education", "social_care", "health", "youth_offending", "police", "housing", "voluntary"}
# Canonical fields a source may map; source and record_id come from the source's name and key.
MAPPABLE_FIELDS = [f for f in CANONICAL_FIELDS if f not in {"source", "record_id", "facts"}]
SEX_CODES = {"M", "F", "U"}
FACT_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
NAME_CASES = {"as_held", "title", "upper"}
EXTRACTS = {"full", "changes"}
TOP_LEVEL = {
    "name",
    "description",
    "format",
    "agency_kind",
    "agency",
    "service",
    "sensitive",
    "key",
    "extract",
    "required",
    "names",
    "extends",
    "options",
    "fields",
    "dates",
    "codes",
    "not_known",
    "facts",
}


@dataclass(frozen=True)
class SourceMapping:
    """One source file, `extends` resolved. Column names are the file's own (for the DfE formats,
    the names the reader gives them; see each reader's docstring)."""

    path: Path
    name: str
    description: str
    format: str
    agency_kind: str
    agency: str  # the agency's code in the authority's reference data; may be empty
    service: str  # default service code for the involvement a record shows; may be empty
    sensitive: bool
    key: tuple[str, ...]  # columns whose values together identify a record
    extract: str  # "full": absent records are withdrawn; "changes": only rows present are touched
    required: tuple[str, ...]  # canonical fields a record cannot be loaded without
    names: str  # as_held, title or upper
    options: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)  # canonical field -> columns
    dates: dict[str, DateFormats] = field(default_factory=dict)  # column -> its date formats, tried in turn
    codes: dict[str, dict[str, str]] = field(default_factory=dict)  # canonical field -> held (upper) -> canonical
    not_known: dict[str, frozenset[str]] = field(default_factory=dict)  # column -> values meaning "not known"
    facts: dict[str, str] = field(default_factory=dict)  # fact name -> column
    text: str = ""  # the resolved source file as TOML, as stored with each import

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    def columns_used(self) -> list[str]:
        """Every column the mapping reads, in a stable order, for checking a file's header."""
        named = [*self.key, *(c for columns in self.fields.values() for c in columns), *self.facts.values()]
        return list(dict.fromkeys(named))

    def columns_named(self) -> list[str]:
        """Every column the file names (read, dated or not known), for matching headings whatever
        their case."""
        return list(dict.fromkeys([*self.columns_used(), *self.dates, *self.not_known]))


def load_mapping(path: Path) -> SourceMapping:
    """Read and check a source file; FileProblems names every TOML key that is wrong."""
    path = Path(path)
    data = _resolved(path, seen=())
    problems: list[Problem] = []

    def problem(key: str, message: str) -> None:
        problems.append(Problem(str(path), None, key, message))

    for key in sorted(set(data) - TOP_LEVEL):
        problem(key, f"not a setting of a source file; the settings are {', '.join(sorted(TOP_LEVEL))}")
    name = _text(data, "name", problem, required=True)
    format_name = _text(data, "format", problem, required=True)
    if format_name and format_name not in FORMAT_OPTIONS:
        problem("format", f"{format_name!r} is not a format joinedup reads; choose one of {', '.join(FORMAT_OPTIONS)}")
    agency_kind = _text(data, "agency_kind", problem, required=True)
    if agency_kind and agency_kind not in AGENCY_KINDS:
        problem(
            "agency_kind", f"{agency_kind!r} is not an agency kind; choose one of {', '.join(sorted(AGENCY_KINDS))}"
        )
    key = _text_list(data, "key", problem)
    if not key:
        problem("key", "name the column (or columns) whose values identify a record in the extract")
    extract = _text(data, "extract", problem) or "full"
    if extract not in EXTRACTS:
        problem("extract", f"{extract!r} must be 'full' (a whole extract) or 'changes' (only records that changed)")
    names = _text(data, "names", problem) or "as_held"
    if names not in NAME_CASES:
        problem("names", f"{names!r} must be one of {', '.join(sorted(NAME_CASES))}")
    sensitive = data.get("sensitive", False)
    if not isinstance(sensitive, bool):
        problem("sensitive", "must be true or false")

    fields = _fields(data.get("fields", {}), problem)
    required = _text_list(data, "required", problem)
    for index, name_of_field in enumerate(required):
        if name_of_field not in MAPPABLE_FIELDS:
            problem(f"required[{index}]", f"{name_of_field!r} is not a canonical field")
        elif name_of_field not in fields:
            problem(f"required[{index}]", f"{name_of_field!r} is required but [fields] does not map it")
    dates = _dates(data.get("dates", {}), problem)
    for single in ("date_of_birth", "involvement_start", "involvement_end", "sex"):
        columns = fields.get(single, ())
        if len(columns) > 1:
            problem(f"fields.{single}", "must name one column")
        elif columns and single != "sex" and columns[0] not in dates:
            problem(f"fields.{single}", f'say the format of {columns[0]} under [dates], like {columns[0]} = "iso"')
    codes = _codes(data.get("codes", {}), fields, problem)
    not_known = _not_known(data.get("not_known", {}), problem)
    facts = _facts(data.get("facts", {}), problem)
    options = _options(data.get("options", {}), format_name, problem)
    if problems:
        raise FileProblems(problems)
    resolved = {k: v for k, v in data.items() if k != "extends"}
    return SourceMapping(
        path=path,
        name=name,
        description=_text(data, "description", problem),
        format=format_name,
        agency_kind=agency_kind,
        agency=_text(data, "agency", problem),
        service=_text(data, "service", problem),
        sensitive=sensitive,
        key=tuple(key),
        extract=extract,
        required=tuple(required),
        names=names,
        options=options,
        fields=fields,
        dates=dates,
        codes=codes,
        not_known=not_known,
        facts=facts,
        text=tomli_w.dumps(resolved),
    )


def _resolved(path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    """The file's settings over those of the file it extends (tables merge key by key)."""
    if not path.is_file():
        raise FileProblems([Problem(str(path), None, None, "the source file does not exist")])
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise FileProblems([Problem(str(path), None, None, f"not valid TOML: {error}")]) from None
    parent_name = data.get("extends")
    if parent_name is None:
        return data
    if not isinstance(parent_name, str):
        raise FileProblems([Problem(str(path), None, "extends", "must be the path of another source file")])
    parent = (path.parent / parent_name).resolve()
    if parent in seen:
        raise FileProblems([Problem(str(path), None, "extends", f"{parent_name!r} extends this file again (a loop)")])
    return _merge(_resolved(parent, (*seen, path.resolve())), data)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _merge(base[key], value)
        else:
            merged[key] = value
    return merged


def _text(data: dict, key: str, problem, *, required: bool = False) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        problem(key, "must be text in quotes")
        return ""
    if required and not value.strip():
        problem(key, "is required")
    return value.strip()


def _text_list(data: dict, key: str, problem) -> list[str]:
    value = data.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problem(key, 'must be a list of names in quotes, like ["CHILD"]')
        return []
    return [v.strip() for v in value]


def _fields(table: Any, problem) -> dict[str, tuple[str, ...]]:
    if not isinstance(table, dict):
        problem("fields", "must be a table of canonical field = column")
        return {}
    fields: dict[str, tuple[str, ...]] = {}
    for name, columns in table.items():
        key = f"fields.{name}"
        if name not in MAPPABLE_FIELDS:
            hint = " (the record id comes from `key`)" if name == "record_id" else ""
            problem(key, f"not a canonical field{hint}; map any of {', '.join(MAPPABLE_FIELDS)}")
            continue
        if columns == "":
            continue  # an extending file unmapping a field
        if isinstance(columns, str):
            columns = [columns]
        if not isinstance(columns, list) or not columns or not all(isinstance(c, str) and c for c in columns):
            problem(key, "must name a column, or a list of columns joined with spaces (first and middle names)")
            continue
        fields[name] = tuple(columns)
    return fields


def _dates(table: Any, problem) -> dict[str, DateFormats]:
    if not isinstance(table, dict):
        problem("dates", "must be a table of column = date format")
        return {}
    known = ", ".join(DATE_FORMATS)
    dates = {}
    for column, value in table.items():
        key = f"dates.{column}"
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            problem(
                key, f'must name a date format, or a list tried in turn, like ["yyyymmdd", "iso"]; the formats: {known}'
            )
            continue
        unknown = [n for n in names if n not in DATE_FORMATS]
        for format_name in unknown:
            problem(key, f"{format_name!r} is not a date format joinedup knows; choose one of {known}")
        if unknown:
            continue
        if len(set(names)) < len(names):
            problem(key, "names a date format twice")
            continue
        if clashes := _clashes(names):
            for clash in clashes:
                problem(key, clash)
            continue
        dates[column] = DateFormats(names)
    return dates


def _clashes(names: list[str]) -> list[str]:
    """Why formats listed for one column cannot be: a value two of them read as different dates
    would load as whichever is listed first, silently wrong for the other."""
    clashes = []
    for first, second in combinations(names, 2):
        if found := disagreement(first, second):
            text, as_first, as_second = found
            clashes.append(
                f"{first} and {second} read the same text as different dates ({text!r} is {as_first:%d %b %Y} as "
                f"{first}, {as_second:%d %b %Y} as {second}): list only formats that cannot be confused"
            )
    return clashes


def _codes(table: Any, fields: dict, problem) -> dict[str, dict[str, str]]:
    if not isinstance(table, dict):
        problem("codes", "must hold one table per coded field, like [codes.sex]")
        return {}
    codes: dict[str, dict[str, str]] = {}
    for name, mapping in table.items():
        if name != "sex":
            problem(f"codes.{name}", "only sex is coded in the canonical record; keep other codes as facts")
            continue
        if "sex" not in fields:
            problem("codes.sex", "[fields] does not map sex")
        if not isinstance(mapping, dict) or not mapping:
            problem("codes.sex", 'must map each value the extract holds to M, F or U, like "1" = "M"')
            continue
        for held, canonical in mapping.items():
            if canonical not in SEX_CODES:
                problem(f"codes.sex.{held}", f"{canonical!r} must be M, F or U")
        codes[name] = {held.strip().upper(): canonical for held, canonical in mapping.items()}
    if "sex" in fields and "sex" not in codes:
        problem("codes.sex", 'say what each value of the sex column means, like "1" = "M" (even M = "M")')
    return codes


def _not_known(table: Any, problem) -> dict[str, frozenset[str]]:
    if not isinstance(table, dict):
        problem("not_known", "must be a table of column = [values that mean not known]")
        return {}
    result = {}
    for column, values in table.items():
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            problem(f"not_known.{column}", 'must be a list of values in quotes, like ["UN1", "UN5"]')
            continue
        result[column] = frozenset(v.strip().upper() for v in values)
    return result


def _facts(table: Any, problem) -> dict[str, str]:
    if not isinstance(table, dict):
        problem("facts", "must be a table of fact name = column")
        return {}
    facts = {}
    for name, column in table.items():
        if not FACT_NAME.match(name):
            problem(f"facts.{name}", "a fact's name is lower-case letters, digits and _, starting with a letter")
        elif not isinstance(column, str) or not column:
            problem(f"facts.{name}", "must name one column")
        else:
            facts[name] = column
    return facts


def _options(table: Any, format_name: str, problem) -> dict[str, Any]:
    if not isinstance(table, dict):
        problem("options", "must be a table of reader options")
        return {}
    allowed = FORMAT_OPTIONS.get(format_name, set())
    for name in table:
        if name not in allowed:
            choices = ", ".join(sorted(allowed)) or "none"
            problem(f"options.{name}", f"not an option of the {format_name} reader (its options: {choices})")
    return dict(table)

"""Read an agency's extract into canonical records: one reader per format hands over its rows as
text, then the source file's mapping makes them canonical (key, dates, codes, names, postcodes,
identifiers, facts). A value that cannot be read (a date, a code) is left not known and reported,
the record kept: one bad field must not keep a child out of the index. A row is rejected whole
only when it is no record: its key empty or repeated, a required value missing or unreadable, the
row itself broken. A file that is not the declared format (a column its records' identity needs
missing, not CSV or XML text) raises FileProblems and yields nothing. Nothing else is raised for
what a file holds. Knows no Django: `joinedup link-files` reads sources without the database.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from joinedup.common.tables import FileProblems, Problem
from joinedup.index.canonical import CANONICAL_FIELDS, IDENTITY_FIELDS

from . import cin_census, normalise, pupil_attendance, register, school_census, ssda903
from .extract import FILE, ROW, Extract, csv_table, missing_columns, xlsx_table
from .mapping import SourceMapping

NAME_FIELDS = ("forenames", "surname", "former_surname")
DATE_FIELDS = ("date_of_birth", "involvement_start", "involvement_end")
IDENTIFIER_RULES: dict[str, Callable[[pd.Series], pd.Series]] = {
    "nhs_number": normalise.nhs_numbers,
    "upn": normalise.upns,
    "la_child_id": normalise.compact,
    "other_id": normalise.compact,
    "postcode": normalise.postcodes,
}
KEY_SEPARATOR = "|"


@dataclass(frozen=True)
class ReadResult:
    records: pd.DataFrame  # exactly CANONICAL_FIELDS as text columns (string[pyarrow]), one row per accepted record
    # Every problem, by file, row (line, in XML), column and reason: the rows rejected, and those in `kept`.
    rejects: list[Problem]
    rejected_ids: frozenset[str]  # record ids of rejected rows: present in the extract, so not withdrawn
    files: tuple[Path, ...]  # the files read
    rows_read: int  # candidate records (accepted and rejected)
    # Those of `rejects` that rejected no record: a value left not known, a row of a supporting
    # table (an episode) left out.
    kept: list[Problem] = field(default_factory=list)

    @property
    def rows_rejected(self) -> list[Problem]:
        """The problems of the rows that did not load: `rejects` less `kept`."""
        kept = set(self.kept)
        return [problem for problem in self.rejects if problem not in kept]


def _read_csv(mapping: SourceMapping, path: Path) -> Extract:
    frame, broken = csv_table(
        path,
        encoding=mapping.options.get("encoding", "utf-8-sig"),
        delimiter=mapping.options.get("delimiter", ","),
        columns=mapping.columns_named(),
    )
    return Extract(frame=frame, files=[path], broken=[(index, None, reason) for index, reason in broken.items()])


def _read_xlsx(mapping: SourceMapping, path: Path) -> Extract:
    frame = xlsx_table(
        path, sheet=mapping.options.get("sheet"), date_formats=mapping.dates, columns=mapping.columns_named()
    )
    return Extract(frame=frame, files=[path])


READERS: dict[str, Callable[[SourceMapping, Path], Extract]] = {
    "csv": _read_csv,
    "xlsx": _read_xlsx,
    "cin_census_xml": cin_census.read,
    "ssda903_csv": ssda903.read_csv,
    "ssda903_xml": ssda903.read_xml,
    "school_census": school_census.read,
    "register": register.read,
    "pupil_attendance": pupil_attendance.read,
}
FILES: dict[str, Callable[[SourceMapping, Path], list[Path]]] = {
    "ssda903_csv": ssda903.csv_files,
    "school_census": school_census.files,
    "register": register.files,
    "pupil_attendance": pupil_attendance.files,
}


def source_files(mapping: SourceMapping, path: Path) -> list[Path]:
    """The files an import of `path` reads (a return's tables may be several files in a folder)."""
    path = Path(path)
    if mapping.format in FILES:
        return FILES[mapping.format](mapping, path)
    if path.is_dir():
        raise FileProblems([Problem(str(path), None, None, f"a folder: a {mapping.format} source reads one file")])
    if not path.is_file():
        raise FileProblems([Problem(str(path), None, None, "the file does not exist")])
    return [path]


def read_source(mapping: SourceMapping, path: Path) -> ReadResult:
    extract = READERS[mapping.format](mapping, Path(path))
    return canonical_records(mapping, extract)


def canonical_records(mapping: SourceMapping, extract: Extract) -> ReadResult:
    frame = extract.frame.reset_index(drop=True)
    files = [str(f) for f in extract.files]
    frame = _with_optional_columns(mapping, frame, files[0] if files else str(mapping.path))
    frame = frame.assign(**{column: normalise.as_text(frame[column]) for column in mapping.columns_used()})
    problems = _RowProblems(frame, _read_as(mapping), _required(mapping))
    for index, column, reason in extract.broken:
        problems.reject_at(index, column, reason)
    record_id = _record_ids(mapping, frame, problems)
    held = {column: _blank_not_known(mapping, frame, column) for column in mapping.columns_used()}
    iso = {
        column: held[column] if column in extract.iso else _iso_dates(mapping, held[column], column, problems)
        for column in _date_columns(mapping)
    }
    columns = {"source": normalise.constant(mapping.name, frame.index), "record_id": record_id}
    for name in CANONICAL_FIELDS:
        if name in columns or name == "facts":
            continue
        columns[name] = _field(mapping, name, held, iso, problems)
    for name in mapping.required:
        # A value that could not be read is already rejected; it is not also missing.
        column = mapping.fields[name][0]
        missing = normalise.mask(columns[name] == "") & ~problems.unreadable(column)
        problems.reject(missing, column, lambda _, n=name: f"a value is required ({n})")
    columns["facts"] = _facts(mapping, extract.facts, held, iso, frame.index)
    keep = ~problems.rejected
    accepted = pd.DataFrame(
        {name: _text(columns[name] if keep.all() else columns[name][keep]) for name in CANONICAL_FIELDS}
    )
    rejected_ids = frozenset(record_id[problems.rejected & (record_id != "").to_numpy(dtype=bool)].tolist())
    rejecting, not_known = problems.reported()
    every = sorted(extract.problems + rejecting + not_known, key=lambda p: (p.file, p.row or 0, p.column or ""))
    return ReadResult(accepted, every, rejected_ids, tuple(extract.files), len(frame), extract.problems + not_known)


def _text(values: pd.Series) -> pd.Series:
    """A canonical column: pandas' Arrow-backed text (values are str, never missing), a third of
    the memory of Python objects, and what DuckDB and Splink read without copying."""
    return normalise.as_text(values).reset_index(drop=True)


class _RowProblems:
    """Row problems, collected column at a time. A row is rejected (the mask) for what makes it no
    record; a value that cannot be read is left not known, the row kept, unless it is a value the
    source file requires. Every problem of a row is reported, the row counted once."""

    def __init__(self, frame: pd.DataFrame, read_as: dict[str, tuple[str, ...]], required: dict[str, str]):
        self.frame = frame
        self.read_as = read_as  # column -> the canonical fields and facts it gives
        self.required = required  # column -> the required field it gives
        self.rejected = np.zeros(len(frame), dtype=bool)
        self._rejecting: list[Problem] = []
        self._unreadable: dict[str, np.ndarray] = {}
        self._not_known: list[tuple[int, str, str]] = []  # frame index, column, what was expected

    def reject(self, failed: pd.Series | np.ndarray, column: str, reason: Callable[[int], str]) -> None:
        failed = normalise.mask(failed)
        self._rejecting += [self._problem(index, column, reason(index)) for index in np.flatnonzero(failed)]
        self.rejected |= failed

    def reject_at(self, index: int, column: str | None, reason: str) -> None:
        self._rejecting.append(self._problem(index, column, reason))
        self.rejected[index] = True

    def cannot_read(
        self, failed: pd.Series | np.ndarray, values: pd.Series, column: str, expected: Callable[[str], str]
    ) -> None:
        """`values` of `column` that cannot be read (`expected` says why, given the value held): each
        row is rejected when the column gives a required field, and otherwise kept with the value
        not known."""
        failed = normalise.mask(failed)
        self._unreadable[column] = self.unreadable(column) | failed
        held = values.tolist() if failed.any() else []
        required = self.required.get(column)
        if required:
            self.reject(failed, column, lambda index: f"{expected(held[index])}: a value is required ({required})")
        else:
            self._not_known += [(index, column, expected(held[index])) for index in np.flatnonzero(failed)]

    def unreadable(self, column: str) -> np.ndarray:
        return self._unreadable.get(column, np.zeros(len(self.frame), dtype=bool))

    def reported(self) -> tuple[list[Problem], list[Problem]]:
        """The problems of rejected rows, and those of rows kept with a value not known. A value
        that cannot be read on a row rejected for another reason is reported plainly: its record
        was not kept."""
        rejecting, kept = list(self._rejecting), []
        for index, column, expected in self._not_known:
            if self.rejected[index]:
                rejecting.append(self._problem(index, column, expected))
            else:
                what = " and ".join(name.replace("_", " ") for name in self.read_as[column])
                kept.append(self._problem(index, column, f"{expected}: kept, {what} not known"))
        return rejecting, kept

    def _problem(self, index: int, column: str | None, message: str) -> Problem:
        return Problem(self._where[0][index], int(self._where[1][index]), column, message)

    @cached_property
    def _where(self) -> tuple[list[str], list[int]]:
        """Each row's file and row number, taken once: an extract from a system that changed its
        date format has a problem on every other row, and a pandas lookup each costs seconds."""
        return self.frame[FILE].tolist(), self.frame[ROW].tolist()


def _read_as(mapping: SourceMapping) -> dict[str, tuple[str, ...]]:
    """For each column, the canonical fields and facts whose values it holds."""
    read_as: dict[str, list[str]] = {}
    for name, columns in mapping.fields.items():
        for column in columns:
            read_as.setdefault(column, []).append(name)
    for name, column in mapping.facts.items():
        read_as.setdefault(column, []).append(name)
    return {column: tuple(names) for column, names in read_as.items()}


def _required(mapping: SourceMapping) -> dict[str, str]:
    """Each column that gives a required canonical field, and that field (the first, if several)."""
    required: dict[str, str] = {}
    for name in mapping.required:
        for column in mapping.fields.get(name, ()):
            required.setdefault(column, name)
    return required


def _with_optional_columns(mapping: SourceMapping, frame: pd.DataFrame, file: str) -> pd.DataFrame:
    """The frame with the columns a record's identity needs (its key, the identity fields, the
    fields it cannot load without) checked present, and the others (facts, involvement) added
    empty where the file lacks them: not held is not known, and refusing a whole extract for a
    missing ethnicity column would keep every child in it out of the index."""
    wanted = {column: "key" for column in mapping.key}
    optional = {}
    for name, columns in mapping.fields.items():
        needed = name in IDENTITY_FIELDS or name in mapping.required
        (wanted if needed else optional).update({c: f"fields.{name}" for c in columns if c not in wanted})
    optional.update({column: f"facts.{name}" for name, column in mapping.facts.items()})
    if problems := missing_columns(frame, wanted, file):
        raise FileProblems(problems)
    absent = [column for column in optional if column not in frame.columns and column not in wanted]
    return frame.assign(**dict.fromkeys(absent, "")) if absent else frame


def _record_ids(mapping: SourceMapping, frame: pd.DataFrame, problems: _RowProblems) -> pd.Series:
    parts = [normalise.text(frame[column]) for column in mapping.key]
    empty = np.zeros(len(frame), dtype=bool)
    for column, part in zip(mapping.key, parts, strict=True):
        problems.reject(part == "", column, lambda _, c=column: f"the record's key ({c}) is empty")
        empty |= normalise.mask(part == "")
    record_id = parts[0]
    for part in parts[1:]:
        record_id = record_id + KEY_SEPARATOR + part
    record_id = record_id.where(~empty, "")
    repeated = record_id.duplicated(keep=False).to_numpy() & ~empty
    if repeated.any():
        rows = frame.loc[repeated, ROW].groupby(record_id[repeated]).agg(lambda r: ", ".join(map(str, r)))
        problems.reject(
            repeated,
            mapping.key[0],
            lambda i: f"the key {record_id[i]!r} is on rows {rows[record_id[i]]}: which is right cannot be told",
        )
    return record_id


def _blank_not_known(mapping: SourceMapping, frame: pd.DataFrame, column: str) -> pd.Series:
    """The column's values, with those the source file says mean "not known" (UN5 for a UPN) made empty."""
    values = frame[column]
    unknown = mapping.not_known.get(column)
    if unknown:
        values = values.where(~normalise.mask(values.str.strip().str.upper().isin(unknown)), "")
    return values


def _date_columns(mapping: SourceMapping) -> list[str]:
    date_columns = [mapping.fields[name][0] for name in DATE_FIELDS if name in mapping.fields]
    return list(dict.fromkeys(date_columns + [c for c in mapping.facts.values() if c in mapping.dates]))


def _iso_dates(mapping: SourceMapping, values: pd.Series, column: str, problems: _RowProblems) -> pd.Series:
    formats = normalise.DateFormats(mapping.dates[column])
    iso, failed = normalise.dates(values, formats)
    problems.cannot_read(failed, values, column, lambda held: f"expected a date as {formats}, got {held!r}")
    return iso


def _field(
    mapping: SourceMapping, name: str, held: dict[str, pd.Series], iso: dict[str, pd.Series], problems: _RowProblems
) -> pd.Series:
    columns = mapping.fields.get(name)
    index = problems.frame.index
    if not columns:
        return normalise.constant(mapping.service if name == "service" else "", index)
    if name in DATE_FIELDS:
        return iso[columns[0]]
    values = held[columns[0]]
    for column in columns[1:]:
        values = values + " " + held[column]
    values = normalise.text(values)
    if name in NAME_FIELDS:
        return normalise.names(values, mapping.names)
    if name in IDENTIFIER_RULES:
        return IDENTIFIER_RULES[name](values)
    if name == "sex":
        return _sex(mapping, values, columns[0], problems)
    if name == "service":
        return values.where(normalise.mask(values != ""), normalise.constant(mapping.service, values.index))
    return values


def _sex(mapping: SourceMapping, values: pd.Series, column: str, problems: _RowProblems) -> pd.Series:
    codes = mapping.codes["sex"]
    coded = normalise.per_value(values, lambda held: codes.get(held.upper(), "" if not held else None))
    known = ", ".join(repr(k) for k in codes)
    problems.cannot_read(
        coded.isna(), values, column, lambda held: f"{held!r} is not a value codes.sex maps (it maps {known})"
    )
    return coded.fillna("")


def _facts(
    mapping: SourceMapping,
    format_facts: list[dict] | None,
    held: dict[str, pd.Series],
    iso: dict[str, pd.Series],
    index: pd.Index,
) -> pd.Series:
    """JSON text per record: the format's own facts (episodes, absence) and the columns the source
    file lists under [facts], dates as ISO."""
    declared = {
        name: iso[column] if column in iso else normalise.text(held[column]) for name, column in mapping.facts.items()
    }
    if format_facts is None:
        return normalise.json_objects(declared, index)
    names = list(declared)
    rows = zip(*(values.tolist() for values in declared.values()), strict=True) if names else ([] for _ in index)
    encoded = [
        json.dumps({**facts, **dict(zip(names, row, strict=True))}, ensure_ascii=False)
        for facts, row in zip(format_facts, rows, strict=True)
    ]
    return normalise.as_text(encoded, index)

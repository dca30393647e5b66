"""What every format reader hands over, and the two table readers the formats share: CSV (fast,
column at a time; a row with too many values is reported, not a crash) and XLSX (openpyxl,
read-only). Every value is text, as held; the header is row 1, as a spreadsheet shows it."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from openpyxl import load_workbook

from joinedup.common.dates import format_date
from joinedup.common.tables import FileProblems, Problem

from . import normalise
from .mapping import SourceMapping

FILE, ROW = "_file", "_row"  # where each row came from; kept beside the extract's own columns


@dataclass
class Extract:
    """One row per candidate record, columns named as the source file names them (all text), plus
    FILE and ROW; the facts the format itself yields, row by row; rows of other tables (a care
    episode, a session count) rejected without rejecting their record; and records the reader
    itself found broken (frame index, column, reason), which are rejected like any other. Columns
    in `iso` already hold ISO dates (a reader's own, like a care episode's start)."""

    frame: pd.DataFrame
    files: list[Path]
    facts: list[dict] | None = None
    problems: list[Problem] = field(default_factory=list)
    broken: list[tuple[int, str, str]] = field(default_factory=list)
    iso: set[str] = field(default_factory=set)


def csv_table(path: Path, *, encoding: str = "utf-8-sig", delimiter: str = ",") -> tuple[pd.DataFrame, list[Problem]]:
    """A CSV file's rows as text with FILE and ROW, and problems with rows that could not be read.
    Arrow's reader takes a million rows in a second or two; a file it refuses (a row with more or
    fewer values than the header, text that is not in the encoding) is read again row by row."""
    if not path.is_file():
        raise FileProblems([Problem(str(path), None, None, "the file does not exist")])
    header = _header(path, encoding=encoding, delimiter=delimiter)
    arrow_encoding = "utf8" if encoding.lower().replace("-", "").replace("_", "") in _UTF8 else encoding
    try:
        table = pa_csv.read_csv(
            path,
            read_options=pa_csv.ReadOptions(encoding=arrow_encoding, column_names=header, skip_rows=1),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.large_string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        frame = table.to_pandas(types_mapper={pa.large_string(): pd.StringDtype("pyarrow")}.get)
        problems: list[Problem] = []
    except pa.ArrowInvalid:
        frame, problems = _csv_row_by_row(path, encoding=encoding, delimiter=delimiter)
    frame.columns = [str(c).strip() for c in frame.columns]
    frame[FILE] = str(path)
    frame[ROW] = np.arange(2, len(frame) + 2)
    if problems:
        frame = frame[frame["_ragged"] == ""].drop(columns="_ragged")
    return frame.reset_index(drop=True), problems


_UTF8 = {"utf8", "utf8sig"}


def _header(path: Path, *, encoding: str, delimiter: str) -> list[str]:
    try:
        with path.open(newline="", encoding=encoding) as handle:
            header = next(csv.reader(handle, delimiter=delimiter), None)
    except UnicodeDecodeError as error:
        raise FileProblems([_not_encoded(path, encoding, error)]) from None
    if not header:
        raise FileProblems([Problem(str(path), None, None, "the file is empty: expected a header row")])
    header = [c.lstrip("\ufeff").strip() for c in header]
    if repeated := sorted({c for c in header if header.count(c) > 1}):
        raise FileProblems([Problem(str(path), 1, c, "this column heading appears twice") for c in repeated])
    return header


def _not_encoded(path: Path, encoding: str, error: UnicodeDecodeError) -> Problem:
    return Problem(
        str(path),
        None,
        None,
        f"not {encoding} text (byte {error.start}): save it as CSV UTF-8, or name its encoding "
        'in the source file\'s [options], e.g. encoding = "cp1252"',
    )


def _csv_row_by_row(path: Path, *, encoding: str, delimiter: str) -> tuple[pd.DataFrame, list[Problem]]:
    """The slow path for a file Arrow refuses: rows with more values than the header has columns
    are reported and left out; a row with fewer is read with the missing values empty."""
    try:
        with path.open(newline="", encoding=encoding) as handle:
            return _rows(path, csv.reader(handle, delimiter=delimiter))
    except UnicodeDecodeError as error:
        raise FileProblems([_not_encoded(path, encoding, error)]) from None


def _rows(path: Path, reader) -> tuple[pd.DataFrame, list[Problem]]:
    header = [c.lstrip("\ufeff") for c in next(reader)]
    rows, ragged, problems = [], [], []
    for number, row in enumerate(reader, start=2):
        if len(row) > len(header):
            problems.append(
                Problem(str(path), number, None, f"{len(row)} values on a row under {len(header)} column headings")
            )
            ragged.append("x")
            row = row[: len(header)]
        else:
            ragged.append("")
            row = row + [""] * (len(header) - len(row))
        rows.append(row)
    frame = pd.DataFrame(rows, columns=header, dtype=normalise.TEXT)
    frame["_ragged"] = ragged
    return frame, problems


def xlsx_table(path: Path, *, sheet: str | None, date_formats: dict[str, str]) -> pd.DataFrame:
    """A worksheet's rows as text. A date cell becomes text in the format its column declares, so
    typed and text dates in one column go through the same parser."""
    if not path.is_file():
        raise FileProblems([Problem(str(path), None, None, "the file does not exist")])
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises zipfile, KeyError and its own errors for a non-workbook
        raise FileProblems([Problem(str(path), None, None, f"not an Excel workbook (.xlsx): {error}")]) from None
    try:
        if sheet and sheet not in book.sheetnames:
            raise FileProblems(
                [Problem(str(path), None, None, f"no sheet {sheet!r}; the sheets are {', '.join(book.sheetnames)}")]
            )
        rows = book[sheet].iter_rows(values_only=True) if sheet else book.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if not header:
            raise FileProblems([Problem(str(path), None, None, "the sheet is empty: expected a header row")])
        columns = [str(c).strip() if c is not None else "" for c in header]
        formats = [date_formats.get(c, "iso") for c in columns]
        body, numbers = [], []
        for number, row in enumerate(rows, start=2):
            if row is None or all(v is None or v == "" for v in row):
                continue
            cells = list(row[: len(columns)]) + [None] * (len(columns) - len(row))
            body.append([_cell_text(v, f) for v, f in zip(cells, formats, strict=True)])
            numbers.append(number)
    finally:
        book.close()
    frame = pd.DataFrame(body, columns=columns, dtype=str) if body else pd.DataFrame(columns=columns, dtype=str)
    frame[FILE] = str(path)
    frame[ROW] = numbers
    return frame


def _cell_text(value, date_format: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return format_date(value, date_format)
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an NHS number typed into a number cell
    return str(value)


def missing_columns(frame: pd.DataFrame, wanted: dict[str, str], file: str) -> list[Problem]:
    """Problems for columns the source file names that the extract lacks; `wanted` maps each column
    to the setting that names it."""
    return [
        Problem(file, 1, column, f"this column is missing from the header (named by {setting})")
        for column, setting in wanted.items()
        if column not in frame.columns
    ]


def dated(
    frame: pd.DataFrame, columns: list[str], mapping: SourceMapping, *, table: str
) -> tuple[pd.DataFrame, list[Problem]]:
    """Rows of a supporting table (episodes, exclusions) with their dates made ISO; rows with a
    date that cannot be read are left out and reported."""
    frame = frame.copy()
    bad = pd.Series(False, index=frame.index)
    problems: list[Problem] = []
    for column in columns:
        if column not in frame.columns:
            frame[column] = ""
            continue
        format_name = mapping.dates.get(column)
        if format_name is None:
            raise FileProblems(
                [
                    Problem(
                        str(mapping.path), None, f"dates.{column}", f"the {table} table's {column} needs a date format"
                    )
                ]
            )
        held = frame[column]
        frame[column], failed = normalise.dates(held, format_name)
        for index in failed[failed].index:
            problems.append(
                Problem(
                    frame.at[index, FILE],
                    int(frame.at[index, ROW]),
                    column,
                    f"expected a date as {format_name}, got {held[index]!r}; this {table} row is left out",
                )
            )
        bad |= failed
    return frame[~bad], problems

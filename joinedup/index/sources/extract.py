"""What every format reader hands over, and the two table readers the formats share: CSV (fast,
column at a time) and XLSX (openpyxl, read-only). Every value is text, as held; the header is row
1, as a spreadsheet shows it. Neither raises anything but FileProblems on a malformed file: a row
of the wrong length is named for rejection, a file that is not a table is refused saying where."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from openpyxl import load_workbook

from joinedup.common.dates import format_date
from joinedup.common.tables import FileProblems, Problem

from . import normalise
from .mapping import SourceMapping

FILE, ROW = "_file", "_row"  # where each row came from; kept beside the extract's own columns
CHUNK = 1 << 20


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
    broken: list[tuple[int, str | None, str]] = field(default_factory=list)
    iso: set[str] = field(default_factory=set)


def csv_table(
    path: Path, *, encoding: str = "utf-8-sig", delimiter: str = ",", columns: Iterable[str] = ()
) -> tuple[pd.DataFrame, dict[int, str]]:
    """A CSV file's rows as text with FILE and ROW, and the rows that cannot be read as a row of the
    table (frame index -> reason): more or fewer values than the header has headings, or a last row
    the file ends in without a line break (a copy cut short). Headings match `columns` whatever
    their case and surrounding spaces, and take their spelling. Blank rows hold no record and are
    passed over. A file that is not CSV text (not in the encoding, NUL bytes, a quote never closed,
    a value too long to be one) raises FileProblems saying where.

    Arrow's reader takes a million rows in a second or two; a file it refuses (a row of the wrong
    length) or that has an odd number of quotes (one never closed) is read again row by row."""
    if not path.is_file():
        raise FileProblems([Problem(str(path), None, None, "the file does not exist")])
    scan = _scan(path, encoding=encoding, delimiter=delimiter)
    header = _header(path, encoding=encoding, delimiter=delimiter, columns=columns)
    read = None if scan.odd_quotes else _arrow_rows(path, header, encoding=encoding, delimiter=delimiter)
    frame, broken = read if read is not None else _csv_rows(path, header, encoding=encoding, delimiter=delimiter)
    frame[FILE] = str(path)
    if not scan.ends_in_line_break and len(frame):
        last = int(frame[ROW].iloc[-1])
        cut = "the file ends in this row without a line break: the copy may have been cut short"
        broken[last] = f"{broken[last]}; {cut}" if last in broken else cut
    frame = frame.reset_index(drop=True)
    index_of = dict(zip(frame[ROW].tolist(), frame.index.tolist(), strict=True))
    return frame, {index_of[row]: reason for row, reason in broken.items() if row in index_of}


def without_broken(frame: pd.DataFrame, broken: dict[int, str], table: str) -> tuple[pd.DataFrame, list[Problem]]:
    """A supporting table (episodes, SEN needs) without its broken rows, each reported as left out."""
    if not broken:
        return frame, []
    problems = [
        Problem(frame.at[index, FILE], int(frame.at[index, ROW]), None, f"{reason}; this {table} row is left out")
        for index, reason in broken.items()
    ]
    return frame.drop(index=list(broken)).reset_index(drop=True), problems


# No value in an agency's extract comes near this (the csv module's own limit): a longer one is a
# quote left open, swallowing the rows after it, or a file that is not the table it claims to be.
FIELD_LIMIT = 131_072
OTHER_DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "bars", ",": "commas"}
_UTF8 = {"utf8", "utf8sig"}


@dataclass(frozen=True)
class _Scan:
    odd_quotes: bool  # a quote opened and never closed: only the row-by-row reader can say where
    ends_in_line_break: bool


def _scan(path: Path, *, encoding: str, delimiter: str) -> _Scan:
    """One pass over the bytes before any parsing: the text must decode and hold no NUL byte (a
    binary file, or UTF-16 text), so no reader meets either half way."""
    decoder = codecs.getincrementaldecoder(encoding)()
    quotes, offset, last = 0, 0, b""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            if (nul := chunk.find(b"\0")) >= 0:
                message = "a NUL byte: a binary file, or UTF-16 text (Excel's Unicode Text); save it as CSV UTF-8"
                raise FileProblems([_located(path, offset + nul, encoding, delimiter, message)])
            held = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                raise FileProblems([_not_encoded(path, offset - held + error.start, encoding, delimiter)]) from None
            quotes += chunk.count(b'"')
            offset, last = offset + len(chunk), chunk[-1:]
    if offset == 0:
        raise FileProblems([Problem(str(path), None, None, "the file is empty: expected a header row")])
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise FileProblems([_not_encoded(path, offset - 1, encoding, delimiter)]) from None
    return _Scan(odd_quotes=quotes % 2 == 1, ends_in_line_break=last in (b"\n", b"\r"))


def _not_encoded(path: Path, offset: int, encoding: str, delimiter: str) -> Problem:
    message = (
        f"not {encoding} text (byte {offset + 1} of the file): save it as CSV UTF-8, or name its encoding "
        'in the source file\'s [options], e.g. encoding = "cp1252"'
    )
    return _located(path, offset, encoding, delimiter, message)


def _located(path: Path, offset: int, encoding: str, delimiter: str, message: str) -> Problem:
    """A problem at a byte of the file, by its line and the heading of the value it falls in."""
    with path.open("rb") as handle:
        header_line = handle.readline(FIELD_LIMIT)
        handle.seek(0)
        line, line_start, read = 1, 0, 0
        while read < offset and (chunk := handle.read(min(CHUNK, offset - read))):
            line += chunk.count(b"\n")
            if (end := chunk.rfind(b"\n")) >= 0:
                line_start = read + end + 1
            read += len(chunk)
        handle.seek(line_start)
        before = handle.read(min(offset - line_start, FIELD_LIMIT))
    if line == 1:
        return Problem(str(path), 1, None, message)
    headings = _cells(header_line, encoding, delimiter)
    cells = _cells(before, encoding, delimiter) if before else [""]
    position = len(cells) - 1
    column = headings[position].strip().lstrip("\ufeff") if 0 <= position < len(headings) else None
    return Problem(str(path), line, column, message)


def _cells(line: bytes, encoding: str, delimiter: str) -> list[str]:
    """A line's values as far as they can be told; none when the line is not CSV (a lone carriage
    return in binary junk)."""
    try:
        return next(csv.reader([line.decode(encoding, errors="replace")], delimiter=delimiter), [])
    except csv.Error:
        return []


def _header(path: Path, *, encoding: str, delimiter: str, columns: Iterable[str]) -> list[str]:
    with path.open(newline="", encoding=encoding) as handle:
        try:
            header = next(csv.reader(handle, delimiter=delimiter, strict=True), None)
        except csv.Error as error:
            raise FileProblems([Problem(str(path), 1, None, f"the header row: {_csv_error(error)}")]) from None
    header = [c.lstrip("\ufeff").strip() for c in header or []]
    if not any(header):
        raise FileProblems([Problem(str(path), 1, None, "the first row is empty: expected the header row")])
    if len(header) == 1 and delimiter not in header[0]:
        for other, name in OTHER_DELIMITERS.items():
            if other != delimiter and other in header[0]:
                expected = OTHER_DELIMITERS.get(delimiter, repr(delimiter))
                message = (
                    f"the header is one heading with {name} in it: expected headings separated by {expected}; "
                    "save the file as CSV, or name its delimiter in the source file's [options] (csv sources)"
                )
                raise FileProblems([Problem(str(path), 1, None, message)])
    header = spelled(header, columns)
    folded = [c.casefold() for c in header]
    if repeated := sorted({c for c in header if folded.count(c.casefold()) > 1}):
        raise FileProblems(
            [Problem(str(path), 1, c, "this column heading appears twice (case aside)") for c in repeated]
        )
    return header


def spelled(headings: list[str], columns: Iterable[str]) -> list[str]:
    """Headings as `columns` spell them, where they differ only in case: a council's export may
    write DOB as dob, or UPN as Upn."""
    spelling = {column.casefold(): column for column in columns}
    return [spelling.get(heading.casefold(), heading) for heading in headings]


def _arrow_rows(
    path: Path, header: list[str], *, encoding: str, delimiter: str
) -> tuple[pd.DataFrame, dict[int, str]] | None:
    """The file read by Arrow, numbered, without blank rows; or None when a row is not the header's
    length (or a value is too long): the row-by-row reader then says which."""
    arrow_encoding = "utf8" if encoding.lower().replace("-", "").replace("_", "") in _UTF8 else encoding
    try:
        table = pa_csv.read_csv(
            path,
            # Blank lines are read (as empty rows, passed over later) so row numbers stay the file's.
            read_options=pa_csv.ReadOptions(encoding=arrow_encoding, column_names=header, skip_rows=1),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.large_string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None
    if any((pc.max(pc.utf8_length(column)).as_py() or 0) > FIELD_LIMIT for column in table.columns):
        return None
    table = table.append_column(ROW, pa.array(np.arange(2, table.num_rows + 2)))
    blank = np.ones(table.num_rows, dtype=bool)
    for column in table.columns[:-1]:
        blank &= pc.equal(pc.utf8_trim_whitespace(column), "").to_numpy(zero_copy_only=False)
    if blank.any():
        table = table.filter(pa.array(~blank))
    return table.to_pandas(types_mapper={pa.large_string(): pd.StringDtype("pyarrow")}.get), {}


def _csv_rows(path: Path, header: list[str], *, encoding: str, delimiter: str) -> tuple[pd.DataFrame, dict[int, str]]:
    """The slow path: every row the header's length, rows of another length kept (padded or cut)
    and named in broken (row number -> reason) so that their record is rejected, not loaded with
    values missing or shifted."""
    rows, numbers, broken = [], [], {}
    number = 1
    with path.open(newline="", encoding=encoding) as handle:
        reader = csv.reader(handle, delimiter=delimiter, strict=True)
        try:
            next(reader)
            for number, row in enumerate(reader, start=2):
                if not any(cell.strip() for cell in row):
                    continue  # a blank row holds no record
                if len(row) != len(header):
                    broken[number] = f"{len(row)} values on a row under {len(header)} column headings"
                    row = (row + [""] * len(header))[: len(header)]
                rows.append(row)
                numbers.append(number)
        except csv.Error as error:
            raise FileProblems([Problem(str(path), number + 1, None, _csv_error(error))]) from None
    frame = pd.DataFrame(rows, columns=header, dtype=normalise.TEXT)
    frame[ROW] = np.array(numbers, dtype=np.int64)
    return frame, broken


def _csv_error(error: csv.Error) -> str:
    """What a csv module error means for the person holding the file."""
    text = str(error)
    if "field larger than field limit" in text:
        return (
            f'a value longer than {FIELD_LIMIT:,} characters starts in this row: a quote (") opened and never '
            "closed, or not a table of this kind"
        )
    if "unexpected end of data" in text:
        return 'a quote (") opened in this row is never closed: the file ends inside it'
    if "expected after" in text:
        return 'a closing quote (") is followed by more of the value: a quote inside a value is written twice ("")'
    return f"not CSV: {text}"


def xlsx_table(
    path: Path, *, sheet: str | None, date_formats: dict[str, normalise.DateFormats], columns: Iterable[str] = ()
) -> pd.DataFrame:
    """A worksheet's rows as text. A date cell becomes text in the (first) format its column
    declares, so typed and text dates in one column go through the same parser."""
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
        headings = spelled([str(c).strip() if c is not None else "" for c in header], columns)
        formats = [normalise.DateFormats(date_formats.get(c, "iso"))[0] for c in headings]
        body, numbers = [], []
        for number, row in enumerate(rows, start=2):
            if row is None or all(v is None or v == "" for v in row):
                continue
            cells = list(row[: len(headings)]) + [None] * (len(headings) - len(row))
            body.append([_cell_text(v, f) for v, f in zip(cells, formats, strict=True)])
            numbers.append(number)
    finally:
        book.close()
    frame = pd.DataFrame(body, columns=headings, dtype=str) if body else pd.DataFrame(columns=headings, dtype=str)
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
        formats = mapping.dates.get(column)
        if formats is None:
            raise FileProblems(
                [
                    Problem(
                        str(mapping.path), None, f"dates.{column}", f"the {table} table's {column} needs a date format"
                    )
                ]
            )
        held = frame[column]
        frame[column], failed = normalise.dates(held, formats)
        for index in failed[failed].index:
            problems.append(
                Problem(
                    frame.at[index, FILE],
                    int(frame.at[index, ROW]),
                    column,
                    f"expected a date as {formats}, got {held[index]!r}; this {table} row is left out",
                )
            )
        bad |= failed
    return frame[~bad], problems

"""Every evidence table and return leaves joinedup as CSV or XLSX through these two writers, so each
download opens cleanly in Excel and no cell can run as a formula on the reader's machine (OWASP,
"CSV Injection")."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

# A spreadsheet treats a cell beginning with one of these as a formula (OWASP, CSV Injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number such as -3, +1.5 or -12.0% cannot be a formula, so it keeps its sign.
PLAIN_NUMBER = re.compile(r"[+-]?\d[\d,]*(\.\d+)?%?")
NOTES_SHEET = "Notes"
SHEET_NAME_CHARACTERS = re.compile(r"[\[\]:*?/\\]")
WIDEST_COLUMN = 60


def is_formula_like(value: str) -> bool:
    return value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value)


def to_csv_bytes(frame: pd.DataFrame, *, date_format: str = "%d/%m/%Y") -> bytes:
    """RFC 4180 CSV in UTF-8 with a byte order mark: without the mark Excel reads UTF-8 as the
    Windows code page and mangles £, accents and names in other scripts. Dates are written in
    `date_format` (a return's spec gives its own); a cell that could run as a formula is prefixed
    with an apostrophe, which Excel shows as text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_cell(name, date_format) for name in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        writer.writerow([_csv_cell(value, date_format) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def _csv_cell(value: object, date_format: str) -> object:
    if _is_missing(value):
        return ""
    if isinstance(value, date):
        return value.strftime(date_format)
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def to_xlsx_bytes(
    sheets: dict[str, pd.DataFrame], notes: dict[str, str] | None = None, *, date_format: str = "dd/mm/yyyy"
) -> bytes:
    """A workbook with a sheet per frame (keyed by its caption) and a Notes sheet giving each sheet's
    full caption and its note (sources, definitions). Headers are bold and frozen, columns sized
    to their contents, dates are Excel dates shown as `date_format`, and a text cell that could run
    as a formula is stored as text with Excel's quote prefix, so it reads back unchanged."""
    book = Workbook()
    book.remove(book.active)
    used = {NOTES_SHEET}
    named: list[tuple[str, str]] = []
    for caption, frame in sheets.items():
        sheet = book.create_sheet(_sheet_name(caption, used))
        named.append((sheet.title, caption))
        _write_frame(sheet, frame, date_format=date_format)
    notes_sheet = book.create_sheet(NOTES_SHEET)
    _write_frame(
        notes_sheet,
        pd.DataFrame(
            [[title, caption, (notes or {}).get(caption, "")] for title, caption in named],
            columns=["Sheet", "Table", "Note"],
        ),
        date_format=date_format,
    )
    for row in notes_sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_name(caption: str, used: set[str]) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet's name, each name once."""
    name = SHEET_NAME_CHARACTERS.sub("", caption).strip()[:31].strip() or "Table"
    candidate, n = name, 2
    while candidate.casefold() in {u.casefold() for u in used}:
        candidate, n = f"{name[: 31 - len(str(n)) - 1]} {n}", n + 1
    used.add(candidate)
    return candidate


def _write_frame(sheet, frame: pd.DataFrame, *, date_format: str) -> None:
    for column_number, name in enumerate(frame.columns, start=1):
        cell = sheet.cell(row=1, column=column_number)
        _set_cell(cell, str(name), date_format=date_format)
        cell.font = Font(bold=True)
    widths = [len(str(name)) for name in frame.columns]
    for row_number, row in enumerate(frame.itertuples(index=False, name=None), start=2):
        for column_number, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column_number)
            _set_cell(cell, value, date_format=date_format)
            shown = cell.value.strftime("%d/%m/%Y") if isinstance(cell.value, date) else cell.value
            widths[column_number - 1] = max(widths[column_number - 1], len(str(shown or "")))
    for column_number, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column_number)].width = min(WIDEST_COLUMN, width + 2)
    sheet.freeze_panes = "A2"


def _set_cell(cell, value: object, *, date_format: str) -> None:
    if _is_missing(value):
        return
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        value = value.date()  # a date read from a database as midnight is still a date
    if isinstance(value, date):
        cell.value = value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
        cell.number_format = f"{date_format} hh:mm" if isinstance(value, datetime) else date_format
        return
    if isinstance(value, str):
        # Excel cannot store control characters other than tab, line feed and carriage return.
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = text
        if is_formula_like(text):
            cell.data_type = "s"
            cell.quotePrefix = True
        return
    cell.value = value.item() if hasattr(value, "item") else value


def _is_missing(value: object) -> bool:
    # NaT is an instance of datetime, so it is caught by name before the type test.
    return value is None or value is pd.NaT or (not isinstance(value, str | date) and bool(pd.isna(value)))

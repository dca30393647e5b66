"""The CSV and XLSX writers every evidence table and return leaves through."""

import csv
import io
from datetime import date, datetime

import pandas as pd
import pytest
from openpyxl import load_workbook

from joinedup.evidence.returns.tables import to_csv_bytes, to_xlsx_bytes

# OWASP's CSV Injection page: a cell beginning with any of these may be run as a formula.
DANGEROUS = ["=1+2", "+SUM(A1:A2)", "-2+3", "@SUM(1)", "\t=1", "\r=1", '=HYPERLINK("http://x.invalid","click")']


def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Child": ["Zoë Ørsted", "Ana"],
            "Started": [date(2025, 1, 6), None],
            "Score": [18, None],
            "Change": ["-2.5", "+1%"],
        }
    )


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_starts_with_a_byte_order_mark_and_the_header_row():
    data = to_csv_bytes(table())

    assert data.startswith(b"\xef\xbb\xbf")
    assert read_csv(data)[0] == ["Child", "Started", "Score", "Change"]


def test_csv_writes_dates_in_the_format_asked_and_blanks_as_empty():
    rows = read_csv(to_csv_bytes(table(), date_format="%Y-%m-%d"))

    assert rows[1] == ["Zoë Ørsted", "2025-01-06", "18.0", "-2.5"]
    assert rows[2] == ["Ana", "", "", "+1%"]
    assert read_csv(to_csv_bytes(table()))[1][1] == "06/01/2025"


@pytest.mark.parametrize("value", DANGEROUS)
def test_csv_cell_that_could_run_as_a_formula_gets_an_apostrophe(value):
    rows = read_csv(to_csv_bytes(pd.DataFrame({"Note": [value, "plain"]})))

    assert rows[1:] == [["'" + value], ["plain"]]


def test_a_dangerous_header_is_neutralised_too():
    assert read_csv(to_csv_bytes(pd.DataFrame({"=cmd": [1]})))[0] == ["'=cmd"]


def workbook(sheets: dict[str, pd.DataFrame], notes: dict[str, str] | None = None):
    return load_workbook(io.BytesIO(to_xlsx_bytes(sheets, notes)))


def test_xlsx_reads_back_the_same_values_with_dates_as_dates():
    book = workbook({"Cohort": table()})
    sheet = book["Cohort"]

    values = [list(row) for row in sheet.iter_rows(values_only=True)]

    assert values == [
        ["Child", "Started", "Score", "Change"],
        ["Zoë Ørsted", datetime(2025, 1, 6), 18, "-2.5"],
        ["Ana", None, None, "+1%"],
    ]
    assert sheet["B2"].is_date
    assert sheet["B2"].number_format == "dd/mm/yyyy"


def test_xlsx_header_is_bold_and_frozen_and_columns_fit():
    sheet = workbook({"Cohort": pd.DataFrame({"Organisation completing assessment": ["School"], "N": [3]})})["Cohort"]

    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == len("Organisation completing assessment") + 2
    assert sheet.column_dimensions["B"].width == 3


def test_xlsx_has_a_notes_sheet_with_each_tables_full_caption_and_note():
    caption = "Attendance of children helped, by term, with the 95% interval: key stage 3"
    book = workbook({caption: table(), "Cohort": table()}, {caption: "Source: school census, autumn 2025."})

    assert book.sheetnames == ["Attendance of children helped,", "Cohort", "Notes"]
    notes = [list(row) for row in book["Notes"].iter_rows(values_only=True)]
    assert notes == [
        ["Sheet", "Table", "Note"],
        ["Attendance of children helped,", caption, "Source: school census, autumn 2025."],
        ["Cohort", "Cohort", None],
    ]


def test_xlsx_sheet_names_are_legal_and_unique():
    book = workbook({"Rates: in/out [2025]": table(), "Rates: in/out [2025]?": table(), "Notes": table()})

    assert book.sheetnames == ["Rates inout 2025", "Rates inout 2025 2", "Notes 2", "Notes"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_xlsx_cell_that_could_run_as_a_formula_is_stored_as_text(value):
    sheet = workbook({"Notes on cases": pd.DataFrame({"Note": [value]})})["Notes on cases"]

    cell = sheet["A2"]
    assert cell.value == value.replace("\r", "\n")  # XML reads a carriage return back as a line feed
    assert cell.data_type == "s"
    assert cell.quotePrefix


def test_xlsx_plain_negative_numbers_keep_their_sign_without_a_prefix():
    cell = workbook({"T": pd.DataFrame({"Change": ["-2.5"]})})["T"]["A2"]

    assert cell.value == "-2.5"
    assert not cell.quotePrefix


def test_xlsx_writes_a_database_timestamp_at_midnight_as_a_date_and_nat_as_blank():
    frame = pd.DataFrame({"Closed": pd.to_datetime(["2025-07-14", None])})

    sheet = workbook({"Closures": frame})["Closures"]

    assert [sheet["A2"].value, sheet["A3"].value] == [datetime(2025, 7, 14), None]
    assert sheet["A2"].number_format == "dd/mm/yyyy"

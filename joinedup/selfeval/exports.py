"""Reports to take to a Children's Trust board: a PDF (WeasyPrint, charts as vector SVG) and a
spreadsheet with one sheet per table (openpyxl), from the same Report the page shows."""

from __future__ import annotations

import io
import re

from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .reports import Report


def pdf(report: Report) -> bytes:
    from weasyprint import HTML  # imported here: WeasyPrint loads Pango, which pages need not wait for

    html = render_to_string("selfeval/report_print.html", {"report": report, "made": timezone.localtime()})
    return HTML(string=html).write_pdf()


def _sheet_name(caption: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "", caption)[:31].strip() or "Table"
    candidate, n = name, 2
    while candidate in used:
        candidate, n = f"{name[:27]} {n}", n + 1
    used.add(candidate)
    return candidate


def xlsx(report: Report) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    summary.append([report.title])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append([report.subtitle])
    summary.append(
        [
            f"Made {timezone.localtime():%-d %B %Y %H:%M}. "
            + ("Full version." if report.full else "For sharing beyond the authority: counts from 1 to 4 shown as <5.")
        ]
    )
    summary.append([])
    for label, value in report.summary:
        summary.append([label, value])
    for section in report.sections:
        summary.append([])
        summary.append([section.title])
        summary.cell(summary.max_row, 1).font = Font(bold=True)
        for paragraph in section.paragraphs:
            summary.append([paragraph])
            summary.cell(summary.max_row, 1).alignment = Alignment(wrap_text=True, vertical="top")
    summary.column_dimensions["A"].width = 100
    summary.column_dimensions["B"].width = 30
    used = {"Summary"}
    for section in report.sections:
        for table in section.tables:
            sheet = book.create_sheet(_sheet_name(table.caption, used))
            sheet.append([table.caption])
            sheet["A1"].font = Font(bold=True)
            if table.note:
                sheet.append([table.note])
            sheet.append(table.head)
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
            for row in table.rows:
                sheet.append(list(row))
            for index, _ in enumerate(table.head, 1):
                width = max(len(str(row[index - 1])) for row in [table.head, *table.rows]) if table.rows else 12
                sheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, width + 2))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

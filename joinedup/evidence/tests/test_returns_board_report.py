"""The board report: A4 PDF from headings, paragraphs, tables and charts. pypdfium2 is not
installed, so the text is read from WeasyPrint's own laid-out pages, and the PDF checked by its
header and page count."""

from datetime import date

import pandas as pd
import pytest
from weasyprint import HTML
from weasyprint.formatting_structure import boxes

from joinedup.evidence.returns.board_report import (
    OFFICIAL_SENSITIVE,
    Chart,
    Heading,
    Paragraph,
    TableSection,
    board_report_html,
    board_report_pdf,
)

TITLE = "Impact of early help: report to the Children's Trust board"
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="160"><title>Attendance by term</title>'
    '<rect width="400" height="160" fill="#1d70b8"/></svg>'
)
PNG = bytes.fromhex(  # a 1x1 white pixel
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8ffff3f0005fe02fea7d6a4810000000049454e44ae426082"
)


def sections(tables: int = 1) -> list:
    figures = pd.DataFrame(
        {"Term": ["Autumn 2025", "Spring 2026"], "Attendance": ["91.2%", "[c]"], "From": [date(2025, 9, 1), None]}
    )
    return [
        Heading("Level 2: children and families"),
        Paragraph("Attendance rose for children with a team around the child <as measured>."),
        *[TableSection(f"Attendance by term {n}", figures, note="Source: school census.") for n in range(tables)],
        Chart(SVG, "Attendance by term", caption="Figure 1"),
        Chart(PNG, "A blank image", caption="Figure 2"),
    ]


def laid_out(html: str):
    return HTML(string=html).render()


def page_texts(document) -> list[str]:
    return [
        " ".join(box.text for box in page._page_box.descendants() if isinstance(box, boxes.TextBox))
        for page in document.pages
    ]


def test_report_is_an_a4_pdf():
    data = board_report_pdf(title=TITLE, sections=sections())

    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")


def test_report_pages_carry_the_title_figures_page_numbers_and_marking():
    html = board_report_html(
        title=TITLE, sections=sections(tables=12), official_sensitive=True, made_on=date(2026, 12, 4)
    )

    document = laid_out(html)
    pages = page_texts(document)

    assert len(pages) > 1
    assert (round(document.pages[0].width * 25.4 / 96), round(document.pages[0].height * 25.4 / 96)) == (210, 297)
    assert TITLE in pages[0]
    assert "Autumn 2025 91.2% 01/09/2025" in pages[0]
    assert "<as measured>" in pages[0]
    assert all(text.count(OFFICIAL_SENSITIVE) == 2 for text in pages)
    assert all(f"Page {n} of {len(pages)}" in text for n, text in enumerate(pages, start=1))
    assert "Made 4 December 2026" in pages[-1]


@pytest.mark.parametrize("official_sensitive", [True, False])
def test_marking_appears_only_when_asked(official_sensitive):
    html = board_report_html(title=TITLE, sections=[Paragraph("x")], official_sensitive=official_sensitive)

    assert (OFFICIAL_SENSITIVE in html) is official_sensitive


def test_text_is_escaped_and_charts_are_embedded():
    html = board_report_html(title="<script>", sections=sections())

    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<title>Attendance by term</title>" in html
    assert 'src="data:image/png;base64,' in html
    assert 'alt="A blank image"' in html


def test_a_drawing_cannot_make_the_report_read_a_file(caplog):
    drawing = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20">'
        '<image width="20" height="20" href="file:///etc/hostname"/></svg>'
    )

    data = board_report_pdf(title=TITLE, sections=[Chart(drawing, "A drawing pointing at a file")])

    assert data.startswith(b"%PDF-")
    assert "disallowed protocol: file:///etc/hostname" in caplog.text

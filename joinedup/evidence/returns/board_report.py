"""The impact model as a board report: headings, paragraphs, tables and charts laid out on A4 by
WeasyPrint, numbered "Page n of N", and marked OFFICIAL-SENSITIVE at the top and foot of every
page when the figures are not for publication."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date

import jinja2
import pandas as pd
from markupsafe import Markup

# The Government Security Classifications write the marking in capitals, at the top and bottom of
# each page.
OFFICIAL_SENSITIVE = "OFFICIAL-SENSITIVE"


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class TableSection:
    caption: str
    frame: pd.DataFrame
    note: str = ""


@dataclass(frozen=True)
class Chart:
    """An SVG drawing (as joinedup.common.charts makes, kept as vector) or PNG bytes."""

    image: str | bytes
    description: str
    caption: str = ""


Section = Heading | Paragraph | TableSection | Chart

TEMPLATE = """<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<style>
  @page {
    size: A4;
    margin: 20mm 18mm 22mm 18mm;
    @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 9pt; }
    {% if made_on %}@bottom-left { content: "Made {{ made_on }}"; font-size: 9pt; }{% endif %}
    {% if marking %}
    @top-center { content: "{{ marking }}"; font-size: 10pt; font-weight: bold; }
    @bottom-center { content: "{{ marking }}"; font-size: 10pt; font-weight: bold; }
    {% endif %}
  }
  body { font-family: Arial, Helvetica, "DejaVu Sans", sans-serif; font-size: 10.5pt; color: #0b0c0c; }
  h1 { font-size: 20pt; margin: 0 0 8mm; }
  h2 { font-size: 14pt; margin: 8mm 0 3mm; break-after: avoid; }
  p { line-height: 1.4; margin: 0 0 3mm; }
  table { border-collapse: collapse; width: 100%; margin: 0 0 5mm; font-size: 9pt; }
  caption { text-align: left; font-weight: bold; margin-bottom: 2mm; }
  th, td { border-bottom: 1px solid #b1b4b6; padding: 1.5mm 2mm; text-align: left; vertical-align: top; }
  thead th { border-bottom: 2px solid #0b0c0c; }
  tr { break-inside: avoid; }
  figure { margin: 0 0 5mm; break-inside: avoid; }
  figure svg, figure img { max-width: 100%; height: auto; }
  figcaption, .note { font-size: 9pt; color: #505a5f; }
</style>
</head>
<body>
<h1>{{ title }}</h1>
{% for section in sections %}
  {% if section.kind == "heading" %}<h2>{{ section.text }}</h2>
  {% elif section.kind == "paragraph" %}<p>{{ section.text }}</p>
  {% elif section.kind == "table" %}
  <table>
    <caption>{{ section.caption }}</caption>
    <thead><tr>{% for name in section.head %}<th scope="col">{{ name }}</th>{% endfor %}</tr></thead>
    <tbody>
    {% for row in section.rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}
    </tbody>
  </table>
  {% if section.note %}<p class="note">{{ section.note }}</p>{% endif %}
  {% elif section.kind == "chart" %}
  <figure>
    {{ section.drawing }}{% if section.caption %}<figcaption>{{ section.caption }}</figcaption>{% endif %}
  </figure>
  {% endif %}
{% endfor %}
</body>
</html>
"""

_template = jinja2.Environment(autoescape=True).from_string(TEMPLATE)


def board_report_html(
    *, title: str, sections: list[Section], official_sensitive: bool = False, made_on: date | None = None
) -> str:
    """The report as one HTML page for WeasyPrint; every text is escaped, and a chart's SVG is
    placed as it is (it comes from joinedup's own charts)."""
    return _template.render(
        title=title,
        sections=[_for_template(section) for section in sections],
        marking=OFFICIAL_SENSITIVE if official_sensitive else "",
        made_on=made_on.strftime("%-d %B %Y") if made_on else "",
    )


def board_report_pdf(
    *, title: str, sections: list[Section], official_sensitive: bool = False, made_on: date | None = None
) -> bytes:
    """The report as A4 PDF bytes. Only data: URLs are fetched, so a drawing that points elsewhere
    cannot make a report reach the network or read a file."""
    from weasyprint import HTML  # imported here: WeasyPrint loads Pango, which pages need not wait for
    from weasyprint.urls import URLFetcher

    html = board_report_html(title=title, sections=sections, official_sensitive=official_sensitive, made_on=made_on)
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()


def _for_template(section: Section) -> dict:
    if isinstance(section, Heading):
        return {"kind": "heading", "text": section.text}
    if isinstance(section, Paragraph):
        return {"kind": "paragraph", "text": section.text}
    if isinstance(section, TableSection):
        return {
            "kind": "table",
            "caption": section.caption,
            "head": [str(name) for name in section.frame.columns],
            "rows": [[_shown(value) for value in row] for row in section.frame.itertuples(index=False, name=None)],
            "note": section.note,
        }
    return {"kind": "chart", "drawing": _drawing(section), "caption": section.caption}


def _drawing(chart: Chart) -> Markup:
    if isinstance(chart.image, bytes):
        encoded = base64.b64encode(chart.image).decode("ascii")
        return Markup('<img src="data:image/png;base64,{}" alt="{}">').format(Markup(encoded), chart.description)
    return Markup(chart.image)


def _shown(value: object) -> str:
    if value is None or value is pd.NaT or (not isinstance(value, str | date) and bool(pd.isna(value))):
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)

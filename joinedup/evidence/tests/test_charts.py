"""A child's attendance chart, drawn on their page from a template: a column per term as tall as
that term's attendance, the DfE's lines for persistent and severe absence, and one name for
screen readers (the table beside it holds the figures)."""

import xml.etree.ElementTree as ET

from joinedup.evidence.charts import attendance_columns

SVG = "{http://www.w3.org/2000/svg}"


def drawn(terms):
    return ET.fromstring(str(attendance_columns(terms, description="The child's attendance <each term>")))


def test_each_term_is_a_column_as_tall_as_its_attendance_and_named_below_it():
    chart = drawn([("2023-autumn", 100.0), ("2023-spring", 50.0), ("2023-summer", 80.0)])

    heights = [float(rect.get("height")) for rect in chart.iter(f"{SVG}rect")]
    labels = [text.text for text in chart.iter(f"{SVG}text")]

    assert heights == [200.0, 100.0, 160.0]
    assert ["2023-autumn", "2023-spring", "2023-summer"] == [t for t in labels if t.startswith("2023")]
    assert "90% or less: persistent absence" in labels and "50% or less: severe absence" in labels


def test_a_screen_reader_reads_the_description_as_the_charts_one_name():
    chart = drawn([("2023-autumn", 95.0)])

    title = chart.find(f"{SVG}title")

    assert chart.get("role") == "img" and chart.get("focusable") == "false"
    assert chart.get("aria-labelledby") == title.get("id")
    assert title.text == "The child's attendance <each term>"  # escaped in the markup, read as written


def test_two_charts_on_one_page_have_different_title_ids():
    first, second = drawn([("2023-autumn", 95.0)]), drawn([("2023-autumn", 95.0)])

    assert first.get("aria-labelledby") != second.get("aria-labelledby")

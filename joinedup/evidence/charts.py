"""Charts of the evidence pages: a trend over terms with its 95% interval as a band, and the
event study around the start of help. The table beside each holds the same numbers."""

from __future__ import annotations

import altair as alt
import pandas as pd
from django.template.loader import render_to_string
from markupsafe import Markup

from joinedup.common.charts import FONT, PALETTE, next_title_id, svg


def trend(table: pd.DataFrame, *, title: str, description: str) -> Markup:
    """table: term, group, value, low, high (as evidence.queries.trend gives, figures suppressed
    already blanked): one line per group with its interval as a shaded band."""
    frame = table[["term", "group", "value", "low", "high"]].dropna(subset=["value"])
    if frame.empty:
        frame = pd.DataFrame([{"term": "", "group": "", "value": 0.0, "low": 0.0, "high": 0.0}])
    order = list(dict.fromkeys(table["term"]))
    base = alt.Chart(frame).encode(
        x=alt.X("term:N", title=None, sort=order),
        color=alt.Color("group:N", title=None, scale=alt.Scale(range=PALETTE), legend=alt.Legend(orient="bottom")),
    )
    band = base.mark_area(opacity=0.18).encode(y=alt.Y("low:Q", title=title, scale=alt.Scale(zero=False)), y2="high:Q")
    line = base.mark_line(point=True).encode(y="value:Q")
    return svg(alt.layer(band, line).properties(width=560, height=260), description)


def event_study(table: pd.DataFrame, *, title: str, description: str) -> Markup:
    """table: relative (terms from the start of help), estimate, low, high: the difference between
    helped children and their comparison group in each term, with its interval."""
    frame = table[["relative", "estimate", "low", "high"]].dropna(subset=["estimate"])
    if frame.empty:
        frame = pd.DataFrame([{"relative": 0, "estimate": 0.0, "low": 0.0, "high": 0.0}])
    base = alt.Chart(frame).encode(x=alt.X("relative:O", title="Terms from the start of help (0 = first term)"))
    bars = base.mark_rule(color=PALETTE[0]).encode(y=alt.Y("low:Q", title=title), y2="high:Q")
    points = base.mark_point(filled=True, color=PALETTE[0], size=50).encode(y="estimate:Q")
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="#505a5f", strokeDash=[4, 4]).encode(y="y:Q")
    return svg(alt.layer(zero, bars, points).properties(width=560, height=260), description)


def attendance_columns(terms: list[tuple[str, float]], *, description: str) -> Markup:
    """One child's attendance, (term, percent) in order, as a column per term. Drawn from a template,
    not by vl-convert: nearly every view of a child's page is the first of that child (a quarter of a
    million of them), and a new chart takes Altair and vl-convert a tenth of a second or more."""
    context = {
        "terms": terms,
        "description": description,
        "title_id": next_title_id(),
        "font": FONT,
        "colour": PALETTE[0],
    }
    return Markup(render_to_string("evidence/_attendance_chart.svg", context))

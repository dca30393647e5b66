"""Charts for self-evaluation reports, drawn by the common chart helper: every chart sits beside a
table holding the same figures."""

from __future__ import annotations

import altair as alt
import pandas as pd
from markupsafe import Markup

from joinedup.common.charts import PALETTE, svg


def impact_levels(rows: list[dict], description: str) -> Markup:
    """rows: {"group", "level", "people"}: how many in each group placed impact at each level."""
    frame = pd.DataFrame(rows or [{"group": "", "level": "", "people": 0}])
    levels = ["Level 1", "Level 2", "Level 3", "Level 4", "Too early to say"]
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("people:Q", title="People", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("group:N", title=None, sort=None),
            color=alt.Color(
                "level:N",
                title="Impact level",
                scale=alt.Scale(domain=levels, range=PALETTE[:5]),
                legend=alt.Legend(orient="bottom"),
            ),
            order=alt.Order("level:N"),
        )
        .properties(width=520, height=alt.Step(28))
    )
    return svg(chart, description)


def dimension_scores(rows: list[dict], description: str) -> Markup:
    """rows: {"dimension", "series", "score"}: mean scores 1-5 for each dimension and series."""
    frame = pd.DataFrame(rows or [{"dimension": "", "series": "", "score": 0}])
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("score:Q", title="Mean score (1 fragmentation to 5 integrated)", scale=alt.Scale(domain=[0, 5])),
            y=alt.Y("series:N", title=None, sort=None),
            color=alt.Color("series:N", title=None, scale=alt.Scale(range=PALETTE), legend=None),
            row=alt.Row("dimension:N", title=None, sort=None, header=alt.Header(labelAngle=0, labelAlign="left")),
        )
        .properties(width=440, height=alt.Step(18))
    )
    return svg(chart, description)


def confidence_positions(rows: list[dict], description: str) -> Markup:
    """rows: {"authority", "index", "own"}: every authority's confidence index, its own marked."""
    frame = pd.DataFrame(rows or [{"authority": "", "index": 0, "own": False}])
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("index:Q", title="Confidence index (0 to 100)", scale=alt.Scale(domain=[0, 100])),
            y=alt.Y("authority:N", title=None, sort="-x"),
            color=alt.Color(
                "own:N", scale=alt.Scale(domain=[True, False], range=[PALETTE[3], PALETTE[0]]), legend=None
            ),
        )
        .properties(width=460, height=alt.Step(20))
    )
    return svg(chart, description)


def trend(rows: list[dict], description: str, title: str, domain: tuple[float, float]) -> Markup:
    """rows: {"round", "series", "value"}: one line per series across rounds."""
    frame = pd.DataFrame(rows or [{"round": "", "series": "", "value": 0}])
    chart = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("round:N", title=None, sort=None),
            y=alt.Y("value:Q", title=title, scale=alt.Scale(domain=list(domain))),
            color=alt.Color("series:N", title=None, scale=alt.Scale(range=PALETTE), legend=alt.Legend(orient="bottom")),
        )
        .properties(width=460, height=220)
    )
    return svg(chart, description)

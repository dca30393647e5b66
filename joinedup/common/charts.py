"""Charts as accessible inline SVG: Altair specifications drawn offline by vl-convert (no CDN, no
script, nothing for the content security policy to block), the same in the page and the PDF.
Every chart sits beside a table holding the same figures."""

from __future__ import annotations

import itertools
import json
import re
from functools import lru_cache

import altair as alt
import vl_convert
from markupsafe import Markup

# GOV.UK Design System colours, distinguishable in greyscale order.
PALETTE = ["#1d70b8", "#00703c", "#4c2c92", "#f47738", "#b1b4b6", "#d4351c", "#5694ca"]
FONT = "Arial, Helvetica, sans-serif"
_ids = itertools.count(1)


def svg(chart: alt.Chart | alt.LayerChart, description: str) -> Markup:
    """The chart as one accessible image: its parts are hidden from screen readers, which read the
    description (and the table beside it) instead."""
    spec = chart.configure(font=FONT).configure_view(stroke=None).to_dict()
    drawn = _draw(json.dumps(spec, sort_keys=True))
    title_id = next_title_id()
    escaped = str(Markup.escape(description))
    drawn = drawn.replace("<svg ", f'<svg role="img" aria-labelledby="{title_id}" focusable="false" ', 1)
    drawn = re.sub(r"(<svg[^>]*>)", rf'\1<title id="{title_id}">{escaped}</title>', drawn, count=1)
    return Markup(drawn)


def next_title_id() -> str:
    """An id for a chart's title that no other chart on the page has."""
    return f"chart-title-{next(_ids)}"


@lru_cache(maxsize=256)
def _draw(spec: str) -> str:
    """Drawing takes vl-convert a tenth of a second or more, and the same chart comes back often (an
    area's trend on the evidence pages): a chart is drawn once per specification in each server
    process, and kept as a string, which nobody can change. A child's attendance is not drawn here
    (evidence.charts.attendance_columns)."""
    drawn = vl_convert.vegalite_to_svg(json.loads(spec))
    return re.sub(r'\s(role|aria-[a-z]+)="[^"]*"', "", drawn)

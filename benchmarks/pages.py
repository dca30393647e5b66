"""Where the time of one request goes on the busiest pages, in one process on one core:
`JOINEDUP_MODE=demo JOINEDUP_VAR_DIR=var/demo python benchmarks/pages.py` on a loaded demo.

Signs in as the practitioner who works with the most children and asks for home, a search by name
and the page of each of `--children` of their children, each child once (with a quarter of a million
children nearly every view of a child's page is its first). Splits each page's time into SQL
queries, the measures (DuckDB), chart drawing (vl-convert), template rendering and the rest.
Prints a line per page (median and slowest ms, and each part's median), and as its last line
key=value figures: <page>_p50_ms, <page>_max_ms and <page>_queries per page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from contextlib import ExitStack, contextmanager
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=30, help="child pages to open, each once")
    arguments = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joinedup.settings")
    import django

    django.setup()
    figures = run(arguments.children)
    print(" ".join(f"{key}={value}" for key, value in figures.items()))


class Clock:
    """Time spent inside each wrapped part, for the request being timed."""

    def __init__(self):
        self.spent: dict[str, float] = defaultdict(float)
        self.queries = 0

    def wrap(self, part: str, function):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.spent[part] += time.perf_counter() - started

        return timed

    def sql(self, execute, sql, params, many, context):
        self.queries += 1
        return self.wrap("sql", execute)(sql, params, many, context)


@contextmanager
def watched(clock: Clock):
    from django.db import connection
    from django.template.backends.jinja2 import Template

    from joinedup.common import charts
    from joinedup.evidence import pages

    with ExitStack() as stack:
        stack.enter_context(connection.execute_wrapper(clock.sql))
        stack.enter_context(mock.patch.object(Template, "render", clock.wrap("template", Template.render)))
        stack.enter_context(mock.patch.object(pages, "connect", clock.wrap("measures", pages.connect)))
        drawing = charts.vl_convert.vegalite_to_svg
        stack.enter_context(mock.patch.object(charts.vl_convert, "vegalite_to_svg", clock.wrap("chart", drawing)))
        yield


def run(children: int) -> dict:
    from django.db.models import Count
    from django.test import Client

    from joinedup.access.policy import Action, children_for
    from joinedup.people.models import Practitioner, Role

    practitioner = (
        Practitioner.objects.filter(role=Role.PRACTITIONER, user__is_active=True)
        .annotate(n=Count("involvements"))
        .order_by("-n")
        .first()
    )
    ids = list(children_for(practitioner.user, Action.VIEW_CHILD).order_by("pk").values_list("pk", flat=True))
    surname = practitioner.involvements.first().child.surname
    client = Client(HTTP_HOST="localhost")
    client.force_login(practitioner.user)
    client.get("/")  # the first request loads templates and code: not part of any page's time
    requests = {"home": ["/"] * 10, "search": [f"/children/search?name={surname}"] * 10}
    requests["child"] = [f"/children/{pk}" for pk in ids[:children]]
    figures = {}
    for page, urls in requests.items():
        totals, parts, queries = [], defaultdict(list), []
        for url in urls:
            clock = Clock()
            with watched(clock):
                started = time.perf_counter()
                response = client.get(url)
                totals.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
            for part in ("sql", "measures", "chart", "template"):
                parts[part].append(clock.spent[part])
            queries.append(clock.queries)
        median = {part: 1000 * statistics.median(spent) for part, spent in parts.items()}
        print(
            f"{page}: {len(urls)} requests, p50 {1000 * statistics.median(totals):.0f} ms, "
            f"max {1000 * max(totals):.0f} ms; medians: "
            + ", ".join(f"{part} {ms:.1f} ms" for part, ms in median.items())
            + f" (template includes what it calls); {max(queries)} queries",
            file=sys.stderr,
        )
        figures[f"{page}_p50_ms"] = round(1000 * statistics.median(totals))
        figures[f"{page}_max_ms"] = round(1000 * max(totals))
        figures[f"{page}_queries"] = max(queries)
    return figures


if __name__ == "__main__":
    main()

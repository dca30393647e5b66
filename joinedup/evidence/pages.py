"""What each evidence page shows, as tables and charts, from the built measures: the views stay
thin (decide, call, render) and the board report draws the same sections."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd
from django.db.models import Q
from markupsafe import Markup

from joinedup.access.policy import Action, decide, practitioner_of
from joinedup.agencies.models import LocalAuthority, Locality
from joinedup.people.models import Role
from joinedup.selfeval import queries as selfeval

from . import charts
from .cohorts import Definition
from .definitions import KEY_GROUPS, SUPPORTING_FAMILIES, measure
from .disclosure.rates import withhold_small_groups
from .figures import Figure, share
from .measures import MeasuresNotBuilt, build_stamp, connect
from .methods.before_after import naive_before_after
from .methods.matched import compare_with_similar_children
from .methods.panel import to_wide
from .queries import (
    ALL_CHILDREN,
    COMPARISON_COVARIATES,
    GROUPINGS,
    PARTITIONS,
    ImpactModel,
    comparison_panel,
    family_outcomes,
    impact_model,
    trend,
)
from .returns import board_report as report
from .returns import tables as returns_tables
from .tables import FIGURE_HEAD, NOT_AVAILABLE, SMALLEST_SHOWN, SUPPRESSED, Disclosure, Table

DIMENSIONS = {"extent": "Extent", "structures": "Structures", "processes": "Processes", "reach": "Reach"}


@dataclass
class Section:
    heading: str
    text: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    chart: Markup | None = None
    # Shown on the home pages of the director and service managers too (levels 1, 3 and 4).
    on_home_page: bool = False


def disclosure_for(user) -> Disclosure:
    return Disclosure(full=decide(user, Action.SEE_SMALL_COUNTS).allowed)


def areas_for(user) -> list[tuple[int | None, str]]:
    """The areas whose impact model this reader may see: the whole authority and every locality,
    or for a service manager the localities they manage (directly or through their teams)."""
    if not decide(user, Action.VIEW_IMPACT_MODEL):
        return []
    localities = Locality.objects.order_by("name")
    practitioner = practitioner_of(user)
    if practitioner.role != Role.SERVICE_MANAGER:
        return [(None, "The whole authority"), *localities.values_list("id", "name")]
    managed = localities.filter(Q(managers=practitioner) | Q(teams__managers=practitioner)).distinct()
    return list(managed.values_list("id", "name"))


def home_impact(user) -> dict | None:
    """The impact model of the reader's first area for their home page: levels 1, 3 and 4, as
    the full page shows them; None when they may not see it or the measures are not built."""
    areas = areas_for(user)
    if not areas:
        return None
    try:
        built, sections = impact_model_sections(
            locality_id=areas[0][0], disclosure=disclosure_for(user), home_page_only=True
        )
    except MeasuresNotBuilt:
        return None
    return {"area": areas[0][1], "built": built, "sections": sections}


def child_attendance(child_id: int) -> Section | None:
    """One child's attendance term by term, for their page (seen only by those who may see the child).
    Read afresh on each view (a millisecond or two): with a quarter of a million children nearly
    every view is the first of that child, so keeping it would only hold memory."""
    try:
        with connect() as con:
            rows = con.execute(
                "SELECT term, possible, missed, attendance_rate, persistent_absence, severe_absence FROM pupil_terms "
                "WHERE child_id = ? ORDER BY term_index",
                [child_id],
            ).fetchall()
    except MeasuresNotBuilt:
        return None
    if not rows:
        return None
    table = Table(
        "attendance",
        "Attendance, term by term",
        ["Term", "Attendance", "Sessions missed", "DfE absence flag"],
        [
            [
                term,
                f"{rate:.1f}%",
                f"{missed} of {possible}",
                "Severe" if severe else "Persistent" if persistent else "",
            ]
            for term, possible, missed, rate, persistent, severe in rows
        ],
        numeric=[False, True, True, False],
    )
    chart = charts.attendance_columns(
        [(term, rate) for term, _, _, rate, _, _ in rows],
        description="Column chart of the child's attendance each term, from 0 to 100%, with dashed lines at "
        "90% and 50% (persistent and severe absence). The table below holds the same figures.",
    )
    return Section("Attendance", [measure("attendance_rate").definition + "."], [table], chart)


def caseload_attendance(children) -> Table | None:
    """Attendance of the children a practitioner works with: the latest term and a year before."""
    ids = [child.pk for child in children]
    if not ids:
        return None
    try:
        with connect() as con:
            rows = con.execute(
                """WITH p AS (SELECT * FROM pupil_terms WHERE child_id IN (SELECT unnest(?))),
                        latest AS (SELECT child_id, max(term_index) AS term_index FROM p GROUP BY child_id)
                   SELECT l.child_id, now.term, now.attendance_rate, before.attendance_rate
                   FROM latest l JOIN p now USING (child_id, term_index)
                   LEFT JOIN p before ON before.child_id = l.child_id AND before.term_index = l.term_index - 3""",
                [ids],
            ).fetchall()
    except MeasuresNotBuilt:
        return None
    by_child = {row[0]: row for row in rows}
    lines = []
    for child in children:
        row = by_child.get(child.pk)
        if row is None:
            continue
        _, term, now, year_before = row
        change = "" if year_before is None else f"{now - year_before:+.1f} points"
        lines.append([child.full_name, term, f"{now:.1f}%", change])
    if not lines:
        return None
    return Table(
        "caseload_attendance",
        "Attendance of the children you work with",
        ["Child", "Latest term", "Attendance", "Change on a year before"],
        lines,
        numeric=[False, False, True, True],
    )


def locality_names() -> dict[int, str]:
    return dict(Locality.objects.values_list("id", "name"))


def impact_model_sections(
    *, locality_id: int | None, disclosure: Disclosure, home_page_only: bool = False
) -> tuple[str, list[Section]]:
    """The four levels of the NFER/LARC impact model for the authority or one locality, and the
    attendance trend by key group; with `home_page_only`, just the sections a home page shows
    (levels 1, 3 and 4), without the self-evaluation's level 2 and the trend chart."""
    model = _impact_model(locality_id, build_stamp())
    sections = [
        Section(
            "Level 1: processes and structures",
            ["What integrated working changed in how services work: the early help process as recorded."],
            [_lines_table("level_1", f"Processes, {model.period}", model.level_1, disclosure)],
            on_home_page=True,
        ),
    ]
    if not home_page_only:
        sections.append(_level_2(locality_id, disclosure))
    level_3 = Section(
        "Level 3: outcomes for children and families, by key group",
        ["Outcomes in the latest term with attendance figures, for all children and each LARC key group."],
        on_home_page=True,
    )
    for group, lines in model.level_3:
        level_3.tables.append(_lines_table(f"level_3_{_slug(group)}", group, lines, disclosure))
    sections.append(level_3)
    sections.append(
        Section(
            "Level 4: change that lasts",
            ["Change held for three or more terms, and needs that stay met after help ends."],
            [_lines_table("level_4", "Sustained change", model.level_4, disclosure)],
            on_home_page=True,
        )
    )
    if not home_page_only:
        with connect() as con:
            cohort = Definition(localities=[locality_id] if locality_id else [])
            attendance = trend(con, "attendance_rate", cohort=cohort, by="key_group")
        heading = "Attendance by key group, term by term"
        sections.append(trend_section(attendance, "attendance_rate", disclosure, heading))
    return f"Measures built on {model.built_on:%-d %B %Y}", sections


@lru_cache(maxsize=64)
def _impact_model(locality_id: int | None, build: tuple[str, int, int, int]) -> ImpactModel:
    """The impact model changes only when the measures are rebuilt, and every manager's and
    director's home page shows it: read it once per build and area, not on every page."""
    with connect() as con:
        return impact_model(con, locality_id=locality_id)


def trend_section(
    table: pd.DataFrame, code: str, disclosure: Disclosure, heading: str, *, partition: bool = False
) -> Section:
    """A measure's trend per term and group, as a chart and a table of the same figures. The groups
    of a `partition` add up to all children, so small ones are protected from subtraction too."""
    the_measure = measure(code)
    # The chart and the table show the same figures, withheld the same way.
    shown = (
        table
        if disclosure.full
        else withhold_small_groups(
            groups=table,
            threshold=SMALLEST_SHOWN,
            counts=["count"],
            total=ALL_CHILDREN if partition else None,
            within="term",
        )
    )
    rows = []
    for row in shown.itertuples():
        if pd.isna(row.n):
            rows.append([row.term, row.group, SUPPRESSED, SUPPRESSED, SUPPRESSED])
            continue
        if row.n and pd.isna(row.value) and getattr(row, "reason", ""):
            rows.append([row.term, row.group, SUPPRESSED, SUPPRESSED, f"{row.n:,}"])
            continue
        figure = Figure(
            None if pd.isna(row.value) else float(row.value),
            None if pd.isna(row.low) else float(row.low),
            None if pd.isna(row.high) else float(row.high),
            int(row.n),
            "days" if the_measure.summary == "median" else the_measure.unit,
        )
        rows.append([row.term, row.group, *disclosure.figure_cells(figure)])
    summary = {"share": "Share", "mean": "Mean", "median": "Median"}[the_measure.summary]
    data = Table(
        f"trend_{code}",
        f"{the_measure.label}: {summary.lower()} per term with its 95% interval",
        ["Term", "Group", *FIGURE_HEAD],
        rows,
        numeric=[False, False, True, False, True],
        notes=[f"Definition: {the_measure.definition}.", f"Source of the definition: {the_measure.source}."],
    )
    chart = charts.trend(
        shown,
        title=f"{the_measure.label} ({'%' if the_measure.unit == 'percent' else the_measure.unit})",
        description=f"Line chart of {the_measure.label.lower()} per term for each group, with the 95% interval "
        "as a shaded band. The table below holds the same figures.",
    )
    return Section(heading, [f"{the_measure.definition}. Source: {the_measure.source}."], [data], chart)


def _lines_table(key: str, caption: str, lines, disclosure: Disclosure) -> Table:
    return Table(
        key,
        caption,
        ["Measure", *FIGURE_HEAD, "How it is defined"],
        [[line.label, *disclosure.figure_cells(line.figure), f"{line.definition} ({line.source})"] for line in lines],
        numeric=[False, True, False, True, False],
    )


def _level_2(locality_id: int | None, disclosure: Disclosure) -> Section:
    section = Section(
        "Level 2: professionals' experiences and attitudes",
        ["From the latest self-evaluation round the authority took part in (the LARC self-evaluation toolkit)."],
    )
    authority = LocalAuthority.objects.order_by("id").first()
    experience = selfeval.professional_experience(authority.id, locality_id) if authority else None
    if experience is None:
        section.text.append("The authority has not yet taken part in a self-evaluation round.")
        return section
    rows = [
        [
            "Staff placing impact at level 2 or above",
            *disclosure.figure_cells(share(experience["level_2_or_above"], experience["placed"])),
            "Directors, managers and practitioners who placed the impact of integrated working at level 2 or "
            "higher of the NFER model",
        ]
    ]
    for code, label in DIMENSIONS.items():
        mean, n = experience["dimensions"].get(code, (None, 0))
        figure = Figure(mean, None, None, n, "score")
        rows.append([f"{label} of integration", *disclosure.figure_cells(figure), "Mean score, 1 to 5"])
    section.text.append(f"Round: {experience['round']}; {experience['staff']} staff answered.")
    section.tables.append(
        Table(
            "level_2",
            "Professionals' view",
            ["Measure", *FIGURE_HEAD, "How it is defined"],
            rows,
            numeric=[False, True, False, True, False],
        )
    )
    return section


def family_sections(*, locality_id: int | None, disclosure: Disclosure) -> list[Section]:
    """Whole-family outcomes, the numbers an authority reports to the Supporting Families programme."""
    with connect() as con:
        lines = family_outcomes(con, locality_id=locality_id)
    rows = []
    for line in lines:
        if line.of is None:
            rows.append([line.label, disclosure.count(line.count), "", "", "", line.definition])
            continue
        shown, interval, _ = disclosure.figure_cells(share(line.count, line.of))
        rows.append(
            [line.label, disclosure.count(line.count), disclosure.count(line.of), shown, interval, line.definition]
        )
    table = Table(
        "families",
        "Whole-family outcomes",
        ["Families", "Number", "Of", "Share", "95% interval", "How it is counted"],
        rows,
        numeric=[False, True, True, True, False, False],
        notes=[f"Source of the framework: {SUPPORTING_FAMILIES}."],
    )
    return [
        Section(
            "Whole-family outcomes",
            [
                "Families are counted as the Supporting Families outcome framework counts them: a family helped with "
                "several needs, with one lead practitioner and a plan for the whole family, whose needs were met when "
                "help ended and stayed met six and twelve months later.",
            ],
            [table],
        )
    ]


def comparison_sections(*, code: str, cohort: Definition, disclosure: Disclosure) -> list[Section]:
    """Supported children against similar children not yet supported, with the naive before/after
    beside it, the event study, the checks and the balance table; the method in plain English."""
    with connect() as con:
        long = comparison_panel(con, code=code, cohort=cohort.population())
    panel = to_wide(panel=long, covariates=COMPARISON_COVARIATES)  # reshaped once for both methods
    the_measure = measure(code)
    points = "percentage points" if the_measure.unit == "percent" else "points"
    result = compare_with_similar_children(panel=panel, covariates=COMPARISON_COVARIATES)
    naive = naive_before_after(panel=panel)
    headline = Section(f"What difference did help make to {the_measure.label.lower()}?")
    if result.cannot_compare:
        headline.text.append(f"The comparison cannot be made: {result.cannot_compare}")
    elif result.reliable:
        headline.text.append(
            f"Supported children's {the_measure.label.lower()} changed by {result.estimate:+.1f} {points} compared "
            f"with similar children not yet supported (95% interval {result.low:+.1f} to {result.high:+.1f})."
        )
    else:
        headline.text.append(
            "Do not rely on this result: the method's own checks failed, so the difference below may not be "
            "what help did."
        )
    headline.text += list(result.warnings)
    rows = []
    for comparison in (result, naive):
        shown = not comparison.cannot_compare and (disclosure.full or comparison.n_helped >= SMALLEST_SHOWN)
        rows.append(
            [
                comparison.method,
                f"{comparison.estimate:+.1f}" if shown else NOT_AVAILABLE,
                f"{comparison.low:+.1f} to {comparison.high:+.1f}" if shown else NOT_AVAILABLE,
                disclosure.count(comparison.n_helped),
                disclosure.count(comparison.n_comparison) if comparison.n_comparison else "None",
                "Yes" if comparison.reliable else "No: see the checks",
            ]
        )
    headline.tables.append(
        Table(
            "comparison",
            f"Difference in {points}, with the naive before and after beside it",
            ["Method", "Difference", "95% interval", "Supported children", "Comparison children", "Checks passed"],
            rows,
            numeric=[False, True, False, True, True, False],
        )
    )
    sections = [headline]
    if result.cannot_compare:
        return sections
    checks = [check for check in (result.pre_trend, result.placebo) if check is not None]
    sections.append(
        Section(
            "Can the result be trusted?",
            [check.verdict for check in checks],
            [
                Table(
                    "checks",
                    "The method's own checks",
                    ["Check", "Estimate", "95% interval", "p", "Passed"],
                    [
                        [
                            check.name,
                            f"{check.estimate:+.2f}",
                            f"{check.low:+.2f} to {check.high:+.2f}",
                            f"{check.p_value:.3f}",
                            "Yes" if check.passed else "No",
                        ]
                        for check in checks
                    ],
                    numeric=[False, True, False, True, False],
                )
            ],
        )  # fmt: skip
    )
    study = result.event_study.rename(columns={"relative_period": "relative"})
    sections.append(
        Section(
            "Term by term around the start of help",
            [
                "Each point is the difference between supported children and their comparison group that many terms "
                "from the start of help, against their own earlier terms. Before help (negative terms) the points "
                "should sit on zero; a run-down just before help is the dip that leads to a referral."
            ],
            [
                Table(
                    "event_study",
                    "Event study",
                    ["Terms from the start of help", "Difference", "95% interval", "Supported children"],
                    [
                        [
                            str(int(row.relative)),
                            f"{row.estimate:+.1f}",
                            f"{row.low:+.1f} to {row.high:+.1f}",
                            disclosure.count(int(row.n_helped)),
                        ]
                        for row in study.itertuples()
                    ],
                    numeric=[True, True, False, True],
                )
            ],
            charts.event_study(
                study,
                title=f"Difference ({points})",
                description="Chart of the difference between supported children and similar children in each term "
                "from the start of help, with 95% intervals. The table below holds the same figures.",
            ),
        )  # fmt: skip
    )
    balance = result.balance
    sections.append(
        Section(
            "How alike the groups were",
            [
                "A standardised difference under 0.1 means the groups were alike on that characteristic. Matching "
                "should bring every difference close to zero."
            ],
            [
                Table(
                    "balance",
                    "Balance before and after matching",
                    [
                        "Characteristic",
                        "Supported",
                        "Comparison before",
                        "Comparison after",
                        "Standardised difference before",
                        "Standardised difference after",
                    ],
                    [
                        [
                            str(row.covariate),
                            f"{row.helped_mean:.2f}",
                            f"{row.comparison_mean_before:.2f}",
                            f"{row.comparison_mean_after:.2f}",
                            f"{row.standardised_difference_before:.2f}",
                            f"{row.standardised_difference_after:.2f}",
                        ]
                        for row in balance.itertuples()
                    ],
                    numeric=[False, True, True, True, True, True],
                )
            ],
        )  # fmt: skip
    )
    sections.append(Section("The method and its assumptions", [result.method_text, naive.method_text]))
    return sections


def _interval(low: float, high: float) -> str:
    """A joint test (the pre-help trend) has a statistic, not one interval."""
    return NOT_AVAILABLE if pd.isna(low) or pd.isna(high) else f"{low:+.2f} to {high:+.2f}"


def outcome_sections(*, code: str, by: str, cohort: Definition, disclosure: Disclosure) -> list[Section]:
    with connect() as con:
        table = trend(con, code, cohort=cohort, by=by, locality_names=locality_names())
    heading = f"{measure(code).label}{' by ' + GROUPINGS[by].lower() if by else ''}"
    return [trend_section(table, code, disclosure, heading, partition=by in PARTITIONS)]


def cohort_size(definition: Definition, disclosure: Disclosure) -> Table:
    """How many children the cohort holds now, in all and in each key group."""
    where, params = definition.where("c")
    groups = ", ".join(f"count(*) FILTER (WHERE c.{code})" for code in KEY_GROUPS)
    with connect() as con:
        counts = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE c.supported), {groups} FROM children c WHERE {where}", params
        ).fetchall()[0]
    labels = ["Children in the cohort", "Of whom had a team around the child"]
    labels += [label for label, _, _ in KEY_GROUPS.values()]
    return Table(
        "cohort_size",
        "Children in the cohort now",
        ["Children", "Number"],
        [[label, disclosure.count(n)] for label, n in zip(labels, counts, strict=True)],
        numeric=[False, True],
    )


def board_report_of(title: str, sections: list[Section], *, shared_outside: bool) -> bytes:
    """The page as a PDF for the board: its words, charts and tables in order."""
    parts: list = []
    for section in sections:
        parts.append(report.Heading(section.heading))
        parts += [report.Paragraph(text) for text in section.text]
        if section.chart:
            parts.append(report.Chart(str(section.chart), description=section.heading))
        parts += [report.TableSection(t.caption, t.frame(), " ".join(t.notes)) for t in section.tables]
    return report.board_report_pdf(title=title, sections=parts, official_sensitive=not shared_outside)


def csv_of(table: Table) -> bytes:
    return returns_tables.to_csv_bytes(table.frame())


def xlsx_of(tables: list[Table]) -> bytes:
    sheets = {table.caption: table.frame() for table in tables}
    notes = {table.caption: " ".join(table.notes) for table in tables if table.notes}
    return returns_tables.to_xlsx_bytes(sheets, notes)


def safe_file_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name.lower())


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text.lower()).strip("_")

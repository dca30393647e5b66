"""Reads of the built measures for the evidence pages: trends per term by group, and the four
levels of the NFER/LARC impact model, every figure with its N and a 95% interval. All of it runs
in DuckDB over the measures file; nothing here touches a child's record in the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import duckdb
import numpy as np
import pandas as pd

from .cohorts import Definition
from .definitions import CONCEPT_OF_OPERATIONS, KEY_GROUPS, OFSTED_ANNEX_A, Measure, measure
from .figures import Figure, mean, mean_of, median_days, share, t_half_width, wilson
from .measures import term_index_of, term_of

ALL_CHILDREN = "All children"
GROUPINGS = {
    "": "No grouping",
    "key_group": "Key group",
    "locality": "Locality",
    "sex": "Sex",
    "supported": "Had a team around the child",
}
# Each measure as rows of (child, term, value): a pupil-term, a referral, a review or a case.
# Booleans are shares, numbers are means (scores) or medians (days).
UNITS = {
    "attendance_rate": "SELECT child_id, term_index, attendance_rate AS value FROM pupil_terms",
    "persistent_absence": "SELECT child_id, term_index, persistent_absence::INT AS value FROM pupil_terms",
    "severe_absence": "SELECT child_id, term_index, severe_absence::INT AS value FROM pupil_terms",
    "ks3_absence": "SELECT child_id, term_index, ks3_absence::INT AS value FROM pupil_terms WHERE key_stage_3",
    "suspended": "SELECT child_id, term_index, suspended::INT AS value FROM pupil_terms",
    "permanently_excluded": "SELECT child_id, term_index, permanently_excluded::INT AS value FROM pupil_terms",
    "looked_after": """
        SELECT p.child_id, p.term_index, (count(e.child_id) > 0)::INT AS value
        FROM pupil_terms p LEFT JOIN care_episodes e ON e.child_id = p.child_id
             AND e.starts < p.starts + INTERVAL 4 MONTH AND (e.ends IS NULL OR e.ends >= p.starts)
        GROUP BY p.child_id, p.term_index""",
    "placement_moves": """
        WITH looked_after AS (
            SELECT DISTINCT p.child_id, p.term_index, p.starts FROM pupil_terms p JOIN care_episodes e
              ON e.child_id = p.child_id AND e.starts < p.starts + INTERVAL 4 MONTH
              AND (e.ends IS NULL OR e.ends >= p.starts)
        )
        SELECT l.child_id, l.term_index, (count(e.starts) >= 3)::INT AS value
        FROM looked_after l LEFT JOIN care_episodes e ON e.child_id = l.child_id
             AND e.starts BETWEEN l.starts - INTERVAL 8 MONTH AND l.starts + INTERVAL 4 MONTH
        GROUP BY l.child_id, l.term_index""",
    "youth_justice_outcome": """
        SELECT child_id, term_index, youth_justice_outcome::INT AS value FROM pupil_terms WHERE youth_justice_age""",
    "first_time_entrant": """
        SELECT child_id, term_index, first_time_entrant::INT AS value FROM pupil_terms WHERE youth_justice_age""",
    "referred": """
        SELECT p.child_id, p.term_index,
               EXISTS (SELECT 1 FROM referrals r WHERE r.child_id = p.child_id AND {term_of_r} = p.term)::INT AS value
        FROM pupil_terms p""",
    "re_referred": "SELECT child_id, {term_index_h} AS term_index, re_referral::INT AS value FROM referral_history h",
    "days_to_assessment": """
        SELECT child_id, {term_index_c} AS term_index, assessment_started_on - referred_on AS value
        FROM cases c WHERE assessment_started_on IS NOT NULL AND referred_on IS NOT NULL""",
    "days_to_first_tac": """
        SELECT child_id, {term_index_c} AS term_index, first_tac_on - referred_on AS value
        FROM cases c WHERE first_tac_on IS NOT NULL AND referred_on IS NOT NULL""",
    "needs_met": """
        SELECT child_id, {term_index_closed} AS term_index, (closure_reason = 'needs_met')::INT AS value
        FROM cases c WHERE closed_on IS NOT NULL""",
    "sdq_total": """
        SELECT child_id, {term_index_v} AS term_index, avg(sdq_total) AS value FROM reviews v
        WHERE sdq_total IS NOT NULL GROUP BY ALL""",
    "sdq_concern": """
        SELECT child_id, {term_index_v} AS term_index, (max(sdq_total) >= 17)::INT AS value FROM reviews v
        WHERE sdq_total IS NOT NULL GROUP BY ALL""",
    "wellbeing_check": """
        SELECT child_id, {term_index_v} AS term_index, avg(wellbeing_score) AS value FROM reviews v
        WHERE wellbeing_score IS NOT NULL GROUP BY ALL""",
    "reported_impact": """
        SELECT child_id, {term_index_v} AS term_index, (max(changes) > 0)::INT AS value FROM reviews v GROUP BY ALL""",
}


def _units_sql(code: str) -> str:
    return UNITS[code].format(
        term_of_r=term_of("r.referred_on"),
        term_index_h=term_index_of("h.referred_on"),
        term_index_c=term_index_of("c.referred_on"),
        term_index_closed=term_index_of("c.closed_on"),
        term_index_v=term_index_of("v.held_on"),
    )


GROUP_LABELS = {
    "locality": "coalesce(n.name, 'Outside the authority')",
    "sex": "CASE c.sex WHEN 'M' THEN 'Boys' WHEN 'F' THEN 'Girls' ELSE 'Not known' END",
    "supported": "CASE WHEN c.supported THEN 'Had a team around the child' ELSE 'No team around the child' END",
}

PARTITIONS = frozenset(GROUP_LABELS)  # every child in exactly one group


def _groups_sql(by: str) -> str:
    """(child_id, grp) for each group a child is in; a child is in several key groups at once."""
    everyone = f"SELECT child_id, '{ALL_CHILDREN}' AS grp FROM children c WHERE {{where}}"
    if by == "key_group":
        return " UNION ALL ".join(
            [everyone]
            + [
                f"SELECT child_id, '{label}' FROM children c WHERE {code} AND {{where}}"
                for code, (label, _, _) in KEY_GROUPS.items()
            ]
        )
    if by in GROUP_LABELS:  # a partition, shown beside its total
        return (
            f"{everyone} UNION ALL SELECT child_id, {GROUP_LABELS[by]} AS grp FROM children c "
            "LEFT JOIN locality_names n USING (locality_id) WHERE {where}"
        )
    return everyone


def trend(
    con: duckdb.DuckDBPyConnection,
    code: str,
    *,
    cohort: Definition | None = None,
    by: str = "",
    locality_names: dict[int, str] | None = None,
) -> pd.DataFrame:
    """One row per term and group: n (children, or referrals/cases for process measures), the
    figure and its 95% interval. Each child counts once per term, so rows are independent."""
    the_measure = measure(code)
    where, params = (cohort or Definition()).where("c")
    groups = _groups_sql(by)
    names = locality_names or {}
    con.register("locality_names", pd.DataFrame({"locality_id": list(names), "name": list(names.values())}))
    medians = "TRUE" if the_measure.summary == "median" else "FALSE"  # waiting times are summarised by their median
    sql = f"""
        WITH units AS ({_units_sql(code)}), grouped AS ({groups.format(where=where)})
        SELECT t.term, u.term_index, g.grp, count(*) AS n, sum(u.value) AS total, avg(u.value) AS mean,
               stddev_samp(u.value) AS sd,
               list(u.value) FILTER (WHERE {medians}) AS values
        FROM units u JOIN grouped g USING (child_id) JOIN terms t USING (term_index)
        WHERE u.value IS NOT NULL
        GROUP BY ALL ORDER BY u.term_index, g.grp
    """
    rows = con.execute(sql, params * groups.count("{where}")).df()
    return _with_intervals(rows, the_measure)


def _with_intervals(rows: pd.DataFrame, the_measure: Measure) -> pd.DataFrame:
    """The groups' figures; `count` is how many have the attribute behind a share (else empty)."""
    if rows.empty:
        return pd.DataFrame(columns=["term", "term_index", "group", "n", "count", "value", "low", "high"])
    n = rows["n"].to_numpy(dtype=float)
    count = pd.array([pd.NA] * len(rows), dtype="Int64")
    if the_measure.summary == "share":
        value, low, high = wilson(rows["total"].to_numpy(dtype=float), n)
        count = rows["total"].astype("Int64").array
    elif the_measure.summary == "median":
        medians = [median_days(v) for v in rows["values"]]
        value = np.array([m.value for m in medians], dtype=float)
        low = np.array([np.nan if m.low is None else m.low for m in medians])
        high = np.array([np.nan if m.high is None else m.high for m in medians])
    else:
        value = rows["mean"].to_numpy(dtype=float)
        half = t_half_width(rows["sd"].to_numpy(dtype=float), n)
        low, high = value - half, value + half
    return pd.DataFrame(
        {
            "term": rows["term"],
            "term_index": rows["term_index"],
            "group": rows["grp"],
            "n": rows["n"].astype(int),
            "count": count,
            "value": value,
            "low": low,
            "high": high,
        }
    )


@dataclass(frozen=True)
class Line:
    """One row of the impact model: what is measured, the figure, and where the definition is from."""

    label: str
    figure: Figure
    definition: str
    source: str


@dataclass(frozen=True)
class ImpactModel:
    """Kept while its build stands and read by every manager's home page at once: nothing in it changes."""

    built_on: object
    period: str
    level_1: tuple[Line, ...]
    level_3: tuple[tuple[str, tuple[Line, ...]], ...]
    level_4: tuple[Line, ...]


def impact_model(con: duckdb.DuckDBPyConnection, *, locality_id: int | None = None) -> ImpactModel:
    """Levels 1, 3 and 4 of the impact model over the twelve months to the build (level 2 comes from
    the self-evaluation toolkit): processes, outcomes by key group, and change held for three terms."""
    built_on = con.execute("SELECT built_on FROM build").fetchall()[0][0]
    since = built_on - timedelta(days=365)
    return ImpactModel(
        built_on=built_on,
        period=f"{since:%-d %B %Y} to {built_on:%-d %B %Y}",
        level_1=tuple(_level_1(con, since, locality_id)),
        level_3=tuple((group, tuple(lines)) for group, lines in _level_3(con, locality_id)),
        level_4=tuple(_level_4(con, locality_id)),
    )


def _level_1(con, since, locality_id: int | None) -> list[Line]:
    # Referrals and cases carry the locality they were made in; with no locality, every one counts.
    params = [locality_id, locality_id]

    def area(alias: str) -> str:
        return f"AND ({alias}.locality_id = ? OR ? IS NULL)"

    referrals = con.execute(
        f"""SELECT count(*), count(*) FILTER (WHERE with_consent),
                   count(*) FILTER (WHERE decided_on IS NOT NULL),
                   count(*) FILTER (WHERE decided_on - referred_on <= 28),
                   count(*) FILTER (WHERE decision = 'allocate')
            FROM referrals r WHERE referred_on >= ? {area("r")}""",
        [since, *params],
    ).fetchall()[0]
    allocated_with_lead = con.execute(
        f"""SELECT count(*) FROM referrals r JOIN cases c USING (referral_id)
            WHERE r.referred_on >= ? AND r.decision = 'allocate' {area("r")}""",
        [since, *params],
    ).fetchall()[0][0]
    cases = con.execute(
        f"""SELECT count(*), count(*) FILTER (WHERE assessment_completed_on IS NOT NULL),
                   count(*) FILTER (WHERE tac_agencies >= 2)
            FROM cases k WHERE opened_on >= ? {area("k")}""",
        [since, *params],
    ).fetchall()[0]
    waits = con.execute(
        f"""SELECT decided_on - referred_on FROM referrals r
            WHERE referred_on >= ? AND decided_on IS NOT NULL {area("r")}""",
        [since, *params],
    ).fetchall()
    return [
        Line(
            "Referrals made with the family's consent",
            share(referrals[1], referrals[0]),
            "Share of referrals in the period that carried the family's consent to share",
            "Seed 001 §6: referral with consent and feedback",
        ),
        Line(
            "Referrals decided by a panel within 28 days",
            share(referrals[3], referrals[0]),
            "Share of referrals in the period decided at an allocation panel within 28 days of referral",
            CONCEPT_OF_OPERATIONS,
        ),
        Line(
            "Days from referral to the panel's decision",
            median_days([w[0] for w in waits]),
            "Median days from referral to the allocation panel's decision",
            CONCEPT_OF_OPERATIONS,
        ),
        Line(
            "Allocated referrals with a lead professional",
            share(allocated_with_lead, referrals[4]),
            "Share of referrals the panel allocated that have a case led by a named lead professional",
            "Seed 002: the lead professional as single point of contact",
        ),
        Line(
            "Cases with an early help assessment completed",
            share(cases[1], cases[0]),
            "Share of cases opened in the period whose early help assessment is completed",
            OFSTED_ANNEX_A,
        ),
        Line(
            "Teams around the child with more than one agency",
            share(cases[2], cases[0]),
            "Share of cases opened in the period whose team around the child has practitioners of two or more agencies",
            "Seed 002: the team around the child",
        ),
    ]


def _level_3(con, locality_id: int | None) -> list[tuple[str, list[Line]]]:
    """Outcomes in the latest term, for all children and each key group."""
    latest = con.execute("SELECT max(term_index) FROM pupil_terms").fetchall()[0][0]
    cohort = Definition(localities=[locality_id] if locality_id else [])
    where, params = cohort.where("c")
    groups = [(ALL_CHILDREN, "TRUE")] + [(label, f"c.{code}") for code, (label, _, _) in KEY_GROUPS.items()]
    result = []
    for label, condition in groups:
        pupils = con.execute(
            f"""SELECT count(*), avg(attendance_rate), stddev_samp(attendance_rate),
                       count(*) FILTER (WHERE persistent_absence), count(*) FILTER (WHERE suspended)
                FROM pupil_terms p JOIN children c USING (child_id)
                WHERE p.term_index = ? AND {condition} AND {where}""",
            [latest, *params],
        ).fetchall()[0]
        # Youth justice outcomes are rare: over the last year's terms, each pupil aged 10 to 17 once.
        youth_justice = con.execute(
            f"""SELECT count(DISTINCT p.child_id), count(DISTINCT p.child_id) FILTER (WHERE p.youth_justice_outcome)
                FROM pupil_terms p JOIN children c USING (child_id)
                WHERE p.term_index > ? - 3 AND p.youth_justice_age AND {condition} AND {where}""",
            [latest, *params],
        ).fetchall()[0]
        sdq = _change_while_helped(con, "sdq_total", f"{condition} AND {where}", params)
        wellbeing = _change_while_helped(con, "wellbeing_score", f"{condition} AND {where}", params)
        attendance = mean_of(pupils[0], pupils[1], pupils[2], "percent")
        result.append(
            (
                label,
                [
                    Line(
                        "Attendance",
                        attendance,
                        measure("attendance_rate").definition + " (latest term)",
                        measure("attendance_rate").source,
                    ),
                    Line(
                        "Persistent absence",
                        share(pupils[3], pupils[0]),
                        measure("persistent_absence").definition + " (latest term)",
                        measure("persistent_absence").source,
                    ),
                    Line(
                        "Suspended",
                        share(pupils[4], pupils[0]),
                        measure("suspended").definition + " (latest term)",
                        measure("suspended").source,
                    ),
                    Line(
                        "Youth justice outcome",
                        share(youth_justice[1], youth_justice[0]),
                        "Share of pupils aged 10 to 17 with a youth caution or court outcome in the last three terms",
                        measure("youth_justice_outcome").source,
                    ),
                    Line(
                        "Change in SDQ total difficulties while helped",
                        mean(sdq, "score"),
                        "Mean change in SDQ total difficulties from the first to the latest score recorded at review, "
                        "for children with two or more (negative is better)",
                        measure("sdq_total").source,
                    ),
                    Line(
                        "Change in the wellbeing check while helped",
                        mean(wellbeing, "score"),
                        "Mean change in the wellbeing check's score (0 to 10) from the first to the latest answers "
                        "recorded, for children with two or more (positive is better)",
                        measure("wellbeing_check").source,
                    ),
                ],
            )
        )
    return result


def _change_while_helped(con, score: str, where: str, params: list) -> list[float]:
    """Each child's change in a score recorded at assessment and review (`reviews.<score>`), from
    their first to their latest, for children with two or more."""
    changes = con.execute(
        f"""WITH scored AS (
                SELECT v.child_id, arg_min({score}, held_on) AS first, arg_max({score}, held_on) AS last,
                       count(*) AS times
                FROM reviews v JOIN children c USING (child_id)
                WHERE {score} IS NOT NULL AND {where} GROUP BY v.child_id
            ) SELECT list(last - first) FROM scored WHERE times >= 2""",
        params,
    ).fetchall()[0][0]
    return changes or []


SUSTAINED_TERMS = 3


def _level_4(con, locality_id: int | None) -> list[Line]:
    """Change that lasts: attendance held at or above the level before help for three terms running,
    and needs met at closure with no re-referral within twelve months."""
    where, params = Definition(localities=[locality_id] if locality_id else []).where("c")
    held = con.execute(
        f"""WITH helped AS (
                SELECT child_id, first_helped_term_index AS start FROM children c
                WHERE first_helped_term_index IS NOT NULL AND {where}
            ), before AS (
                SELECT h.child_id, avg(p.attendance_rate) AS rate FROM helped h JOIN pupil_terms p USING (child_id)
                WHERE p.term_index BETWEEN h.start - 2 AND h.start - 1 GROUP BY h.child_id
            ), after AS (
                SELECT h.child_id, count(*) AS terms, bool_and(p.attendance_rate >= b.rate) AS held
                FROM helped h JOIN before b USING (child_id) JOIN pupil_terms p USING (child_id)
                WHERE p.term_index BETWEEN h.start + 1 AND h.start + {SUSTAINED_TERMS} GROUP BY h.child_id
            ) SELECT count(*), count(*) FILTER (WHERE held) FROM after WHERE terms = {SUSTAINED_TERMS}""",
        params,
    ).fetchall()[0]
    lasting = con.execute(
        f"""SELECT count(*), count(*) FILTER (WHERE NOT EXISTS (
                    SELECT 1 FROM referral_history r WHERE r.child_id = k.child_id
                      AND r.referred_on > k.closed_on AND r.referred_on <= k.closed_on + INTERVAL 365 DAY))
            FROM cases k JOIN children c USING (child_id)
            WHERE k.closure_reason = 'needs_met' AND k.closed_on <= (SELECT built_on FROM build) - INTERVAL 365 DAY
              AND {where}""",
        params,
    ).fetchall()[0]
    return [
        Line(
            "Attendance held for three terms after help",
            share(held[1], held[0]),
            "Of children helped who have three terms of attendance after the term help started, the share whose "
            "attendance in each of those terms stayed at or above their average in the two terms before help",
            "LARC impact model level 4: sustained, quantifiable change (seed 000)",
        ),
        Line(
            "Needs met and no re-referral within 12 months",
            share(lasting[1], lasting[0]),
            "Of cases closed with needs met at least twelve months ago, the share of children not referred again "
            "(early help or children in need) within twelve months of closure",
            "DfE children in need re-referral measure; Supporting Families sustained outcomes",
        ),
    ]


@dataclass(frozen=True)
class FamilyLine:
    label: str
    count: int
    of: int | None  # the families it is a share of; None for a count on its own
    definition: str


def family_outcomes(con: duckdb.DuckDBPyConnection, *, locality_id: int | None = None) -> list[FamilyLine]:
    """Whole-family outcomes as the Supporting Families outcome framework counts them: families
    helped, with several needs, with one lead practitioner and plan for the whole family, needs met
    at closure, and still met six and twelve months later (nobody in the family referred again to
    early help or children's social care, and no child newly looked after)."""
    where, params = Definition(localities=[locality_id] if locality_id else []).where("c")
    counts = con.execute(
        f"""
        WITH members AS (
            SELECT child_id, coalesce(family_id, -child_id) AS family FROM children c WHERE {where}
        ), family_cases AS (
            SELECT m.family, k.* FROM cases k JOIN members m USING (child_id)
        ), helped AS (
            SELECT family, min(opened_on) AS first_help, max(closed_on) AS last_closed,
                   bool_and(closed_on IS NOT NULL) AS all_closed,
                   arg_max(closure_reason, closed_on) AS last_reason,
                   count(DISTINCT lead_professional_id) AS leads, count(DISTINCT child_id) AS children_helped,
                   sum(needs_in_plan) AS plan_needs
            FROM family_cases GROUP BY family
        ), school AS (
            SELECT DISTINCT h.family FROM helped h JOIN members m USING (family) JOIN pupil_terms p USING (child_id)
            WHERE (p.persistent_absence OR p.suspended)
              AND p.starts BETWEEN h.first_help - INTERVAL 1 YEAR AND h.first_help
        ), emotional AS (
            SELECT DISTINCT m.family FROM reviews v JOIN members m USING (child_id) WHERE v.sdq_total >= 17
        ), safety AS (
            SELECT DISTINCT m.family FROM members m
            WHERE m.child_id IN (SELECT child_id FROM care_episodes UNION SELECT child_id FROM cin_referrals)
        ), areas AS (
            SELECT h.family,
                   (h.family IN (SELECT family FROM school))::INT + (h.family IN (SELECT family FROM emotional))::INT
                   + (h.family IN (SELECT family FROM safety))::INT + (h.plan_needs >= 2)::INT AS needs
            FROM helped h
        ), closed_met AS (
            SELECT family, last_closed FROM helped WHERE all_closed AND last_reason = 'needs_met'
        ), afterwards AS (
            SELECT k.family, min(r.referred_on) AS next_referral
            FROM closed_met k JOIN members m USING (family) JOIN referral_history r USING (child_id)
            WHERE r.referred_on > k.last_closed GROUP BY k.family
        ), cared_for AS (
            SELECT k.family, min(e.starts) AS next_care
            FROM closed_met k JOIN members m USING (family) JOIN care_episodes e USING (child_id)
            WHERE e.starts > k.last_closed GROUP BY k.family
        ), later AS (
            SELECT k.family, k.last_closed, a.next_referral, c.next_care
            FROM closed_met k LEFT JOIN afterwards a USING (family) LEFT JOIN cared_for c USING (family)
        )
        SELECT
            (SELECT count(*) FROM helped),
            (SELECT count(*) FROM areas WHERE needs >= 2),
            (SELECT count(*) FROM helped WHERE leads = 1),
            (SELECT count(*) FROM helped WHERE children_helped >= 2),
            (SELECT count(*) FROM helped WHERE children_helped >= 2 AND leads = 1),
            (SELECT count(*) FROM helped WHERE all_closed),
            (SELECT count(*) FROM later),
            (SELECT count(*) FROM later WHERE last_closed <= (SELECT built_on FROM build) - INTERVAL 6 MONTH),
            (SELECT count(*) FROM later WHERE last_closed <= (SELECT built_on FROM build) - INTERVAL 6 MONTH
               AND coalesce(least(next_referral, next_care), DATE '9999-12-31') > last_closed + INTERVAL 6 MONTH),
            (SELECT count(*) FROM later WHERE last_closed <= (SELECT built_on FROM build) - INTERVAL 12 MONTH),
            (SELECT count(*) FROM later WHERE last_closed <= (SELECT built_on FROM build) - INTERVAL 12 MONTH
               AND coalesce(least(next_referral, next_care), DATE '9999-12-31') > last_closed + INTERVAL 12 MONTH)
        """,
        params,
    ).fetchall()[0]
    (helped, several, one_lead, siblings, siblings_one_lead, closed, met, due_6, held_6, due_12, held_12) = counts
    return [
        FamilyLine("Families helped", helped, None, "Families with at least one child who had an early help case"),
        FamilyLine(
            "With several needs",
            several,
            helped,
            "Families helped with needs in two or more areas: school (persistent absence or a suspension in the year "
            "before help), emotional health (an SDQ score of concern), safety (a child in need or looked after), "
            "or two or more needs in the plan",
        ),
        FamilyLine(
            "With one lead practitioner",
            one_lead,
            helped,
            "Families helped whose children's cases all had the same lead professional",
        ),
        FamilyLine(
            "Whole-family plan for brothers and sisters",
            siblings_one_lead,
            siblings,
            "Of families with two or more children helped, those whose children shared one lead professional and plan",
        ),
        FamilyLine("Needs met at closure", met, closed, "Families whose help has ended, closed with needs met"),
        FamilyLine(
            "Still met six months later",
            held_6,
            due_6,
            "Of families closed with needs met at least six months ago, those with no one referred again and no child "
            "newly looked after within six months",
        ),
        FamilyLine(
            "Still met twelve months later",
            held_12,
            due_12,
            "As above, over twelve months",
        ),
    ]


# Outcomes measured for every pupil every term, so supported children can be compared with
# similar children not (yet) supported. Yes/no measures are in percentage points.
COMPARABLE = {
    "attendance_rate": "attendance_rate",
    "persistent_absence": "100.0 * persistent_absence::INT",
    "severe_absence": "100.0 * severe_absence::INT",
    "suspended": "100.0 * suspended::INT",
    "youth_justice_outcome": "CASE WHEN youth_justice_age THEN 100.0 * youth_justice_outcome::INT END",
}
COMPARISON_COVARIATES = ("age_band", "sex", "key_group", "school", "referrals_before")


def comparison_panel(con: duckdb.DuckDBPyConnection, *, code: str, cohort: Definition | None = None) -> pd.DataFrame:
    """The long panel the comparison methods read (evidence.methods.panel): one row per pupil per
    term, the term help started for supported children, and what they are matched on. Supported
    means a team around the child; the key group is looked after or autism (the KS3 absence group
    is itself defined by absence, an outcome, so matching on it would compare like with unlike)."""
    where, params = (cohort or Definition()).where("c")
    rows = con.sql(
        f"""
        SELECT p.child_id AS child, p.term_index - (SELECT min(term_index) FROM pupil_terms) AS period,
               {COMPARABLE[code]} AS outcome,
               CASE WHEN c.supported THEN c.first_helped_term_index - (SELECT min(term_index) FROM pupil_terms)
               END AS first_helped,
               p.age_band, c.sex,
               CASE WHEN c.looked_after THEN 'looked after' WHEN c.autism THEN 'autism' ELSE 'neither' END
                   AS key_group,
               p.urn AS school,
               p.referrals_before
        FROM pupil_terms p JOIN children c USING (child_id)
        WHERE {where}
        """,
        params=params,
    )
    # Through Arrow, the text columns arrive as categories: a fraction of the time and memory of
    # a million Python strings each, and the methods factorise them at once.
    return rows.to_arrow_table().to_pandas(strings_to_categorical=True)

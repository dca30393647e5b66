"""Measures per child over time, built in DuckDB from what the index imported and casework
recorded (never from the generator's truth), into one file the evidence pages read. Built whole
by `joinedup build-measures` and swapped in at once, so a page never reads half a build.

Terms are those of the English school year: autumn (September to December), spring (January to
March) and summer (April to August, so that a summer-holiday date falls in the term just ended);
a term is named by the year its school year starts, e.g. 2024-autumn, 2024-spring, 2024-summer.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from functools import lru_cache, partial
from pathlib import Path
from threading import Lock

import duckdb
import pandas as pd
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from joinedup.casework import queries as casework
from joinedup.common.progress import progress
from joinedup.index import queries as index
from joinedup.index.key_groups import PERSISTENT_ABSENCE, SEVERE_ABSENCE, absence_threshold
from joinedup.people import queries as people

from .definitions import NOT_OFFENCE_OUTCOMES

Progress = Callable[..., AbstractContextManager[Callable[..., None]]]


class MeasuresNotBuilt(RuntimeError):
    """The measures have not been built yet: run `joinedup build-measures`."""


@dataclass(frozen=True)
class Built:
    children: int
    pupil_terms: int
    cases: int
    terms: int
    path: Path


def measures_path() -> Path:
    return Path(getattr(settings, "JOINEDUP_EVIDENCE_PATH", Path(settings.VAR_DIR) / "evidence.duckdb"))


def build_stamp() -> tuple[str, int, int, int]:
    """Which build of the measures is in place: build-measures swaps a new file in whole."""
    path = measures_path()
    try:
        status = path.stat()
    except FileNotFoundError:
        raise MeasuresNotBuilt("The measures have not been built yet: run `joinedup build-measures`") from None
    return str(path), status.st_ino, status.st_mtime_ns, status.st_size


def connect() -> duckdb.DuckDBPyConnection:
    """A read-only connection to the latest build: a cursor on the database this process keeps open
    while that build stands. Opening the file takes DuckDB tens of milliseconds, a cursor a hundredth
    of one, and a child's page and a practitioner's home page each read the measures."""
    build = build_stamp()
    with _opening:
        cursor = _database(build).cursor()
    cursor.execute("USE measures")
    return cursor


_opening = Lock()  # one thread at a time opens the database and takes a cursor from it


@lru_cache(maxsize=1)
def _database(build: tuple[str, int, int, int]) -> duckdb.DuckDBPyConnection:
    # The build is attached to a database in memory rather than opened with duckdb.connect(path),
    # which hands back whatever database the process already has open at that path: the build just
    # replaced, while a page on another thread still reads it. That page's cursor keeps it open.
    database = duckdb.connect()
    path = build[0].replace("'", "''")
    database.execute(f"ATTACH '{path}' AS measures (READ_ONLY)")
    return database


def build_measures(*, on: date | None = None, show_progress: bool = False, report: Progress | None = None) -> Built:
    """Read the index and casework, compute every measure, and swap the new file in. Progress goes
    to the command line's bar (when `show_progress`) or to `report`, which takes the bar's
    arguments (a background job's progress)."""
    on = on or timezone.localdate()
    path = measures_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, building = tempfile.mkstemp(dir=path.parent, prefix=".building-", suffix=".duckdb")
    os.close(handle)
    os.unlink(building)  # DuckDB makes the file; it must not exist as an empty one
    steps = [
        ("Children", _children),
        ("Attendance and exclusions", _attendance),
        ("Care and children in need", _social_care),
        ("Youth justice", _youth_justice),
        ("Early help", _early_help),
        ("Measures", _derive),
    ]
    try:
        with (
            duckdb.connect(building) as con,
            (report or partial(progress, enabled=show_progress))(
                total=len(steps), description="Building measures"
            ) as advance,
        ):
            con.execute(
                "CREATE TABLE build AS SELECT ?::DATE AS built_on, ?::DOUBLE AS ks3_threshold",
                [on, absence_threshold()],
            )
            for label, step in steps:
                advance(0, description=label)
                step(con)
                advance()
            counts = con.execute(
                "SELECT (SELECT count(*) FROM children), (SELECT count(*) FROM pupil_terms), "
                "(SELECT count(*) FROM cases), (SELECT count(*) FROM terms)"
            ).fetchall()[0]
        os.replace(building, path)
    finally:
        for leftover in (building, building + ".wal"):
            if os.path.exists(leftover):
                os.unlink(leftover)
    return Built(*counts, path=path)


def frame_of(rows: QuerySet) -> pd.DataFrame:
    """A room's rows (a .values() or .values_list() query) as a frame, with its columns even when empty."""
    return pd.DataFrame.from_records(list(rows), columns=[*rows.query.values_select, *rows.query.annotation_select])


def _typed(frame: pd.DataFrame) -> None:
    """Give DuckDB types it cannot guess from a column of Nones: ids and counts as nullable
    integers, moments as naive UTC timestamps, days as dates."""
    for column in frame.columns:
        if column == "id" or column.endswith(("_id", "agencies", "sdq_total", "changes", "needs_in_plan")):
            frame[column] = pd.to_numeric(frame[column]).astype("Int64")
        elif column.endswith("_at"):
            frame[column] = pd.to_datetime(frame[column], utc=True).dt.tz_localize(None)
        elif column.endswith("_on"):
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[s]")


def _children(con: duckdb.DuckDBPyConnection) -> None:
    children = frame_of(people.child_rows())
    children = children.rename(columns={"id": "child_id", "date_of_birth": "born"})
    con.register("children_in", children)
    con.execute(
        "CREATE TABLE children_raw AS SELECT child_id::BIGINT AS child_id, sex::VARCHAR AS sex, "
        "NULLIF(ethnicity, '')::VARCHAR AS ethnicity, born::DATE AS born, family_id::BIGINT AS family_id, "
        "locality_id::BIGINT AS locality_id, NULLIF(postcode, '')::VARCHAR AS postcode FROM children_in"
    )


def _facts(con: duckdb.DuckDBPyConnection, name: str, holding: str) -> None:
    records = frame_of(index.linked_facts(holding)).rename(
        columns={"current_child_id": "child_id", "facts_text": "facts"}
    )
    con.register(f"{name}_in", records)
    con.execute(f"CREATE TABLE {name} AS SELECT child_id::BIGINT AS child_id, facts::JSON AS facts FROM {name}_in")


def _attendance(con: duckdb.DuckDBPyConnection) -> None:
    _facts(con, "attendance_records", "attendance_terms")
    _facts(con, "census_records", "sen_primary_need")
    # A pupil may be in two records (a duplicate the index linked): count each term once, the
    # record with more possible sessions.
    con.execute("""
        CREATE TABLE attendance AS
        WITH terms AS (
            SELECT child_id, unnest(from_json(facts->'attendance_terms', '["json"]')) AS t
            FROM attendance_records
        )
        SELECT child_id, t->>'term' AS term, (t->>'starts')::DATE AS starts, t->>'urn' AS urn,
               TRY_CAST(t->>'nc_year' AS INTEGER) AS nc_year,
               TRY_CAST(t->>'possible' AS INTEGER) AS possible, TRY_CAST(t->>'missed' AS INTEGER) AS missed,
               TRY_CAST(t->>'unauthorised' AS INTEGER) AS unauthorised
        FROM terms
        WHERE TRY_CAST(t->>'possible' AS INTEGER) > 0
        QUALIFY row_number() OVER (PARTITION BY child_id, term ORDER BY possible DESC, missed DESC) = 1
    """)
    con.execute("""
        CREATE TABLE exclusions AS
        WITH listed AS (
            SELECT child_id, unnest(from_json(facts->'exclusions', '["json"]')) AS e FROM attendance_records
        )
        SELECT DISTINCT child_id, e->>'category' AS category, (e->>'starts')::DATE AS starts,
               TRY_CAST(e->>'sessions' AS DOUBLE) AS sessions
        FROM listed WHERE e->>'starts' IS NOT NULL
    """)
    con.execute("""
        CREATE TABLE autism AS
        SELECT DISTINCT child_id FROM census_records WHERE facts->>'sen_primary_need' = 'ASD'
    """)


def _social_care(con: duckdb.DuckDBPyConnection) -> None:
    _facts(con, "care_records", "looked_after_open")
    _facts(con, "cin_records", "cin_open")
    con.execute("""
        CREATE TABLE care_episodes AS
        WITH listed AS (
            SELECT child_id, unnest(from_json(facts->'episodes', '["json"]')) AS e FROM care_records
        )
        SELECT DISTINCT child_id, TRY_CAST(e->>'start' AS DATE) AS starts,
               TRY_CAST(NULLIF(e->>'end', '') AS DATE) AS ends, e->>'placement' AS placement
        FROM listed WHERE TRY_CAST(e->>'start' AS DATE) IS NOT NULL
    """)
    con.execute("""
        CREATE TABLE cin_referrals AS
        WITH listed AS (
            SELECT child_id, facts, unnest(from_json(facts->'episodes', '["json"]')) AS e FROM cin_records
        )
        SELECT DISTINCT child_id, TRY_CAST(e->>'referral' AS DATE) AS referred_on FROM listed
        WHERE TRY_CAST(e->>'referral' AS DATE) IS NOT NULL
    """)
    con.execute("""
        INSERT INTO autism SELECT DISTINCT child_id FROM cin_records
        WHERE list_contains(from_json(facts->'disabilities', '["varchar"]'), 'AUT')
          AND child_id NOT IN (SELECT child_id FROM autism)
    """)


def _youth_justice(con: duckdb.DuckDBPyConnection) -> None:
    """Each youth justice case's outcome and its day; the first outcome of an offence marks a
    first time entrant."""
    _facts(con, "youth_justice_records", "outcome")
    not_offences = ", ".join(f"'{outcome}'" for outcome in NOT_OFFENCE_OUTCOMES)
    con.execute(f"""
        CREATE TABLE youth_justice AS
        WITH outcomes AS (
            SELECT DISTINCT child_id, facts->>'outcome' AS outcome, TRY_CAST(facts->>'outcome_on' AS DATE) AS outcome_on
            FROM youth_justice_records WHERE TRY_CAST(facts->>'outcome_on' AS DATE) IS NOT NULL
        )
        SELECT *, outcome NOT IN ({not_offences}) AS offence,
               outcome NOT IN ({not_offences}) AND outcome_on = min(outcome_on) FILTER (
                   WHERE outcome NOT IN ({not_offences})) OVER (PARTITION BY child_id) AS first_offence
        FROM outcomes
    """)


def _early_help(con: duckdb.DuckDBPyConnection) -> None:
    referrals, cases = frame_of(casework.referral_rows()), frame_of(casework.case_rows())
    reviews = frame_of(casework.review_rows())
    reviews["changes"] = reviews["what_changed"].map(lambda codes: len(codes or []))
    reviews["wellbeing_score"] = reviews["wellbeing"].map(_mean_answer).astype(float)
    reviews = reviews.drop(columns=["what_changed", "wellbeing"])
    for frame in (referrals, cases, reviews):
        _typed(frame)
    con.register("referrals_in", referrals)
    con.register("cases_in", cases)
    con.register("reviews_in", reviews)
    con.execute("""
        CREATE TABLE referrals AS SELECT id AS referral_id, current_child_id::BIGINT AS child_id,
            locality_id::BIGINT AS locality_id, route, level_of_need, submitted_at::DATE AS referred_on,
            decided_at::DATE AS decided_on, NULLIF(decision, '') AS decision,
            consent_id IS NOT NULL AS with_consent, sharing_without_consent_id IS NOT NULL AS without_consent,
            assessment_id IS NOT NULL AS assessed_first
        FROM referrals_in
    """)
    con.execute("""
        CREATE TABLE cases AS SELECT id AS case_id, current_child_id::BIGINT AS child_id, referral_id,
            "referral__submitted_at"::DATE AS referred_on, "referral__decided_at"::DATE AS decided_on,
            "referral__locality_id"::BIGINT AS locality_id, "referral__level_of_need" AS level_of_need,
            lead_professional_id::BIGINT AS lead_professional_id,
            "lead_professional__agency_id"::BIGINT AS lead_agency_id, needs_in_plan::INTEGER AS needs_in_plan,
            opened_on::DATE AS opened_on,
            closed_on::DATE AS closed_on, NULLIF(closure_reason, '') AS closure_reason,
            NULLIF(needs_met_level, '') AS needs_met_at, first_tac_on::DATE AS first_tac_on,
            tac_agencies::INTEGER AS tac_agencies, assessment_started_at::DATE AS assessment_started_on,
            assessment_completed_at::DATE AS assessment_completed_on
        FROM cases_in
    """)
    con.execute("""
        CREATE TABLE reviews AS SELECT id AS review_id, case_id, current_child_id::BIGINT AS child_id,
            held_on::DATE AS held_on, sdq_total::INTEGER AS sdq_total, changes::INTEGER AS changes,
            wellbeing_score::DOUBLE AS wellbeing_score
        FROM reviews_in
    """)


def _mean_answer(answers: dict | None) -> float | None:
    """A wellbeing check's answers (question code: 0 to 10) as one score, their mean; None unanswered."""
    scores = [value for value in (answers or {}).values() if isinstance(value, int | float)]
    return sum(scores) / len(scores) if scores else None


AGE_BANDS = ("under 5", "5 to 9", "10 to 15", "16 and over")  # what comparisons match on (school ages)

TERM_OF = """CASE WHEN month({d}) >= 9 THEN year({d}) || '-autumn'
                  WHEN month({d}) <= 3 THEN (year({d}) - 1) || '-spring'
                  ELSE (year({d}) - 1) || '-summer' END"""
TERM_INDEX = """CASE WHEN month({d}) >= 9 THEN year({d}) * 3
                     WHEN month({d}) <= 3 THEN (year({d}) - 1) * 3 + 1
                     ELSE (year({d}) - 1) * 3 + 2 END"""


def age_on(born: str, day: str) -> str:
    """Completed years of age on a day, in SQL: the years between, less one before the birthday."""
    return f"date_diff('year', {born}, {day}) - (strftime({born}, '%m%d') > strftime({day}, '%m%d'))::INT"


def term_of(column: str) -> str:
    return TERM_OF.format(d=column)


def term_index_of(column: str) -> str:
    return TERM_INDEX.format(d=column)


def _derive(con: duckdb.DuckDBPyConnection) -> None:
    """Every measure per child per term, and the child-level facts cohorts filter on."""
    con.execute(f"""
        CREATE TABLE terms AS
        WITH bounds AS (
            SELECT least(min(starts), (SELECT min(referred_on) FROM referrals)) AS first_day,
                   (SELECT built_on FROM build) AS last_day
            FROM attendance
        ), days AS (
            SELECT unnest(generate_series(first_day::TIMESTAMP, last_day::TIMESTAMP, INTERVAL 1 MONTH))::DATE AS d
            FROM bounds WHERE first_day IS NOT NULL
        )
        SELECT DISTINCT {term_of("d")} AS term, {term_index_of("d")} AS term_index
        FROM days ORDER BY term_index
    """)
    con.execute("""
        CREATE TABLE all_referrals AS
        SELECT child_id, referred_on, 'early_help' AS route FROM referrals
        UNION ALL SELECT child_id, referred_on, 'children_in_need' FROM cin_referrals
    """)
    con.execute(f"""
        CREATE TABLE referral_history AS
        SELECT *, {term_of("referred_on")} AS term,
               coalesce(referred_on - lag(referred_on) OVER w <= 365, FALSE) AS re_referral
        FROM all_referrals WINDOW w AS (PARTITION BY child_id ORDER BY referred_on)
    """)
    con.execute(f"""
        CREATE TABLE help AS
        SELECT child_id, min(opened_on) AS first_helped_on,
               {term_index_of("min(opened_on)")} AS first_helped_term_index,
               arg_min(level_of_need, opened_on) AS level_of_need,
               bool_or(tac_agencies > 0) AS had_team
        FROM cases GROUP BY child_id
    """)
    con.execute(f"""
        CREATE TABLE children AS
        SELECT c.*,
               c.child_id IN (SELECT child_id FROM care_episodes) AS looked_after,
               c.child_id IN (SELECT child_id FROM autism) AS autism,
               c.child_id IN (
                   SELECT child_id FROM attendance
                   WHERE nc_year BETWEEN 7 AND 9 AND missed > possible * (SELECT ks3_threshold FROM build)
               ) AS ks3_absence,
               s.school,
               h.first_helped_on, h.first_helped_term_index, h.level_of_need, coalesce(h.had_team, FALSE) AS supported,
               {age_on("c.born", "b.built_on")} AS age
        FROM children_raw c LEFT JOIN help h USING (child_id) CROSS JOIN build b
        LEFT JOIN (SELECT child_id, arg_max(urn, starts) AS school FROM attendance GROUP BY child_id) s USING (child_id)
    """)
    # School and age band as enumerations: the comparison reads them for a million pupil-terms,
    # and they arrive as categories rather than as a million strings.
    con.execute("CREATE TYPE school AS ENUM (SELECT DISTINCT urn FROM attendance WHERE urn IS NOT NULL ORDER BY urn)")
    con.execute(f"CREATE TYPE age_band AS ENUM ({', '.join(repr(band) for band in AGE_BANDS)})")
    age = age_on("c.born", "a.starts")
    con.execute(f"""
        CREATE TABLE pupil_terms AS
        SELECT a.child_id, a.term, t.term_index, a.starts, a.urn::school AS urn, a.nc_year, a.possible, a.missed,
               100.0 * (a.possible - a.missed) / a.possible AS attendance_rate,
               a.missed >= a.possible * {PERSISTENT_ABSENCE} AS persistent_absence,
               a.missed >= a.possible * {SEVERE_ABSENCE} AS severe_absence,
               a.nc_year BETWEEN 7 AND 9 AS key_stage_3,
               a.nc_year BETWEEN 7 AND 9 AND a.missed > a.possible * (SELECT ks3_threshold FROM build) AS ks3_absence,
               EXISTS (SELECT 1 FROM exclusions e WHERE e.child_id = a.child_id AND e.category = 'SUSP'
                       AND {term_of("e.starts")} = a.term) AS suspended,
               EXISTS (SELECT 1 FROM exclusions e WHERE e.child_id = a.child_id AND e.category = 'PERM'
                       AND {term_of("e.starts")} = a.term) AS permanently_excluded,
               {age} AS age,
               -- no ELSE: a child whose date of birth is not known has no age and so no band
               CASE WHEN {age} < 5 THEN 'under 5' WHEN {age} < 10 THEN '5 to 9' WHEN {age} < 16 THEN '10 to 15'
                    WHEN {age} >= 16 THEN '16 and over' END::age_band AS age_band,
               coalesce(r.number, 0) AS referrals_before,
               {age} BETWEEN 10 AND 17 AS youth_justice_age,
               EXISTS (SELECT 1 FROM youth_justice y WHERE y.child_id = a.child_id AND y.offence
                       AND {term_of("y.outcome_on")} = a.term) AS youth_justice_outcome,
               EXISTS (SELECT 1 FROM youth_justice y WHERE y.child_id = a.child_id AND y.first_offence
                       AND {term_of("y.outcome_on")} = a.term) AS first_time_entrant
        FROM attendance a JOIN terms t USING (term) JOIN children c USING (child_id)
        -- how many referrals the child had before the term: the running count at the last one before it (ties counted)
        ASOF LEFT JOIN (
            SELECT child_id, referred_on, count(*) OVER (PARTITION BY child_id ORDER BY referred_on) AS number
            FROM referral_history
        ) r ON r.child_id = a.child_id AND a.starts > r.referred_on
    """)

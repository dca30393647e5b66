"""Pupil-level attendance as the DfE shares it with local authorities (the school attendance data
service): one row per pupil, school and term, with a second table of suspensions and permanent
exclusions by date. FILE is the attendance table or its folder; the exclusions table is the file
named alike (pupil_attendance.csv -> pupil_exclusions.csv), if there is one.

One record per pupil (the source file's key, the UPN), so linkage weighs each pupil once, not once
a term. Facts: `attendance_terms`, each term's school, year group, sessions possible and missed
(and of them unauthorised), in term order; and `exclusions`, each with its category, first day and
sessions. A pupil with a term row that cannot be read is rejected whole, naming that row, so no
record is loaded with a term silently missing.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from joinedup.common.tables import FileProblems, Problem

from . import normalise
from .extract import FILE, ROW, Extract, csv_table, dated, missing_columns, without_broken
from .mapping import SourceMapping

ATTENDANCE, EXCLUSIONS = "attendance", "exclusions"
TERM_COLUMNS = {
    "SchoolURN": "the school's URN",
    "NCYear": "the national curriculum year (R or 1-13)",
    "AcademicYear": "the academic year, like 2024/25",
    "Term": "Autumn, Spring or Summer",
    "SessionsPossible": "a whole number of sessions",
    "SessionsAuthorisedAbsence": "a whole number of sessions",
    "SessionsUnauthorisedAbsence": "a whole number of sessions",
}
EXCLUSION_COLUMNS = ["Category", "StartDate", "Sessions"]
SEASONS = {"autumn": (0, "09-01"), "spring": (1, "01-01"), "summer": (2, "04-01")}
CATEGORIES = {"SUSP": "SUSP", "FIXD": "SUSP", "PERM": "PERM"}  # FIXD: suspensions before 2020/21


def files(mapping: SourceMapping, path: Path) -> list[Path]:
    attendance = _attendance_file(Path(path))
    exclusions = _exclusions_file(attendance)
    return [attendance, exclusions] if exclusions else [attendance]


def read(mapping: SourceMapping, path: Path) -> Extract:
    encoding = mapping.options.get("encoding", "utf-8-sig")
    attendance_file = _attendance_file(Path(path))
    key = mapping.key[0] if mapping.key else "UPN"
    names = [key, *TERM_COLUMNS, *EXCLUSION_COLUMNS, *mapping.columns_named()]
    rows, unreadable = csv_table(attendance_file, encoding=encoding, columns=names)
    wanted = {key: "key", **{column: "the pupil attendance format" for column in TERM_COLUMNS}}
    if missing := missing_columns(rows, wanted, str(attendance_file)):
        raise FileProblems(missing)
    terms, broken = _terms(rows)
    broken = sorted([(index, None, reason) for index, reason in unreadable.items()] + broken, key=lambda b: b[0])
    pupil = normalise.text(rows[key]).to_numpy(dtype=object)
    # A row with no key stays a record of its own, for the importer to reject by name.
    group = np.where(pupil == "", "\x00" + rows[ROW].astype(str).to_numpy(), pupil)
    order = np.lexsort((terms["ordinal"], group))
    first_of = pd.Series(order).groupby(group[order], sort=False).agg(["first", "last"])
    latest = first_of["last"].to_numpy()
    pupils = rows.iloc[latest].reset_index(drop=True)
    pupil_of_row = pd.Series(np.arange(len(pupils)), index=first_of.index).reindex(group).to_numpy()
    read_files = [attendance_file]
    extract = Extract(frame=pupils, files=read_files)
    rejected: set[int] = set()
    for row, column, message in broken:
        index = int(pupil_of_row[row])
        if index not in rejected:  # the first bad row names the pupil's rejection
            rejected.add(index)
            pupils.at[index, ROW] = int(rows.at[row, ROW])
            extract.broken.append((index, column, f"{message}; the pupil's other terms are not loaded either"))
    exclusions = {}
    exclusions_file = _exclusions_file(attendance_file)
    if exclusions_file:
        read_files.append(exclusions_file)
        exclusions = _exclusions(extract, mapping, exclusions_file, key, set(first_of.index), encoding)
    listed = _term_facts(terms, group, order)
    extract.facts = [
        {"attendance_terms": listed.get(name, []), "exclusions": exclusions.get(name, [])} for name in first_of.index
    ]
    return extract


def _attendance_file(path: Path) -> Path:
    if path.is_dir():
        found = sorted(p for p in path.glob("*.csv") if ATTENDANCE in p.name.lower())
        if len(found) != 1:
            listed = ", ".join(p.name for p in found) or "none"
            raise FileProblems(
                [Problem(str(path), None, None, f"expected one pupil attendance table in the folder, found {listed}")]
            )
        return found[0]
    if not path.is_file():
        raise FileProblems([Problem(str(path), None, None, "the file does not exist")])
    return path


def _exclusions_file(attendance: Path) -> Path | None:
    candidate = attendance.with_name(re.sub(ATTENDANCE, EXCLUSIONS, attendance.name, flags=re.IGNORECASE))
    return candidate if candidate != attendance and candidate.is_file() else None


def _terms(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[int, str, str]]]:
    """Each row's term and counts, and (row, column, reason) for every value that cannot be read."""
    broken: list[tuple[int, str | None, str]] = []

    def bad(failed: np.ndarray, column: str, reason) -> None:
        broken.extend((int(i), column, reason(i)) for i in np.flatnonzero(failed))

    held = {column: normalise.text(rows[column]) for column in TERM_COLUMNS}
    counts = {}
    unreadable = np.zeros(len(rows), dtype=bool)
    for column in ("SessionsPossible", "SessionsAuthorisedAbsence", "SessionsUnauthorisedAbsence"):
        parsed, _ = normalise.numbers(held[column])
        values = parsed.to_numpy()
        failed = np.isnan(values) | (values < 0) | (np.nan_to_num(values) % 1 != 0)
        bad(failed, column, lambda i, c=column: f"expected a whole number of sessions, got {held[c][i]!r}")
        counts[column] = np.nan_to_num(values).astype(np.int64)
        unreadable |= failed
    missed = counts["SessionsAuthorisedAbsence"] + counts["SessionsUnauthorisedAbsence"]
    bad(
        (missed > counts["SessionsPossible"]) & ~unreadable,
        "SessionsPossible",
        lambda i: (
            f"{missed[i]} sessions missed of {counts['SessionsPossible'][i]} possible: expected no more missed "
            "than possible"
        ),
    )
    academic = held["AcademicYear"]
    shaped = normalise.mask(academic.str.fullmatch(r"\d{4}/\d{2}"))
    start_year = pd.to_numeric(academic.str.slice(0, 4).where(shaped), errors="coerce").to_numpy(dtype=float)
    end_year = pd.to_numeric(academic.str.slice(5, 7).where(shaped), errors="coerce").to_numpy(dtype=float)
    failed = np.isnan(start_year) | (np.nan_to_num(end_year) != (np.nan_to_num(start_year) + 1) % 100)
    bad(failed, "AcademicYear", lambda i: f"expected an academic year like 2024/25, got {held['AcademicYear'][i]!r}")
    season = held["Term"].str.lower()
    failed = ~normalise.mask(season.isin(list(SEASONS)))
    bad(failed, "Term", lambda i: f"expected Autumn, Spring or Summer, got {held['Term'][i]!r}")
    nc_year = held["NCYear"].str.upper().replace({"R": "0"})
    parsed_year = pd.to_numeric(nc_year, errors="coerce").to_numpy()
    failed = np.isnan(parsed_year) | ~np.isin(np.nan_to_num(parsed_year, nan=-1), np.arange(14))
    bad(failed, "NCYear", lambda i: f"expected a year group R or 1-13, got {held['NCYear'][i]!r}")
    bad(~normalise.mask(held["SchoolURN"] != ""), "SchoolURN", lambda i: "the school's URN is required")
    year = np.nan_to_num(start_year).astype(np.int64)
    position = season.map({name: number for name, (number, _) in SEASONS.items()}).fillna(0).to_numpy(np.int64)
    first_day = season.map({name: day for name, (_, day) in SEASONS.items()}).fillna("09-01").to_numpy(dtype=object)
    calendar_year = np.where(position == 0, year, year + 1)
    terms = pd.DataFrame(
        {
            "ordinal": year * 3 + position,
            "term": pd.Series(year.astype(str), dtype=object) + "-" + season.fillna("").to_numpy(dtype=object),
            "starts": pd.Series(calendar_year.astype(str), dtype=object) + "-" + first_day,
            "urn": held["SchoolURN"].to_numpy(dtype=object),
            "nc_year": np.nan_to_num(parsed_year).astype(np.int64),
            "possible": counts["SessionsPossible"],
            "missed": missed,
            "unauthorised": counts["SessionsUnauthorisedAbsence"],
        }
    )
    broken.sort()
    return terms, broken


def _term_facts(terms: pd.DataFrame, group: np.ndarray, order: np.ndarray) -> dict[str, list[dict]]:
    ordered = terms.iloc[order]
    listed: dict[str, list[dict]] = {}
    values = zip(
        group[order].tolist(),
        ordered["term"].tolist(),
        ordered["starts"].tolist(),
        ordered["urn"].tolist(),
        ordered["nc_year"].tolist(),
        ordered["possible"].tolist(),
        ordered["missed"].tolist(),
        ordered["unauthorised"].tolist(),
        strict=True,
    )
    for name, term, starts, urn, nc_year, possible, missed, unauthorised in values:
        listed.setdefault(name, []).append(
            {
                "term": term,
                "starts": starts,
                "urn": urn,
                "nc_year": nc_year,
                "possible": possible,
                "missed": missed,
                "unauthorised": unauthorised,
            }
        )
    return listed


def _exclusions(
    extract: Extract, mapping: SourceMapping, path: Path, key: str, pupils: set[str], encoding: str
) -> dict[str, list[dict]]:
    """Suspensions and permanent exclusions by pupil; a row that cannot be read is reported and
    left out (the pupil's attendance still loads)."""
    frame, unreadable = csv_table(path, encoding=encoding, columns=[key, *EXCLUSION_COLUMNS])
    frame, problems = without_broken(frame, unreadable, "exclusion")
    if missing := missing_columns(
        frame, {column: "the pupil exclusions format" for column in [key, *EXCLUSION_COLUMNS]}, str(path)
    ):
        raise FileProblems(missing)
    extract.problems += problems
    frame[key] = normalise.text(frame[key])
    orphan = ~normalise.mask(frame[key].isin(pupils))
    for index in frame.index[orphan]:
        extract.problems.append(
            _left_out(frame, index, key, f"no pupil in the attendance table has {key} {frame.at[index, key]!r}")
        )
    frame = frame[~orphan]
    frame, problems = dated(frame, ["StartDate"], mapping, table="exclusion")
    extract.problems += problems
    category = normalise.text(frame["Category"]).str.upper().map(CATEGORIES)
    unknown = category.isna().to_numpy()
    for index in frame.index[unknown]:
        held = frame.at[index, "Category"]
        extract.problems.append(_left_out(frame, index, "Category", f"expected SUSP or PERM, got {held!r}"))
    sessions, failed = normalise.numbers(frame["Sessions"])
    failed = failed.to_numpy() | sessions.isna().to_numpy()
    for index in frame.index[failed & ~unknown]:
        held = frame.at[index, "Sessions"]
        extract.problems.append(_left_out(frame, index, "Sessions", f"expected a number of sessions, got {held!r}"))
    keep = ~(unknown | failed)
    frame = frame.assign(category=category, sessions=sessions)[keep].sort_values([key, "StartDate"], kind="stable")
    result: dict[str, list[dict]] = {}
    for pupil, kind, starts, count in zip(
        frame[key].tolist(),
        frame["category"].tolist(),
        frame["StartDate"].tolist(),
        frame["sessions"].tolist(),
        strict=True,
    ):
        result.setdefault(pupil, []).append({"category": kind, "starts": starts, "sessions": float(count)})
    return result


def _left_out(frame: pd.DataFrame, index, column: str, message: str) -> Problem:
    return Problem(frame.at[index, FILE], int(frame.at[index, ROW]), column, f"{message}; this row is left out")

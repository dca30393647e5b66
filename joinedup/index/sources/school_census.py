"""The school census pupil tables, as the DfE COLLECT export names them and liia-tools-pipeline
reads them: pupilonroll (one record per pupil) joined by pupilonrolltableid to senneeds,
termlysessiondetailsonroll and termlyexclusionsonroll. FILE is the pupilonroll file or its folder;
the other tables are the files named alike (2025_spring_pupilonroll.csv -> 2025_spring_senneeds.csv).

Year to year: `gender` became `sex` in 2023/24; the session count was `absencesessions` until
2019/20; suspensions were FIXD until 2020/21 (SUSP since). The reader gives the current names.

Columns it adds: `surname_in_use`, the preferred surname where one is given (the name the family
uses; the legal `surname` can lag behind a change, or an adoption, by years) else the legal one;
and `other_surnames`, the legal surname where it differs from the one in use and the former
surname, "|" between them.

Facts it adds to each pupil: the census and the term its attendance covers (a spring census
carries the autumn term), sessions possible, sessions absent (authorised and unauthorised by the
attendance reasons the source file lists) and by reason, SEN needs in rank order with the primary
need, and exclusions.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from joinedup.common.tables import FileProblems, Problem

from . import normalise
from .extract import FILE, ROW, Extract, csv_table, dated, missing_columns, without_broken
from .mapping import SourceMapping

PUPILS = "pupilonroll"
KEY = "pupilonrolltableid"
SESSIONS, SEN, EXCLUSIONS = "termlysessiondetailsonroll", "senneeds", "termlyexclusionsonroll"
RENAMED = {"gender": "sex", "absencesessions": "sessions"}
SUSPENSION_CATEGORIES = {"SUSP", "FIXD"}
# The columns the reader itself reads, matched whatever their case.
OWN_COLUMNS = [
    KEY,
    "surname",
    "preferredsurname",
    "formersurname",
    "termlysessionspossible",
    "sessions",
    "attendancereason",
    "sentype",
    "sentyperank",
    "category",
    "startdate",
    "reason1",
    "reason2",
    "reason3",
    "reason",
]
ATTENDANCE_OPTIONS = ("attendance_authorised", "attendance_unauthorised", "attendance_not_counted")
_CENSUS = re.compile(r"^(?P<year>\d{4})_(?P<term>autumn|spring|summer)_", re.IGNORECASE)
# The term whose attendance each census returns (DfE school census guide): (term, years back).
_ATTENDANCE_TERM = {"autumn": ("summer", 0), "spring": ("autumn", 1), "summer": ("spring", 0)}


def files(mapping: SourceMapping, path: Path) -> list[Path]:
    pupils = _pupil_file(Path(path))
    return [pupils, *(p for p in (_table_file(pupils, t) for t in (SEN, SESSIONS, EXCLUSIONS)) if p)]


def read(mapping: SourceMapping, path: Path) -> Extract:
    encoding = mapping.options.get("encoding", "utf-8-sig")
    codes = _attendance_codes(mapping)
    pupil_file = _pupil_file(Path(path))
    names = [*OWN_COLUMNS, *RENAMED, *mapping.columns_named()]
    pupils, broken = csv_table(pupil_file, encoding=encoding, columns=names)
    pupils = pupils.rename(columns={old: new for old, new in RENAMED.items() if new not in pupils.columns})
    if missing := missing_columns(pupils, {KEY: "the school census format"}, str(pupil_file)):
        raise FileProblems(missing)
    pupils = _with_surnames(pupils)
    pupil_ids = pupils[KEY].str.strip()
    known = pd.Index(pupil_ids[pupil_ids != ""].unique())
    read_files = [pupil_file]
    extract = Extract(frame=pupils, files=read_files, broken=[(index, None, why) for index, why in broken.items()])
    tables = {}
    for table, needed in ((SESSIONS, ["sessions", "attendancereason"]), (SEN, ["sentype"]), (EXCLUSIONS, ["category"])):
        table_file = _table_file(pupil_file, table)
        if table_file is None:
            continue
        read_files.append(table_file)
        frame, unreadable = csv_table(table_file, encoding=encoding, columns=names)
        frame, table_problems = without_broken(frame, unreadable, table)
        frame = frame.rename(columns={old: new for old, new in RENAMED.items() if new not in frame.columns})
        wanted = {column: "the school census format" for column in [KEY, *needed]}
        if missing := missing_columns(frame, wanted, str(table_file)):
            raise FileProblems(missing)
        extract.problems += table_problems
        frame[KEY] = frame[KEY].str.strip()
        orphan = pd.Series(~normalise.mask(frame[KEY].isin(known)), index=frame.index)
        extract.problems += [
            _left_out(frame, index, KEY, f"no pupil on roll has {KEY} {frame.at[index, KEY]!r}")
            for index in frame.index[orphan.to_numpy()]
        ]
        tables[table] = frame[~orphan]
    possible = _sessions_possible(extract, pupils)
    absence = _absence(extract, tables.get(SESSIONS), codes)
    needs = _sen_needs(extract, tables.get(SEN))
    exclusions = _exclusions(extract, tables.get(EXCLUSIONS), mapping)
    census = _census(pupil_file.name)
    extract.facts = [
        {
            **census,
            "sessions_possible": possible[index],
            **absence.get(pupil, _NO_ABSENCE),
            **needs.get(pupil, _NO_NEEDS),
            "exclusions": exclusions.get(pupil, []),
        }
        for index, pupil in zip(pupils.index, pupil_ids, strict=True)
    ]
    return extract


_NO_ABSENCE = {"sessions_authorised": 0, "sessions_unauthorised": 0, "sessions_absent": 0, "sessions_by_reason": {}}
_NO_NEEDS = {"sen_needs": [], "sen_primary_need": ""}


def _with_surnames(pupils: pd.DataFrame) -> pd.DataFrame:
    """The surname the pupil goes by, and every other surname the census holds for them."""
    blank = pd.Series("", index=pupils.index, dtype=object)
    legal = pupils["surname"].str.strip() if "surname" in pupils.columns else blank
    preferred = pupils["preferredsurname"].str.strip() if "preferredsurname" in pupils.columns else blank
    former = pupils["formersurname"].str.strip() if "formersurname" in pupils.columns else blank
    in_use = preferred.where(preferred != "", legal)
    names = zip(in_use.tolist(), legal.tolist(), former.tolist(), strict=True)
    others = ["|".join(dict.fromkeys(n for n in (lg, fm) if n and n.lower() != use.lower())) for use, lg, fm in names]
    return pupils.assign(surname_in_use=in_use, other_surnames=pd.Series(others, index=pupils.index, dtype=object))


def _pupil_file(path: Path) -> Path:
    if path.is_dir():
        found = sorted(p for p in path.glob("*.csv") if PUPILS in p.name.lower())
        if len(found) != 1:
            listed = ", ".join(p.name for p in found) or "none"
            raise FileProblems(
                [Problem(str(path), None, None, f"expected one {PUPILS} table in the folder, found {listed}")]
            )
        return found[0]
    if not path.is_file():
        raise FileProblems([Problem(str(path), None, None, "the file does not exist")])
    if PUPILS not in path.name.lower():
        raise FileProblems(
            [Problem(str(path), None, None, f"name the census's {PUPILS} table (e.g. 2025_spring_{PUPILS}.csv)")]
        )
    return path


def _table_file(pupils: Path, table: str) -> Path | None:
    candidate = pupils.with_name(re.sub(PUPILS, table, pupils.name, flags=re.IGNORECASE))
    return candidate if candidate.is_file() else None


def _attendance_codes(mapping: SourceMapping) -> dict[str, str]:
    """Attendance reason -> 'authorised', 'unauthorised' or '' (a reason that is not an absence)."""
    missing = [name for name in ATTENDANCE_OPTIONS if not isinstance(mapping.options.get(name), list)]
    if missing:
        raise FileProblems(
            [
                Problem(str(mapping.path), None, f"options.{name}", "list the attendance reasons of this kind")
                for name in missing
            ]
        )
    codes = {code: "" for code in mapping.options["attendance_not_counted"]}
    codes |= {code: "authorised" for code in mapping.options["attendance_authorised"]}
    codes |= {code: "unauthorised" for code in mapping.options["attendance_unauthorised"]}
    return codes


def _census(file_name: str) -> dict[str, str]:
    """Which census the file is, and which term's attendance it carries, from the COLLECT file name."""
    match = _CENSUS.match(file_name)
    if not match:
        return {}
    year, term = int(match["year"]), match["term"].lower()
    attended, back = _ATTENDANCE_TERM[term]
    attended_year = year - back
    school_year_start = attended_year if attended == "autumn" else attended_year - 1
    return {
        "census": f"{year} {term}",
        "sessions_term": f"{attended_year} {attended}",
        "school_year": f"{school_year_start}/{(school_year_start + 1) % 100:02d}",
    }


def _sessions_possible(extract: Extract, pupils: pd.DataFrame) -> pd.Series:
    if "termlysessionspossible" not in pupils.columns:
        return pd.Series(None, index=pupils.index, dtype=object)
    parsed, failed = normalise.numbers(pupils["termlysessionspossible"])
    for index in failed[failed].index:
        held = pupils.at[index, "termlysessionspossible"]
        extract.broken.append((index, "termlysessionspossible", f"expected a number of sessions, got {held!r}"))
    return pd.Series([normalise.plain_number(v) for v in parsed], index=pupils.index, dtype=object)


def _absence(extract: Extract, sessions: pd.DataFrame | None, codes: dict[str, str]) -> dict[str, dict]:
    if sessions is None or sessions.empty:
        return {}
    counts, failed = _numbers(extract, sessions, "sessions", "a number of sessions")
    blank = counts.isna() & ~failed
    for index in blank[blank].index:
        extract.problems.append(_left_out(sessions, index, "sessions", "a number of sessions is required"))
    failed = failed | blank
    reason = sessions["attendancereason"].str.strip()
    unknown = pd.Series(~normalise.mask(reason.isin(codes.keys())), index=sessions.index) & ~failed
    for index in unknown[unknown].index:
        message = f"{reason[index]!r} is not an attendance reason the source file lists"
        extract.problems.append(_left_out(sessions, index, "attendancereason", message))
    good = (~(failed | unknown)).to_numpy()
    summed = (
        pd.DataFrame({"pupil": sessions[KEY].to_numpy()[good], "reason": reason.to_numpy()[good], "n": counts[good]})
        .groupby(["pupil", "reason"], sort=True)["n"]
        .sum()
    )
    absence: dict[str, dict] = {}
    for (pupil, code), count in zip(summed.index.tolist(), summed.tolist(), strict=True):
        found = absence.setdefault(pupil, {"authorised": 0.0, "unauthorised": 0.0, "": 0.0, "by_reason": {}})
        found[codes[code]] += count
        found["by_reason"][code] = normalise.plain_number(count)
    return {
        pupil: {
            "sessions_authorised": normalise.plain_number(found["authorised"]),
            "sessions_unauthorised": normalise.plain_number(found["unauthorised"]),
            "sessions_absent": normalise.plain_number(found["authorised"] + found["unauthorised"]),
            "sessions_by_reason": found["by_reason"],
        }
        for pupil, found in absence.items()
    }


def _sen_needs(extract: Extract, needs: pd.DataFrame | None) -> dict[str, dict]:
    if needs is None or needs.empty:
        return {}
    if "sentyperank" in needs.columns:
        rank, failed = _numbers(extract, needs, "sentyperank", "a rank (1 = primary)")
        needs = needs.assign(rank=rank)[~failed]
    else:
        needs = needs.assign(rank=float("nan"))
    needs = needs.assign(sentype=needs["sentype"].str.strip())
    needs = needs[needs["sentype"] != ""].sort_values([KEY, "rank"], kind="stable")
    result: dict[str, dict] = {}
    rows = zip(needs.index, needs[KEY].tolist(), needs["sentype"].tolist(), needs["rank"].tolist(), strict=True)
    for index, pupil, need, rank in rows:
        found = result.setdefault(pupil, {"sen_needs": [], "sen_primary_need": ""})
        found["sen_needs"].append(need)
        if rank == 1 and found["sen_primary_need"]:
            extract.problems.append(
                Problem(
                    needs.at[index, FILE],
                    int(needs.at[index, ROW]),
                    "sentyperank",
                    f"a second primary need (rank 1) for this pupil: {found['sen_primary_need']!r}, the first, is "
                    f"kept as primary and {need!r} as a further need",
                )
            )
        elif rank == 1:
            found["sen_primary_need"] = need
    return result


def _exclusions(extract: Extract, exclusions: pd.DataFrame | None, mapping: SourceMapping) -> dict[str, list]:
    if exclusions is None or exclusions.empty:
        return {}
    exclusions, problems = dated(exclusions, ["startdate"], mapping, table="exclusion")
    extract.problems += problems
    if "sessions" not in exclusions.columns:
        exclusions = exclusions.assign(sessions="")
    sessions, failed = _numbers(extract, exclusions, "sessions", "a number of sessions")
    exclusions = exclusions.assign(sessions=sessions)[~failed]
    reason_columns = [c for c in ("reason1", "reason2", "reason3", "reason") if c in exclusions.columns]
    reasons = exclusions[reason_columns].apply(lambda column: column.str.strip()).to_numpy().tolist()
    result: dict[str, list] = {}
    rows = zip(
        exclusions[KEY].tolist(),
        exclusions["category"].str.strip().tolist(),
        exclusions["startdate"].tolist(),
        exclusions["sessions"].tolist(),
        reasons,
        strict=True,
    )
    for pupil, category, start, count, held_reasons in rows:
        result.setdefault(pupil, []).append(
            {
                "category": "SUSP" if category in SUSPENSION_CATEGORIES else category,
                "start": start,
                "sessions": normalise.plain_number(count),
                "reasons": [r for r in held_reasons if r],
            }
        )
    return result


def _numbers(extract: Extract, frame: pd.DataFrame, column: str, expected: str) -> tuple[pd.Series, pd.Series]:
    """A supporting table's number column; rows holding something else are reported as left out."""
    parsed, failed = normalise.numbers(frame[column])
    for index in failed[failed].index:
        extract.problems.append(
            _left_out(frame, index, column, f"expected {expected}, got {frame.at[index, column]!r}")
        )
    return parsed, failed


def _left_out(frame: pd.DataFrame, index, column: str, message: str) -> Problem:
    return Problem(frame.at[index, FILE], int(frame.at[index, ROW]), column, f"{message}; this row is left out")

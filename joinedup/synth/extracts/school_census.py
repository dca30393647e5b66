"""The spring school census pupil tables, column for column as the DfE COLLECT export that
SocialFinance's liia-tools-pipeline reads: pupilonroll, termlysessiondetailsonroll, senneeds and
termlyexclusionsonroll, with its dates (2025-Jan-16 00:00:00), floats (140.0) and True/False.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from joinedup.synth import codes
from joinedup.synth.output import format_dates, write_csv
from joinedup.synth.randomness import draw, flags

from . import Context, Written, agency_view, hex_ids, record_errors

SOURCE = "school_census"
KEY_SEPARATOR = "|"  # between the parts of a record key of several columns, as the index joins them
PUPIL_COLUMNS = [
    "pupilonrolltableid",
    "NativeId",
    "dob",
    "surname",
    "forename",
    "middlenames",
    "preferredsurname",
    "formersurname",
    "upn",
    "formerupn",
    "uniquelearnernumber",
    "sex",
    "entrydate",
    "pupilonrollorderseqcolumn",
    "sourceid",
    "schoolcensustableid",
    "hoursatsetting",
    "schoollunchtaken",
    "parttime",
    "topupfunding",
    "unitcontacttime",
    "termlysessionspossible",
    "senunitindicator",
    "resourcedprovisionindicator",
    "moveoffrollflag",
    "fundedhours",
    "missingaddress",
    "duplicatenotfunded",
    "extendedhours",
    "eligibilitycode",
    "dafindicator",
    "ethnicity",
    "yssa",
    "servicechild",
    "language",
    "classtype",
    "enrolstatus",
    "boarder",
    "plaa",
    "senprovision",
    "ncyearactual",
    "eyppr",
    "eyppbf",
    "youngcarer",
]
SESSION_COLUMNS = [
    "pupilonrolltableid",
    "NativeId",
    "termlysessiondetailsonrolltableid",
    "termlysessiondetailsonrollorderseqcolumn",
    "sourceid",
    "sessions",
    "attendancereason",
]
SEN_COLUMNS = [
    "pupilonrolltableid",
    "NativeId",
    "senneedstableid",
    "senneedsorderseqcolumn",
    "sourceid",
    "sentyperank",
    "sentype",
]
EXCLUSION_COLUMNS = [
    "pupilonrolltableid",
    "NativeId",
    "termlyexclusionsonrolltableid",
    "termlyexclusionsonrollorderseqcolumn",
    "sourceid",
    "startdate",
    "sessions",
    "reason1",
    "reason2",
    "reason3",
    "category",
    "senprovision",
]


def write(rng: np.random.Generator, context: Context) -> Written:
    schooling = context.schooling
    pupils = schooling.pupils
    schools = schooling.schools
    children = pupils["child"].to_numpy()
    school = pupils["school"].to_numpy()
    pupil_ids = hex_ids(rng, len(pupils), suffix_digits=3)
    source_ids = hex_ids(rng, len(pupils))
    native = "SCH" + schools["establishment_number"].to_numpy()[school].astype(object)
    prefix = f"{schooling.census_date.year}_spring_"
    written = Written()
    table, noted = _pupil_table(
        rng, context, children, pupil_ids, source_ids, native, hex_ids(rng, len(schools))[school]
    )
    written.files[f"school_census/{prefix}pupilonroll.csv"] = write_csv(
        table, context.out / "school_census" / (prefix + "pupilonroll.csv")
    )
    # The index keys a pupil by school and UPN (joinedup/index/sources/synthetic/school_census.toml):
    # pupilonrolltableid is a row id of one census, new in the next.
    written.record(SOURCE, table["NativeId"] + KEY_SEPARATOR + table["upn"], children)
    record_errors(written, context, SOURCE, table["NativeId"] + KEY_SEPARATOR + table["upn"], noted)
    for name, frame in (
        ("termlysessiondetailsonroll", _sessions(rng, schooling, pupil_ids, source_ids, native)),
        ("senneeds", _sen_needs(rng, schooling, pupil_ids, source_ids, native)),
        ("termlyexclusionsonroll", _exclusions(rng, schooling, pupil_ids, source_ids, native)),
    ):
        written.files[f"school_census/{prefix}{name}.csv"] = write_csv(
            frame, context.out / "school_census" / (prefix + name + ".csv")
        )
    return written


def _pupil_table(
    rng, context: Context, children, pupil_ids, source_ids, native, census_ids
) -> tuple[pd.DataFrame, np.ndarray]:
    """The pupils, and the second profile's errors of each (agency_view's `errors`)."""
    pupils = context.schooling.pupils
    truth = context.register.children.iloc[children]
    view = agency_view(rng, context, children)
    year = pupils["year"].to_numpy()
    size = len(pupils)
    sen = pupils["sen"].to_numpy()
    # A school records the surname the family asks for as preferred; the legal one may lag behind.
    preferred = np.where(view["stale_surname"], view["true_surname"], view["surname"])
    table = pd.DataFrame(
        {
            "pupilonrolltableid": pupil_ids,
            "NativeId": native,
            "dob": format_dates(view["date_of_birth"], "school_census"),
            "surname": view["surname"],
            "forename": view["first_name"],
            "middlenames": view["middle_names"],
            "preferredsurname": preferred,
            "formersurname": view["former_surname"],
            "upn": truth["upn"].to_numpy(),
            "formerupn": "",
            "uniquelearnernumber": "",
            "sex": truth["sex"].to_numpy(),
            "entrydate": format_dates(pupils["entry"], "school_census"),
            "pupilonrollorderseqcolumn": 1,
            "sourceid": source_ids,
            "schoolcensustableid": census_ids,
            "hoursatsetting": "",
            "schoollunchtaken": np.where(flags(rng, 0.72, size), "True", "False"),
            "parttime": "False",
            "topupfunding": np.where((sen == "E") & flags(rng, 0.3, size), "True", "False"),
            "unitcontacttime": "",
            "termlysessionspossible": pupils["sessions_possible"].to_numpy().astype(float),
            "senunitindicator": "False",
            "resourcedprovisionindicator": np.where((sen == "E") & flags(rng, 0.1, size), "True", "False"),
            "moveoffrollflag": "",
            "fundedhours": "",
            "missingaddress": "",
            "duplicatenotfunded": "",
            "extendedhours": "",
            "eligibilitycode": "",
            "dafindicator": "",
            "ethnicity": truth["ethnicity"].to_numpy(),
            "yssa": np.where(year >= 9, draw(rng, {"Yes": 0.7, "Unsought": 0.2, "No": 0.1}, size), ""),
            "servicechild": draw(rng, {"N": 0.96, "Y": 0.01, "U": 0.02, "R": 0.01}, size),
            "language": _languages(rng, truth["ethnicity"].to_numpy()),
            "classtype": "",
            "enrolstatus": "C",
            "boarder": "N",
            "plaa": _previously_looked_after(context, children),
            "senprovision": sen,
            "ncyearactual": np.where(year == 0, "R", year.astype(str)),
            "eyppr": "",
            "eyppbf": "",
            "youngcarer": _young_carers(rng, context, children),
        }
    )
    return table[PUPIL_COLUMNS], view["errors"].to_numpy()


def _languages(rng, ethnicity: np.ndarray) -> np.ndarray:
    language = np.full(len(ethnicity), "ENG", dtype=object)
    for group, options in codes.HOME_LANGUAGES.items():
        rows = np.flatnonzero(
            (ethnicity == group) & flags(rng, codes.NOT_ENGLISH_FIRST_LANGUAGE[group], len(ethnicity))
        )
        language[rows] = np.asarray(options, dtype=object)[rng.integers(0, len(options), len(rows))]
    return language


def _previously_looked_after(context: Context, children: np.ndarray) -> np.ndarray:
    care = context.care.care
    ways_out = codes.CARE_ENDINGS_PREVIOUSLY_LOOKED_AFTER
    left = care[care["reason_ended"].isin(list(ways_out))]
    status = pd.Series(left["reason_ended"].map(ways_out).to_numpy(), index=left["child"].to_numpy())
    return status.reindex(children).fillna("").to_numpy()


def _young_carers(rng, context: Context, children: np.ndarray) -> np.ndarray:
    involvements = context.staffing.involvements
    carers = involvements.loc[involvements["service"] == "VCS-YC", "child"].unique()
    known = np.isin(children, carers) & flags(rng, 0.7, len(children))
    return np.where(known, np.where(flags(rng, 0.7, len(children)), "S", "P"), "N")


def _sessions(rng, schooling, pupil_ids, source_ids, native) -> pd.DataFrame:
    rows = schooling.absences
    pupil = rows["pupil"].to_numpy()
    return pd.DataFrame(
        {
            "pupilonrolltableid": pupil_ids[pupil],
            "NativeId": native[pupil],
            "termlysessiondetailsonrolltableid": hex_ids(rng, len(rows)),
            "termlysessiondetailsonrollorderseqcolumn": np.arange(1, len(rows) + 1),
            "sourceid": source_ids[pupil],
            "sessions": rows["sessions"].to_numpy().astype(float),
            "attendancereason": rows["reason"].to_numpy(),
        }
    )[SESSION_COLUMNS]


def _sen_needs(rng, schooling, pupil_ids, source_ids, native) -> pd.DataFrame:
    rows = schooling.sen_needs
    pupil = rows["pupil"].to_numpy()
    return pd.DataFrame(
        {
            "pupilonrolltableid": pupil_ids[pupil],
            "NativeId": native[pupil],
            "senneedstableid": hex_ids(rng, len(rows)),
            "senneedsorderseqcolumn": np.arange(1, len(rows) + 1),
            "sourceid": source_ids[pupil],
            "sentyperank": rows["rank"].to_numpy().astype(float),
            "sentype": rows["type"].to_numpy(),
        }
    )[SEN_COLUMNS]


def _exclusions(rng, schooling, pupil_ids, source_ids, native) -> pd.DataFrame:
    rows = schooling.exclusions
    pupil = rows["pupil"].to_numpy()
    return pd.DataFrame(
        {
            "pupilonrolltableid": pupil_ids[pupil],
            "NativeId": native[pupil],
            "termlyexclusionsonrolltableid": hex_ids(rng, len(rows)),
            "termlyexclusionsonrollorderseqcolumn": np.arange(1, len(rows) + 1),
            "sourceid": source_ids[pupil],
            "startdate": format_dates(rows["start"], "school_census"),
            "sessions": rows["sessions"].to_numpy(),
            "reason1": rows["reason1"].to_numpy(),
            "reason2": rows["reason2"].to_numpy(),
            "reason3": rows["reason3"].to_numpy(),
            "category": rows["category"].to_numpy(),
            "senprovision": schooling.pupils["sen"].to_numpy()[pupil],
        }
    )[EXCLUSION_COLUMNS]

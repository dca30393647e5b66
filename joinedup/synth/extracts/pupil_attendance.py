"""Pupil-level attendance as the DfE now shares it with local authorities (the school attendance
data service): one row per pupil, school and term with sessions possible and missed, authorised and
unauthorised, and a second table of suspensions and permanent exclusions by date. Names and dates
of birth carry the usual errors; the UPN, which every school must give a pupil, is always there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from joinedup.synth.output import format_dates, write_csv

from . import Context, Written, agency_view, record_errors

SOURCE = "pupil_attendance"
FOLDER = "pupil_attendance"
ATTENDANCE_FILE, EXCLUSIONS_FILE = "pupil_attendance.csv", "pupil_exclusions.csv"
YEAR_GROUPS = np.array(["R", *(str(year) for year in range(1, 14))], dtype=object)


def write(rng: np.random.Generator, context: Context) -> Written:
    history = context.history
    rows = history.in_window(history.attendance).sort_values(["pupil", "ordinal"], kind="stable")
    pupils = context.schooling.pupils
    children = pupils["child"].to_numpy()
    view = agency_view(rng, context, children)
    upn = context.register.children["upn"].to_numpy()[children]
    # Term and year labels are looked up from the window's few terms: a million rows share them.
    terms = history.terms
    term = np.searchsorted(terms["ordinal"].to_numpy(), rows["ordinal"].to_numpy())
    academic_years = _academic_years(terms["school_year"].to_numpy())
    seasons = terms["season"].str.capitalize().to_numpy(dtype=object)
    pupil = rows["pupil"].to_numpy()
    table = pd.DataFrame(
        {
            "UPN": upn[pupil],
            "LegalForename": view["first_name"].to_numpy()[pupil],
            "LegalSurname": view["surname"].to_numpy()[pupil],
            "DateOfBirth": format_dates(view["date_of_birth"], "dd/mm/yyyy")[pupil],
            "Sex": context.register.children["sex"].to_numpy()[children][pupil],
            "SchoolURN": rows["urn"].to_numpy(),
            "NCYear": YEAR_GROUPS[rows["nc_year"].to_numpy()],
            "AcademicYear": academic_years[term],
            "Term": seasons[term],
            "SessionsPossible": rows["possible"].to_numpy(),
            "SessionsAuthorisedAbsence": (rows["missed"] - rows["unauthorised"]).to_numpy(),
            "SessionsUnauthorisedAbsence": rows["unauthorised"].to_numpy(),
        }
    )
    exclusions = history.in_window(history.exclusions).sort_values(["pupil", "start"], kind="stable")
    urn = pd.Series(rows["urn"].to_numpy(), index=pd.MultiIndex.from_arrays([pupil, rows["ordinal"].to_numpy()]))
    excluded_pupil = exclusions["pupil"].to_numpy()
    excluded_in = pd.MultiIndex.from_arrays([excluded_pupil, exclusions["ordinal"].to_numpy()])
    excluded_term = np.searchsorted(terms["ordinal"].to_numpy(), exclusions["ordinal"].to_numpy())
    excluded = pd.DataFrame(
        {
            "UPN": upn[excluded_pupil],
            "SchoolURN": urn.reindex(excluded_in).to_numpy(),
            "AcademicYear": academic_years[excluded_term],
            "Category": exclusions["category"].to_numpy(),
            "StartDate": format_dates(exclusions["start"], "dd/mm/yyyy"),
            "Sessions": exclusions["sessions"].to_numpy().astype(float),
        }
    )
    written = Written()
    for name, frame in ((ATTENDANCE_FILE, table), (EXCLUSIONS_FILE, excluded)):
        written.files[f"{FOLDER}/{name}"] = write_csv(frame, context.out / FOLDER / name)
    listed = np.unique(pupil)
    written.record(SOURCE, upn[listed], children[listed])
    record_errors(written, context, SOURCE, upn[listed], view["errors"].to_numpy()[listed])
    return written


def _academic_years(school_year: np.ndarray) -> np.ndarray:
    return np.array([f"{year}/{(year + 1) % 100:02d}" for year in school_year.tolist()], dtype=object)

"""Pupil-level attendance (the DfE's school attendance data, as the synthetic authority writes it)
imports as one record per pupil whose facts hold every term and exclusion in the shape the
evidence room reads; a row that cannot be read is named by file, row and column."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from joinedup.common.tables import FileProblems
from joinedup.index.sources import load_mapping, read_source
from joinedup.index.synthetic import SOURCES_DIR, synthetic_extracts
from joinedup.synth.tests.conftest import NO_ERRORS, build_authority

MAPPING = SOURCES_DIR / "pupil_attendance.toml"
HEADER = (
    "UPN,LegalForename,LegalSurname,DateOfBirth,Sex,SchoolURN,NCYear,AcademicYear,Term,SessionsPossible,"
    "SessionsAuthorisedAbsence,SessionsUnauthorisedAbsence\n"
)
TERM_KEYS = ["term", "starts", "urn", "nc_year", "possible", "missed", "unauthorised"]


@pytest.fixture(scope="module")
def authority(tmp_path_factory) -> Path:
    return build_authority(tmp_path_factory, "attendance", children=800, seed=12, rates=NO_ERRORS)


@pytest.fixture(scope="module")
def imported(authority):
    path = dict((m.stem, p) for m, p in synthetic_extracts(authority))["pupil_attendance"]
    return read_source(load_mapping(MAPPING), path)


def test_the_synthetic_authority_lists_its_attendance_extract(authority):
    extracts = {mapping.stem: path for mapping, path in synthetic_extracts(authority)}
    assert extracts["pupil_attendance"].is_file()


def test_one_record_per_pupil_holding_every_term_in_order(authority, imported):
    rows = pd.read_csv(authority / "pupil_attendance" / "pupil_attendance.csv", dtype=str, keep_default_na=False)

    assert imported.rejects == []
    assert sorted(imported.records["record_id"]) == sorted(rows["UPN"].unique())
    for record in imported.records.itertuples():
        facts = json.loads(record.facts)
        terms = facts["attendance_terms"]
        held = rows[rows["UPN"] == record.record_id]
        assert len(terms) == len(held)
        assert all(list(term) == TERM_KEYS for term in terms)
        assert [t["starts"] for t in terms] == sorted(t["starts"] for t in terms)
        assert all(isinstance(t[k], int) for t in terms for k in ("nc_year", "possible", "missed", "unauthorised"))
        assert (
            sum(t["missed"] for t in terms)
            == (held["SessionsAuthorisedAbsence"].astype(int) + held["SessionsUnauthorisedAbsence"].astype(int)).sum()
        )


def test_terms_and_exclusions_read_as_the_evidence_room_expects(authority, imported):
    facts = [json.loads(f) for f in imported.records["facts"]]
    first = next(f for f in facts if f["attendance_terms"][0]["term"] == "2022-autumn")
    assert first["attendance_terms"][0]["starts"] == "2022-09-01"
    spring = next(t for f in facts for t in f["attendance_terms"] if t["term"] == "2024-spring")
    assert spring["starts"] == "2025-01-01"
    exclusions = [e for f in facts for e in f["exclusions"]]
    written = pd.read_csv(authority / "pupil_attendance" / "pupil_exclusions.csv", dtype=str)
    assert len(exclusions) == len(written) > 0
    assert all(list(e) == ["category", "starts", "sessions"] for e in exclusions)
    assert {e["category"] for e in exclusions} <= {"SUSP", "PERM"}
    assert all(isinstance(e["sessions"], float) and len(e["starts"]) == 10 for e in exclusions)


def test_a_malformed_row_rejects_its_pupil_naming_file_row_and_column(tmp_path):
    attendance = tmp_path / "pupil_attendance.csv"
    attendance.write_text(
        HEADER
        + "A801200005001,Amy,Smith,01/02/2012,F,100001,8,2023/24,Autumn,140,10,2\n"
        + "A801200005001,Amy,Smith,01/02/2012,F,100001,8,2023/24,Spring,lots,3,1\n"
        + "B801200005001,Ben,Jones,03/04/2013,M,100001,7,2023/24,Autumn,140,4,0\n",
        encoding="utf-8",
    )
    (tmp_path / "pupil_exclusions.csv").write_text(
        "UPN,SchoolURN,AcademicYear,Category,StartDate,Sessions\n"
        "B801200005001,100001,2023/24,SUSP,03/10/2023,2\n"
        "B801200005001,100001,2023/24,SUSP,31/13/2023,2\n",
        encoding="utf-8",
    )

    result = read_source(load_mapping(MAPPING), attendance)

    assert list(result.records["record_id"]) == ["B801200005001"]
    bad_term = next(p for p in result.rejects if p.column == "SessionsPossible")
    assert (Path(bad_term.file).name, bad_term.row) == ("pupil_attendance.csv", 3)
    assert "expected a whole number of sessions, got 'lots'" in bad_term.message
    bad_date = next(p for p in result.rejects if p.column == "StartDate")
    assert (Path(bad_date.file).name, bad_date.row) == ("pupil_exclusions.csv", 3)
    facts = json.loads(result.records["facts"].iloc[0])
    assert facts["exclusions"] == [{"category": "SUSP", "starts": "2023-10-03", "sessions": 2.0}]


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("AcademicYear", "2023-24", "expected an academic year like 2024/25"),
        ("Term", "Winter", "expected Autumn, Spring or Summer"),
        ("NCYear", "15", "expected a year group R or 1-13"),
        ("SessionsUnauthorisedAbsence", "200", "expected no more missed than possible"),
    ],
)
def test_each_kind_of_bad_term_value_is_explained(tmp_path, column, value, expected):
    values = "A801200005001,Amy,Smith,01/02/2012,F,100001,R,2023/24,Autumn,140,10,2".split(",")
    row = dict(zip(HEADER.strip().split(","), values, strict=True))
    row[column] = value
    path = tmp_path / "pupil_attendance.csv"
    path.write_text(HEADER + ",".join(row.values()) + "\n", encoding="utf-8")

    result = read_source(load_mapping(MAPPING), path)

    assert result.records.empty
    assert [p.row for p in result.rejects] == [2]
    assert expected in result.rejects[0].message


def test_a_file_without_the_term_columns_loads_nothing(tmp_path):
    path = tmp_path / "pupil_attendance.csv"
    path.write_text("UPN,LegalForename,DateOfBirth\nA801200005001,Amy,01/02/2012\n", encoding="utf-8")

    with pytest.raises(FileProblems) as raised:
        read_source(load_mapping(MAPPING), path)
    assert {p.column for p in raised.value.problems} >= {"SessionsPossible", "Term", "AcademicYear"}

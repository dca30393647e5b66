"""Ground truth names the real child behind every person-level record of every extract, once."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from joinedup.synth.tests.conftest import build_authority, read, record_ids

PERSON_TABLES = {
    "school_census": ("school_census/2025_spring_pupilonroll.csv", ["NativeId", "upn"]),
    "ssda903": ("ssda903/header.csv", "CHILD"),
    "child_health": ("child_health/child_health_records.csv", "LOCAL_PATIENT_ID"),
    "youth_offending": ("youth_offending/yot_caseload.csv", ["YOT_REF", "START_DATE"]),
    "social_care": ("social_care/persons.csv", "PERSON_ID"),
}


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    return build_authority(tmp_path_factory, "truth", children=5000, seed=41)


@pytest.fixture(scope="module")
def truth(authority):
    return read(authority / "ground_truth.csv")


def test_ground_truth_has_the_agreed_columns(truth):
    assert list(truth.columns) == ["source", "record_id", "child_id"]
    assert set(truth["source"]) == {*PERSON_TABLES, "cin_census", "pupil_attendance"}


@pytest.mark.parametrize("source", PERSON_TABLES)
def test_every_extract_record_appears_exactly_once(authority, truth, source):
    path, key = PERSON_TABLES[source]
    records = record_ids(read(authority / path), key)
    listed = truth.loc[truth["source"] == source, "record_id"]
    assert records.is_unique and listed.is_unique
    assert sorted(records) == sorted(listed)


def test_every_cin_census_child_appears_exactly_once(authority, truth):
    root = ET.parse(authority / "cin_census" / "CIN_Census_2025.xml").getroot()
    ids = [child.findtext("ChildIdentifiers/LAchildID") for child in root.iter("Child")]
    listed = truth.loc[truth["source"] == "cin_census", "record_id"]
    assert len(ids) == len(set(ids)) and sorted(ids) == sorted(listed)


def test_every_child_in_ground_truth_is_in_the_register(authority, truth):
    children = set(read(authority / "register" / "children.csv")["child_id"])
    assert set(truth["child_id"]) <= children


def test_agency_keys_that_are_the_la_child_id_point_to_that_child(authority, truth):
    """The SSDA903 and CIN census key children by the LA's own child id, so truth must agree with it."""
    children = read(authority / "register" / "children.csv").set_index("child_id")["la_child_id"]
    for source in ("ssda903", "cin_census"):
        rows = truth[truth["source"] == source]
        assert (children.reindex(rows["child_id"]).to_numpy() == rows["record_id"].to_numpy()).all()


def test_every_child_in_the_statutory_returns_has_a_social_care_person_record(authority, truth):
    """The CIN census and SSDA903 come out of the social care system, so each child they list is a
    person in it, under the same id."""
    persons = truth[truth["source"] == "social_care"]
    for source in ("ssda903", "cin_census"):
        rows = truth[truth["source"] == source]
        assert set(rows["record_id"]) <= set(persons["record_id"]), source
        held = persons.set_index("record_id")["child_id"]
        assert (held.reindex(rows["record_id"]).to_numpy() == rows["child_id"].to_numpy()).all(), source

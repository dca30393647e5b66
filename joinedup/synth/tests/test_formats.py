"""Each extract matches the real format it imitates: the same columns in the same order as the
samples in samples/formats, their date and number formats, and only code values that the samples
or the official code lists use."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime

import pandas as pd
import pytest

from joinedup.common.identifiers import is_valid_nhs_number, is_valid_upn
from joinedup.synth.tests.conftest import build_authority, read

SCHOOL_CENSUS_TABLES = ("pupilonroll", "termlysessiondetailsonroll", "senneeds", "termlyexclusionsonroll")
SSDA903_TABLES = ("header", "episodes", "oc2")
# Official lists where the samples leave codes out. Sources: liia-tools-pipeline
# school_census_schema_2015.yml .. 2025.diff.yml (attendance reasons, year groups, languages),
# DfE SEN type codes, SSDA903_schema_2025.diff.yml (PLACE, SEX) and csc-validator-be-903 rule 149 (REC),
# CIN_schema_2025.xsd (every CIN census list).
SEN_TYPES = {"SPLD", "MLD", "SLD", "PMLD", "SEMH", "SLCN", "HI", "VI", "MSI", "PD", "ASD", "OTH", "NSA"}
NC_YEARS = {"E1", "E2", "N1", "N2", "R", "M", "X", *map(str, range(1, 15))}
LANGUAGES = {
    "ENG",
    "POL",
    "RMN",
    "LIT",
    "POR",
    "BUL",
    "SLO",
    "URD",
    "PNJ",
    "BNG",
    "GUJ",
    "TAM",
    "NEP",
    "SOM",
    "YOR",
    "ARA",
    "CHI",
    "TUR",
    "KUR",
    "CYM",
}
ATTENDANCE_2025 = {
    "/",
    "\\",
    "B",
    "C",
    "C1",
    "C2",
    "D",
    "E",
    "G",
    "I",
    "J1",
    "K",
    "L",
    "M",
    "N",
    "O",
    "P",
    "Q",
    "R",
    "S",
    "T",
    "U",
    "V",
    "W",
    "X",
    "Y1",
    "Y2",
    "Y3",
    "Y4",
    "Y5",
    "Y6",
    "Y7",
    "Z",
    "#",
}
PLACE_2025 = {
    "A3",
    "A4",
    "A5",
    "A6",
    "K1",
    "K2",
    "K3",
    "P1",
    "P3",
    "R1",
    "R2",
    "R3",
    "R5",
    "S1",
    "T0",
    "T1",
    "T2",
    "T3",
    "T4",
    "U1",
    "U2",
    "U3",
    "U4",
    "U5",
    "U6",
    "Z1",
}
REC_CODES = {
    "X1",
    "E11",
    "E12",
    "E2",
    "E3",
    "E4A",
    "E4B",
    "E13",
    "E41",
    "E45",
    "E46",
    "E47",
    "E48",
    "E5",
    "E6",
    "E7",
    "E8",
    "E9",
    "E14",
    "E15",
    "E16",
    "E17",
}
CIN_CODES = {
    "Sex": {"M", "F", "U"},
    "UPNunknown": {f"UN{n}" for n in range(1, 8)},
    "Ethnicity": {
        "WBRI",
        "WIRI",
        "WIRT",
        "WOTH",
        "WROM",
        "MWBC",
        "MWBA",
        "MWAS",
        "MOTH",
        "AIND",
        "APKN",
        "ABAN",
        "AOTH",
        "BCRB",
        "BAFR",
        "BOTH",
        "CHNE",
        "OOTH",
        "REFU",
        "NOBT",
    },
    "Disability": {"NONE", "MOB", "HAND", "PC", "INC", "COMM", "LD", "HEAR", "VIS", "BEH", "CON", "AUT", "DDA"},
    "ReferralSource": {
        "1A",
        "1B",
        "1C",
        "1D",
        "2A",
        "2B",
        "3A",
        "3B",
        "3C",
        "3D",
        "3E",
        "3F",
        "4",
        "5A",
        "5B",
        "5C",
        "5D",
        "6",
        "7",
        "8",
        "9",
        "10",
    },
    "PrimaryNeedCode": {f"N{n}" for n in range(10)},
    "ReasonForClosure": {f"RC{n}" for n in range(1, 10)},
    "InitialCategoryOfAbuse": {"NEG", "PHY", "SAB", "EMO", "MUL"},
    "LatestCategoryOfAbuse": {"NEG", "PHY", "SAB", "EMO", "MUL"},
    "AssessmentFactors": {
        "1A",
        "1B",
        "1C",
        "2A",
        "2B",
        "2C",
        "3A",
        "3B",
        "3C",
        "4A",
        "4B",
        "4C",
        "5A",
        "5B",
        "5C",
        "6A",
        "6B",
        "6C",
        "7A",
        "8B",
        "8C",
        "8D",
        "8E",
        "8F",
        "9A",
        "10A",
        "11A",
        "12A",
        "13A",
        "14A",
        "15A",
        "16A",
        "17A",
        "18B",
        "18C",
        "19B",
        "19C",
        "20",
        "21",
        "22A",
        "23A",
        "24A",
    },
    "ReferralNFA": {"0", "1"},
    "ICPCnotRequired": {"0", "1"},
}
# Element order within each CIN census block (CIN_schema_2025.xsd sequences).
CIN_ORDER = {
    "ChildIdentifiers": [
        "LAchildID",
        "UPN",
        "FormerUPN",
        "UPNunknown",
        "PersonBirthDate",
        "ExpectedPersonBirthDate",
        "Sex",
        "PersonDeathDate",
    ],
    "CINdetails": [
        "CINreferralDate",
        "ReferralSource",
        "PrimaryNeedCode",
        "CINclosureDate",
        "ReasonForClosure",
        "DateOfInitialCPC",
        "Assessments",
        "CINPlanDates",
        "Section47",
        "ReferralNFA",
        "ChildProtectionPlans",
    ],
    "Section47": ["S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC", "ICPCnotRequired"],
    "ChildProtectionPlans": [
        "CPPstartDate",
        "CPPendDate",
        "InitialCategoryOfAbuse",
        "LatestCategoryOfAbuse",
        "NumberOfPreviousCPP",
        "Reviews",
    ],
}


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    return build_authority(tmp_path_factory, "formats", children=5000, seed=21)


def header(path) -> list[str]:
    return path.read_text(encoding="utf-8-sig").splitlines()[0].split(",")


def sample_values(path, column) -> set[str]:
    return set(read(path)[column]) - {""}


def used(frame: pd.DataFrame, column: str) -> set[str]:
    return set(frame[column]) - {""}


@pytest.mark.parametrize("table", SCHOOL_CENSUS_TABLES)
def test_school_census_tables_have_the_samples_columns_in_order(authority, formats, table):
    ours = authority / "school_census" / f"2025_spring_{table}.csv"
    assert header(ours) == header(formats / "school_census" / f"2025_spring_{table}.csv")


@pytest.mark.parametrize("table", SSDA903_TABLES)
def test_ssda903_tables_have_the_samples_columns_in_order(authority, formats, table):
    assert header(authority / "ssda903" / f"{table}.csv") == header(formats / "ssda903" / f"{table}.csv")


def test_school_census_values_use_the_census_formats_and_codes(authority, formats):
    sample = formats / "school_census" / "2025_spring_pupilonroll.csv"
    pupils = read(authority / "school_census" / "2025_spring_pupilonroll.csv")
    for column in ("dob", "entrydate"):
        pupils[column].map(lambda v: datetime.strptime(v, "%Y-%b-%d %H:%M:%S"))
    assert pupils["termlysessionspossible"].str.fullmatch(r"\d+\.0").all()
    assert used(pupils, "sex") <= sample_values(sample, "sex")
    assert used(pupils, "senprovision") == {"N", "K", "E"}
    assert used(pupils, "ncyearactual") <= NC_YEARS
    assert used(pupils, "ethnicity") <= CIN_CODES["Ethnicity"]
    assert used(pupils, "language") <= LANGUAGES
    for column in (
        "yssa",
        "servicechild",
        "enrolstatus",
        "boarder",
        "plaa",
        "youngcarer",
        "schoollunchtaken",
        "parttime",
        "topupfunding",
        "senunitindicator",
        "resourcedprovisionindicator",
    ):
        assert used(pupils, column) <= sample_values(sample, column), column
    assert pupils["upn"].map(is_valid_upn).all()
    assert pupils["pupilonrolltableid"].str.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{3}").all()


def test_school_census_sessions_needs_and_exclusions_use_census_codes(authority, formats):
    folder, samples = authority / "school_census", formats / "school_census"
    sessions = read(folder / "2025_spring_termlysessiondetailsonroll.csv")
    sample_reasons = sample_values(samples / "2025_spring_termlysessiondetailsonroll.csv", "attendancereason")
    assert used(sessions, "attendancereason") <= sample_reasons & ATTENDANCE_2025
    assert sessions["sessions"].str.fullmatch(r"[1-9]\d*\.0").all()
    needs = read(folder / "2025_spring_senneeds.csv")
    assert used(needs, "sentype") <= SEN_TYPES and "ASD" in used(needs, "sentype")
    assert used(needs, "sentyperank") <= sample_values(samples / "2025_spring_senneeds.csv", "sentyperank")
    exclusions = read(folder / "2025_spring_termlyexclusionsonroll.csv")
    reasons = sample_values(samples / "2025_spring_termlyexclusionsonroll.csv", "reason1")
    for column in ("reason1", "reason2", "reason3"):
        assert used(exclusions, column) <= reasons
    assert used(exclusions, "category") <= {"PERM", "SUSP", "LNCH"}
    exclusions["startdate"].map(lambda v: datetime.strptime(v, "%Y-%b-%d %H:%M:%S"))


def test_ssda903_values_use_the_returns_formats_and_codes(authority, formats):
    samples = formats / "ssda903"
    head = read(authority / "ssda903" / "header.csv")
    episodes = read(authority / "ssda903" / "episodes.csv")
    oc2 = read(authority / "ssda903" / "oc2.csv")
    for frame, columns in ((head, ["DOB", "MC_DOB"]), (episodes, ["DECOM", "DEC"]), (oc2, ["DOB"])):
        for column in columns:
            assert frame[column].str.fullmatch(r"(\d{2}/\d{2}/\d{4})?").all(), column
            frame.loc[frame[column] != "", column].map(lambda v: datetime.strptime(v, "%d/%m/%Y"))
    assert used(head, "SEX") <= {"M", "F", "U"}  # 2024/25 onwards; the sample predates it (1/2)
    assert used(head, "ETHNIC") <= sample_values(samples / "header.csv", "ETHNIC")
    assert head["UPN"].map(lambda v: is_valid_upn(v) or bool(re.fullmatch(r"UN[1-5]", v))).all()
    for column in ("RNE", "LS", "CIN", "PLACE_PROVIDER", "REASON_PLACE_CHANGE"):
        assert used(episodes, column) <= sample_values(samples / "episodes.csv", column), column
    assert used(episodes, "PLACE") <= sample_values(samples / "episodes.csv", "PLACE") | PLACE_2025
    assert used(episodes, "PLACE") <= PLACE_2025
    assert used(episodes, "REC") <= REC_CODES
    assert used(oc2, "SDQ_REASON") <= sample_values(samples / "oc2.csv", "SDQ_REASON")
    for column in (
        "CONVICTED",
        "HEALTH_CHECK",
        "IMMUNISATIONS",
        "TEETH_CHECK",
        "HEALTH_ASSESSMENT",
        "SUBSTANCE_MISUSE",
        "INTERVENTION_RECEIVED",
        "INTERVENTION_OFFERED",
    ):
        assert used(oc2, column) <= {"0", "1"}


def _paths(element: ET.Element, prefix: str = "") -> set[str]:
    here = f"{prefix}/{element.tag}"
    return {here}.union(*(_paths(child, here) for child in element))


def test_cin_census_follows_the_current_layout(authority, formats):
    ours = ET.parse(authority / "cin_census" / "CIN_Census_2025.xml").getroot()
    sample = ET.parse(formats / "cin_census" / "CIN_Census_2026.xml").getroot()
    assert _paths(ours) <= _paths(sample)
    assert not list(ours.iter("GenderCurrent"))
    assert ours.findtext("Header/CollectionDetails/ReferenceDate") == "2025-03-31"
    for block, order in CIN_ORDER.items():
        for element in ours.iter(block):
            tags = [child.tag for child in element]
            assert tags == sorted(tags, key=order.index), f"{block}: {tags}"


def test_cin_census_uses_iso_dates_and_the_official_codes(authority):
    ours = ET.parse(authority / "cin_census" / "CIN_Census_2025.xml").getroot()
    for element in ours.iter():
        if element.tag.endswith(("Date", "target")) and element.tag != "ReferenceDate":
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", element.text or ""), element.tag
    for tag, allowed in CIN_CODES.items():
        values = {e.text for e in ours.iter(tag)}
        assert values <= allowed, f"{tag}: {values - allowed}"
    assert all(is_valid_upn(e.text) for e in ours.iter("UPN"))


def test_health_and_youth_justice_extracts_keep_their_own_formats(authority):
    health = read(authority / "child_health" / "child_health_records.csv")
    assert health["DATE_OF_BIRTH"].str.fullmatch(r"\d{8}").all()
    assert set(health["STATED_GENDER_CODE"]) <= {"1", "2", "9"}
    assert set(health["ETHNIC_CATEGORY"]) <= set("ABCDEFGHJKLMNPRSZ") | {"99"}
    assert health["GP_PRACTICE_CODE"].str.fullmatch(r"[A-Z]\d{5}").all()
    youth = read(authority / "youth_offending" / "yot_caseload.csv")
    youth["DOB"].map(lambda v: datetime.strptime(v, "%d-%b-%Y"))
    assert set(youth["GENDER"]) <= {"Male", "Female"}


def test_the_social_care_person_report_keeps_its_own_format(authority):
    persons = read(authority / "social_care" / "persons.csv")
    assert persons["PERSON_ID"].str.fullmatch(r"\d{7}").all() and persons["PERSON_ID"].is_unique
    for column in ("DOB", "FIRST_CONTACT_DATE"):
        persons[column].map(lambda v: datetime.strptime(v, "%d/%m/%Y"))
    assert (
        persons["FIRST_CONTACT_DATE"].map(lambda v: datetime.strptime(v, "%d/%m/%Y")) <= datetime(2025, 3, 31)
    ).all()
    assert set(persons["GENDER"]) <= {"Male", "Female", "Unknown"}
    assert set(persons["INVOLVEMENT_LEVEL"]) <= {"Contact", "Child in need", "Child protection", "Looked after"}
    numbers = persons.loc[persons["NHS_NUMBER"] != "", "NHS_NUMBER"]
    assert 0.3 < len(numbers) / len(persons) < 0.9 and numbers.map(is_valid_nhs_number).all()
    assert persons.loc[persons["UPN"] != "", "UPN"].map(is_valid_upn).all()

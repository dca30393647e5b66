"""The DfE returns as authorities really send them: every real-format sample in samples/formats
imports, the differences between collection years are read past, and rows that break the format
are reported rather than crashing the import."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from joinedup.common.tables import FileProblems
from joinedup.index.sources import load_mapping, read_source, source_files
from joinedup.synth.tests.conftest import FORMATS

STANDARD = Path(__file__).resolve().parents[1] / "sources" / "standard"


@pytest.fixture(scope="module")
def formats() -> Path:
    assert FORMATS.is_dir(), f"the real-format samples should be at {FORMATS}"
    return FORMATS


def read(source_file: str, path: Path):
    return read_source(load_mapping(STANDARD / source_file), path)


def facts(result, record_id: str) -> dict:
    return json.loads(result.records.set_index("record_id").loc[record_id, "facts"])


def test_every_sample_file_is_read_by_a_standard_source(formats):
    """Every sample, each table of the returns included, is read by one of the standard sources."""
    imports = [
        ("ssda903_csv.toml", formats / "ssda903"),
        ("ssda903_xml.toml", formats / "ssda903" / "fake_903.xml"),
        ("school_census.toml", formats / "school_census"),
        *(("cin_census.toml", path) for path in sorted((formats / "cin_census").glob("*.xml"))),
    ]
    read_files = set()
    for source_file, path in imports:
        result = read(source_file, path)
        assert len(result.records) == result.rows_read > 0, path
        read_files |= set(source_files(load_mapping(STANDARD / source_file), path))

    samples = {p for p in formats.rglob("*") if p.is_file() and p.suffix in {".csv", ".xml"}}
    assert samples == read_files


def test_the_ssda903_tables_join_by_child_and_an_orphan_row_is_reported(formats):
    result = read("ssda903_csv.toml", formats / "ssda903" / "header.csv")

    assert result.rows_read == 2675 and len(result.records) == 2675
    [orphan] = result.rejects
    assert (Path(orphan.file).name, orphan.row, orphan.column) == ("sw_episodes.csv", 2, "CHILD")
    assert "no Header row for child 'CHILD10'" in orphan.message
    first = result.records.iloc[0]
    assert first[["record_id", "la_child_id", "sex", "date_of_birth", "upn"]].tolist() == [
        "566910",
        "566910",
        "F",
        "2008-03-27",
        "D051910639385",
    ]
    child = facts(result, "566910")
    assert [e["start"] for e in child["episodes"]] == ["2016-02-15", "2017-08-14"]
    assert child["looked_after_open"] is True and child["legal_status"] == "C2"
    assert first["involvement_start"] == "2016-02-15" and first["involvement_end"] == ""
    assert child["sdq_score"] == 39 and child["ethnicity"] == "WROM"


def test_every_episode_in_the_ssda903_csv_reaches_its_child(formats):
    result = read("ssda903_csv.toml", formats / "ssda903")
    episodes = pd.read_csv(formats / "ssda903" / "episodes.csv", dtype=str, keep_default_na=False)

    children = {r: json.loads(f) for r, f in zip(result.records.record_id, result.records.facts, strict=True)}
    assert Counter({r: len(f["episodes"]) for r, f in children.items()}) == Counter(episodes["CHILD"])
    opened = {r for r, f in children.items() if f["looked_after_open"]}
    last = episodes.assign(order=pd.to_datetime(episodes["DECOM"], format="%d/%m/%Y")).sort_values(["CHILD", "order"])
    assert opened == set(last.groupby("CHILD").tail(1).query("DEC == ''")["CHILD"])


def test_the_ssda903_xml_reads_like_the_csv(formats):
    result = read("ssda903_xml.toml", formats / "ssda903" / "fake_903.xml")

    assert result.rows_read == 253 and result.rejects == []
    child = facts(result, "907440")
    assert [e["placement"] for e in child["episodes"]] == ["R5", "P2"]  # PL in the XML is PLACE
    assert child["sdq_score"] == 21
    record = result.records.set_index("record_id").loc["907440"]
    assert record[["sex", "date_of_birth", "postcode", "involvement_end"]].tolist() == [
        "F",
        "2010-07-28",
        "Q6 7TT",
        "2018-03-07",
    ]
    assert facts(result, "996322")["uasc_ceases"] == "2020-09-28"
    assert facts(result, "381315")["care_leaver"] == {"in_touch": "NO", "activ": "P2", "accom": "S1"}
    assert facts(result, "608176")["missing_episodes"] == 1


def test_cin_census_before_2023_gives_sex_as_gender_current(formats):
    result = read("cin_census.toml", formats / "cin_census" / "CIN_Census_2021.xml")

    [record] = result.records.to_dict("records")
    assert (record["la_child_id"], record["sex"], record["upn"], record["date_of_birth"]) == (
        "DfEX0000001",
        "M",
        "A123456789123",
        "1965-03-27",
    )
    child = json.loads(record["facts"])
    assert child["expected_birth_date"] == "1066-04-13" and child["death_date"] == "1980-10-08"
    assert child["disabilities"] == ["HAND", "HEAR"] and child["reference_date"] == "2023-03-31"
    [episode] = child["episodes"]
    assert episode["protection_plans"][0] | {"reviews": None} == {
        "start": "1970-02-17",
        "end": "1971-03-14",
        "initial_category": "PHY",
        "latest_category": "PHY",
        "previous_plans": "10",
        "reviews": None,
    }
    assert episode["assessments"][0]["factors"] == ["2A", "2B"]
    assert child["cin_open"] is False and child["protection_plan_open"] is False


@pytest.mark.parametrize("year", [2024, 2026])
def test_cin_census_from_2023_gives_sex_in_either_coding(formats, year):
    result = read("cin_census.toml", formats / "cin_census" / f"CIN_Census_{year}.xml")

    assert result.records[["record_id", "sex"]].values.tolist() == [
        ["DfEX0000001", "M"],
        ["child_fails_assessments", "M"],
    ]
    assert facts(result, "child_fails_assessments")["upn_unknown"] == "UN1"
    assert result.records.set_index("record_id").loc["DfEX0000001", "involvement_start"] == "2022-10-06"


def test_the_large_cin_sample_reads_every_child(formats):
    result = read("cin_census.toml", formats / "cin_census" / "fake_CIN_data.xml")

    assert len(result.records) == 332 and result.rejects == []
    assert Counter(result.records["sex"]) == {"U": 176, "M": 82, "F": 74}  # GenderCurrent 0 and 9 are U
    autistic = [f for f in result.records["facts"] if "AUT" in json.loads(f)["disabilities"]]
    assert len(autistic) == 9
    episodes = sum(len(json.loads(f)["episodes"]) for f in result.records["facts"])
    assert episodes == 402


def test_the_school_census_tables_join_into_each_pupils_facts(formats):
    folder = formats / "school_census"
    result = read("school_census.toml", folder / "2025_spring_pupilonroll.csv")
    sessions = pd.read_csv(folder / "2025_spring_termlysessiondetailsonroll.csv", dtype=str, keep_default_na=False)
    needs = pd.read_csv(folder / "2025_spring_senneeds.csv", dtype=str, keep_default_na=False)
    exclusions = pd.read_csv(folder / "2025_spring_termlyexclusionsonroll.csv", dtype=str, keep_default_na=False)

    assert len(result.records) == 9498
    # The sample's hashed SEN rows give many pupils several rank 1 needs, and some session rows have
    # no count: each is reported.
    reported = Counter((Path(p.file).name, p.column) for p in result.rejects)
    assert reported[("2025_spring_termlysessiondetailsonroll.csv", "sessions")] == (sessions["sessions"] == "").sum()
    pupils = {r: json.loads(f) for r, f in zip(result.records.record_id, result.records.facts, strict=True)}
    by_reason = Counter()
    for pupil in pupils.values():
        by_reason.update(pupil["sessions_by_reason"])
    held = sessions["sessions"].replace("", "0").astype(float)
    assert by_reason == Counter(held.groupby(sessions["attendancereason"]).sum().to_dict())
    pupil = pupils["0002e817-8ca"]
    assert pupil["census"] == "2025 spring" and pupil["sessions_term"] == "2024 autumn"
    assert pupil["school_year"] == "2024/25" and pupil["sessions_possible"] == 136
    assert pupil["sessions_absent"] == pupil["sessions_authorised"] + pupil["sessions_unauthorised"]
    primary = needs[needs["sentyperank"] == "1.0"].drop_duplicates("pupilonrolltableid")
    assert all(
        pupils[p]["sen_primary_need"] == need
        for p, need in zip(primary.pupilonrolltableid, primary.sentype, strict=True)
    )
    assert reported[("2025_spring_senneeds.csv", "sentyperank")] == (needs["sentyperank"] == "1.0").sum() - len(primary)
    assert sum(len(p["exclusions"]) for p in pupils.values()) == len(exclusions)
    assert {e["category"] for p in pupils.values() for e in p["exclusions"]} == {"PERM", "SUSP", "LNCH"}  # FIXD is SUSP


def test_attendance_reasons_are_counted_by_kind(formats, tmp_path):
    folder = copy_census(formats, tmp_path)
    pd.DataFrame(
        {
            "pupilonrolltableid": ["0002e817-8ca"] * 5,
            "NativeId": "SCH7",
            "sessions": ["4.0", "2.0", "3.0", "1.0", "6.0"],
            "attendancereason": ["I", "O", "X", "G", "I"],
        }
    ).to_csv(folder / "2025_spring_termlysessiondetailsonroll.csv", index=False)

    result = read("school_census.toml", folder)

    pupil = facts(result, "0002e817-8ca")
    assert (pupil["sessions_authorised"], pupil["sessions_unauthorised"], pupil["sessions_absent"]) == (10, 3, 13)
    assert pupil["sessions_by_reason"] == {"G": 1, "I": 10, "O": 2, "X": 3}


def copy_census(formats: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "census"
    shutil.copytree(formats / "school_census", folder)
    return folder


def test_a_school_census_row_that_breaks_the_format_is_reported(formats, tmp_path):
    folder = copy_census(formats, tmp_path)
    sessions_file = folder / "2025_spring_termlysessiondetailsonroll.csv"
    sessions = pd.read_csv(sessions_file, dtype=str, keep_default_na=False)
    sessions.loc[0, "attendancereason"] = "Q9"
    sessions.loc[1, "sessions"] = "many"
    sessions.loc[2, "pupilonrolltableid"] = "no-such-pupil"
    sessions.to_csv(sessions_file, index=False)
    pupils_file = folder / "2025_spring_pupilonroll.csv"
    pupils = pd.read_csv(pupils_file, dtype=str, keep_default_na=False)
    pupils.loc[3, "termlysessionspossible"] = "lots"
    pupils.loc[4, "dob"] = "2020-13-01"
    pupils.to_csv(pupils_file, index=False)

    result = read("school_census.toml", folder)

    reported = {(Path(p.file).name, p.row, p.column): p.message for p in result.rejects if p.column != "sentyperank"}
    assert "'Q9' is not an attendance reason" in reported[(sessions_file.name, 2, "attendancereason")]
    assert "expected a number of sessions, got 'many'" in reported[(sessions_file.name, 3, "sessions")]
    assert "no pupil on roll" in reported[(sessions_file.name, 4, "pupilonrolltableid")]
    assert "got 'lots'" in reported[(pupils_file.name, 5, "termlysessionspossible")]
    assert "expected a date as yyyy-mon-dd hh:mm:ss" in reported[(pupils_file.name, 6, "dob")]
    assert len(result.records) == 9498 - 2
    assert result.rejected_ids == {pupils.loc[3, "pupilonrolltableid"], pupils.loc[4, "pupilonrolltableid"]}


def test_a_pupil_is_known_by_the_preferred_surname_with_the_legal_one_kept_as_former(formats, tmp_path):
    """A family that changed its name asks the school to use the new one; the legal surname lags."""
    folder = copy_census(formats, tmp_path)
    path = folder / "2025_spring_pupilonroll.csv"
    pupils = pd.read_csv(path, dtype=str, keep_default_na=False)
    pupils.loc[0, ["surname", "preferredsurname", "formersurname"]] = ["Cox", "Khan", ""]
    pupils.loc[1, ["surname", "preferredsurname", "formersurname"]] = ["Cox", "", "Webb"]
    pupils.loc[2, ["surname", "preferredsurname", "formersurname"]] = ["Cox", "COX", "Webb"]
    pupils.to_csv(path, index=False)

    records = read("school_census.toml", folder).records.set_index("record_id")

    ids = pupils["pupilonrolltableid"]
    assert records.loc[ids[0], ["surname", "former_surname"]].tolist() == ["Khan", "Cox"]
    assert records.loc[ids[1], ["surname", "former_surname"]].tolist() == ["Cox", "Webb"]
    assert records.loc[ids[2], ["surname", "former_surname"]].tolist() == ["COX", "Webb"]
    assert json.loads(records.loc[ids[0], "facts"])["legal_surname"] == "Cox"


def test_an_older_school_census_is_read_with_todays_names(formats, tmp_path):
    """gender became sex in 2023/24; absencesessions became sessions in 2020/21; FIXD became SUSP."""
    folder = copy_census(formats, tmp_path)
    for table, renamed in (
        ("pupilonroll", {"sex": "gender"}),
        ("termlysessiondetailsonroll", {"sessions": "absencesessions"}),
    ):
        path = folder / f"2025_spring_{table}.csv"
        pd.read_csv(path, dtype=str, keep_default_na=False).rename(columns=renamed).to_csv(path, index=False)
    for path in folder.glob("*.csv"):
        path.rename(path.with_name(path.name.replace("2025_spring", "2019_summer")))

    result = read("school_census.toml", folder / "2019_summer_pupilonroll.csv")

    assert len(result.records) == 9498 and set(result.records["sex"]) == {"M", "F"}
    pupil = facts(result, "0002e817-8ca")
    assert pupil["sessions_term"] == "2019 spring" and pupil["school_year"] == "2018/19"
    assert pupil["sessions_absent"] > 0


def test_a_school_census_needs_its_pupil_table(formats, tmp_path):
    folder = copy_census(formats, tmp_path)
    (folder / "2025_spring_pupilonroll.csv").unlink()

    with pytest.raises(FileProblems, match="expected one pupilonroll table in the folder, found none"):
        read("school_census.toml", folder)
    with pytest.raises(FileProblems, match="name the census's pupilonroll table"):
        read("school_census.toml", folder / "2025_spring_senneeds.csv")


def cin_file(tmp_path: Path, formats: Path, change) -> Path:
    text = change((formats / "cin_census" / "CIN_Census_2024.xml").read_text())
    path = tmp_path / "cin.xml"
    path.write_text(text)
    return path


def test_a_cin_episode_with_a_bad_date_is_left_out_and_reported(formats, tmp_path):
    path = cin_file(
        tmp_path, formats, lambda t: t.replace("<CINreferralDate>2024-10-24", "<CINreferralDate>24/10/2024")
    )

    result = read("cin_census.toml", path)

    [problem] = result.rejects
    assert (problem.row, problem.column) == (87, "CINreferralDate")
    assert problem.message == "expected a date as iso, got '24/10/2024'; this CINdetails is left out"
    assert len(result.records) == 2 and facts(result, "child_fails_assessments")["episodes"] == []


def test_a_cin_child_with_a_bad_birth_date_is_kept_with_it_not_known(formats, tmp_path):
    """The CIN census requires no date of birth (an unborn child has none): the child stays known by
    LA child id, UPN and sex."""
    path = cin_file(tmp_path, formats, lambda t: t.replace("2023-09-25", "2023-09-31"))

    result = read("cin_census.toml", path)

    [problem] = result.rejects
    assert (problem.row, problem.column) == (73, "PersonBirthDate")
    assert problem.message == "expected a date as iso, got '2023-09-31': kept, date of birth not known"
    assert result.records["record_id"].tolist() == ["DfEX0000001", "child_fails_assessments"]
    assert result.records.loc[1, "date_of_birth"] == "" and result.rejected_ids == frozenset()


def test_xml_that_is_not_well_formed_is_refused_with_its_line(formats, tmp_path):
    path = cin_file(tmp_path, formats, lambda t: t.replace("</ChildIdentifiers>", "</ChildIdentifier>", 1))

    with pytest.raises(FileProblems) as raised:
        read("cin_census.toml", path)

    [problem] = raised.value.problems
    assert problem.row == 26 and "not well-formed XML (mismatched tag" in problem.message


def test_a_return_of_another_kind_is_refused(formats):
    with pytest.raises(FileProblems, match="root element is <EXPSSDA903>, not <Message>"):
        read("cin_census.toml", formats / "ssda903" / "fake_903.xml")
    with pytest.raises(FileProblems, match="not an SSDA903 Header table"):
        read("ssda903_csv.toml", formats / "ssda903" / "episodes.csv")


def test_an_ssda903_episode_with_a_bad_date_is_reported_and_its_child_kept(formats, tmp_path):
    folder = tmp_path / "ssda903"
    folder.mkdir()
    for table in ("header", "episodes"):
        shutil.copy(formats / "ssda903" / f"{table}.csv", folder)
    episodes = pd.read_csv(folder / "episodes.csv", dtype=str, keep_default_na=False)
    episodes.loc[0, "DECOM"] = "2016-02-15"
    episodes.to_csv(folder / "episodes.csv", index=False)

    result = read("ssda903_csv.toml", folder)

    [problem] = result.rejects
    assert (problem.row, problem.column) == (2, "DECOM")
    assert problem.message == "expected a date as dd/mm/yyyy, got '2016-02-15'; this episode row is left out"
    assert [e["start"] for e in facts(result, "566910")["episodes"]] == ["2017-08-14"]


def test_an_ssda903_folder_needs_one_header_table(formats, tmp_path):
    folder = tmp_path / "ssda903"
    folder.mkdir()
    shutil.copy(formats / "ssda903" / "episodes.csv", folder)

    with pytest.raises(FileProblems, match="no SSDA903 Header table"):
        read("ssda903_csv.toml", folder)
    shutil.copy(formats / "ssda903" / "header.csv", folder / "header.csv")
    shutil.copy(formats / "ssda903" / "header.csv", folder / "header_last_year.csv")
    with pytest.raises(FileProblems, match="2 Header tables"):
        read("ssda903_csv.toml", folder)

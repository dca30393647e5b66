"""Reading an extract: good rows become canonical records; a value that cannot be read is left
not known, the record kept; a row that is no record (its key empty or repeated, a required value
missing or unreadable, the row broken) is rejected; every problem is reported by file, row, column
and reason; and a file that is not the declared format yields nothing."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from joinedup.common.tables import FileProblems
from joinedup.index.canonical import CANONICAL_FIELDS
from joinedup.index.sources import load_mapping, read_source

HEALTH = """
name = "health"
format = "{format}"
agency_kind = "health"
service = "HLT-SN"
key = ["ID"]
required = ["date_of_birth"]

[fields]
forenames = ["FIRST", "MIDDLE"]
surname = "SURNAME"
date_of_birth = "DOB"
sex = "SEX"
postcode = "POSTCODE"
nhs_number = "NHS"
upn = "UPN"

[dates]
DOB = "dd/mm/yyyy"
SEEN = "dd/mm/yyyy"

[codes.sex]
Male = "M"
Female = "F"
"" = "U"

[not_known]
UPN = ["UN5"]

[facts]
seen = "SEEN"
note = "NOTE"
"""
HEADER = "ID,FIRST,MIDDLE,SURNAME,DOB,SEX,POSTCODE,NHS,UPN,SEEN,NOTE\n"
GOOD = "H1,Ann,Marie,Smith,02/03/2015,Female,nx42ab,943 476 5919,a801200005001,01/02/2025,\n"
# A system whose records may lack a date of birth (FEBRL's, or a referral for an unborn child).
BIRTH_NOT_REQUIRED = HEALTH.replace('required = ["date_of_birth"]\n', "")


def read(tmp_path: Path, body: str, *, header: str = HEADER, settings: str = "", source: str = HEALTH):
    """`settings` are top-level lines, which TOML needs before the first table."""
    (tmp_path / "health.toml").write_text(settings + source.format(format="csv"))
    (tmp_path / "extract.csv").write_text(header + body, encoding="utf-8")
    return read_source(load_mapping(tmp_path / "health.toml"), tmp_path / "extract.csv")


def reasons(result) -> list[tuple[int | None, str | None, str]]:
    return [(p.row, p.column, p.message) for p in result.rejects]


def test_a_good_row_becomes_a_canonical_record(tmp_path):
    result = read(tmp_path, GOOD)

    [record] = result.records.to_dict("records")
    assert list(result.records.columns) == CANONICAL_FIELDS
    assert record | {"facts": None} == {
        **dict.fromkeys(CANONICAL_FIELDS, ""),
        "source": "health",
        "record_id": "H1",
        "forenames": "Ann Marie",
        "surname": "Smith",
        "date_of_birth": "2015-03-02",
        "sex": "F",
        "postcode": "NX4 2AB",
        "nhs_number": "9434765919",
        "upn": "A801200005001",
        "service": "HLT-SN",
        "facts": None,
    }
    assert json.loads(record["facts"]) == {"seen": "2025-02-01", "note": ""}
    assert result.rejects == [] and result.rows_read == 1


def test_names_are_tidied_but_keep_their_case(tmp_path):
    result = read(tmp_path, "H1,  mary-JANE ,,O'BRIEN\t Smith,02/03/2015,Female,,,,,\n")

    assert result.records.loc[0, ["forenames", "surname"]].tolist() == ["mary-JANE", "O'BRIEN Smith"]


def test_names_can_be_title_cased_for_a_system_that_holds_capitals(tmp_path):
    result = read(tmp_path, "H1,ANN,,SMITH,02/03/2015,Female,,,,,\n", settings='names = "title"\n')

    assert result.records.loc[0, ["forenames", "surname"]].tolist() == ["Ann", "Smith"]


def test_identifiers_are_kept_as_held_even_when_their_check_fails(tmp_path):
    """Linkage ignores an invalid NHS number; the import keeps what the agency holds."""
    result = read(tmp_path, "H1,Ann,,Smith,02/03/2015,Female,,943-476-5871,A801200005001,,\n")

    assert result.records.loc[0, ["nhs_number", "upn"]].tolist() == ["9434765871", "A801200005001"]


def test_a_value_meaning_not_known_is_left_empty(tmp_path):
    result = read(tmp_path, "H1,Ann,,Smith,02/03/2015,,,,UN5,,\n")

    assert result.records.loc[0, ["upn", "sex"]].tolist() == ["", "U"]


def test_a_bad_date_of_birth_keeps_the_record_with_the_date_not_known_and_reports_it(tmp_path):
    """One bad field must not keep a child out of the index: the record links on its other fields."""
    result = read(tmp_path, GOOD + "H2,Bob,,Jones,31/02/2015,Male,nx42ab,,,,\n", source=BIRTH_NOT_REQUIRED)

    assert result.records["record_id"].tolist() == ["H1", "H2"]
    assert result.records.loc[1, ["date_of_birth", "surname", "postcode"]].tolist() == ["", "Jones", "NX4 2AB"]
    assert reasons(result) == [
        (3, "DOB", "expected a date as dd/mm/yyyy, got '31/02/2015': kept, date of birth not known")
    ]
    assert result.kept == result.rejects and result.rows_rejected == []
    assert result.rejected_ids == frozenset() and result.rows_read == 2


def test_a_required_date_that_cannot_be_read_rejects_its_row_naming_column_and_format(tmp_path):
    result = read(tmp_path, GOOD + "H2,Bob,,Jones,2015-03-02,Male,,,,,\nH3,Cy,,Lee,31/02/2015,Male,,,,,\n")

    assert result.records["record_id"].tolist() == ["H1"]
    assert reasons(result) == [
        (3, "DOB", "expected a date as dd/mm/yyyy, got '2015-03-02': a value is required (date_of_birth)"),
        (4, "DOB", "expected a date as dd/mm/yyyy, got '31/02/2015': a value is required (date_of_birth)"),
    ]
    assert result.rejected_ids == {"H2", "H3"} and result.rows_rejected == result.rejects and result.kept == []
    assert all(p.file == str(tmp_path / "extract.csv") for p in result.rejects)


def test_a_bad_date_in_a_fact_leaves_the_fact_not_known(tmp_path):
    result = read(tmp_path, "H1,Ann,,Smith,02/03/2015,Female,,,,yesterday,\n")

    assert result.records["record_id"].tolist() == ["H1"]
    assert json.loads(result.records.loc[0, "facts"])["seen"] == ""
    assert reasons(result) == [(2, "SEEN", "expected a date as dd/mm/yyyy, got 'yesterday': kept, seen not known")]


def test_a_code_the_source_file_does_not_map_leaves_the_sex_not_known(tmp_path):
    result = read(tmp_path, GOOD + "H2,Bob,,Jones,02/03/2015,X,,,,,\nH3,Cy,,Lee,02/03/2015,male,,,,,\n")

    assert result.records["record_id"].tolist() == ["H1", "H2", "H3"]
    assert result.records["sex"].tolist() == ["F", "", "M"]  # codes match without case
    [(row, column, message)] = reasons(result)
    assert (row, column) == (3, "SEX") and "'X' is not a value codes.sex maps" in message and "'MALE'" in message
    assert message.endswith(": kept, sex not known") and result.rejected_ids == frozenset()


def test_a_code_that_cannot_be_read_rejects_the_row_when_the_source_file_requires_it(tmp_path):
    result = read(
        tmp_path, GOOD + "H2,Bob,,Jones,02/03/2015,X,,,,,\n", source=HEALTH.replace('"date_of_birth"]', '"sex"]')
    )

    assert result.records["record_id"].tolist() == ["H1"] and result.rejected_ids == {"H2"}
    [(_, column, message)] = reasons(result)
    assert column == "SEX" and message.endswith(": a value is required (sex)")


def test_a_missing_required_value_rejects_the_row(tmp_path):
    result = read(tmp_path, "H1,Ann,,Smith,,Female,,,,,\n")

    assert reasons(result) == [(2, "DOB", "a value is required (date_of_birth)")]
    assert result.rows_rejected == result.rejects and result.kept == []


def test_a_date_column_may_list_formats_and_each_value_is_read_by_the_first_that_reads_it(tmp_path):
    """A system that changed supplier: older rows as 02/03/2015, newer as 2015-03-02."""
    source = BIRTH_NOT_REQUIRED.replace('DOB = "dd/mm/yyyy"', 'DOB = ["dd/mm/yyyy", "iso"]')
    body = GOOD + "H2,Bob,,Jones,2015-03-02,Male,,,,,\nH3,Cy,,Lee,2015/03/02,Male,,,,,\n"

    result = read(tmp_path, body, source=source)

    assert result.records["date_of_birth"].tolist() == ["2015-03-02", "2015-03-02", ""]
    assert reasons(result) == [
        (4, "DOB", "expected a date as dd/mm/yyyy or iso, got '2015/03/02': kept, date of birth not known")
    ]


def test_a_row_without_its_key_is_rejected(tmp_path):
    result = read(tmp_path, " ,Ann,,Smith,02/03/2015,Female,,,,,\n")

    assert reasons(result) == [(2, "ID", "the record's key (ID) is empty")]
    assert result.rejected_ids == frozenset()


def test_rows_sharing_a_key_are_all_rejected(tmp_path):
    """Which of two rows with one key is right cannot be told, so neither loads."""
    result = read(tmp_path, GOOD + GOOD.replace("Ann", "Anne") + GOOD.replace("H1", "H2"))

    assert result.records["record_id"].tolist() == ["H2"]
    assert reasons(result) == [
        (2, "ID", "the key 'H1' is on rows 2, 3: which is right cannot be told"),
        (3, "ID", "the key 'H1' is on rows 2, 3: which is right cannot be told"),
    ]
    assert result.rejected_ids == {"H1"}


def test_every_problem_of_a_row_is_reported_and_the_row_counted_once(tmp_path):
    """A value that cannot be read on a row rejected anyway is reported plainly: nothing was kept."""
    result = read(tmp_path, "H1,Ann,,Smith,2015,Robot,,,,,\n")

    assert reasons(result) == [
        (2, "DOB", "expected a date as dd/mm/yyyy, got '2015': a value is required (date_of_birth)"),
        (2, "SEX", "'Robot' is not a value codes.sex maps (it maps 'MALE', 'FEMALE', '')"),
    ]
    assert result.rows_read == 1 and result.records.empty and result.rejected_ids == {"H1"}
    assert result.rows_rejected == result.rejects and result.kept == []


def test_a_missing_identity_column_refuses_the_whole_file(tmp_path):
    with pytest.raises(FileProblems) as raised:
        read(tmp_path, "H1,Ann,Smith\n", header="ID,FIRST,SURNAME\n")

    missing = {p.column: p.message for p in raised.value.problems}
    assert missing["DOB"] == "this column is missing from the header (named by fields.date_of_birth)"
    assert set(missing) == {"MIDDLE", "DOB", "SEX", "POSTCODE", "NHS", "UPN"}  # facts may be absent
    assert all(p.row == 1 for p in raised.value.problems)


def test_a_fact_column_may_be_absent_and_is_then_not_known(tmp_path):
    result = read(tmp_path, GOOD.replace(",01/02/2025,\n", "\n"), header=HEADER.replace(",SEEN,NOTE", ""))

    assert result.records["record_id"].tolist() == ["H1"] and not result.rejects
    assert json.loads(result.records.loc[0, "facts"]) == {"seen": "", "note": ""}


def test_headings_match_whatever_their_case_spaces_and_order(tmp_path):
    header = " nhs ,Id,first,Middle,surname,dob,Sex,PostCode,upn,seen,note\n"
    result = read(
        tmp_path, "943 476 5919,H1,Ann,Marie,Smith,02/03/2015,Female,nx42ab,a801200005001,01/02/2025,\n", header=header
    )

    assert result.records.loc[0, ["record_id", "forenames", "date_of_birth", "nhs_number"]].tolist() == [
        "H1",
        "Ann Marie",
        "2015-03-02",
        "9434765919",
    ]


def test_a_row_with_too_many_or_too_few_values_is_rejected_not_a_crash(tmp_path):
    result = read(
        tmp_path,
        GOOD + "H2,Bob,,Jones,02/03/2015,Male,,,,,,surplus\nH3,Cy,,Lee,02/03/2015,Male\n" + GOOD.replace("H1", "H4"),
    )

    assert result.records["record_id"].tolist() == ["H1", "H4"]  # never a short row read with values blank
    assert reasons(result) == [
        (3, None, "12 values on a row under 11 column headings"),
        (4, None, "6 values on a row under 11 column headings"),
    ]
    assert result.rejected_ids == {"H2", "H3"}  # in the extract, so not withdrawn


def test_a_file_in_another_encoding_says_how_to_read_it(tmp_path):
    (tmp_path / "health.toml").write_text(HEALTH.format(format="csv"))
    (tmp_path / "extract.csv").write_bytes((HEADER + GOOD.replace("Ann", "Zoë")).encode("cp1252"))

    with pytest.raises(FileProblems, match='encoding = "cp1252"'):
        read_source(load_mapping(tmp_path / "health.toml"), tmp_path / "extract.csv")
    (tmp_path / "health.toml").write_text(HEALTH.format(format="csv") + '[options]\nencoding = "cp1252"\n')
    result = read_source(load_mapping(tmp_path / "health.toml"), tmp_path / "extract.csv")

    assert result.records.loc[0, "forenames"] == "Zoë Marie"


def test_quoted_values_with_commas_and_line_breaks_are_read(tmp_path):
    result = read(tmp_path, 'H1,Ann,,"Smith, Jr",02/03/2015,Female,,,,,"line one\nline two"\n')

    assert result.records.loc[0, "surname"] == "Smith, Jr"
    assert json.loads(result.records.loc[0, "facts"])["note"] == "line one line two"


def test_facts_are_valid_json_whatever_the_text_holds(tmp_path):
    result = read(tmp_path, 'H1,Ann,,Smith,02/03/2015,Female,,,,,"say ""hi"" \\ bye"\n')

    assert json.loads(result.records.loc[0, "facts"])["note"] == 'say "hi" \\ bye'


def test_a_heading_given_twice_is_refused(tmp_path):
    with pytest.raises(FileProblems, match="SURNAME: this column heading appears twice"):
        read(tmp_path, GOOD, header=HEADER.replace("NOTE", "SURNAME"))


def test_an_empty_file_is_refused(tmp_path):
    with pytest.raises(FileProblems, match="empty"):
        read(tmp_path, "", header="")


def test_a_spreadsheet_reads_like_a_csv_with_typed_cells(tmp_path):
    (tmp_path / "health.toml").write_text(HEALTH.format(format="xlsx") + '[options]\nsheet = "Children"\n')
    book = Workbook()
    sheet = book.active
    sheet.title = "Children"
    sheet.append(HEADER.strip().split(","))
    sheet.append(
        ["H1", "Ann", None, "Smith", datetime(2015, 3, 2), "Female", "NX4 2AB", 9434765919, None, date(2025, 2, 1)]
    )
    sheet.append([None] * 11)
    sheet.append(["H2", "Bob", None, "Jones", "30/02/2015", "Male", None, None, None, None, 7.0])
    book.save(tmp_path / "extract.xlsx")

    result = read_source(load_mapping(tmp_path / "health.toml"), tmp_path / "extract.xlsx")

    assert result.records.loc[0, ["date_of_birth", "nhs_number"]].tolist() == ["2015-03-02", "9434765919"]
    assert json.loads(result.records.loc[0, "facts"]) == {"seen": "2025-02-01", "note": ""}
    assert reasons(result) == [
        (4, "DOB", "expected a date as dd/mm/yyyy, got '30/02/2015': a value is required (date_of_birth)")
    ]


def test_a_file_that_is_not_a_spreadsheet_is_refused(tmp_path):
    (tmp_path / "health.toml").write_text(HEALTH.format(format="xlsx"))
    (tmp_path / "extract.xlsx").write_text(HEADER + GOOD)

    with pytest.raises(FileProblems, match="not an Excel workbook"):
        read_source(load_mapping(tmp_path / "health.toml"), tmp_path / "extract.xlsx")

"""Malformed files, one of each kind benchmarks/import_fuzz.py makes by the thousand: nothing but
FileProblems is raised, a refusal says where (row and column) and what was expected, a row that
cannot be read as a row is a reject, never a record with values missing or shifted, and a value
that cannot be read is left not known on a record kept."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from joinedup.common.tables import FileProblems
from joinedup.index.sources import load_mapping, read_source
from joinedup.synth.tests.conftest import FORMATS

STANDARD = Path(__file__).resolve().parents[1] / "sources" / "standard"
SOURCE = """
name = "health"
format = "csv"
agency_kind = "health"
key = ["ID"]
required = ["date_of_birth"]

[fields]
forenames = "FIRST"
surname = "SURNAME"
date_of_birth = "DOB"
sex = "SEX"

[dates]
DOB = "dd/mm/yyyy"

[codes.sex]
M = "M"
F = "F"

[facts]
ethnicity = "ETHNIC"
"""
GOOD = (
    b"ID,FIRST,SURNAME,DOB,SEX,ETHNIC\n"
    b"H1,Ann,Smith,02/03/2015,F,WBRI\n"
    b"H2,Bob,Jones,04/05/2016,M,\n"
    b"H3,Cy,Lee,06/07/2017,M,ASIA\n"
)


def read(tmp_path: Path, data: bytes):
    (tmp_path / "health.toml").write_text(SOURCE)
    (tmp_path / "extract.csv").write_bytes(data)
    return read_source(load_mapping(tmp_path / "health.toml"), tmp_path / "extract.csv")


def refusal(tmp_path: Path, data: bytes):
    with pytest.raises(FileProblems) as raised:
        read(tmp_path, data)
    [problem] = raised.value.problems
    return problem.row, problem.column, problem.message


REFUSED = {
    "empty": (b"", (None, None, "the file is empty")),
    "utf16": (GOOD.decode().encode("utf-16"), (1, None, "UTF-16")),
    "cp1252": (GOOD.replace(b"Jones", "Brontë".encode("cp1252")), (3, "SURNAME", 'encoding = "cp1252"')),
    "invalid byte": (GOOD.replace(b"ASIA", b"AS\xffIA"), (4, "ETHNIC", "not utf-8-sig text")),
    "nul": (GOOD.replace(b"Lee", b"L\0ee"), (4, "SURNAME", "a NUL byte")),
    "junk": (b"\x89PNG\x1a\x00\x00\x00\rIHDR", (1, None, "a NUL byte")),
    "junk in a row": (GOOD.replace(b"Lee", b"L\re\0e"), (4, None, "a NUL byte")),
    "semicolons": (GOOD.replace(b",", b";"), (1, None, "separated by commas")),
    "tabs": (GOOD.replace(b",", b"\t"), (1, None, "with tabs in it")),
    "unbalanced quote": (GOOD.replace(b"Bob", b'"Bob'), (3, None, "never closed")),
    "huge value": (GOOD.replace(b"Jones", b"J" * 200_000), (3, None, "longer than 131,072 characters")),
    "huge value under Arrow's block": (GOOD.replace(b"Lee", b'"' + b"L" * 140_000 + b'"'), (4, None, "longer than")),
    "doubled heading": (GOOD.replace(b"ETHNIC", b"surname"), (1, "SURNAME", "appears twice (case aside)")),
    "identity column dropped": (GOOD.replace(b",DOB", b",BORN"), (1, "DOB", "named by fields.date_of_birth")),
}


@pytest.mark.parametrize("kind", REFUSED)
def test_a_file_that_is_not_the_declared_table_is_refused_saying_where(tmp_path, kind):
    data, (row, column, message) = REFUSED[kind]

    found = refusal(tmp_path, data)

    assert found[:2] == (row, column)
    assert message in found[2]


REJECTED = {
    "extra value": (GOOD.replace(b"Cy,Lee,06/07/2017,M,ASIA", b"Cy,Lee,06/07/2017,M,ASIA,x"), 4, "7 values on a row"),
    "missing value": (GOOD.replace(b"Bob,Jones,", b"Bob,"), 3, "5 values on a row under 6"),
    "cut last row": (GOOD[:-12], 4, "4 values on a row under 6 column headings; the file ends in this row"),
    "cut last value": (GOOD[:-3], 4, "the file ends in this row without a line break"),
    "one row with semicolons": (
        GOOD.replace(b"H2,Bob,Jones,04/05/2016,M,", b"H2;Bob;Jones;04/05/2016;M;"),
        3,
        "1 values",
    ),
    "bad required date": (GOOD.replace(b"04/05/2016", b"31/02/2016"), 3, "expected a date as dd/mm/yyyy"),
    "duplicated row": (GOOD + b"H3,Cy,Lee,06/07/2017,M,ASIA\n", 4, "which is right cannot be told"),
}


@pytest.mark.parametrize("kind", REJECTED)
def test_a_row_that_cannot_be_read_is_a_reject_and_the_others_load(tmp_path, kind):
    data, row, message = REJECTED[kind]

    result = read(tmp_path, data)

    assert row in {p.row for p in result.rejects}
    assert any(message in p.message for p in result.rejects if p.row == row)
    assert result.rows_read == len(result.records) + len({p.row for p in result.rejects})
    assert all(value for value in result.records["date_of_birth"])


def test_a_value_that_cannot_be_read_is_left_not_known_and_its_record_loads(tmp_path):
    result = read(tmp_path, GOOD.replace(b"M,\n", b"X,\n"))

    assert result.records["sex"].tolist() == ["F", "", "M"] and result.rows_read == 3
    [problem] = result.rejects
    assert problem.row == 3 and problem.message.startswith("'X' is not a value codes.sex maps")
    assert problem.message.endswith(": kept, sex not known") and result.kept == [problem]


LOADED = {
    "bom": b"\xef\xbb\xbf" + GOOD,
    "crlf": GOOD.replace(b"\n", b"\r\n"),
    "blank lines": GOOD.replace(b"\nH2", b"\n\n,,,,,\nH2"),
    "header case and spaces": GOOD.replace(b"ID,FIRST,SURNAME", b" id , First,surname"),
    "reordered columns": (
        b"SEX,DOB,ID,SURNAME,FIRST,ETHNIC\nF,02/03/2015,H1,Smith,Ann,WBRI\n"
        b"M,04/05/2016,H2,Jones,Bob,\nM,06/07/2017,H3,Lee,Cy,ASIA\n"
    ),
    "fact column dropped": GOOD.replace(b",ETHNIC", b"")
    .replace(b",WBRI", b"")
    .replace(b",ASIA", b"")
    .replace(b"M,\n", b"M\n"),
    "a long note under the limit": GOOD.replace(b"WBRI", b"W" * 100_000),
}


@pytest.mark.parametrize("kind", LOADED)
def test_a_file_in_another_shape_of_the_same_table_loads_whole(tmp_path, kind):
    result = read(tmp_path, LOADED[kind])

    assert result.records["record_id"].tolist() == ["H1", "H2", "H3"] and not result.rejects
    assert result.records["surname"].tolist() == ["Smith", "Jones", "Lee"]


def test_blank_rows_keep_the_rows_after_them_numbered_as_the_file_shows_them(tmp_path):
    result = read(tmp_path, GOOD.replace(b"\nH2", b"\n\n\nH2").replace(b"04/05/2016", b"31/02/2016"))

    assert [p.row for p in result.rejects] == [5]


@pytest.fixture
def return_folder(tmp_path) -> Path:
    folder = tmp_path / "ssda903"
    folder.mkdir()
    for table in ("header.csv", "episodes.csv"):
        lines = (FORMATS / "ssda903" / table).read_bytes().splitlines(keepends=True)
        (folder / table).write_bytes(b"".join(lines[:40]))
    return folder


def test_an_ssda903_table_that_cannot_be_recognised_refuses_the_return(return_folder):
    episodes = return_folder / "episodes.csv"
    episodes.write_bytes(episodes.read_bytes().replace(b",", b";"))

    with pytest.raises(FileProblems, match="not a table of the SSDA903 return") as raised:
        read_source(load_mapping(STANDARD / "ssda903_csv.toml"), return_folder)
    assert raised.value.problems[0].file.endswith("episodes.csv")


def test_an_ssda903_header_table_without_its_optional_columns_or_in_lower_case_loads(return_folder):
    header = return_folder / "header.csv"
    lines = header.read_bytes().decode().splitlines()
    kept = [
        ",".join(cells[:5]).lower() if n == 0 else ",".join(cells[:5])
        for n, cells in enumerate(c.split(",") for c in lines)
    ]
    header.write_text("\n".join(kept) + "\n")

    result = read_source(load_mapping(STANDARD / "ssda903_csv.toml"), return_folder)

    assert len(result.records) == 39 and not [p for p in result.rejects if p.file.endswith("header.csv")]


def test_a_school_census_in_the_published_layout_without_ethnicity_loads(tmp_path):
    shutil.copy(FORMATS / "school_census" / "2025_spring_pupilonroll.csv", tmp_path)
    pupils = tmp_path / "2025_spring_pupilonroll.csv"
    rows = pupils.read_text().splitlines()[:30]
    position = rows[0].split(",").index("ethnicity")
    pupils.write_text("\n".join(",".join(c for i, c in enumerate(r.split(",")) if i != position) for r in rows) + "\n")

    result = read_source(load_mapping(STANDARD / "school_census.toml"), pupils)

    assert len(result.records) == 29
    assert json.loads(result.records.loc[0, "facts"])["ethnicity"] == ""


CENSUS = (FORMATS / "cin_census" / "CIN_Census_2024.xml").read_bytes() if FORMATS.is_dir() else b""
XML_REFUSED = {
    "truncated": (lambda xml: xml[: len(xml) // 2], "not well-formed XML"),
    "entities": (
        lambda xml: (
            b'<!DOCTYPE Message [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>\n'
            + xml.replace(b"</LAchildID>", b"&b;</LAchildID>")
        ),
        "a DOCTYPE",
    ),
    "external entity": (
        lambda xml: (
            b'<!DOCTYPE Message [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
            + xml.replace(b"</LAchildID>", b"&e;</LAchildID>")
        ),
        "a DOCTYPE",
    ),
    "undeclared entity": (lambda xml: xml.replace(b"</LAchildID>", b"&e;</LAchildID>", 1), "undefined entity"),
    "wrong root": (lambda xml: xml.replace(b"<Message", b"<Return", 1).replace(b"</Message>", b"</Return>"), "root"),
    "unclosed tag": (lambda xml: xml.replace(b"</Child>", b"", 1), "not well-formed XML"),
    "invalid byte": (lambda xml: xml.replace(b"<Children>", b"<Children>\xff", 1), "not well-formed XML"),
    "nul": (lambda xml: xml.replace(b"<Children>", b"<Children>\0", 1), "not well-formed XML"),
    "empty": (lambda xml: b"", "not well-formed XML"),
}


@pytest.mark.parametrize("kind", XML_REFUSED)
def test_xml_that_is_not_a_well_formed_return_is_refused_by_line(tmp_path, kind):
    mutate, message = XML_REFUSED[kind]
    (tmp_path / "census.xml").write_bytes(mutate(CENSUS))

    with pytest.raises(FileProblems, match=message) as raised:
        read_source(load_mapping(STANDARD / "cin_census.toml"), tmp_path / "census.xml")
    assert all(p.row is not None for p in raised.value.problems)


def test_deeply_nested_xml_in_a_record_is_read_past(tmp_path):
    deep = b"<x>" * 50_000 + b"</x>" * 50_000
    (tmp_path / "census.xml").write_bytes(CENSUS.replace(b"<Child>", b"<Child>" + deep, 1))

    result = read_source(load_mapping(STANDARD / "cin_census.toml"), tmp_path / "census.xml")

    assert result.rows_read == CENSUS.count(b"<Child>")

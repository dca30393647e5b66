"""The loaders' CSV reading: a malformed file is refused whole with its row, never read in part."""

import pytest

from joinedup.common.tables import FileProblems, read_csv

HEADER = "child_id,service,started\n"


def rows_of(tmp_path, content: bytes | str, columns=("child_id", "service")):
    path = tmp_path / "file.csv"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return list(read_csv(path, list(columns)))


def refusal(tmp_path, content) -> str:
    with pytest.raises(FileProblems) as refused:
        rows_of(tmp_path, content)
    return str(refused.value)


def test_a_well_formed_file_gives_its_rows_numbered_as_a_spreadsheet_shows_them(tmp_path):
    rows = rows_of(tmp_path, "\ufeff" + HEADER + "1,EH,2024-01-01\n2,YJS,2024-02-01\n")

    assert [(number, row["child_id"]) for number, row in rows] == [(2, "1"), (3, "2")]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (HEADER + "1,EH,2024-01-01\n2,YJS\n", "row 3: this row has 2 values where the header has 3"),
        (HEADER + "1,EH,2024-01-01,extra\n", "row 2: this row has 4 values where the header has 3"),
        (HEADER + '1,"EH,2024-01-01\n', "row 2: this row has 2 values"),  # a quote never closed swallows the rest
        (HEADER + "1," + "x" * 200_000 + ",2024-01-01\n", "not well-formed CSV"),  # over the field limit
        (HEADER.encode() + "1,Zoë,2024-01-01\n".encode("cp1252"), "not UTF-8 text"),
        ("child_id;service;started\n1;EH;2024-01-01\n", "column is missing from the header"),
    ],
)
def test_a_malformed_file_is_refused_whole_saying_where(tmp_path, content, expected):
    assert expected in refusal(tmp_path, content)

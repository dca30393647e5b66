"""A source file (TOML) is checked before any extract is read: every wrong setting is named by its
TOML key, all at once, and the files joinedup ships all load."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from joinedup.common.dates import FORMATS as DATE_FORMATS
from joinedup.common.tables import FileProblems
from joinedup.index.sources import load_mapping
from joinedup.index.sources.mapping import FORMAT_OPTIONS

SOURCES = Path(__file__).resolve().parents[1] / "sources"
MINIMAL = """
name = "health"
format = "csv"
agency_kind = "health"
key = ["ID"]
"""


def problems_of(tmp_path: Path, text: str, name: str = "source.toml") -> dict[str, str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FileProblems) as raised:
        load_mapping(path)
    return {problem.column: problem.message for problem in raised.value.problems}


@pytest.mark.parametrize("path", sorted(SOURCES.glob("*/*.toml")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_shipped_source_file_loads(path):
    mapping = load_mapping(path)

    assert mapping.format in FORMAT_OPTIONS
    assert mapping.key and mapping.agency_kind


def test_a_minimal_source_file_has_sensible_defaults(tmp_path):
    (tmp_path / "source.toml").write_text(MINIMAL)

    mapping = load_mapping(tmp_path / "source.toml")

    assert (mapping.extract, mapping.names, mapping.required, mapping.service) == ("full", "as_held", (), "")


def test_each_wrong_setting_is_named_by_its_key(tmp_path):
    problems = problems_of(
        tmp_path,
        """
name = "health"
format = "csvv"
agency_kind = "hospital"
key = []
extract = "some"
names = "lower"
colour = "blue"
required = ["date_of_birth", "shoe_size"]

[fields]
surnme = "SURNAME"
record_id = "ID"
date_of_birth = "DOB"
sex = "SEX"

[dates]
DOB = "dd/mm/yy"

[codes.sex]
"1" = "Male"

[codes.ethnicity]
A = "WBRI"

[facts]
"GP Practice" = "GP"
""",
    )

    assert "csvv" in problems["format"] and "ssda903_csv" in problems["format"]
    assert "hospital" in problems["agency_kind"]
    assert "identify a record" in problems["key"]
    assert "'full'" in problems["extract"]
    assert "as_held" in problems["names"]
    assert "not a setting" in problems["colour"]
    assert "not a canonical field" in problems["fields.surnme"]
    assert "comes from `key`" in problems["fields.record_id"]
    assert "'shoe_size' is not a canonical field" in problems["required[1]"]
    assert "dd/mm/yyyy" in problems["dates.DOB"]  # the known formats are listed
    assert "say the format of DOB" in problems["fields.date_of_birth"]
    assert "must be M, F or U" in problems["codes.sex.1"]
    assert "only sex is coded" in problems["codes.ethnicity"]
    assert "lower-case" in problems["facts.GP Practice"]


def test_a_required_field_must_be_mapped(tmp_path):
    problems = problems_of(tmp_path, MINIMAL + 'required = ["surname"]\n')

    assert "[fields] does not map it" in problems["required[0]"]


def test_a_date_column_may_list_formats_tried_in_turn(tmp_path):
    (tmp_path / "source.toml").write_text(MINIMAL + '[dates]\nDOB = ["yyyymmdd", "iso"]\nSEEN = "dd-mon-yyyy"\n')

    mapping = load_mapping(tmp_path / "source.toml")

    assert mapping.dates == {"DOB": ("yyyymmdd", "iso"), "SEEN": ("dd-mon-yyyy",)}
    assert str(mapping.dates["DOB"]) == "yyyymmdd or iso"  # as problems name them


def test_a_list_of_date_formats_that_could_read_one_text_as_two_dates_is_refused(tmp_path, monkeypatch):
    """16/01/2025 can only be 16 January, but 02/03/2025 is 2 March as dd/mm/yyyy and 3 February as
    mm/dd/yyyy: which a value was written in cannot be told, so the source file is refused."""
    monkeypatch.setitem(DATE_FORMATS, "mm/dd/yyyy", "%m/%d/%Y")

    problems = problems_of(tmp_path, MINIMAL + '[dates]\nDOB = ["dd/mm/yyyy", "iso", "mm/dd/yyyy"]\n')

    assert problems["dates.DOB"] == (
        "dd/mm/yyyy and mm/dd/yyyy read the same text as different dates ('02/01/1987' is 02 Jan 1987 as "
        "dd/mm/yyyy, 01 Feb 1987 as mm/dd/yyyy): list only formats that cannot be confused"
    )
    assert set(problems) == {"dates.DOB"}


def test_a_list_of_date_formats_names_only_formats_joinedup_knows_and_each_once(tmp_path):
    problems = problems_of(
        tmp_path, MINIMAL + '[dates]\nDOB = ["iso", "dd.mm.yy"]\nSEEN = ["iso", "iso"]\nLEFT = []\nGONE = 20250101\n'
    )

    assert "'dd.mm.yy' is not a date format" in problems["dates.DOB"]
    assert problems["dates.SEEN"] == "names a date format twice"
    assert 'a list tried in turn, like ["yyyymmdd", "iso"]' in problems["dates.LEFT"]
    assert "must name a date format" in problems["dates.GONE"]


def test_a_mapped_sex_needs_its_codes(tmp_path):
    problems = problems_of(tmp_path, MINIMAL + '[fields]\nsex = "SEX"\n')

    assert '"1" = "M"' in problems["codes.sex"]


def test_reader_options_belong_to_the_format(tmp_path):
    problems = problems_of(tmp_path, MINIMAL + '[options]\nsheet = "Pupils"\n')

    assert "not an option of the csv reader" in problems["options.sheet"]


def test_a_source_file_that_is_not_toml_says_where(tmp_path):
    problems = problems_of(tmp_path, 'name = "health\n')

    assert "not valid TOML" in problems[None] and "line 1" in problems[None]


def test_a_missing_source_file_is_reported(tmp_path):
    with pytest.raises(FileProblems, match="does not exist"):
        load_mapping(tmp_path / "absent.toml")


def test_extends_starts_from_another_file_and_merges_tables(tmp_path):
    (tmp_path / "base.toml").write_text(
        MINIMAL + '[fields]\nsurname = "SURNAME"\nforenames = "FIRST"\n[dates]\nDOB = "iso"\n'
    )
    (tmp_path / "local.toml").write_text(
        'extends = "base.toml"\nname = "local"\nagency = "NHS-COMM"\n[fields]\nforenames = ["FIRST", "MIDDLE"]\n'
    )

    mapping = load_mapping(tmp_path / "local.toml")

    assert (mapping.name, mapping.agency, mapping.format) == ("local", "NHS-COMM", "csv")
    assert mapping.fields == {"surname": ("SURNAME",), "forenames": ("FIRST", "MIDDLE")}
    assert mapping.dates == {"DOB": ("iso",)}
    assert "extends" not in mapping.text and 'agency = "NHS-COMM"' in mapping.text


def test_extends_in_a_loop_is_refused(tmp_path):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n')

    with pytest.raises(FileProblems, match="a loop"):
        load_mapping(tmp_path / "a.toml")


def test_the_synthetic_sources_extend_the_standard_dfe_files():
    standard = load_mapping(SOURCES / "standard" / "ssda903_csv.toml")
    synthetic = load_mapping(SOURCES / "synthetic" / "ssda903.toml")

    assert synthetic.fields == standard.fields and synthetic.codes == standard.codes
    assert (synthetic.agency, synthetic.service) == ("LA-CSC", "CSC-CIC")


def test_the_sources_package_imports_no_django():
    """`joinedup link-files` reads sources without the web application."""
    code = (
        "import sys; import joinedup.index.sources, joinedup.index.sources.readers; "
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "[]"

"""`joinedup link-files`: an analyst links extracts described by source files, with no database."""

import csv

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from joinedup.common.tables import FileProblems
from joinedup.index.linkage.files import read_spec

from .conftest import SYNTHETIC_SOURCES

EXTRACTS = {
    "school_census": "school_census",
    "child_health": "child_health/child_health_records.csv",
    "youth_offending": "youth_offending/yot_caseload.csv",
    "ssda903": "ssda903",
    "cin_census": "cin_census/CIN_Census_2025.xml",
    "social_care": "social_care/persons.csv",
    "pupil_attendance": "pupil_attendance",
}


def write_spec(folder, la, threshold=0.95):
    lines = [f"threshold = {threshold}"]
    for name, path in EXTRACTS.items():
        lines += ["[[sources]]", f'mapping = "{SYNTHETIC_SOURCES / (name + ".toml")}"', f'file = "{la / path}"']
    spec = folder / "spec.toml"
    spec.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return spec


def test_link_files_links_a_synthetic_authority_without_a_database(authority, tmp_path, capsys):
    """No django_db mark: any query would fail the test."""
    la = authority(600)
    out = tmp_path / "out" / "clusters.csv"

    call_command("link_files", str(write_spec(tmp_path, la)), out=str(out))

    with out.open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == ["source", "record_id", "cluster_id", "match_probability"]
    truth = pd.read_csv(la / "ground_truth.csv", dtype=str)
    assert len(rows) == len(truth)
    clusters = pd.DataFrame(rows).merge(truth, on=["source", "record_id"])
    mixed = clusters.groupby("cluster_id")["child_id"].nunique()
    assert (mixed > 1).sum() <= 1  # at most one cluster holds two children (a pair of same-named twins)
    linked_children = clusters.groupby("child_id")["cluster_id"].nunique()
    assert (linked_children == 1).mean() > 0.9
    assert "Linked" in capsys.readouterr().out


def test_a_spec_with_problems_names_them_all(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text('threshold = 2\nbackend = "oracle"\n[[sources]]\nmapping = "nowhere.toml"\nfile = "x.csv"\n')

    with pytest.raises(FileProblems) as problems:
        read_spec(spec)

    message = str(problems.value)
    for part in ("threshold", "backend", "no source file at", "no file or folder at"):
        assert part in message


def test_the_command_reports_a_bad_spec_as_a_command_error(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text("sources = []\n")

    with pytest.raises(CommandError, match="list the files to link"):
        call_command("link_files", str(spec), out=str(tmp_path / "out.csv"))


ANALYST_MAPPING = """name = "{name}"
description = "An analyst's file"
format = "csv"
agency_kind = "voluntary"
agency = ""
service = ""
key = ["id"]

[fields]
forenames = "first"
surname = "last"
date_of_birth = "born"
postcode = "postcode"
other_id = "case"

[dates]
born = "yyyymmdd"
"""


def test_a_value_that_cannot_be_read_is_left_unknown_and_reported_and_the_record_still_links(tmp_path, capsys):
    """A record with one bad field links on its others: here a date of birth that is not a date,
    beside the same child's name, postcode (not a UK one: compared as text) and case number."""
    people = [("Ada", "Lovelace", "2015", "2615", "C100"), ("Alan", "Turing", "2012", "3000", "C200")]
    for name, bad in (("left", False), ("right", True)):
        (tmp_path / f"{name}.toml").write_text(ANALYST_MAPPING.format(name=name), encoding="utf-8")
        rows = ["id,first,last,born,postcode,case"]
        for number, (first, last, year, postcode, case) in enumerate(people):
            born = "20150231" if bad and first == "Ada" else f"{year}0612"
            rows.append(f"{number},{first},{last},{born},{postcode},{case}")
        (tmp_path / f"{name}.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    spec = tmp_path / "spec.toml"
    spec.write_text(
        "".join(f'[[sources]]\nmapping = "{name}.toml"\nfile = "{name}.csv"\n' for name in ("left", "right")),
        encoding="utf-8",
    )
    out = tmp_path / "clusters.csv"

    call_command("link_files", str(spec), out=str(out))

    clusters = pd.read_csv(out, dtype=str).set_index(["source", "record_id"])["cluster_id"]
    assert len(clusters) == 4
    assert clusters[("left", "0")] == clusters[("right", "0")]
    assert clusters[("left", "1")] == clusters[("right", "1")] != clusters[("left", "0")]
    printed = capsys.readouterr().out
    assert "1 values could not be read, left unknown" in printed
    assert "right.csv" in printed and "20150231" in printed

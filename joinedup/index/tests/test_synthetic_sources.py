"""The source files shipped for the synthetic authority read every extract it writes: with no
errors injected nothing is rejected and the facts reproduce the key groups the generator counted;
with the usual errors the extracts still read, anything rejected being reported; and they read the
second error profile's extracts, whose local systems write other date formats, as they are."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from joinedup.common.tables import Problem
from joinedup.index.sources import load_mapping, read_source
from joinedup.index.synthetic import synthetic_extracts
from joinedup.synth.generate import generate
from joinedup.synth.options import options_from_arguments
from joinedup.synth.tests.conftest import NO_ERRORS, build_authority

KEY_STAGE_3 = {"7", "8", "9"}


@pytest.fixture(scope="module")
def exact(tmp_path_factory) -> Path:
    return build_authority(tmp_path_factory, "exact", children=1500, seed=5, rates=NO_ERRORS)


@pytest.fixture(scope="module")
def usual(tmp_path_factory) -> Path:
    return build_authority(tmp_path_factory, "usual", children=1500, seed=6)


@pytest.fixture(scope="module")
def second(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("second") / "authority"
    generate(options_from_arguments(children=1500, seed=6, out=out, error_profile="second"), show_progress=False)
    return out


@pytest.fixture(scope="module")
def read_exact(exact) -> dict:
    return {mapping.stem: read_source(load_mapping(mapping), path) for mapping, path in synthetic_extracts(exact)}


def test_every_extract_has_a_source_file(exact):
    written = {path.split("/")[0] for path in json.loads((exact / "manifest.json").read_text())["files"]}
    read = {mapping.stem for mapping, _ in synthetic_extracts(exact)}

    assert written - {"ground_truth.csv"} <= read  # register, school census, SSDA903, CIN, health, youth justice
    assert all(mapping.is_file() for mapping, _ in synthetic_extracts(exact))


def test_with_no_errors_every_record_is_read_and_none_rejected(exact, read_exact):
    truth = pd.read_csv(exact / "ground_truth.csv", dtype=str)

    for name, result in read_exact.items():
        assert result.rejects == [], name
        expected = truth.loc[truth["source"] == name, "record_id"] if name != "register" else None
        if expected is not None:
            assert sorted(result.records["record_id"]) == sorted(expected), name
    assert len(read_exact["register"].records) == 1500


def test_the_facts_reproduce_the_generators_key_groups(exact, read_exact):
    """The figures joinedup synth counted (manifest.json) are what later rooms derive flags from."""
    groups = json.loads((exact / "manifest.json").read_text())["key_groups"]

    def facts(name):
        return [json.loads(f) for f in read_exact[name].records["facts"]]

    pupils, care, need = facts("school_census"), facts("ssda903"), facts("cin_census")
    rate = [p["sessions_absent"] / p["sessions_possible"] for p in pupils]
    assert len(pupils) == groups["pupils"]
    assert sum(p["sen_primary_need"] == "ASD" for p in pupils) == groups["autism_primary_need"]
    assert Counter(p["sen_provision"] for p in pupils)["E"] == groups["ehc_plans"]
    assert sum(r >= 0.1 for r in rate) == groups["persistent_absence_10_percent"]
    assert sum(r >= 0.5 for r in rate) == groups["severe_absence_50_percent"]
    ks3 = [r for p, r in zip(pupils, rate, strict=True) if p["nc_year"] in KEY_STAGE_3]
    assert len(ks3) == groups["key_stage_3_pupils"]
    assert sum(r > 0.2 for r in ks3) == groups["key_stage_3_absence_over_20_percent"]
    assert sum(e["category"] == "SUSP" for p in pupils for e in p["exclusions"]) == groups["suspensions"]
    assert sum(c["looked_after_open"] for c in care) == groups["looked_after_on_reference_date"]
    # The returns cover the history window; the key groups count the collection year's children.
    as_of = date.fromisoformat(json.loads((exact / "manifest.json").read_text())["as_of"])
    year_start = (as_of.replace(year=as_of.year - 1) + timedelta(days=1)).isoformat()
    in_year = [c for c in care if any(e["end"] == "" or e["end"] >= year_start for e in c["episodes"])]
    assert len(in_year) == groups["looked_after_during_year"]
    in_need = [c for c in need if any(not e["closure"] or e["closure"] >= year_start for e in c["episodes"])]
    assert len(in_need) == groups["children_in_need_during_year"]
    assert sum(c["cin_open"] for c in need) == groups["children_in_need_on_reference_date"]
    assert sum(c["protection_plan_open"] for c in need) == groups["child_protection_plans_on_reference_date"]


def test_involvements_carry_the_sources_service_and_practitioner(read_exact):
    youth = read_exact["youth_offending"].records
    care = read_exact["ssda903"].records

    assert set(youth["service"]) == {"YJS-CASE"} and (youth["practitioner"] != "").all()
    assert set(care["service"]) == {"CSC-CIC"} and (care["involvement_start"] != "").all()


def test_youth_justice_cases_carry_their_outcome_and_its_date(read_exact):
    """A record per case, keyed by the young person's reference and the case's start; its facts give
    the outcome and its day (ISO), and a young person has at most one open case."""
    youth = read_exact["youth_offending"].records
    facts = pd.DataFrame([json.loads(f) for f in youth["facts"]])
    started = pd.to_datetime(facts["outcome_on"], format="%Y-%m-%d")

    assert (youth["record_id"] == youth["other_id"] + "|" + started.dt.strftime("%d-%b-%Y")).all()
    assert (facts["outcome_on"] == youth["involvement_start"]).all()
    assert set(facts["outcome"]) <= {
        "Prevention",
        "Turnaround",
        "Youth Caution",
        "Youth Conditional Caution",
        "Referral Order",
        "Youth Rehabilitation Order",
        "Detention and Training Order",
    }
    assert youth[youth["involvement_end"] == ""]["other_id"].is_unique


def test_with_the_usual_errors_every_extract_still_reads(usual):
    for mapping, path in synthetic_extracts(usual):
        result = read_source(load_mapping(mapping), path)

        assert len(result.records) == result.rows_read - len(result.rejected_ids) > 0, mapping.stem
        assert all(isinstance(p, Problem) and p.file and p.message for p in result.rejects)


def test_the_second_profiles_other_date_formats_read_without_being_told(second):
    """Each local system's date columns list both suppliers' formats: no date is a problem, and
    only a blank date of birth (which the source files require) rejects a record."""
    formats = json.loads((second / "manifest.json").read_text())["date_formats"]
    truth = pd.read_csv(second / "ground_truth.csv", dtype=str, keep_default_na=False)

    for mapping, path in synthetic_extracts(second):
        result = read_source(load_mapping(mapping), path)

        assert {p.message for p in result.rejects} <= {"a value is required (date_of_birth)"}, mapping.stem
        assert len(result.rejected_ids) <= 0.02 * result.rows_read, mapping.stem
        if mapping.stem in formats:
            held = set(truth.loc[truth["source"] == mapping.stem, "record_id"])
            assert set(result.records["record_id"]) | result.rejected_ids == held, mapping.stem
            assert (result.records["date_of_birth"] != "").all(), mapping.stem

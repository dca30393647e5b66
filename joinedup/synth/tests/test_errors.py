"""Agency records are wrong at the rates asked for, and right when the rates are zero."""

from __future__ import annotations

import jellyfish
import numpy as np
import pandas as pd
import pytest

from joinedup.synth import errors
from joinedup.synth.errors import DEFAULT_RATES, ErrorRateProblem, ErrorRates, parse_error_rate
from joinedup.synth.names import name_pools
from joinedup.synth.tests.conftest import NO_ERRORS, build_authority, read, record_ids

CHILDREN = 3000
PUPIL_KEY = ["NativeId", "upn"]  # as joinedup/index/sources/synthetic/school_census.toml keys a pupil


def _with(**rates: float) -> tuple[str, ...]:
    return tuple(f"{name}={rates.get(name, 0)}" for name in DEFAULT_RATES)


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return build_authority(tmp_path_factory, "clean", children=CHILDREN, seed=31, rates=NO_ERRORS)


@pytest.fixture(scope="module")
def typos(tmp_path_factory):
    return build_authority(tmp_path_factory, "typos", children=CHILDREN, seed=31, rates=_with(typo=0.2))


@pytest.fixture(scope="module")
def everything_wrong(tmp_path_factory):
    rates = _with(
        nickname=1, swapped_day_month=1, missing_identifier=1, stale_address=1, stale_surname=1, duplicate=0.2
    )
    return build_authority(tmp_path_factory, "wrong", children=CHILDREN, seed=31, rates=rates)


def with_truth(folder, source: str, path: str, key: str | list[str]) -> pd.DataFrame:
    """An extract's rows beside the register row of the child each one is really about."""
    truth = read(folder / "ground_truth.csv")
    truth = truth[truth["source"] == source].set_index("record_id")["child_id"]
    records = read(folder / path)
    children = read(folder / "register" / "children.csv").set_index("child_id")
    joined = children.loc[truth.reindex(record_ids(records, key)).to_numpy()].reset_index()
    joined["first_name"] = joined["forenames"].str.split(" ").str[0]
    return pd.concat([records.reset_index(drop=True), joined.add_prefix("true_")], axis=1)


def current_postcodes(folder) -> pd.Series:
    addresses = read(folder / "register" / "addresses.csv")
    return addresses[addresses["moved_out"] == ""].set_index("child_id")["postcode"]


def test_a_typo_rate_of_a_fifth_changes_about_a_fifth_of_name_fields(typos):
    health = with_truth(typos, "child_health", "child_health/child_health_records.csv", "LOCAL_PATIENT_ID")
    for field, truth in (("GIVEN_NAME", "true_first_name"), ("FAMILY_NAME", "true_surname")):
        share = float(np.mean(health[field] != health[truth]))
        assert share == pytest.approx(0.2, abs=3 * np.sqrt(0.16 / len(health)) + 0.005), field
    pupils = with_truth(typos, "school_census", "school_census/2025_spring_pupilonroll.csv", PUPIL_KEY)
    assert float(np.mean(pupils["forename"] != pupils["true_first_name"])) == pytest.approx(0.2, abs=0.03)


def test_with_every_rate_zero_each_record_agrees_with_the_register(clean):
    health = with_truth(clean, "child_health", "child_health/child_health_records.csv", "LOCAL_PATIENT_ID")
    assert (health["GIVEN_NAME"] == health["true_first_name"]).all()
    assert (health["FAMILY_NAME"] == health["true_surname"]).all()
    assert (health["NHS_NUMBER"] == health["true_nhs_number"]).all()
    assert (pd.to_datetime(health["DATE_OF_BIRTH"]).dt.strftime("%Y-%m-%d") == health["true_date_of_birth"]).all()
    assert (health["POSTCODE"] == current_postcodes(clean).reindex(health["true_child_id"]).to_numpy()).all()
    assert health["true_child_id"].is_unique, "no child is registered twice"
    pupils = with_truth(clean, "school_census", "school_census/2025_spring_pupilonroll.csv", PUPIL_KEY)
    assert (pupils["forename"] == pupils["true_first_name"]).all()
    assert (pupils["surname"] == pupils["true_surname"]).all()
    assert (pupils["upn"] == pupils["true_upn"]).all()
    assert (
        pd.to_datetime(pupils["dob"], format="%Y-%b-%d %H:%M:%S").dt.strftime("%Y-%m-%d")
        == pupils["true_date_of_birth"]
    ).all()
    looked_after = with_truth(clean, "ssda903", "ssda903/header.csv", "CHILD")
    assert (
        pd.to_datetime(looked_after["DOB"], format="%d/%m/%Y").dt.strftime("%Y-%m-%d")
        == looked_after["true_date_of_birth"]
    ).all()
    assert ((looked_after["UPN"] == looked_after["true_upn"]) | (looked_after["true_upn"] == "")).all()
    youth = with_truth(clean, "youth_offending", "youth_offending/yot_caseload.csv", ["YOT_REF", "START_DATE"])
    assert (youth["FORENAME"] == youth["true_first_name"]).all()
    assert (youth["SURNAME"] == youth["true_surname"]).all()
    persons = with_truth(clean, "social_care", "social_care/persons.csv", "PERSON_ID")
    assert (persons["PERSON_ID"] == persons["true_la_child_id"]).all(), "no person is recorded twice"
    assert (persons["FORENAME"] == persons["true_first_name"]).all()
    assert (persons["MIDDLE_NAMES"] == persons["true_forenames"].str.partition(" ")[2]).all()
    assert (persons["SURNAME"] == persons["true_surname"]).all()
    assert (persons["FORMER_SURNAMES"] == persons["true_former_surnames"]).all()
    assert (
        pd.to_datetime(persons["DOB"], format="%d/%m/%Y").dt.strftime("%Y-%m-%d") == persons["true_date_of_birth"]
    ).all()
    assert ((persons["NHS_NUMBER"] == persons["true_nhs_number"]) | (persons["NHS_NUMBER"] == "")).all()
    assert (persons["POSTCODE"] == current_postcodes(clean).reindex(persons["true_child_id"]).to_numpy()).all()


def test_nicknames_swapped_dates_blank_numbers_and_stale_details_at_rate_one(everything_wrong):
    health = with_truth(everything_wrong, "child_health", "child_health/child_health_records.csv", "LOCAL_PATIENT_ID")
    nicknames = name_pools().nicknames
    has_nickname = health["true_first_name"].isin(list(nicknames))
    assert has_nickname.any()
    assert all(
        given in nicknames[true]
        for given, true in zip(
            health.loc[has_nickname, "GIVEN_NAME"], health.loc[has_nickname, "true_first_name"], strict=True
        )
    )
    assert (health.loc[~has_nickname, "GIVEN_NAME"] == health.loc[~has_nickname, "true_first_name"]).all()
    born = pd.to_datetime(health["true_date_of_birth"])
    swappable = (born.dt.day <= 12) & (born.dt.day != born.dt.month)
    recorded = pd.to_datetime(health["DATE_OF_BIRTH"], format="%Y%m%d")
    assert (recorded[swappable].dt.month == born[swappable].dt.day).all()
    assert (recorded[~swappable] == born[~swappable]).all()
    assert (health["NHS_NUMBER"] == "").all() and (health["NHS_NUMBER_STATUS"] == "03").all()
    former = health["true_former_surnames"].str.split("|").str[-1]
    assert (health.loc[former != "", "FAMILY_NAME"] == former[former != ""]).all()
    moved = read(everything_wrong / "register" / "addresses.csv").query("moved_out != ''")["child_id"].unique()
    current = current_postcodes(everything_wrong).reindex(health["true_child_id"]).to_numpy()
    assert (
        health.loc[health["true_child_id"].isin(moved), "POSTCODE"] != current[health["true_child_id"].isin(moved)]
    ).mean() > 0.9  # some moves stay within one postcode


def test_a_duplicate_rate_registers_that_share_of_children_twice(everything_wrong):
    health = with_truth(everything_wrong, "child_health", "child_health/child_health_records.csv", "LOCAL_PATIENT_ID")
    twice = health["true_child_id"].duplicated().sum()
    assert twice / health["true_child_id"].nunique() == pytest.approx(0.2, abs=0.03)
    persons = with_truth(everything_wrong, "social_care", "social_care/persons.csv", "PERSON_ID")
    again = persons["PERSON_ID"] != persons["true_la_child_id"]
    assert again.sum() / persons["true_child_id"].nunique() == pytest.approx(0.2, abs=0.03)
    assert (persons.loc[again, "NHS_NUMBER"] == "").all() and (
        persons.loc[again, "INVOLVEMENT_LEVEL"] == "Contact"
    ).all()
    assert (
        not persons["PERSON_ID"].isin(read(everything_wrong / "register" / "children.csv")["la_child_id"])[again].any()
    )


def test_error_rates_parse_and_reject_nonsense():
    assert parse_error_rate("typo=0.2") == ("typo", 0.2)
    assert ErrorRates.with_overrides({"typo": 0.5})["typo"] == 0.5
    assert ErrorRates()["nickname"] == DEFAULT_RATES["nickname"]
    for text in ("typo", "=0.2", "typo=much", "typo=nan"):
        with pytest.raises(ErrorRateProblem):
            parse_error_rate(text)
    with pytest.raises(ErrorRateProblem, match="unknown error rate spelling"):
        ErrorRates.with_overrides({"spelling": 0.1})
    with pytest.raises(ErrorRateProblem, match="outside 0..1"):
        ErrorRates.with_overrides({"typo": 1.5})
    with pytest.raises(ErrorRateProblem, match="only the second error profile makes"):
        ErrorRates.with_overrides({"phonetic": 0.1})
    with pytest.raises(ErrorRateProblem, match="unknown error profile"):
        ErrorRates.with_overrides({}, "third")
    second = ErrorRates.with_overrides({"phonetic": 0.1}, "second")
    assert second["phonetic"] == 0.1 and second["typo"] == DEFAULT_RATES["typo"] and second.second


def test_the_second_profiles_name_errors_at_rate_one():
    rng = np.random.default_rng(1)
    names = np.array(["Jennifer", "Oliver", "Amy", "Mohammed"], dtype=object)
    slipped, hit = errors.two_edits(rng, names, 1)
    assert list(hit) == [True, True, False, True]
    assert all(jellyfish.damerau_levenshtein_distance(a, b) >= 2 for a, b in zip(names[hit], slipped[hit], strict=True))
    first, middle, hit = errors.first_middle_swapped(
        rng, np.array(["Amy", "Leo"], dtype=object), np.array(["Rose Ann", ""], dtype=object), 1
    )
    assert list(first) == ["Rose", "Leo"] and list(middle) == ["Amy Ann", ""] and list(hit) == [True, False]
    halves, hit = errors.surname_half(rng, np.array(["Smith-Jones", "Bowes Lyon", "Smith"], dtype=object), 1)
    assert halves[0] in {"Smith", "Jones"} and halves[1] in {"Bowes", "Lyon"} and list(hit) == [True, True, False]
    spelt, hit = errors.phonetic(rng, np.array(["Stephen", "Zzyzx"], dtype=object), np.array(["M", "M"]), 1)
    assert spelt[0] in {"Stefan", "Steffan", "Steven"} and list(hit) == [True, False]

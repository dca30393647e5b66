"""The youth justice case list over the history window: every case since each young person turned
10, one reference a young person, first-time entrants and repeat outcomes at the national rates."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from joinedup.synth import prevalence
from joinedup.synth.history import window_start
from joinedup.synth.services import AGE_HAZARD, DIVERSION, FIRST_TIME_ENTRANTS, TURNAROUND_FROM
from joinedup.synth.tests.conftest import build_authority, read

AS_OF = date(2025, 3, 31)
HISTORY_YEARS = 3
COURT = ("Referral Order", "Youth Rehabilitation Order", "Detention and Training Order")


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    return build_authority(tmp_path_factory, "youth", children=80_000, seed=23)


@pytest.fixture(scope="module")
def children(authority) -> pd.DataFrame:
    register = read(authority / "register" / "children.csv")
    return register.assign(date_of_birth=pd.to_datetime(register["date_of_birth"])).set_index("child_id")


@pytest.fixture(scope="module")
def cases(authority, children) -> pd.DataFrame:
    """The case list with each row's child (from ground truth), dates read and the age at its start."""
    table = read(authority / "youth_offending" / "yot_caseload.csv")
    truth = read(authority / "ground_truth.csv")
    truth = truth[truth["source"] == "youth_offending"].set_index("record_id")["child_id"]
    table["child_id"] = truth.reindex(table["YOT_REF"] + "|" + table["START_DATE"]).to_numpy()
    table["started"] = pd.to_datetime(table["START_DATE"], format="%d-%b-%Y")
    table["ended"] = pd.to_datetime(table["END_DATE"], format="%d-%b-%Y")
    table["born"] = children["date_of_birth"].reindex(table["child_id"]).to_numpy()
    table["age"] = [_age(b, s) for b, s in zip(table["born"], table["started"], strict=True)]
    table["offence"] = ~table["OUTCOME"].isin(DIVERSION)
    return table


def _age(born: pd.Timestamp, on: pd.Timestamp) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _first_outcomes(cases: pd.DataFrame) -> pd.DataFrame:
    return cases[cases["offence"]].sort_values("started").groupby("child_id").head(1)


def _school_years() -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The window's whole school years and the one under way to the reference date."""
    first = window_start(AS_OF, HISTORY_YEARS).year
    return [
        (pd.Timestamp(year, 9, 1), min(pd.Timestamp(year + 1, 9, 1), pd.Timestamp(AS_OF) + pd.Timedelta(days=1)))
        for year in range(first, AS_OF.year)
    ]


def _child_years(children: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    """The register's years of children aged 10, 11, ... 17 in a period, counted month by month."""
    months = pd.date_range(start, end, freq="MS", inclusive="left") + pd.Timedelta(days=14)
    years = np.zeros(len(AGE_HAZARD))
    for middle in months:
        age = _ages(children["date_of_birth"], middle)
        years += np.bincount(age[(age >= 10) & (age <= 17)] - 10, minlength=len(AGE_HAZARD)) / 12
    return years


def _expected_entrants(children: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> float:
    """First-time entrants the national rate gives the register's children in a period, each at the
    rate for the age they were (AGE_HAZARD's shape)."""
    return FIRST_TIME_ENTRANTS * (AGE_HAZARD / AGE_HAZARD.mean() * _child_years(children, start, end)).sum()


def _ages(born: pd.Series, on: pd.Timestamp) -> np.ndarray:
    month, day = born.dt.month.to_numpy(), born.dt.day.to_numpy()
    before_birthday = (month > on.month) | ((month == on.month) & (day > on.day))
    return on.year - born.dt.year.to_numpy() - before_birthday


def test_a_young_person_keeps_one_reference_across_their_cases(cases):
    assert (cases["YOT_REF"] + "|" + cases["START_DATE"]).is_unique
    assert cases.groupby("YOT_REF")["child_id"].nunique().eq(1).all()
    assert cases.groupby("child_id")["YOT_REF"].nunique().eq(1).all()
    per_person = cases.groupby("YOT_REF").size()
    assert (per_person >= 2).sum() >= 30, per_person.value_counts().to_dict()
    people = cases.drop_duplicates("YOT_REF")
    repeated = cases.merge(people, on="YOT_REF", suffixes=("", "_first"))
    for column in ("SURNAME", "FORENAME", "DOB", "POSTCODE", "UPN"):
        assert (repeated[column] == repeated[f"{column}_first"]).all(), column


def test_every_case_starts_between_the_tenth_birthday_and_the_reference_date(cases):
    assert cases["child_id"].notna().all()
    assert cases["age"].between(10, 17).all(), cases.loc[~cases["age"].between(10, 17), "age"].tolist()
    assert (cases["started"] > cases["born"]).all() and (cases["started"] <= pd.Timestamp(AS_OF)).all()
    closed = cases[cases["END_DATE"] != ""]
    assert (closed["ended"] > closed["started"]).all() and (closed["ended"] <= pd.Timestamp(AS_OF)).all()


def test_open_cases_keep_the_assumed_open_rate_and_one_at_a_time(cases, children):
    open_cases = cases[cases["END_DATE"] == ""]
    assert open_cases["YOT_REF"].is_unique
    ordered = cases.sort_values(["YOT_REF", "started"])
    following = ordered.groupby("YOT_REF")["started"].shift(-1)
    assert ((ordered["ended"] <= following) | following.isna()).all(), "a case closes when the next one opens"
    age = _ages(children["date_of_birth"], pd.Timestamp(AS_OF))
    rate = len(open_cases) / ((age >= 10) & (age <= 17)).sum()
    assert rate == pytest.approx(prevalence.YOUTH_JUSTICE_OPEN_RATE.value, rel=0.25)


def test_first_time_entrants_every_school_year_at_the_national_rate(cases, children):
    """About 1.5 per 1,000 children aged 10-17 a year (MoJ/YJB 2024), at the ages each child was."""
    firsts = _first_outcomes(cases)
    counted, expected = 0, 0.0
    for start, end in _school_years():
        entrants = int(firsts["started"].between(start, end, inclusive="left").sum())
        wanted = _expected_entrants(children, start, end)
        # A yearly count of about twenty is Poisson: within three standard deviations of what is expected.
        assert abs(entrants - wanted) <= 3 * wanted**0.5, (start.year, entrants, round(wanted, 1))
        counted, expected = counted + entrants, expected + wanted
    assert counted == pytest.approx(expected, rel=0.2)


def test_outcomes_and_repeat_outcomes_in_every_school_year(cases):
    offences = cases[cases["offence"]].sort_values("started")
    offences = offences.assign(earlier=offences.groupby("child_id").cumcount())
    for start, end in _school_years():
        in_year = offences[offences["started"].between(start, end, inclusive="left")]
        assert (in_year["earlier"] == 0).sum() > 0 and (in_year["earlier"] > 0).sum() > 0, start.year
        assert {"Youth Caution", "Referral Order"} <= set(in_year["OUTCOME"]), start.year


def test_about_a_third_reoffend_within_a_year(cases):
    """MoJ proven reoffending: about a third of children cautioned or sentenced reoffend within a year."""
    firsts = _first_outcomes(cases)
    followed_for_a_year = firsts[firsts["started"] <= pd.Timestamp(AS_OF) - pd.Timedelta(days=365)]
    offences = cases[cases["offence"]].merge(followed_for_a_year[["child_id", "started"]], on="child_id")
    again = offences[
        (offences["started_x"] > offences["started_y"])
        & (offences["started_x"] <= offences["started_y"] + pd.Timedelta(days=365))
    ]
    share = again["child_id"].nunique() / len(followed_for_a_year)
    assert len(followed_for_a_year) >= 50
    assert share == pytest.approx(0.33, abs=0.1)


def test_entrants_are_mostly_boys_and_likelier_older(cases, children):
    firsts = _first_outcomes(cases)
    boys = (children["sex"].reindex(firsts["child_id"]) == "M").mean()
    assert 0.7 <= boys <= 0.95
    window = pd.Timestamp(window_start(AS_OF, HISTORY_YEARS))
    years = _child_years(children, window, pd.Timestamp(AS_OF) + pd.Timedelta(days=1))
    entrants = np.bincount(firsts.loc[firsts["started"] >= window, "age"] - 10, minlength=len(AGE_HAZARD))
    assert entrants[5:].sum() / years[5:].sum() > 2 * entrants[:5].sum() / years[:5].sum(), "15-17 against 10-14"
    later = cases[cases["offence"]].drop(index=firsts.index)
    assert firsts["OUTCOME"].isin(COURT).mean() < later["OUTCOME"].isin(COURT).mean(), "court likelier for a repeat"


def test_prevention_comes_before_any_outcome_and_turnaround_only_once_it_ran(cases):
    firsts = _first_outcomes(cases).set_index("child_id")["started"]
    diversion = cases[~cases["offence"]]
    before = diversion["started"] < firsts.reindex(diversion["child_id"]).to_numpy()
    entered = firsts.reindex(diversion["child_id"]).notna().to_numpy()
    assert before[entered].all() and before[entered].sum() > 0, "prevention first for some"
    assert diversion.groupby("child_id").size().eq(1).all()
    turnaround = diversion[diversion["OUTCOME"] == "Turnaround"]
    assert len(turnaround) and (turnaround["started"] >= pd.Timestamp(TURNAROUND_FROM)).all()

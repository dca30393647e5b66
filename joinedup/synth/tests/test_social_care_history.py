"""The SSDA903 and CIN census files cover the whole history window (three school years before the
one under way, from 1 September 2021 for a reference date of 31 March 2025): periods of care and
referrals in every school year at the national yearly rates, about 10% of children in care with
three or more placements in each year, and episodes that make sense one child at a time."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from joinedup.synth import prevalence
from joinedup.synth.social_care import LEFT_CARE_AT_EIGHTEEN_SHARE
from joinedup.synth.tests.conftest import NO_ERRORS, build_authority, read

CHILDREN = 20_000
REFERENCE = pd.Timestamp("2025-03-31")
# Each school year of the window, to its end or the reference date (the year under way).
SCHOOL_YEARS = [
    (pd.Timestamp(f"{year}-09-01"), min(pd.Timestamp(f"{year + 1}-08-31"), REFERENCE)) for year in range(2021, 2025)
]


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    return build_authority(tmp_path_factory, "social_care_history", children=CHILDREN, seed=11, rates=NO_ERRORS)


@pytest.fixture(scope="module")
def episodes(authority) -> pd.DataFrame:
    table = read(authority / "ssda903" / "episodes.csv")
    for column in ("DECOM", "DEC"):
        table[column] = pd.to_datetime(table[column], format="%d/%m/%Y")
    return table


@pytest.fixture(scope="module")
def periods(episodes) -> pd.DataFrame:
    """Periods of care: from an episode that starts one (RNE S) to the next episode's end."""
    number = (episodes["RNE"] == "S").groupby(episodes["CHILD"]).cumsum()
    grouped = episodes.assign(period=number).groupby(["CHILD", "period"], sort=False)
    return grouped.agg(start=("DECOM", "first"), end=("DEC", lambda days: days.iloc[-1])).reset_index()


@pytest.fixture(scope="module")
def referrals(authority) -> pd.DataFrame:
    root = ET.parse(authority / "cin_census" / "CIN_Census_2025.xml").getroot()
    rows = [
        {
            "child": child.findtext("ChildIdentifiers/LAchildID"),
            "born": child.findtext("ChildIdentifiers/PersonBirthDate"),
            "referral": details.findtext("CINreferralDate"),
            "closure": details.findtext("CINclosureDate"),
        }
        for child in root.iter("Child")
        for details in child.findall("CINdetails")
    ]
    table = pd.DataFrame(rows)
    for column in ("born", "referral", "closure"):
        table[column] = pd.to_datetime(table[column])
    return table


def per_10k_a_year(count: int, first: pd.Timestamp, last: pd.Timestamp) -> float:
    return count / CHILDREN * 10_000 * 365 / ((last - first).days + 1)


def about(count: int, rate_per_10k: float, first: pd.Timestamp, last: pd.Timestamp, slack: float) -> bool:
    """Within three Poisson standard errors of the count the rate gives, and `slack` of it."""
    expected = rate_per_10k * CHILDREN / 10_000 * ((last - first).days + 1) / 365
    return abs(count - expected) <= 3 * np.sqrt(expected) + slack * expected


@pytest.mark.parametrize(("first", "last"), SCHOOL_YEARS, ids=[f"{f.year}/{f.year + 1}" for f, _ in SCHOOL_YEARS])
def test_care_starts_and_ends_every_school_year(periods, first, last):
    """S1: 26 per 10,000 children start to be looked after a year and 28 cease, of whom a quarter
    leave at 18 and are outside the register (0-17 on the reference date)."""
    starts = periods["start"].between(first, last).sum()
    ends = periods["end"].between(first, last).sum()
    starting = prevalence.LOOKED_AFTER_STARTING_RATE
    assert about(starts, starting.value * 10_000, first, last, 0.1), (per_10k_a_year(starts, first, last), starting)
    ceasing = prevalence.LOOKED_AFTER_CEASING_RATE.value * 10_000 * (1 - LEFT_CARE_AT_EIGHTEEN_SHARE)
    assert about(ends, ceasing, first, last, 0.1), per_10k_a_year(ends, first, last)


@pytest.mark.parametrize(("first", "last"), SCHOOL_YEARS, ids=[f"{f.year}/{f.year + 1}" for f, _ in SCHOOL_YEARS])
def test_referrals_every_school_year(referrals, first, last):
    """S3: 519.4 referrals per 10,000 children a year. The collection year's referrals crowd its first
    months (its open cases are recent ones), so a school year is within about 15% of the rate."""
    count = referrals["referral"].between(first, last).sum()
    rate = prevalence.REFERRAL_RATE.value * 10_000
    assert about(count, rate, first, last, 0.15), (per_10k_a_year(count, first, last), prevalence.REFERRAL_RATE.source)


@pytest.mark.parametrize(("first", "last"), SCHOOL_YEARS, ids=[f"{f.year}/{f.year + 1}" for f, _ in SCHOOL_YEARS])
def test_three_or_more_placements_every_year(episodes, first, last):
    """S2: 10% of children in care at the end of a year had three or more placements in its twelve
    months (a placement carried into the year counts, a change of legal status alone does not)."""
    since = last - pd.Timedelta(days=364)
    in_care = episodes.loc[(episodes["DECOM"] <= last) & (episodes["DEC"].isna() | (episodes["DEC"] > last)), "CHILD"]
    rows = episodes[
        episodes["CHILD"].isin(in_care)
        & (episodes["DECOM"] <= last)
        & (episodes["DEC"].isna() | (episodes["DEC"] >= since))
    ]
    carried_in = ~rows["CHILD"].duplicated()
    placements = (carried_in | rows["RNE"].isin(["S", "P", "T"])).groupby(rows["CHILD"]).sum()
    share = float(np.mean(placements >= 3))
    expected = prevalence.THREE_OR_MORE_PLACEMENTS.value
    assert abs(share - expected) <= 3 * np.sqrt(expected * (1 - expected) / len(placements)) + 0.03, share


def test_no_care_or_referral_before_birth(authority, episodes, referrals):
    """Care starts after birth; a referral can come before it (a pre-birth assessment), but not by
    more than 200 days."""
    header = read(authority / "ssda903" / "header.csv")
    born = pd.to_datetime(header.set_index("CHILD")["DOB"], format="%d/%m/%Y")
    assert (episodes["DECOM"] >= episodes["CHILD"].map(born)).all()
    assert (referrals["referral"] >= referrals["born"] - pd.Timedelta(days=200)).all()


def test_periods_of_care_do_not_overlap(periods):
    """A child's periods of care come one after another; some children return to care."""
    ordered = periods.sort_values(["CHILD", "start"])
    previous_end = ordered.groupby("CHILD")["end"].shift()
    assert not (previous_end >= ordered["start"]).any()
    assert previous_end.isna().sum() < len(ordered), "some children have more than one period"
    assert ordered.loc[previous_end.notna(), "start"].ge(pd.Timestamp("2021-09-01")).all()


def test_episodes_are_ordered_and_continuous(episodes, periods):
    """Episodes are listed child by child, in order of start; within a period each begins the day the last ended,
    and a period ends only in its last episode (REC X1 before it)."""
    runs = (episodes["CHILD"] != episodes["CHILD"].shift()).sum()
    assert runs == episodes["CHILD"].nunique(), "each child's episodes are together"
    by_child = episodes.groupby("CHILD", sort=False)
    assert by_child["DECOM"].apply(lambda days: days.is_monotonic_increasing).all()
    following = by_child["DECOM"].shift(-1)
    within = following.notna() & episodes["REC"].eq("X1")
    assert (episodes.loc[within, "DEC"] == following[within]).all()
    assert (episodes["DEC"].isna() | (episodes["DEC"] >= episodes["DECOM"])).all()
    assert periods["end"].isna().sum() == episodes["DEC"].isna().sum(), "one open episode per open period"


def test_cin_episodes_are_ordered_and_do_not_overlap(referrals):
    """A child's CINdetails come in referral order, each closed before the next is referred."""
    assert referrals.groupby("child", sort=False)["referral"].apply(lambda days: days.is_monotonic_increasing).all()
    next_referral = referrals.groupby("child")["referral"].shift(-1)
    followed = next_referral.notna()
    assert referrals.loc[followed, "closure"].notna().all()
    assert (referrals.loc[followed, "closure"] < next_referral[followed]).all()
    assert (referrals["closure"].isna() | (referrals["closure"] >= referrals["referral"])).all()

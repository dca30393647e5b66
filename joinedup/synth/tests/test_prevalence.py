"""The authority's key groups match England's figures (docs/prevalence.md), measured from the files
an importer would read. Counts the generator sets exactly are held to a child or two; shares that
arise by chance are held to three standard errors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date

import numpy as np
import pandas as pd
import pytest

from joinedup.synth import prevalence
from joinedup.synth.social_care import ever_referred_share
from joinedup.synth.tests.conftest import NO_ERRORS, build_authority, read

CHILDREN = 20_000
AS_OF = date(2025, 3, 31)
YEAR_START = "2024-04-01"


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    return build_authority(tmp_path_factory, "prevalence", children=CHILDREN, seed=5, rates=NO_ERRORS)


@pytest.fixture(scope="module")
def cin(authority):
    return ET.parse(authority / "cin_census" / "CIN_Census_2025.xml").getroot()


@pytest.fixture(scope="module")
def pupils(authority):
    folder = authority / "school_census"
    pupils = read(folder / "2025_spring_pupilonroll.csv")
    sessions = read(folder / "2025_spring_termlysessiondetailsonroll.csv")
    absent = (
        sessions.assign(sessions=sessions["sessions"].astype(float)).groupby("pupilonrolltableid")["sessions"].sum()
    )
    pupils["absence"] = absent.reindex(pupils["pupilonrolltableid"]).fillna(0).to_numpy() / pupils[
        "termlysessionspossible"
    ].astype(float)
    return pupils


def per_10k(count: int) -> float:
    return count / CHILDREN * 10_000


def within_chance(observed: float, expected: float, n: int, slack: float = 0.005) -> bool:
    return abs(observed - expected) <= 3 * np.sqrt(expected * (1 - expected) / max(n, 1)) + slack


def age_on(dob: pd.Series, day: date) -> np.ndarray:
    born = pd.to_datetime(dob, format="%d/%m/%Y")
    before = (born.dt.month > day.month) | ((born.dt.month == day.month) & (born.dt.day > day.day))
    return (day.year - born.dt.year - before.astype(int)).to_numpy()


def looked_after_now(authority) -> pd.DataFrame:
    episodes = read(authority / "ssda903" / "episodes.csv")
    return episodes[episodes["DEC"] == ""]


def test_looked_after_rate_on_31_march(authority):
    """S1: 81,770 children looked after on 31 March 2025, 67 per 10,000."""
    assert per_10k(looked_after_now(authority)["CHILD"].nunique()) == pytest.approx(67, abs=0.5), (
        prevalence.LOOKED_AFTER_RATE.source
    )


def test_looked_after_ages(authority):
    """S1: CLA on 31 March 2025 by age: under 1 4%, 1-4 12%, 5-9 18%, 10-15 38%, 16+ 27%."""
    header = read(authority / "ssda903" / "header.csv").set_index("CHILD")
    children = looked_after_now(authority)["CHILD"].unique()
    bands = np.digitize(age_on(header.loc[children, "DOB"], AS_OF), [1, 5, 10, 16])
    for band, (label, share) in enumerate(prevalence.LOOKED_AFTER_AGE_BANDS.value.items()):
        observed = float(np.mean(bands == band))
        assert within_chance(observed, share, len(children), 0.02), f"{label}: {observed:.3f} vs {share}"


def test_looked_after_legal_statuses(authority):
    """S1: legal status on 31 March 2025: C2 59%, C1 16%, V2 19%, E1 6%."""
    statuses = looked_after_now(authority)["LS"].value_counts(normalize=True)
    for status, share in prevalence.LEGAL_STATUSES.value.items():
        assert statuses.get(status, 0) == pytest.approx(share, abs=0.01), status


def test_looked_after_placement_moves(authority):
    """S2: 10% of children looked after had three or more placements during the year."""
    episodes = read(authority / "ssda903" / "episodes.csv")
    in_year = episodes[pd.to_datetime(episodes["DECOM"], format="%d/%m/%Y") >= YEAR_START]
    moves = in_year[in_year["RNE"].isin(["P", "T"])].groupby("CHILD").size()
    children = looked_after_now(authority)["CHILD"].unique()
    placements = 1 + moves.reindex(children).fillna(0)
    share = prevalence.THREE_OR_MORE_PLACEMENTS
    assert within_chance(float(np.mean(placements >= 3)), share.value, len(children), 0.03), share.source


def test_sdq_scores(authority):
    """S1: 78% of eligible children have an SDQ score; the mean total difficulties score is 14.9."""
    oc2 = read(authority / "ssda903" / "oc2.csv")
    eligible = oc2[oc2["SDQ_REASON"] != "SDQ1"]
    scores = eligible.loc[eligible["SDQ_SCORE"] != "", "SDQ_SCORE"].astype(int)
    assert within_chance(len(scores) / len(eligible), prevalence.SDQ_COVERAGE.value, len(eligible), 0.02)
    assert scores.mean() == pytest.approx(prevalence.SDQ_MEAN.value, abs=3 * 7.5 / np.sqrt(len(scores)))
    assert scores.between(0, 40).all()


def _open(details: ET.Element) -> bool:
    return details.find("CINclosureDate") is None


def test_children_in_need_on_31_march(cin):
    """S3/S4: 402,400 children in need on 31 March 2025, 330.3 per 10,000 (looked-after children included)."""
    in_need = [c for c in cin.iter("Child") if any(_open(d) for d in c.findall("CINdetails"))]
    assert per_10k(len(in_need)) == pytest.approx(330.3, abs=0.5), prevalence.CHILD_IN_NEED_RATE.source


def _open_in_year(details: ET.Element) -> bool:
    """Open at some point in the collection year (the file covers the whole history window)."""
    closed = details.findtext("CINclosureDate")
    return details.findtext("CINreferralDate") <= AS_OF.isoformat() and (closed is None or closed >= YEAR_START)


def test_children_in_need_during_the_year(cin):
    """S3 derived: 704,430 children in need at any point in 2024/25, ~578 per 10,000."""
    in_year = [c for c in cin.iter("Child") if any(_open_in_year(d) for d in c.findall("CINdetails"))]
    assert per_10k(len(in_year)) == pytest.approx(578, abs=0.5)


def test_child_protection_plans_on_31_march(cin):
    """S3/S4: 49,420 child protection plans on 31 March 2025, 40.6 per 10,000."""
    plans = [p for p in cin.iter("ChildProtectionPlans") if p.find("CPPendDate") is None]
    assert per_10k(len(plans)) == pytest.approx(40.6, abs=0.5), prevalence.PROTECTION_PLAN_RATE.source


def test_referrals_and_their_outcomes(cin):
    """S3: 519.4 referrals per 10,000 in 2025; 6.5% led to no further action."""
    referrals = [d for d in cin.iter("CINdetails") if d.findtext("CINreferralDate") >= YEAR_START]
    assert per_10k(len(referrals)) == pytest.approx(519.4, rel=0.02), prevalence.REFERRAL_RATE.source
    no_further_action = np.mean([d.findtext("ReferralNFA") == "1" for d in referrals])
    assert no_further_action == pytest.approx(prevalence.NO_FURTHER_ACTION_SHARE.value, abs=0.01)


def test_special_educational_needs(pupils):
    """S5: in January 2025 5.3% of pupils had an EHC plan and 14.2% were on SEN support."""
    provision = pupils["senprovision"].value_counts(normalize=True)
    assert provision["E"] == pytest.approx(prevalence.EHC_PLAN_SHARE.value, abs=0.001)
    assert provision["K"] == pytest.approx(prevalence.SEN_SUPPORT_SHARE.value, abs=0.001)


def test_autism_as_primary_need(authority, pupils):
    """S5: autism is the primary need of 33.6% of pupils with EHC plans; S7: of 7.6% on SEN support."""
    needs = read(authority / "school_census" / "2025_spring_senneeds.csv")
    primary = needs[needs["sentyperank"] == "1.0"].set_index("pupilonrolltableid")["sentype"]
    provision = pupils.set_index("pupilonrolltableid")["senprovision"]
    for code, figure in (("E", prevalence.ASD_AMONG_EHC), ("K", prevalence.ASD_AMONG_SEN_SUPPORT)):
        with_need = primary.reindex(provision[provision == code].index)
        assert with_need.notna().all(), "every pupil with SEN has a primary need"
        assert within_chance(float(np.mean(with_need == "ASD")), figure.value, len(with_need)), figure.source


@pytest.mark.parametrize("year", ["7", "8", "9", "10", "11"])
def test_persistent_and_severe_absence_by_year_group(pupils, year):
    """S9 derived (2022/23): persistent (10%+) and severe (50%+) absence by NC year, e.g. Y7 19.9/1.7%,
    Y8 25.4/2.9%, Y9 28.9/3.9%."""
    persistent, severe = prevalence.ABSENCE_BY_YEAR.value[year]
    absence = pupils.loc[pupils["ncyearactual"] == year, "absence"]
    assert within_chance(float(np.mean(absence >= 0.1)), persistent, len(absence), 0.01)
    assert within_chance(float(np.mean(absence >= 0.5)), severe, len(absence), 0.005)


def test_primary_absence(pupils):
    """S8 via S4: primary persistent absence 12.99% in 2024/25 (severe ~1.2%, derived)."""
    primary = pupils.loc[pupils["ncyearactual"].isin(["R", "1", "2", "3", "4", "5", "6"]), "absence"]
    persistent, severe = prevalence.PRIMARY_ABSENCE.value
    assert within_chance(float(np.mean(primary >= 0.1)), persistent, len(primary), 0.01)
    assert within_chance(float(np.mean(primary >= 0.5)), severe, len(primary), 0.005)


def test_key_stage_3_absence_over_20_percent_is_reported(authority, pupils):
    """LARC's key group: pupils in years 7-9 with more than 20% absence; the manifest reports the
    count, which lies between the severe and persistent counts of those years (S9)."""
    key_stage_3 = pupils[pupils["ncyearactual"].isin(["7", "8", "9"])]
    over_20 = int((key_stage_3["absence"] > 0.2).sum())
    manifest = json.loads((authority / "manifest.json").read_text())["key_groups"]
    assert manifest["key_stage_3_absence_over_20_percent"] == over_20
    assert manifest["key_stage_3_pupils"] == len(key_stage_3)
    assert (key_stage_3["absence"] >= 0.5).sum() < over_20 < (key_stage_3["absence"] >= 0.1).sum()


def test_suspensions(authority, pupils):
    """S10: 11.31 suspensions per 100 pupils in 2023/24; the census carries the autumn term, 14 of 38 weeks."""
    exclusions = read(authority / "school_census" / "2025_spring_termlyexclusionsonroll.csv")
    per_100 = (exclusions["category"] == "SUSP").sum() / len(pupils) * 100 / prevalence.AUTUMN_TERM_SHARE.value
    assert per_100 == pytest.approx(prevalence.SUSPENSIONS_PER_100.value, rel=0.15)
    assert set(exclusions["category"]) <= {"PERM", "SUSP", "LNCH"}


def test_twins(authority):
    """S14 derived: about 3% of children are twins (15.7 twin maternities per 1,000)."""
    children = read(authority / "register" / "children.csv")
    same_birthday = children.groupby(["family_id", "date_of_birth"])["child_id"].transform("size") >= 2
    assert within_chance(float(same_birthday.mean()), prevalence.TWIN_CHILD_SHARE.value, len(children), 0.002)


def test_age_profile(authority):
    """S13: ONS mid-2023, the 0-17 population by single year of age (age 0 is 80% of ages 11-12)."""
    children = read(authority / "register" / "children.csv")
    dob = pd.to_datetime(children["date_of_birth"])
    before = (dob.dt.month > 3) | ((dob.dt.month == 3) & (dob.dt.day > 31))
    years = 2025 - dob.dt.year - before.astype(int)
    shares = np.bincount(years, minlength=18) / len(children)
    profile = np.array(prevalence.AGE_PROFILE.value) / 100
    for age, (observed, expected) in enumerate(zip(shares, profile, strict=True)):
        assert within_chance(observed, expected, len(children), 0.002), f"age {age}"


def test_the_referral_curve_passes_through_the_published_points():
    """S19: 35.4% of children are referred before 18; Bilson and Martin: 22.5% before 5."""
    shares = ever_referred_share(np.array([0, 5, 18, 30]))
    assert shares == pytest.approx([0.0, 0.225, 0.354, 0.354], abs=1e-6)


def test_children_known_to_social_care(authority):
    """Everyone ever referred (S19) and half as many again with contacts only: about 53% by 18, and
    every child of this year's returns."""
    persons = read(authority / "social_care" / "persons.csv")
    children = read(authority / "register" / "children.csv")
    days = (pd.Timestamp(AS_OF) - pd.to_datetime(children["date_of_birth"])).dt.days.to_numpy()
    expected = ever_referred_share(days / 365.25).sum() * (1 + prevalence.KNOWN_WITHOUT_REFERRAL.value)
    known = persons[persons["PERSON_ID"].isin(children["la_child_id"])]
    assert len(known) == pytest.approx(expected, rel=0.01), prevalence.KNOWN_WITHOUT_REFERRAL.source
    years = age_on(known["DOB"], AS_OF)
    assert float(np.mean(years >= 16)) > float(np.mean(years <= 1)), "older children have had longer to be known"
    levels = known["INVOLVEMENT_LEVEL"].value_counts()
    assert levels["Looked after"] == len(read(authority / "ssda903" / "header.csv"))
    assert levels["Contact"] > len(known) / 2

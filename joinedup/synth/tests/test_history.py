"""Years of history to measure (issue 14): termly attendance matching England's figures
(docs/prevalence.md), early help with its dip before referral, a known injected effect and the
truth beside it, measured from the files an importer or casework would read."""

from __future__ import annotations

import filecmp
import json
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from joinedup.common.instruments import larc_items, wellbeing_questions
from joinedup.synth.generate import generate
from joinedup.synth.history import EARLY_HELP_COLUMNS, WELLBEING_COLUMNS
from joinedup.synth.options import OptionProblem, options_from_arguments
from joinedup.synth.tests.conftest import build_authority, read

CHILDREN = 5000
EFFECT = "attendance=3,wellbeing=1.5,after_terms=2,fade=0"
FULL_YEAR = "2023/24"  # the window's last full school year (as of 31 March 2025)
UNAUTHORISED = ["G", "N", "O", "U"]
QUESTIONS = [question.code for question in wellbeing_questions()]


def build(factory, name: str, *options: str, seed: int = 5):
    chosen = dict(option.split(":", 1) for option in options)
    out = factory.mktemp(name) / "authority"
    generate(options_from_arguments(children=CHILDREN, seed=seed, out=out, **chosen), show_progress=False)
    return out


@pytest.fixture(scope="module")
def helped(tmp_path_factory):
    return build(tmp_path_factory, "helped", f"effect:{EFFECT}")


@pytest.fixture(scope="module")
def unhelped(tmp_path_factory):
    return build(tmp_path_factory, "unhelped", "effect:attendance=0")


@pytest.fixture(scope="module")
def stable(tmp_path_factory):
    return build(tmp_path_factory, "stable", "selection:stable")


def attendance(authority) -> pd.DataFrame:
    table = read(authority / "pupil_attendance" / "pupil_attendance.csv")
    numbers = ["SessionsPossible", "SessionsAuthorisedAbsence", "SessionsUnauthorisedAbsence"]
    table[numbers] = table[numbers].astype(int)
    table["missed"] = table["SessionsAuthorisedAbsence"] + table["SessionsUnauthorisedAbsence"]
    table["term"] = table["AcademicYear"].str[:4] + "-" + table["Term"].str.lower()
    return table


def school_year(authority, year: str = FULL_YEAR) -> pd.DataFrame:
    table = attendance(authority)
    rows = table[table["AcademicYear"] == year]
    pupils = rows.groupby("UPN").agg(
        missed=("missed", "sum"), possible=("SessionsPossible", "sum"), nc_year=("NCYear", "last")
    )
    pupils["share"] = pupils["missed"] / pupils["possible"]
    return pupils


def test_overall_absence_over_a_school_year(helped):
    """S8 via S4: overall absence 6.78% of sessions in 2024/25 (7.15% in 2023/24)."""
    pupils = school_year(helped)
    assert pupils["missed"].sum() / pupils["possible"].sum() == pytest.approx(0.0678, abs=0.01)


def test_persistent_and_severe_absence_over_a_school_year(helped):
    """S8 via S4: 18.14% of pupils persistently absent (10%+) and 2.39% severely (50%+) in 2024/25."""
    share = school_year(helped)["share"]
    assert float(np.mean(share >= 0.1)) == pytest.approx(0.1814, abs=0.03)
    assert float(np.mean(share >= 0.5)) == pytest.approx(0.0239, abs=0.012)


def test_secondary_absence_is_higher_and_key_stage_3_matches_year_groups(helped):
    """S8: primary persistent absence 12.99%, secondary 23.37%; S9: Y7 19.9%, Y8 25.4%, Y9 28.9%."""
    pupils = school_year(helped)
    primary = pupils["nc_year"].isin(["R", "1", "2", "3", "4", "5", "6"])
    assert float(np.mean(pupils.loc[primary, "share"] >= 0.1)) == pytest.approx(0.1299, abs=0.03)
    assert np.mean(pupils.loc[~primary, "share"] >= 0.1) > np.mean(pupils.loc[primary, "share"] >= 0.1) + 0.08
    for year, expected in (("7", 0.199), ("8", 0.254), ("9", 0.289)):
        persistent = float(np.mean(pupils.loc[pupils["nc_year"] == year, "share"] >= 0.1))
        assert persistent == pytest.approx(expected, abs=0.07), year


def test_children_in_need_are_far_more_often_absent(helped):
    """S11: children in need 46.0% and on protection plans 55.4% persistently absent, against 18%."""
    root = ET.parse(helped / "cin_census" / "CIN_Census_2025.xml").getroot()
    in_need = {
        child.findtext("ChildIdentifiers/UPN")
        for child in root.iter("Child")
        if any(d.findtext("CINclosureDate") in (None, "") for d in child.iter("CINdetails"))
    }
    pupils = school_year(helped, "2024/25")
    known = pupils.index.isin(list(in_need))
    assert known.sum() > 30
    assert float(np.mean(pupils.loc[known, "share"] >= 0.1)) == pytest.approx(0.48, abs=0.15)


def test_suspensions_over_a_school_year(helped):
    """S10: 22.61 suspensions per 100 secondary pupils in 2023/24; permanent exclusions are rare."""
    pupils = school_year(helped)
    exclusions = read(helped / "pupil_attendance" / "pupil_exclusions.csv")
    in_year = exclusions[exclusions["AcademicYear"] == FULL_YEAR]
    secondary = pupils.index[~pupils["nc_year"].isin(["R", "1", "2", "3", "4", "5", "6"])]
    suspended = in_year[(in_year["Category"] == "SUSP") & in_year["UPN"].isin(secondary)]
    assert 100 * len(suspended) / len(secondary) == pytest.approx(22.61, rel=0.3)
    assert (in_year["Category"] == "PERM").sum() < len(suspended) / 20


def test_the_census_term_is_the_historys_term(helped):
    """The spring census's autumn-term sessions are the history's figures for that pupil and term."""
    folder = helped / "school_census"
    pupils = read(folder / "2025_spring_pupilonroll.csv")
    sessions = read(folder / "2025_spring_termlysessiondetailsonroll.csv")
    sessions["sessions"] = sessions["sessions"].astype(float)
    by_pupil = sessions.groupby("pupilonrolltableid")["sessions"]
    census = pd.DataFrame(
        {
            "possible": pupils["termlysessionspossible"].astype(float).astype(int).to_numpy(),
            "missed": by_pupil.sum().reindex(pupils["pupilonrolltableid"]).fillna(0).astype(int).to_numpy(),
            "unauthorised": sessions[sessions["attendancereason"].isin(UNAUTHORISED)]
            .groupby("pupilonrolltableid")["sessions"]
            .sum()
            .reindex(pupils["pupilonrolltableid"])
            .fillna(0)
            .astype(int)
            .to_numpy(),
        },
        index=pupils["upn"].to_numpy(),
    ).sort_index()
    history = attendance(helped)
    autumn = history[history["term"] == "2024-autumn"].set_index("UPN").sort_index()
    assert len(census) == len(autumn)
    assert (census["possible"] == autumn["SessionsPossible"]).all()
    assert (census["missed"] == autumn["missed"]).all()
    assert (census["unauthorised"] == autumn["SessionsUnauthorisedAbsence"]).all()


def test_early_help_follows_the_contract(helped):
    referrals = read(helped / "history" / "early_help.csv")
    children = read(helped / "register" / "children.csv")

    assert list(referrals.columns) == EARLY_HELP_COLUMNS
    assert referrals["referred_on"].is_monotonic_increasing
    assert set(referrals["la_child_id"]) <= set(children["la_child_id"])
    assert set(referrals["level_of_need"]) <= {"universal", "additional", "complex", "acute"}
    assert set(referrals["decision"]) <= {"allocate", "step_up", "step_down", "no_further_action"}
    assert ((referrals["help_started_on"] != "") == (referrals["decision"] == "allocate")).all()
    assert set(referrals["closure_reason"]) <= {"", "needs_met", "stepped_down", "stepped_up", "moved_away", "declined"}
    assert ((referrals["closed_on"] == "") == (referrals["closure_reason"] == "")).all()
    assert ((referrals["closed_on"] == "") == (referrals["needs_met_at"] == "")).all()
    for _, child in referrals.groupby("la_child_id"):
        open_cases = (child["closed_on"] == "").sum()
        assert open_cases <= 1
        # A re-referral comes after the last referral closed: never two open at once.
        assert (child["referred_on"].iloc[1:].to_numpy() > child["closed_on"].iloc[:-1].to_numpy()).all()
        assert (child["closed_on"].iloc[:-1] != "").all()


def test_early_help_volume_and_re_referrals(helped):
    """S17 x S3 derived: ~385 children per 10,000 a year in early help; S3: 22.6% of referrals are
    re-referrals within 12 months (S17: 25% of closed assessments re-referred within a year)."""
    referrals = read(helped / "history" / "early_help.csv")
    referred = pd.to_datetime(referrals["referred_on"])
    years = (pd.Timestamp("2025-03-31") - pd.Timestamp("2021-09-01")).days / 365.25
    assert len(referrals) / years / CHILDREN * 10_000 == pytest.approx(385, rel=0.3)
    gap = referred.groupby(referrals["la_child_id"]).diff().dt.days
    assert float(np.mean(gap <= 365)) == pytest.approx(0.2, abs=0.07)


def test_sdq_scores_are_recorded_at_assessment_and_six_weekly_reviews(helped):
    referrals = read(helped / "history" / "early_help.csv")
    occasions = read(helped / "history" / "wellbeing.csv")
    cases = referrals[referrals["decision"] == "allocate"]

    assert WELLBEING_COLUMNS == ["la_child_id", "recorded_on", "occasion", "sdq_total", *QUESTIONS, "what_changed"]
    assert list(occasions.columns) == WELLBEING_COLUMNS
    assessments = occasions[occasions["occasion"] == "assessment"]
    assert (assessments["sdq_total"] != "").all()
    scores = occasions[occasions["sdq_total"] != ""]
    assert scores["sdq_total"].astype(int).between(0, 40).all()
    assert sorted(zip(assessments["la_child_id"], assessments["recorded_on"], strict=True)) == sorted(
        zip(cases["la_child_id"], cases["help_started_on"], strict=True)
    )
    started = cases.groupby("la_child_id")["help_started_on"].agg(list)
    reviews = occasions[occasions["occasion"] == "review"]
    days = [
        min(abs((pd.Timestamp(on) - pd.Timestamp(s)).days % 42) for s in started[child])
        for child, on in zip(reviews["la_child_id"], reviews["recorded_on"], strict=True)
    ]
    assert max(days) == 0
    # Every review due has a row; about 40% of them have no score.
    expected = sum(
        (min(pd.Timestamp(c or "2025-03-31"), pd.Timestamp("2025-03-31")) - pd.Timestamp(s)).days // 42
        for s, c in zip(cases["help_started_on"], cases["closed_on"], strict=True)
    )
    assert len(reviews) == expected
    assert (reviews["sdq_total"] != "").mean() == pytest.approx(0.6, abs=0.08)


def _terms(days: pd.Series) -> np.ndarray:
    """Each date's term as school year x 3 + season (autumn 0, spring 1, summer 2; August is summer's)."""
    school_year = np.where(days.dt.month >= 9, days.dt.year, days.dt.year - 1)
    return school_year * 3 + np.select([days.dt.month >= 9, days.dt.month <= 3], [0, 1], 2)


def occasions(authority) -> pd.DataFrame:
    """wellbeing.csv with each occasion's term of help (1 = the term the child's first help started),
    the child's age on the day, the mean of the check's answers and the count of items ticked."""
    table = read(authority / "history" / "wellbeing.csv")
    referrals = read(authority / "history" / "early_help.csv")
    first_help = (
        referrals[referrals["decision"] == "allocate"].groupby("la_child_id")["help_started_on"].min().map(pd.Timestamp)
    )
    born = pd.to_datetime(read(authority / "register" / "children.csv").set_index("la_child_id")["date_of_birth"])
    on = pd.to_datetime(table["recorded_on"])
    started = pd.to_datetime(first_help.reindex(table["la_child_id"]).to_numpy())
    table["term_of_help"] = _terms(on) - _terms(pd.Series(started)) + 1
    dob = pd.Series(born.reindex(table["la_child_id"]).to_numpy())
    table["age"] = on.dt.year - dob.dt.year - ((on.dt.month * 32 + on.dt.day) < (dob.dt.month * 32 + dob.dt.day))
    table["wellbeing"] = table[QUESTIONS].replace("", np.nan).astype(float).mean(axis=1)
    table["changes"] = table["what_changed"].str.split(";").map(lambda codes: len([c for c in codes if c]))
    return table


def test_the_wellbeing_check_is_answered_0_to_10_from_age_8_with_some_reviews_unanswered(helped):
    table = occasions(helped)
    answers = table[QUESTIONS]
    answered = (answers != "").all(axis=1)

    assert ((answers != "").any(axis=1) == answered).all()  # all four questions or none
    assert answers[answered].astype(int).stack().between(0, 10).all()
    assert not answered[table["age"] < 8].any()
    over_8 = table["age"] >= 8
    assert answered[over_8 & (table["occasion"] == "assessment")].all()
    assert answered[over_8 & (table["occasion"] == "review")].mean() == pytest.approx(0.6, abs=0.08)
    assert answered.sum() > 500


def test_what_changed_is_larc_items_said_at_reviews(helped):
    table = occasions(helped)
    codes = table["what_changed"].str.split(";")
    order = {item.code: number for number, item in enumerate(larc_items())}

    assert (table.loc[table["occasion"] == "assessment", "what_changed"] == "").all()
    ticked = codes[table["what_changed"] != ""]
    assert ticked.map(lambda said: set(said) <= set(order) and sorted(said, key=order.get) == said).all()
    assert ticked.map(len).max() > 3 and len(ticked) > 500


def test_a_wellbeing_effect_raises_answers_and_what_changed_from_the_stated_term_of_help(helped, unhelped):
    """The helped authority's effect names wellbeing=1.5 from the second term of help; the
    unhelped's names none. The two differ only where the effect applies."""
    better, baseline = occasions(helped), occasions(unhelped)
    assert better[["la_child_id", "recorded_on", "occasion", "sdq_total"]].equals(
        baseline[["la_child_id", "recorded_on", "occasion", "sdq_total"]]
    )
    answered = better[QUESTIONS] != ""
    assert answered.equals(baseline[QUESTIONS] != "")
    change = better[QUESTIONS].replace("", np.nan).astype(float) - baseline[QUESTIONS].replace("", np.nan).astype(float)
    after = better["term_of_help"] >= 2

    assert (change[~after].stack() == 0).all() and (
        better.loc[~after, "changes"] == baseline.loc[~after, "changes"]
    ).all()
    assert change[after].stack().mean() == pytest.approx(1.5, abs=0.15)
    truth = json.loads((helped / "history" / "truth.json").read_text())["realised"]
    assert truth["wellbeing_effect_points_mean"] == pytest.approx(change[after].stack().mean(), abs=0.001)
    no_effect = json.loads((unhelped / "history" / "truth.json").read_text())["realised"]
    assert no_effect["wellbeing_effect_points_mean"] == 0
    assert (
        no_effect["what_changed_items_per_review_with_help"] == no_effect["what_changed_items_per_review_without_help"]
    )
    # Reported changes are rarer before help has had its effect than after, and the effect makes the gap.
    reviews = better["occasion"] == "review"
    gap = better.loc[reviews & after, "changes"].mean() - better.loc[reviews & ~after, "changes"].mean()
    gap_without = baseline.loc[reviews & after, "changes"].mean() - baseline.loc[reviews & ~after, "changes"].mean()
    assert gap > 0.5 and gap > gap_without + 0.5
    assert truth["what_changed_items_per_review_with_help"] > truth["what_changed_items_per_review_without_help"]


def test_the_wellbeing_check_is_worse_at_assessment_while_the_dip_lasts(unhelped, stable):
    """Like the SDQ, the check dips before help and recovers partly by itself, so a before-and-after
    comparison overstates help; with no dip it does not. Each child's later answers are compared with
    their own first (children answering later are older, a different mix)."""

    def later_less_first(authority) -> float:
        table = occasions(authority)
        on = pd.to_datetime(table["recorded_on"])
        since = (on - on.groupby(table["la_child_id"]).transform("min")).dt.days
        first = table[since == 0].groupby("la_child_id")["wellbeing"].mean()
        later = table[since >= 120].groupby("la_child_id")["wellbeing"].mean()
        change = (later - first).dropna()
        assert len(change) > 80
        return change.mean()

    assert later_less_first(unhelped) > 0.2
    assert abs(later_less_first(stable)) < 0.15


def _before_and_after_referral(authority) -> pd.Series:
    """Mean attendance by terms since the child's first referral, from what casework and the
    attendance extract hold (the register links the LA child id to the UPN)."""
    referrals = read(authority / "history" / "early_help.csv").drop_duplicates("la_child_id")
    register = read(authority / "register" / "children.csv").set_index("la_child_id")
    referred = pd.to_datetime(referrals["referred_on"])
    school_year = np.where(referred.dt.month >= 9, referred.dt.year, referred.dt.year - 1)
    season = np.select([referred.dt.month >= 9, referred.dt.month <= 3], [0, 1], 2)
    ordinal = pd.Series(school_year * 3 + season, index=register.loc[referrals["la_child_id"], "upn"].to_numpy())
    ordinal = ordinal[ordinal.index != ""]  # children not yet at school
    table = attendance(authority)
    table = table[table["UPN"].isin(ordinal.index)]
    seasons = {"autumn": 0, "spring": 1, "summer": 2}
    term = table["AcademicYear"].str[:4].astype(int) * 3 + table["Term"].str.lower().map(seasons)
    since = term.to_numpy() - ordinal.reindex(table["UPN"]).to_numpy()
    rate = 100 * (1 - table["missed"] / table["SessionsPossible"])
    return rate.groupby(since).mean()


def test_attendance_dips_before_a_referral_under_the_dip_selection(helped, stable):
    dip = _before_and_after_referral(helped)
    steady = _before_and_after_referral(stable)

    assert dip[[-4, -3]].mean() - dip[[-1, 0]].mean() > 4  # ~9 points of shock in the terms before
    assert dip[[3, 4]].mean() > dip[[-1, 0]].mean() + 3  # most of it passes by itself
    assert abs(steady[[-4, -3]].mean() - steady[[-1, 0]].mean()) < 2


def test_an_injected_effect_changes_only_helped_childrens_attendance_after_help(helped, unhelped):
    with_effect, without = attendance(helped), attendance(unhelped)
    truth = read(helped / "history" / "truth_children.csv")
    register = read(helped / "register" / "children.csv").set_index("la_child_id")
    truth["UPN"] = register.loc[truth["la_child_id"], "upn"].to_numpy()
    truth = truth.set_index(["UPN", "term"])

    assert (with_effect["UPN"] == without["UPN"]).all() and (with_effect["term"] == without["term"]).all()
    changed = with_effect["missed"] != without["missed"]
    keys = pd.MultiIndex.from_frame(with_effect.loc[changed, ["UPN", "term"]])
    assert keys.isin(truth.index).all()
    assert (truth.loc[keys, "term_of_help"].astype(int) >= 2).all()
    realised = 100 * (without["missed"] - with_effect["missed"]) / with_effect["SessionsPossible"]
    stated = truth["effect_points"].astype(float).reindex(pd.MultiIndex.from_frame(with_effect[["UPN", "term"]]))
    assert np.allclose(realised[stated.notna().to_numpy()], stated.dropna().to_numpy(), atol=0.001)
    after = truth[truth["term_of_help"].astype(int) >= 2]
    assert after["effect_points"].astype(float).mean() == pytest.approx(3, abs=0.4)
    unhelped_truth = read(unhelped / "history" / "truth_children.csv")
    assert (unhelped_truth["effect_points"].astype(float) == 0).all()
    same_counterfactual = unhelped_truth["attendance_without_help"].to_numpy()
    assert (truth["attendance_without_help"].to_numpy() == same_counterfactual).all()


def test_the_same_options_give_byte_identical_history(tmp_path_factory, helped):
    again = build(tmp_path_factory, "helped_again", f"effect:{EFFECT}")
    for name in ("history/early_help.csv", "history/wellbeing.csv", "history/truth.json", "history/truth_children.csv",
                 "pupil_attendance/pupil_attendance.csv", "pupil_attendance/pupil_exclusions.csv"):  # fmt: skip
        assert filecmp.cmp(helped / name, again / name, shallow=False), name


def test_the_manifest_and_truth_say_what_was_injected(helped):
    manifest = json.loads((helped / "manifest.json").read_text())
    truth = json.loads((helped / "history" / "truth.json").read_text())
    # Three whole school years before the one under way on the reference date (31 March 2025).
    assert manifest["history"]["school_years"] == ["2021/22", "2022/23", "2023/24", "2024/25"]
    assert manifest["history"]["terms"][0] == "2021-autumn" and manifest["history"]["terms"][-1] == "2024-spring"
    assert manifest["history"]["effect"] == {
        "attendance": 3.0,
        "sdq": 0.0,
        "wellbeing": 1.5,
        "after_terms": 2,
        "fade": 0.0,
    }
    assert truth["selection"]["regime"] == "dip"
    assert truth["realised"]["attendance_effect_points_mean"] == pytest.approx(3, abs=0.4)


def test_fewer_history_years_give_a_shorter_window(tmp_path_factory):
    out = build_authority(tmp_path_factory, "one_year", children=300, seed=2)
    assert len(json.loads((out / "manifest.json").read_text())["history"]["terms"]) == 11
    short = tmp_path_factory.mktemp("short") / "authority"
    manifest = generate(options_from_arguments(children=300, seed=2, out=short, history_years=1), show_progress=False)
    assert manifest["history"]["terms"] == ["2023-autumn", "2023-spring", "2023-summer", "2024-autumn", "2024-spring"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"history_years": 0}, "--history-years must be from 1 to 10"),
        ({"history_years": "three"}, "--history-years must be a whole number"),
        ({"effect": "attendance=lots"}, "attendance must be a number, not 'lots'"),
        ({"effect": "happiness=2"}, "'happiness=2' is not NAME=NUMBER"),
        ({"effect": "attendance=3,attendance=4"}, "names attendance twice"),
        ({"effect": "attendance=50"}, "from -20 to 20"),
        (
            {"effect": "wellbeing=8"},
            "wellbeing is in points on the wellbeing check's answers (0-10) and must be from -5 to 5",
        ),
        ({"effect": "after_terms=0"}, "a whole number from 1 to 9, not 0"),
        ({"effect": "after_terms=1.5"}, "a whole number from 1 to 9, not 1.5"),
        ({"effect": "fade=2"}, "fade is the share lost each later term"),
        ({"selection": "random"}, "--selection must be dip or stable, not 'random'"),
    ],
)
def test_options_reject_nonsense_with_a_message_to_act_on(tmp_path, arguments, message):
    with pytest.raises(OptionProblem, match=message.replace("(", r"\(").replace(")", r"\)")):
        options_from_arguments(children=1000, seed=1, out=tmp_path / "out", **arguments)


def test_options_read_an_effect():
    options = options_from_arguments(
        children=1000, seed=1, out="/tmp/unused-synth-out", effect="sdq=-2,wellbeing=1.5,fade=0.5"
    )
    assert options.effect.sdq == -2 and options.effect.wellbeing == 1.5 and options.effect.fade == 0.5
    assert options.effect.attendance == 0
    assert list(options.effect.share_in(np.array([0, 1, 2, 3, 4]))) == [0, 0, 1, 0.5, 0.25]


def test_an_sdq_effect_lowers_scores_from_the_stated_term_of_help(tmp_path_factory, unhelped):
    better = build(tmp_path_factory, "sdq", "effect:sdq=-2,after_terms=2")
    scores, baseline = read(better / "history" / "wellbeing.csv"), read(unhelped / "history" / "wellbeing.csv")

    assert (
        (scores[["la_child_id", "recorded_on", "occasion"]] == baseline[["la_child_id", "recorded_on", "occasion"]])
        .all()
        .all()
    )
    assert (scores["sdq_total"] != "").equals(baseline["sdq_total"] != "")
    assert scores[QUESTIONS + ["what_changed"]].equals(baseline[QUESTIONS + ["what_changed"]])  # its own effect only
    scored = scores["sdq_total"] != ""
    change = scores.loc[scored, "sdq_total"].astype(int) - baseline.loc[scored, "sdq_total"].astype(int)
    first = ((scores["occasion"] == "assessment") & ~scores["la_child_id"].duplicated())[scored]
    assert (change[first] == 0).all()  # the first term of help: no effect yet
    assert change.min() >= -2 and change.max() == 0
    assert change[change != 0].mean() == pytest.approx(-2, abs=0.2)


def test_sdq_scores_are_worse_at_assessment_while_the_dip_lasts(unhelped, stable):
    def first_and_later(authority) -> tuple[float, float]:
        scores = read(authority / "history" / "wellbeing.csv")
        scores = scores[scores["sdq_total"] != ""]
        on = pd.to_datetime(scores["recorded_on"])
        since = (on - on.groupby(scores["la_child_id"]).transform("min")).dt.days
        sdq = scores["sdq_total"].astype(int)
        return sdq[since == 0].mean(), sdq[since >= 120].mean()

    (dip_first, dip_later), (steady_first, steady_later) = first_and_later(unhelped), first_and_later(stable)
    assert dip_first - dip_later > 0.8
    assert abs(steady_first - steady_later) < 0.5

"""The authority's recent past, term by term: every pupil's attendance and exclusions over the last
school years, the early help children were referred to with its SDQ scores, and the truth of what
help did (a known, injected effect) so an estimate of impact can be checked against it.

Children who need help get worse before it starts. Under the `dip` selection a transitory shock to
attendance comes in the terms before a referral and mostly passes by itself, which is what makes a
naive before-and-after comparison flatter help; under `stable` help is chosen on lasting traits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from joinedup.common.instruments import larc_items, wellbeing_questions

from . import prevalence
from .education import SUSPENSION_SESSIONS, Schooling
from .options import SynthOptions
from .output import format_dates, write_csv, write_json
from .population import Population, as_days
from .randomness import draw, flags, weighted_sample
from .register import Register
from .social_care import SocialCare

SEASONS = ("autumn", "spring", "summer")
# Sessions possible in a full term before a school's own INSET days: 380 a year (DfE).
TERM_SESSIONS = {"autumn": 140, "spring": 120, "summer": 120}
SECONDARY_SUSPENSIONS_PER_100 = 22.61  # S10, 2023/24
SECONDARY_PERMANENT_EXCLUSIONS_PER_100 = 0.25  # S10: primary schools' are too few to draw
TERM_SHARE_OF_YEAR = {"autumn": 14 / 38, "spring": 12 / 38, "summer": 12 / 38}  # teaching weeks (assumption)
# A pupil's absence: a lasting propensity, a school year's drift and a term's noise (shares of the
# variance). Terms of one year correlate 0.85, years 0.7: persistent absence mostly persists (S9).
CHILD_VARIANCE, YEAR_VARIANCE, TERM_VARIANCE = 0.7, 0.15, 0.15
UNAUTHORISED_SHARE = {"usual": 0.32, "severe": 0.57}  # codes.ABSENCE_REASONS and SEVERE_ABSENCE_REASONS
# The dip before help (issue 14): about 9 points of attendance in the terms before a referral, about
# 30% of it lasting; the rest passes within a term or two (it fades to 35% of itself each term).
DIP_POINTS, DIP_LASTING, DIP_FADE = 9.0, 0.3, 0.35
LEVELS_OF_NEED = {"universal": 0.08, "additional": 0.55, "complex": 0.31, "acute": 0.06}
STEP_UP_BY_LEVEL = {"universal": 0.01, "additional": 0.03, "complex": 0.12, "acute": 0.5}
STEP_DOWN_SHARE, NO_FURTHER_ACTION_SHARE = 0.07, 0.10  # of referrals not stepped up (assumption)
CLOSURE_REASONS = {"needs_met": 0.62, "stepped_down": 0.10, "stepped_up": 0.10, "moved_away": 0.05, "declined": 0.13}
CASE_DAYS_MEDIAN = 150  # no national figure (prevalence.md gaps); CIN episodes: half close within 3 months
RE_REFERRAL_CHANCE = 0.5  # of closed referrals; gives ~20% re-referrals within 12 months (S3, S17: 22.6%, 25%)
FIRST_REFERRAL_SHARE = 0.8  # of all referrals in the window; the rest are re-referrals
LAST_REFERRAL_DAYS = 60  # referrals this close to the reference date are not yet decided: left out
REVIEW_DAYS, REVIEW_SCORE_MISSING = 42, 0.4  # six-weekly reviews; about 40% have no SDQ recorded
SDQ_PER_ABSENCE_POINT = 1 / 3  # a dip of 9 attendance points comes with about 3 SDQ points
SDQ_TYPICAL = 12  # a helped child's usual SDQ total difficulties, before their own lean and the dip
# The wellbeing check (common/instruments/wellbeing_check.toml) and LARC's checklist of what changed
# (larc_views.toml) are read from the files casework records them by, so the generator writes no
# code casework would refuse; common.instruments reads them with tomllib alone (no Django).
WELLBEING_QUESTIONS = tuple(question.code for question in wellbeing_questions())
LARC_ITEMS = tuple(item.code for item in larc_items())
# No national figures for joinedup's own check (assumptions): a helped child answers about 6 of
# 10, 0.35 lower for each point of SDQ difficulties (so the dip of ~3 SDQ points costs ~1 point),
# with their own level (sd 0.8), their own lean on each question (0.7) and each week's (0.8).
WELLBEING_TYPICAL, WELLBEING_PER_SDQ_POINT = 6.0, 0.35
WELLBEING_OWN_SD, WELLBEING_QUESTION_SD, WELLBEING_NOISE_SD = 0.8, 0.7, 0.8
WELLBEING_FROM_AGE = 8  # younger children are not asked the check's questions (assumption)
WELLBEING_UNANSWERED = 0.4  # of reviews, like the SDQ's (assumption)
# Each LARC item is said to have changed with a chance of 8% when the child's wellbeing is where it
# was when help began, the odds 1.65 times as high for each point better (assumption).
ITEM_CHANCE_UNCHANGED, ITEM_ODDS_PER_POINT = 0.08, 1.65


@dataclass
class History:
    terms: pd.DataFrame  # ordinal, term, school_year, season, starts, ends, in_window, census
    attendance: pd.DataFrame  # one row per pupil and term (see _attendance)
    exclusions: pd.DataFrame  # pupil, child, ordinal, start, category, sessions (SUSP, PERM)
    referrals: pd.DataFrame  # child, referred_on, level_of_need, decision, help_started_on, closed_on, ...
    wellbeing: pd.DataFrame  # each assessment and review: SDQ, the check's answers, what changed (_wellbeing)
    helped: pd.DataFrame  # child, help_started_on, first_help_ordinal: children whose help the effect follows
    options: SynthOptions

    @property
    def census_term(self) -> pd.DataFrame:
        """The attendance the spring census returns (the autumn term), one row per pupil in order."""
        ordinal = int(self.terms.loc[self.terms["census"], "ordinal"].iloc[0])
        rows = self.attendance[self.attendance["ordinal"] == ordinal]
        return rows.sort_values("pupil", kind="stable").reset_index(drop=True)

    def in_window(self, frame: pd.DataFrame) -> pd.DataFrame:
        window = self.terms.loc[self.terms["in_window"], "ordinal"]
        return frame[frame["ordinal"].isin(window)]


def first_school_year(as_of: date, years: int) -> int:
    """The school year the window starts with: `years` whole school years before the current one,
    which counts as whole only once its summer term is over (August)."""
    school_year = as_of.year if as_of.month >= 9 else as_of.year - 1
    return school_year - years + (1 if as_of.month == 8 else 0)


def window_start(as_of: date, years: int) -> date:
    """The first day of the history's window (1 September of its first school year)."""
    return _term_dates(first_school_year(as_of, years), 0)[0]


def school_terms(*, as_of: date, years: int, census: date) -> pd.DataFrame:
    """The window's terms: `years` whole school years and the terms of the current one up to the
    term that holds the reference date (a date in August belongs to the summer term just ended),
    and the census's autumn term."""
    school_year = as_of.year if as_of.month >= 9 else as_of.year - 1
    season = 0 if as_of.month >= 9 else 1 if as_of.month <= 3 else 2
    last = school_year * 3 + season
    first_in_window = first_school_year(as_of, years) * 3
    census_ordinal = (census.year - 1) * 3
    ordinals = np.arange(min(first_in_window, census_ordinal), last + 1)
    years_of, seasons = np.divmod(ordinals, 3)
    starts = [_term_dates(int(y), int(s))[0] for y, s in zip(years_of, seasons, strict=True)]
    ends = [_term_dates(int(y), int(s))[1] for y, s in zip(years_of, seasons, strict=True)]
    return pd.DataFrame(
        {
            "ordinal": ordinals,
            "term": [f"{y}-{SEASONS[s]}" for y, s in zip(years_of, seasons, strict=True)],
            "school_year": years_of,
            "season": [SEASONS[s] for s in seasons],
            "starts": np.array(starts, dtype="datetime64[D]"),
            "ends": np.array(ends, dtype="datetime64[D]"),
            "in_window": ordinals >= first_in_window,
            "census": ordinals == census_ordinal,
        }
    )


def _term_dates(school_year: int, season: int) -> tuple[date, date]:
    return (
        (date(school_year, 9, 1), date(school_year, 12, 31)),
        (date(school_year + 1, 1, 1), date(school_year + 1, 3, 31)),
        (date(school_year + 1, 4, 1), date(school_year + 1, 7, 31)),
    )[season]


def term_of(days: np.ndarray) -> np.ndarray:
    """The ordinal (school year x 3 + season) of the term each date falls in; August is summer's."""
    days = as_days(days)
    year = days.astype("datetime64[Y]").astype(np.int64) + 1970
    month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    school_year = np.where(month >= 9, year, year - 1)
    return school_year * 3 + np.select([month >= 9, month <= 3], [0, 1], 2)


def build_history(
    rng: np.random.Generator,
    *,
    people: Population,
    schooling: Schooling,
    care: SocialCare,
    options: SynthOptions,
) -> History:
    terms = school_terms(as_of=options.as_of, years=options.history_years, census=schooling.census_date)
    tendency = rng.standard_normal(people.size)  # each child's lasting propensity to be absent
    referrals, dips = _referrals(rng, people, schooling, care, terms, tendency, options)
    helped = _helped(referrals)
    pupil_terms = _pupil_terms(rng, people, schooling, terms, options.as_of)
    exclusions = _exclusions(rng, people, schooling, terms, pupil_terms, tendency, referrals)
    attendance = _attendance(rng, schooling, care, terms, pupil_terms, exclusions, tendency, dips, helped, options)
    wellbeing = _wellbeing(rng, people, referrals, dips, helped, tendency, options)
    return History(terms, attendance, exclusions, referrals, wellbeing, helped, options)


def _referrals(
    rng: np.random.Generator,
    people: Population,
    schooling: Schooling,
    care: SocialCare,
    terms: pd.DataFrame,
    tendency: np.ndarray,
    options: SynthOptions,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Early help referrals over the window: children with key-group needs (looked after, autism,
    absence at key stage 3) and social care involvement likelier; then re-referrals after closure."""
    as_of = np.datetime64(options.as_of, "D")
    window_start = as_days(terms.loc[terms["in_window"], "starts"]).min()
    last_day = as_of - np.timedelta64(LAST_REFERRAL_DAYS, "D")
    years = (as_of - window_start).astype(np.int64) / 365.25
    total = rng.poisson(prevalence.EARLY_HELP_IN_YEAR_RATE.value * people.size * years)
    dob = as_days(people.children["date_of_birth"])
    pupils = schooling.pupils
    year_group = np.full(people.size, -1)
    year_group[pupils["child"].to_numpy()] = pupils["year"].to_numpy()
    autism = np.zeros(people.size, dtype=bool)
    needs = schooling.sen_needs
    autistic_pupils = needs.loc[(needs["rank"] == 1) & (needs["type"] == "ASD"), "pupil"].to_numpy()
    autism[pupils["child"].to_numpy()[autistic_pupils]] = True
    weights = (
        np.where(care.in_census, 3.0, 1.0)
        * np.where(care.looked_after_now, 2.0, 1.0)
        * np.where(autism, 2.5, 1.0)
        * np.where((year_group >= 7) & (year_group <= 9) & (tendency > 0.84), 2.0, 1.0)
        * np.exp(0.4 * tendency)
    )
    children = weighted_sample(rng, np.where(dob < last_day, weights, 0.0), round(total * FIRST_REFERRAL_SHARE))
    earliest = np.maximum(dob[children], window_start)
    span = np.maximum((last_day - earliest).astype(np.int64), 1)
    referred = earliest + (rng.random(len(children)) * span).astype("timedelta64[D]")
    shock = rng.gamma(4.0, DIP_POINTS / 4.0, len(children))
    share_lasting = rng.beta(1.5, 1.5 * (1 - DIP_LASTING) / DIP_LASTING, len(children))
    dip = options.selection == "dip"
    dips = pd.DataFrame(
        {
            "child": children,
            "referred_on": referred,
            "points": shock if dip else np.zeros(len(children)),
            "lasting": share_lasting,
        }
    )
    episodes = []
    current = pd.DataFrame({"child": children, "referred_on": referred, "lasting": share_lasting if dip else 0.0})
    while len(current):
        decided = _decide(rng, current, as_of)
        episodes.append(decided)
        closed = decided[
            decided["closed_on"].notna() & decided["closure_reason"].isin(["needs_met", "stepped_down", "declined"])
        ]
        again = closed[flags(rng, RE_REFERRAL_CHANCE, len(closed))]
        referred_again = as_days(again["closed_on"]) + rng.integers(14, 240, len(again)).astype("timedelta64[D]")
        keep = referred_again <= last_day
        current = pd.DataFrame(
            {"child": again["child"].to_numpy()[keep], "referred_on": referred_again[keep], "lasting": 0.0}
        )
    referrals = pd.concat(episodes, ignore_index=True).sort_values(["referred_on", "child"], kind="stable")
    return referrals.drop(columns="lasting").reset_index(drop=True), dips


def _decide(rng: np.random.Generator, referrals: pd.DataFrame, as_of: np.datetime64) -> pd.DataFrame:
    """The panel's decision on each referral, when help started and how the case ended (the CAF
    destination: the level at which needs were met). Children whose dip lasted wait longer."""
    size = len(referrals)
    referred = as_days(referrals["referred_on"])
    level = draw(rng, LEVELS_OF_NEED, size)
    step_up = flags(rng, np.array([STEP_UP_BY_LEVEL[v] for v in level]), size)
    other = rng.random(size)
    decision = np.where(
        step_up,
        "step_up",
        np.where(
            other < STEP_DOWN_SHARE,
            "step_down",
            np.where(other < STEP_DOWN_SHARE + NO_FURTHER_ACTION_SHARE, "no_further_action", "allocate"),
        ),
    ).astype(object)
    # Panels meet weekly (on Wednesdays); allocation to a lead practitioner takes a few days more.
    weekday = (referred.astype(np.int64) + 3) % 7
    panel = referred + ((2 - weekday) % 7 + 1).astype("timedelta64[D]")
    wait = 3 + rng.exponential(10, size) + 60 * referrals["lasting"].to_numpy()
    started = panel + np.minimum(wait, LAST_REFERRAL_DAYS - 10).astype(np.int64).astype("timedelta64[D]")
    allocated = decision == "allocate"
    length = np.maximum(rng.lognormal(np.log(CASE_DAYS_MEDIAN), 0.55, size), 28).astype(np.int64)
    ended = np.where(allocated, started + length.astype("timedelta64[D]"), panel)
    reason = draw(rng, CLOSURE_REASONS, size)
    reason = np.where(
        allocated,
        reason,
        np.select([decision == "step_up", decision == "step_down"], ["stepped_up", "stepped_down"], "needs_met"),
    ).astype(object)
    destination = np.select(
        [reason == "stepped_up", reason == "stepped_down", reason == "needs_met"],
        [
            np.where(flags(rng, 0.6, size), "acute", "complex"),
            "universal",
            np.where(flags(rng, 0.7, size) | ~allocated, "universal", "additional"),
        ],
        level,
    ).astype(object)
    still_open = ended > as_of
    nat = np.datetime64("NaT", "D")
    return pd.DataFrame(
        {
            "child": referrals["child"].to_numpy(),
            "referred_on": referred,
            "level_of_need": level,
            "decision": decision,
            "help_started_on": np.where(allocated, started, nat),
            "closed_on": np.where(still_open, nat, ended),
            "closure_reason": np.where(still_open, "", reason),
            "needs_met_at": np.where(still_open, "", destination),
            "lasting": referrals["lasting"].to_numpy(),
        }
    )


def _helped(referrals: pd.DataFrame) -> pd.DataFrame:
    """Children whose help the injected effect follows: from their first allocated case on."""
    allocated = referrals[referrals["decision"] == "allocate"].sort_values(["child", "help_started_on"], kind="stable")
    first = allocated.drop_duplicates("child")
    return pd.DataFrame(
        {
            "child": first["child"].to_numpy(),
            "help_started_on": as_days(first["help_started_on"]),
            "first_help_ordinal": term_of(first["help_started_on"]),
        }
    ).sort_values("child", ignore_index=True)


def _pupil_terms(
    rng: np.random.Generator, people: Population, schooling: Schooling, terms: pd.DataFrame, as_of: date
) -> pd.DataFrame:
    """Every term each pupil on roll now was at school in the authority: back to Reception, from
    the day they arrived if they moved in mid-phase, at a local primary school before secondary."""
    pupils = schooling.pupils
    schools = schooling.schools
    census_year = schooling.census_date.year - 1
    count, term_count = len(pupils), len(terms)
    pupil = np.repeat(np.arange(count), term_count)
    term = np.tile(np.arange(term_count), count)
    ordinal = terms["ordinal"].to_numpy()[term]
    nc_year = pupils["year"].to_numpy()[pupil] + (ordinal // 3 - census_year)
    entry = as_days(pupils["entry"])
    year_group = pupils["year"].to_numpy()
    phase_years = np.where(year_group <= 6, year_group, year_group - 7)
    started = np.array([np.datetime64(date(census_year - y, 9, 3), "D") for y in range(14)])
    phase_start = started[phase_years]
    arrived = np.where(entry > phase_start, entry, np.datetime64("1900-01-01", "D"))
    starts, ends = as_days(terms["starts"])[term], as_days(terms["ends"])[term]
    census = terms["census"].to_numpy()[term]
    on_roll = census | ((nc_year >= 0) & (nc_year <= 13) & (ends >= arrived[pupil]))
    school = pupils["school"].to_numpy()
    secondary = (schools["phase"] == "secondary").to_numpy()
    earlier_primary = _earlier_primary(rng, people, schooling)
    at_school = np.where(secondary[school[pupil]] & (nc_year <= 6), earlier_primary[pupil], school[pupil])
    rows = pd.DataFrame(
        {
            "pupil": pupil,
            "child": pupils["child"].to_numpy()[pupil],
            "ordinal": ordinal,
            "season": terms["season"].to_numpy()[term],
            "census": census,
            "school": at_school,
            "nc_year": nc_year,
            "starts": starts,
            "ends": ends,
        }
    )[on_roll].reset_index(drop=True)
    rows["possible"] = _sessions_possible(rng, schooling, rows, entry, np.datetime64(as_of, "D"))
    return rows


def _earlier_primary(rng: np.random.Generator, people: Population, schooling: Schooling) -> np.ndarray:
    """The primary school each pupil went to before secondary: one near home."""
    schools = schooling.schools
    home = people.current_homes()["locality"].to_numpy()[schooling.pupils["child"].to_numpy()]
    pick = rng.random(len(home))
    primaries = np.flatnonzero((schools["phase"] == "primary").to_numpy())
    chosen = primaries[(pick * len(primaries)).astype(np.int64)]
    for locality in np.unique(home):
        local = np.flatnonzero(
            (schools["phase"] == "primary").to_numpy() & (schools["locality"] == locality).to_numpy()
        )
        here = home == locality
        if len(local):
            chosen[here] = local[(pick[here] * len(local)).astype(np.int64)]
    return chosen


def _sessions_possible(
    rng: np.random.Generator, schooling: Schooling, rows: pd.DataFrame, entry: np.ndarray, as_of: np.datetime64
) -> np.ndarray:
    """Each school's sessions in each term (INSET days differ), less the days before a pupil
    joined mid-term (as the census counts them), and only up to the reference date in its term."""
    schools = schooling.schools
    inset = {season: rng.integers(0, 5, len(schools)) for season in SEASONS}
    full = np.select(
        [rows["season"].to_numpy() == season for season in SEASONS],
        [TERM_SESSIONS[season] - inset[season][rows["school"].to_numpy()] for season in SEASONS],
    )
    full = np.where(rows["season"] == "autumn", schools["sessions_possible"].to_numpy()[rows["school"]], full)
    starts, ends = as_days(rows["starts"]), as_days(rows["ends"])
    elapsed = np.busday_count(starts, np.minimum(ends, as_of) + 1) / np.busday_count(starts, ends + 1)
    possible = np.round(full * elapsed).astype(np.int64)
    joined = entry[rows["pupil"].to_numpy()]
    missed_days = np.maximum((joined - starts).astype(np.int64), 0)
    joined_in_term = (joined > starts) & (joined <= ends)
    possible = np.where(joined_in_term | rows["census"], np.maximum(possible - missed_days * 10 // 7, 10), possible)
    census = rows["census"].to_numpy()
    possible[census] = schooling.pupils["sessions_possible"].to_numpy()[rows["pupil"].to_numpy()[census]]
    return possible


def _exclusions(
    rng: np.random.Generator,
    people: Population,
    schooling: Schooling,
    terms: pd.DataFrame,
    pupil_terms: pd.DataFrame,
    tendency: np.ndarray,
    referrals: pd.DataFrame,
) -> pd.DataFrame:
    """Suspensions and permanent exclusions in every term (S10's yearly rates by the term's share of
    the year), likelier for pupils more often absent and for those who need help. The census term's
    are the census's own."""
    census = schooling.exclusions[schooling.exclusions["category"] != "LNCH"]
    census_ordinal = int(terms.loc[terms["census"], "ordinal"].iloc[0])
    frames = [
        pd.DataFrame(
            {
                "pupil": census["pupil"].to_numpy(),
                "ordinal": census_ordinal,
                "start": as_days(census["start"]),
                "category": census["category"].to_numpy(),
                "sessions": census["sessions"].to_numpy().astype(float),
            }
        )
    ]
    others = pupil_terms[~pupil_terms["census"]]
    child = others["child"].to_numpy()
    pupils = schooling.pupils
    male = people.children["sex"].to_numpy()[child] == "M"
    sen = pupils["sen"].to_numpy()[others["pupil"].to_numpy()] != "N"
    referred = np.isin(child, referrals["child"].to_numpy())
    nc_year = others["nc_year"].to_numpy()
    weights = (
        np.where(male, 2.5, 1.0)
        * np.where(sen, 2.5, 1.0)
        * np.where(referred, 3.0, 1.0)
        * np.where(np.isin(nc_year, [8, 9, 10]), 1.4, 1.0)
        * np.exp(0.6 * tendency[child])
    )
    secondary = nc_year >= 7
    share_secondary = float(np.mean(pupils["year"] >= 7))
    primary_rate = (prevalence.SUSPENSIONS_PER_100.value - SECONDARY_SUSPENSIONS_PER_100 * share_secondary) / max(
        1 - share_secondary, 0.01
    )
    suspensions_per_pupil = {True: SECONDARY_SUSPENSIONS_PER_100 / 100, False: max(primary_rate, 0.0) / 100}
    permanent_per_pupil = {True: SECONDARY_PERMANENT_EXCLUSIONS_PER_100 / 100, False: 0.0}
    ordinal = others["ordinal"].to_numpy()
    elapsed = _elapsed_share(others)
    for term_ordinal, season in zip(terms["ordinal"], terms["season"], strict=True):
        if term_ordinal == census_ordinal:
            continue
        in_term = ordinal == term_ordinal
        for phase in (True, False):
            members = np.flatnonzero(in_term & (secondary == phase))
            if not len(members):
                continue
            share = TERM_SHARE_OF_YEAR[season] * float(elapsed[members].mean())
            likelihood = weights[members] / weights[members].sum()
            suspensions = rng.poisson(suspensions_per_pupil[phase] * share * len(members))
            chosen = members[rng.choice(len(members), suspensions, p=likelihood)]
            permanent = rng.poisson(permanent_per_pupil[phase] * share * len(members))
            expelled = members[rng.choice(len(members), permanent, p=likelihood)]
            rows = np.concatenate([chosen, expelled])
            frames.append(
                pd.DataFrame(
                    {
                        "pupil": others["pupil"].to_numpy()[rows],
                        "ordinal": term_ordinal,
                        "start": _school_day(rng, as_days(others["starts"])[rows], as_days(others["ends"])[rows]),
                        "category": np.repeat(["SUSP", "PERM"], [len(chosen), len(expelled)]).astype(object),
                        "sessions": np.concatenate(
                            [draw(rng, SUSPENSION_SESSIONS, len(chosen)).astype(float), np.full(len(expelled), 10.0)]
                        ),
                    }
                )
            )
    exclusions = pd.concat(frames, ignore_index=True)
    exclusions["child"] = pupils["child"].to_numpy()[exclusions["pupil"].to_numpy()]
    return exclusions.sort_values(["pupil", "start"], kind="stable", ignore_index=True)


def _elapsed_share(rows: pd.DataFrame) -> np.ndarray:
    full = np.array([TERM_SESSIONS[s] for s in rows["season"]])
    return np.minimum(rows["possible"].to_numpy() / full, 1.0)


def _school_day(rng: np.random.Generator, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """A weekday in each term (the first weekday on or after a random day)."""
    span = (ends - starts).astype(np.int64) - 3
    day = starts + (rng.random(len(starts)) * np.maximum(span, 1)).astype("timedelta64[D]")
    return np.busday_offset(day, 0, roll="forward")


def _attendance(
    rng: np.random.Generator,
    schooling: Schooling,
    care: SocialCare,
    terms: pd.DataFrame,
    pupil_terms: pd.DataFrame,
    exclusions: pd.DataFrame,
    tendency: np.ndarray,
    dips: pd.DataFrame,
    helped: pd.DataFrame,
    options: SynthOptions,
) -> pd.DataFrame:
    """Sessions missed each term, without help and with it. A pupil's absence share is the quantile
    of their propensity (lasting + school year + term) in the band mix of their year group and social
    care group (S8, S9, S11), the rest of the year group set so the year group as a whole matches;
    then the dip before a referral, then the injected effect of help."""
    rows = pupil_terms
    child = rows["child"].to_numpy()
    ordinal = rows["ordinal"].to_numpy()
    school_year = ordinal // 3
    years = school_year - school_year.min()
    year_noise = rng.standard_normal((len(tendency), int(years.max()) + 1))
    propensity = (
        np.sqrt(CHILD_VARIANCE) * tendency[child]
        + np.sqrt(YEAR_VARIANCE) * year_noise[child, years]
        + np.sqrt(TERM_VARIANCE) * rng.standard_normal(len(rows))
    )
    quantile = _normal_cdf(propensity)
    persistent, severe, grouped = _band_rates(rows, care)
    share = _absence_share(quantile, persistent, severe)
    dip = _dip_points(rows, dips)
    share_without = np.clip(share + dip / 100, 0, 1)
    # The dip is part of the year group's absence, not extra to it: pupils it pushes over a
    # threshold are taken off the other (ungrouped, undipped) pupils' share of that band.
    others = ~grouped & (dip == 0)
    keys = pd.MultiIndex.from_arrays([ordinal, rows["nc_year"].to_numpy()])
    for threshold, rates in ((0.1, persistent), (0.5, severe)):
        pushed = pd.Series((share_without >= threshold) & (share < threshold), index=keys).groupby(level=[0, 1]).sum()
        count = pd.Series(others, index=keys).groupby(level=[0, 1]).sum()
        fewer = (pushed / count.clip(lower=1)).reindex(keys).to_numpy()
        rates[others] = np.clip(rates[others] - fewer[others], 0, 1)
    severe = np.minimum(severe, persistent)
    share_without[others] = _absence_share(quantile[others], persistent[others], severe[others])
    possible = rows["possible"].to_numpy()
    excluded = (
        exclusions.groupby(["pupil", "ordinal"])["sessions"]
        .sum()
        .reindex(pd.MultiIndex.from_arrays([rows["pupil"], ordinal]), fill_value=0)
        .to_numpy()
    )
    excluded = np.minimum(np.ceil(excluded).astype(np.int64), possible)
    missed_without = np.where(
        share_without >= 0.1, np.ceil(share_without * possible), np.floor(share_without * possible)
    ).astype(np.int64)
    missed_without = np.clip(missed_without, excluded, possible)
    unauthorised_share = np.where(share_without >= 0.5, UNAUTHORISED_SHARE["severe"], UNAUTHORISED_SHARE["usual"])
    unauthorised_without = rng.binomial(missed_without - excluded, unauthorised_share)
    term_of_help = _term_of_help(rows, helped)
    effect = options.effect.attendance * options.effect.share_in(term_of_help)
    fewer = np.round(effect / 100 * possible).astype(np.int64)
    missed = np.clip(missed_without - fewer, excluded, possible)
    change = missed - missed_without
    unauthorised = np.clip(unauthorised_without + change, 0, missed - excluded)
    return rows.assign(
        urn=schooling.schools["urn"].to_numpy()[rows["school"].to_numpy()],
        excluded=excluded,
        missed_without_help=missed_without,
        unauthorised_without_help=unauthorised_without,
        missed=missed,
        unauthorised=unauthorised,
        severe_mix=share_without >= 0.5,
        dip_points=dip,
        term_of_help=term_of_help,
    )


def _band_rates(rows: pd.DataFrame, care: SocialCare) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each pupil-term's chance of persistent (10%+) and severe (50%+) absence: the social care
    group's (S11) for children in it, the rest of the year group making up the year group's (S9);
    and which pupil-terms are in a social care group."""
    child = rows["child"].to_numpy()
    nc_year = rows["nc_year"].to_numpy()
    by_year = prevalence.ABSENCE_BY_YEAR.value
    primary = prevalence.PRIMARY_ABSENCE.value
    target = np.array([primary if y <= 6 else by_year[str(min(y, 11))] for y in range(14)])
    target_persistent, target_severe = target[nc_year, 0], target[nc_year, 1]
    looked_after = care.looked_after_now[child]
    protection = care.protection_now[child] & ~looked_after
    in_need = care.in_need_now[child] & ~care.protection_now[child] & ~looked_after
    rates = prevalence.ABSENCE_BY_SOCIAL_CARE_GROUP.value
    grouped = looked_after | protection | in_need
    persistent = np.select(
        [looked_after, protection, in_need], [rates["cla"][0], rates["cpp"][0], rates["cin"][0]], np.nan
    )
    severe = np.select([looked_after, protection, in_need], [rates["cla"][1], rates["cpp"][1], rates["cin"][1]], np.nan)
    keys = pd.MultiIndex.from_arrays([rows["ordinal"], nc_year])
    frame = pd.DataFrame(
        {
            "persistent_gap": target_persistent - np.nan_to_num(persistent),
            "severe_gap": target_severe - np.nan_to_num(severe),
            "others": ~grouped,
        },
        index=keys,
    )
    sums = frame.groupby(level=[0, 1]).sum()
    others = np.maximum(sums["others"].reindex(keys).to_numpy(), 1)
    persistent = np.where(grouped, persistent, np.clip(sums["persistent_gap"].reindex(keys).to_numpy() / others, 0, 1))
    severe = np.where(grouped, severe, np.clip(sums["severe_gap"].reindex(keys).to_numpy() / others, 0, 1))
    return persistent, np.minimum(severe, persistent), grouped


def _normal_cdf(z: np.ndarray) -> np.ndarray:
    """Phi(z) by Page's (1977) tanh approximation, within 0.0002: numpy has no erf."""
    return 0.5 * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3)))


def _absence_share(u: np.ndarray, persistent: np.ndarray, severe: np.ndarray) -> np.ndarray:
    """The absence share at quantile u of a band mix: severe (50%+) at the top, then persistent
    (10-50%), then the rest under 10%, each band shaped as the census term's always was."""
    above = 1 - u
    in_severe = above < severe
    in_persistent = ~in_severe & (above < persistent)
    position = np.select(
        [in_severe, in_persistent],
        [1 - above / np.maximum(severe, 1e-9), 1 - (above - severe) / np.maximum(persistent - severe, 1e-9)],
        1 - (above - persistent) / np.maximum(1 - persistent, 1e-9),
    )
    position = np.clip(position, 0, 1)
    return np.select(
        [in_severe, in_persistent],
        [0.5 + 0.5 * _kumaraswamy(position, 1.3, 1.5), 0.1 + 0.4 * _kumaraswamy(position, 1.0, 3.5)],
        0.0999 * _kumaraswamy(position, 1.1, 2.3),
    )


def _kumaraswamy(position: np.ndarray, a: float, b: float) -> np.ndarray:
    """The quantile function of Kumaraswamy(a, b), a beta-like shape with a closed-form inverse."""
    return (1 - (1 - position) ** (1 / b)) ** (1 / a)


def _dip_points(rows: pd.DataFrame, dips: pd.DataFrame) -> np.ndarray:
    """Extra absence (points) from the shock before a child's first referral: half of it two terms
    before, all of it in the term before and the term of the referral, then mostly passing."""
    shocks = dips.set_index("child")
    child = rows["child"].to_numpy()
    referred = shocks["referred_on"].reindex(child)
    has = referred.notna().to_numpy()
    points = np.zeros(len(rows))
    if not has.any():
        return points
    since = rows["ordinal"].to_numpy()[has] - term_of(referred.to_numpy()[has])
    size = shocks["points"].reindex(child).to_numpy()[has]
    lasting = shocks["lasting"].reindex(child).to_numpy()[has]
    after = np.maximum(since, 1)
    profile = np.select(
        [since == -2, (since == -1) | (since == 0), since > 0],
        [0.5, 1.0, lasting + (1 - lasting) * DIP_FADE**after],
        0.0,
    )
    points[has] = size * profile
    return points


def _term_of_help(rows: pd.DataFrame, helped: pd.DataFrame) -> np.ndarray:
    """Which term of help each pupil-term is (1 = the term help started; 0 or less before it, or
    never helped)."""
    first = helped.set_index("child")["first_help_ordinal"].reindex(rows["child"].to_numpy())
    return np.where(first.notna(), rows["ordinal"].to_numpy() - first.fillna(0).to_numpy() + 1, -99).astype(np.int64)


def _wellbeing(
    rng: np.random.Generator,
    people: Population,
    referrals: pd.DataFrame,
    dips: pd.DataFrame,
    helped: pd.DataFrame,
    tendency: np.ndarray,
    options: SynthOptions,
) -> pd.DataFrame:
    """Every occasion of each case: the assessment (the day help starts) and six-weekly reviews to
    closure or the reference date, with the SDQ total difficulties (about 40% of reviews without),
    the child's wellbeing check and, at reviews, the LARC items the child or parents said changed.
    All follow one trajectory: worse before help while the dip lasts, better by the injected effects."""
    as_of = np.datetime64(options.as_of, "D")
    cases = referrals[referrals["decision"] == "allocate"]
    started = as_days(cases["help_started_on"])
    ended = np.where(cases["closed_on"].isna(), as_of, as_days(cases["closed_on"]))
    ended = np.minimum(ended, as_of)
    counts = np.where(started <= as_of, (ended - started).astype(np.int64) // REVIEW_DAYS + 1, 0)
    case = np.repeat(np.arange(len(cases)), counts)
    first_of_case = np.repeat(np.cumsum(counts) - counts, counts)  # the row of the case's assessment
    number = np.arange(len(case)) - first_of_case
    recorded = started[case] + (number * REVIEW_DAYS).astype("timedelta64[D]")
    child = cases["child"].to_numpy()[case]
    difficulties = np.clip(
        SDQ_TYPICAL + 3.5 * (0.5 * tendency + np.sqrt(0.75) * rng.standard_normal(len(tendency))), 2, 30
    )
    shocks = dips.set_index("child")
    first_referral = as_days(shocks["referred_on"].reindex(child).to_numpy())
    days_since = np.maximum((recorded - first_referral).astype(np.int64), 0)
    share_lasting = shocks["lasting"].reindex(child).to_numpy()
    dip = (
        shocks["points"].reindex(child).to_numpy()
        * SDQ_PER_ABSENCE_POINT
        * (share_lasting + (1 - share_lasting) * DIP_FADE ** (days_since / 91))
    )
    first_help = helped.set_index("child")["first_help_ordinal"].reindex(child).to_numpy()
    term_of_help = (term_of(recorded) - first_help + 1).astype(np.int64)
    share = options.effect.share_in(term_of_help)
    noise = rng.normal(0, 1.5, len(case))
    scored = (number == 0) | ~flags(rng, REVIEW_SCORE_MISSING, len(case))
    # Difficulties on the day, without help: the child's own, the dip and the occasion's noise.
    state = difficulties[child] + np.nan_to_num(dip) + noise
    sdq_without = np.clip(np.round(state), 0, 40)
    sdq = np.clip(np.round(state + options.effect.sdq * share), 0, 40)
    # The check and the checklist draw after the SDQ's draws, so the SDQ scores are as they were.
    wellbeing_without = _wellbeing_level(rng, people.size, child, state)
    wellbeing = wellbeing_without + options.effect.wellbeing * share
    answers, answers_without = _wellbeing_check(rng, people, child, recorded, number, wellbeing, wellbeing_without)
    review = number > 0
    # What changed is judged against the child's wellbeing when help began, before any effect.
    began = wellbeing_without[first_of_case]
    ticks = rng.random((len(case), len(LARC_ITEMS)))
    changed = review[:, None] & (ticks < _chance_of_saying_changed(wellbeing - began)[:, None])
    changed_without = review[:, None] & (ticks < _chance_of_saying_changed(wellbeing_without - began)[:, None])
    frame = pd.DataFrame(
        {
            "child": child,
            "recorded_on": recorded,
            "occasion": np.where(review, "review", "assessment"),
            "sdq_total": np.where(scored, sdq, np.nan),
            "sdq_without_help": np.where(scored, sdq_without, np.nan),
            **{code: answers[:, n] for n, code in enumerate(WELLBEING_QUESTIONS)},
            **{f"{code}_without_help": answers_without[:, n] for n, code in enumerate(WELLBEING_QUESTIONS)},
            "what_changed": _codes(changed),
            "changes": changed.sum(axis=1),
            "changes_without_help": changed_without.sum(axis=1),
            "term_of_help": term_of_help,
        }
    )
    return frame.sort_values(["recorded_on", "child"], kind="stable", ignore_index=True)


def _wellbeing_level(
    rng: np.random.Generator, children: int, child: np.ndarray, difficulties: np.ndarray
) -> np.ndarray:
    """Where each occasion's wellbeing check centres without help (0-10): lower the more
    difficulties the child has on the day (the dip included), and the child's own level beside."""
    own = rng.normal(0, WELLBEING_OWN_SD, children)
    return WELLBEING_TYPICAL - WELLBEING_PER_SDQ_POINT * (difficulties - SDQ_TYPICAL) + own[child]


def _wellbeing_check(
    rng: np.random.Generator,
    people: Population,
    child: np.ndarray,
    recorded: np.ndarray,
    number: np.ndarray,
    level: np.ndarray,
    level_without: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Each question's answer (0-10) with help and without, NaN where unanswered: a child under 8
    answers nothing, nor do about 40% of reviews (like the SDQ); the assessment always has answers.
    Each child leans their own way on each question (safer at home than at school, say), and each
    week's answers vary."""
    size, questions = len(child), len(WELLBEING_QUESTIONS)
    lean = rng.normal(0, WELLBEING_QUESTION_SD, (people.size, questions))[child]
    week = rng.normal(0, WELLBEING_NOISE_SD, (size, questions))
    answered = (number == 0) | ~flags(rng, WELLBEING_UNANSWERED, size)
    answered &= _ages_on(as_days(people.children["date_of_birth"])[child], recorded) >= WELLBEING_FROM_AGE
    unanswered = np.where(answered, 0.0, np.nan)[:, None]
    with_help = np.clip(np.round(level[:, None] + lean + week), 0, 10) + unanswered
    without = np.clip(np.round(level_without[:, None] + lean + week), 0, 10) + unanswered
    return with_help, without


def _chance_of_saying_changed(better: np.ndarray) -> np.ndarray:
    """The chance the child or parents say a LARC item changed, by how many points the wellbeing
    check is above where it was when help began."""
    odds = ITEM_CHANCE_UNCHANGED / (1 - ITEM_CHANCE_UNCHANGED) * ITEM_ODDS_PER_POINT**better
    return odds / (1 + odds)


def _codes(ticked: np.ndarray) -> np.ndarray:
    """Each row's ticked LARC items as codes separated by ';' in the checklist's order ('' for none),
    each combination written once."""
    masks = ticked.astype(np.int64) @ (1 << np.arange(ticked.shape[1], dtype=np.int64))
    unique, inverse = np.unique(masks, return_inverse=True)
    written = np.array(
        [";".join(code for bit, code in enumerate(LARC_ITEMS) if mask >> bit & 1) for mask in unique], dtype=object
    )
    return written[inverse]


def _ages_on(dob: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Completed years of age on each day, birthdays counted exactly."""
    born_month, month = dob.astype("datetime64[M]"), days.astype("datetime64[M]")
    born_day = (dob - born_month.astype("datetime64[D]")).astype(np.int64)
    day = (days - month.astype("datetime64[D]")).astype(np.int64)
    born_month, month = born_month.astype(np.int64), month.astype(np.int64)  # months since January 1970
    before_birthday = month % 12 * 32 + day < born_month % 12 * 32 + born_day
    return month // 12 - born_month // 12 - before_birthday.astype(np.int64)


# The files casework history reads (load_casework_history --authority), column for column.
EARLY_HELP_COLUMNS = [
    "la_child_id",
    "referred_on",
    "level_of_need",
    "decision",
    "help_started_on",
    "closed_on",
    "closure_reason",
    "needs_met_at",
]
# One row per assessment and review held; blank where nothing was recorded; what_changed (reviews
# only) is LARC item codes separated by ';'.
WELLBEING_COLUMNS = ["la_child_id", "recorded_on", "occasion", "sdq_total", *WELLBEING_QUESTIONS, "what_changed"]


def write_history(history: History, the_register: Register, out: Path) -> dict[str, int]:
    """history/: early help and what its assessments and reviews recorded (the SDQ, the wellbeing
    check, what changed) as casework records them, and the truth beside them
    (truth.json, truth_children.csv), which nothing in joinedup's pages may read."""
    folder = out / "history"
    la_child_id = the_register.children["la_child_id"].to_numpy()
    referrals = history.referrals
    early_help = pd.DataFrame(
        {
            "la_child_id": la_child_id[referrals["child"].to_numpy()],
            "referred_on": format_dates(referrals["referred_on"], "iso"),
            "level_of_need": referrals["level_of_need"].to_numpy(),
            "decision": referrals["decision"].to_numpy(),
            "help_started_on": format_dates(referrals["help_started_on"], "iso"),
            "closed_on": format_dates(referrals["closed_on"], "iso"),
            "closure_reason": referrals["closure_reason"].to_numpy(),
            "needs_met_at": referrals["needs_met_at"].to_numpy(),
        }
    )[EARLY_HELP_COLUMNS]
    occasions = history.wellbeing
    wellbeing = pd.DataFrame(
        {
            "la_child_id": la_child_id[occasions["child"].to_numpy()],
            "recorded_on": format_dates(occasions["recorded_on"], "iso"),
            "occasion": occasions["occasion"].to_numpy(),
            **{column: occasions[column].astype("Int64") for column in ["sdq_total", *WELLBEING_QUESTIONS]},
            "what_changed": occasions["what_changed"].to_numpy(),
        }
    )[WELLBEING_COLUMNS]
    truth_children = _truth_children(history, la_child_id)
    write_json(_truth(history), folder / "truth.json")
    return {
        "history/truth.json": 1,  # one document
        "history/early_help.csv": write_csv(early_help, folder / "early_help.csv"),
        "history/wellbeing.csv": write_csv(wellbeing, folder / "wellbeing.csv"),
        "history/truth_children.csv": write_csv(truth_children, folder / "truth_children.csv"),
    }


def _truth_children(history: History, la_child_id: np.ndarray) -> pd.DataFrame:
    """Per helped child and term of the window: attendance without help (the counterfactual, dip
    and all) and with it, so an estimator's answer can be checked against what was injected."""
    rows = history.in_window(history.attendance)
    rows = rows[np.isin(rows["child"].to_numpy(), history.helped["child"].to_numpy())]
    rows = rows.sort_values(["child", "ordinal"], kind="stable")
    possible = rows["possible"].to_numpy()
    without = np.round(100 * (possible - rows["missed_without_help"].to_numpy()) / possible, 3)
    with_help = np.round(100 * (possible - rows["missed"].to_numpy()) / possible, 3)
    terms = history.terms.set_index("ordinal")
    return pd.DataFrame(
        {
            "la_child_id": la_child_id[rows["child"].to_numpy()],
            "term": terms["term"].reindex(rows["ordinal"]).to_numpy(),
            "term_of_help": rows["term_of_help"].to_numpy(),
            "possible": possible,
            "dip_points": np.round(rows["dip_points"].to_numpy(), 3),
            "attendance_without_help": without,
            "attendance_with_help": with_help,
            "effect_points": np.round(with_help - without, 3),
        }
    )


def _truth(history: History) -> dict:
    options = history.options
    rows = history.in_window(history.attendance)
    helped_rows = rows[rows["term_of_help"] >= options.effect.after_terms]
    possible = helped_rows["possible"].to_numpy()
    realised = 100 * (helped_rows["missed_without_help"].to_numpy() - helped_rows["missed"].to_numpy()) / possible
    before = rows[rows["dip_points"] > 0]
    occasions = history.wellbeing
    occasions = occasions[occasions["term_of_help"] >= options.effect.after_terms]
    helped_scores = (occasions["sdq_total"] - occasions["sdq_without_help"]).dropna()
    answers = occasions[list(WELLBEING_QUESTIONS)].to_numpy()
    helped_answers = (answers - occasions[[f"{q}_without_help" for q in WELLBEING_QUESTIONS]].to_numpy())[
        ~np.isnan(answers)
    ]
    reviews = occasions[occasions["occasion"] == "review"]
    return {
        "effect": {
            **options.effect.as_dict(),
            "units": {
                "attendance": "percentage points of sessions attended",
                "sdq": "SDQ total difficulties points",
                "wellbeing": "points on each answer of the wellbeing check (0-10)",
            },
            "applies_to": "children from the term their first allocated early help case started (term of help 1), "
            "from term of help `after_terms` on, shrinking by `fade` each later term",
        },
        "selection": {
            "regime": options.selection,
            "dip_points_mean": DIP_POINTS if options.selection == "dip" else 0.0,
            "dip_lasting_share_mean": DIP_LASTING if options.selection == "dip" else 0.0,
        },
        "window": summary(history),
        "realised": {
            "referrals": len(history.referrals),
            "children_referred": int(history.referrals["child"].nunique()),
            "children_helped": len(history.helped),
            "pupil_terms_with_effect": len(helped_rows),
            "attendance_effect_points_mean": round(float(realised.mean()), 4) if len(realised) else 0.0,
            "sdq_effect_points_mean": round(float(helped_scores.mean()), 4) if len(helped_scores) else 0.0,
            "wellbeing_effect_points_mean": round(float(helped_answers.mean()), 4) if len(helped_answers) else 0.0,
            # The checklist follows the wellbeing check, so its effect is what the wellbeing effect brought.
            "what_changed_items_per_review_with_help": round(float(reviews["changes"].mean()), 4)
            if len(reviews)
            else 0.0,
            "what_changed_items_per_review_without_help": round(float(reviews["changes_without_help"].mean()), 4)
            if len(reviews)
            else 0.0,
            "dip_points_mean_where_dipped": round(float(before["dip_points"].mean()), 4) if len(before) else 0.0,
        },
    }


def summary(history: History) -> dict:
    """The manifest's history section: the window, the effect injected and how help was chosen."""
    window = history.terms[history.terms["in_window"]]
    return {
        "school_years": [f"{y}/{(y + 1) % 100:02d}" for y in window["school_year"].unique()],
        "terms": window["term"].tolist(),
        "effect": history.options.effect.as_dict(),
        "selection": history.options.selection,
    }

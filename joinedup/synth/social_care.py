"""Children's social care over the history window: who is in need, on a child protection plan or
looked after on the reference date (at the national rates), the referrals, assessments, enquiries,
plans and periods of care behind that, and each looked-after child's placements and legal statuses.

The collection year is the twelve months ending on the reference date, as for the CIN census and
the SSDA903 return; the earlier years of the window (from its first 1 September, and never less
than the year before the collection year) have periods of care starting and ending, referrals and
their episodes at the same national rates a year, so that every term of the window can be measured.
The register holds children aged 0-17 on the reference date, so young people who turned 18 (and
their care leaving) are outside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

import numpy as np
import pandas as pd

from . import codes, prevalence
from .places import ADDRESS_FIELDS, Place, either
from .population import Population, as_days
from .randomness import draw, flags
from .selection import ages, band_weights, clustered_sample

NAT = np.datetime64("NaT", "D")
# Assumptions where prevalence.md is silent: the age mix of children in need and on plans (DfE
# CIN 2024 characteristics, rounded), and the share of care leavers who leave at 18 (outside 0-17).
CHILD_IN_NEED_AGES = {"under 1": 0.05, "1-4": 0.15, "5-9": 0.24, "10-15": 0.38, "16+": 0.18}
PROTECTION_PLAN_AGES = {"under 1": 0.10, "1-4": 0.27, "5-9": 0.29, "10-15": 0.29, "16+": 0.05}
CEASING_CARE_AGES = {"under 1": 0.06, "1-4": 0.22, "5-9": 0.16, "10-15": 0.26, "16+": 0.30}
LEFT_CARE_AT_EIGHTEEN_SHARE = 0.25
CLOSED_IN_YEAR_KINDS = {"nfa": 0.12, "not_in_need": 0.62, "support_ended": 0.26}
STARTERS_STILL_IN_CARE = 0.8  # assumption: a fifth of a year's starters have left by its end
ASSESSING_SHARE = 0.22  # of open cases that are not plans or care: ~48 per 10,000 being assessed
PLACEMENT_MOVES_PER_YEAR = 0.48  # Poisson mean giving ~10% with 3+ placements in any twelve months (S2)
IN_CARE_LONGER_MEAN_DAYS = 880  # beyond the first year; gives each earlier year its share of starters
RETURNED_HOME = {"E4A": 0.88, "E4B": 0.12}  # how a period ends before a return to care


PLACEMENT_COLUMNS = [
    "child",
    "decom",
    "rne",
    "ls",
    "need",
    "place",
    "provider",
    "dec",
    "rec",
    "home_post",
    "reason_place_change",
    "urn",
    "site",
    "placement",
]


@dataclass
class SocialCare:
    """The window's episodes, periods and placements, and the collection year's view of them that
    the register, services and history follow (they model this year's lives, one period each)."""

    year_start: np.datetime64
    history_start: np.datetime64  # the first day social care's history covers
    cin_history: pd.DataFrame  # one row per CIN episode (CINdetails) open at some point in the window
    care_history: pd.DataFrame  # one row per period of care open at some point in the window
    placement_history: pd.DataFrame  # SSDA903 episodes of those periods open in the window
    in_need_now: np.ndarray
    protection_now: np.ndarray
    looked_after_now: np.ndarray

    @cached_property
    def episodes(self) -> pd.DataFrame:
        """CIN episodes open during the collection year."""
        return _open_from(self.cin_history, "closure", self.year_start)

    @cached_property
    def care(self) -> pd.DataFrame:
        """Periods of care open during the collection year (at most one a child)."""
        return _open_from(self.care_history, "end", self.year_start)

    @cached_property
    def placements(self) -> pd.DataFrame:
        """SSDA903 episodes open during the collection year."""
        return _open_from(self.placement_history, "dec", self.year_start)

    @property
    def in_census(self) -> np.ndarray:
        marks = np.zeros(len(self.in_need_now), dtype=bool)
        marks[self.episodes["child"].to_numpy()] = True
        return marks


def _open_from(frame: pd.DataFrame, end_column: str, day: np.datetime64) -> pd.DataFrame:
    ends = as_days(frame[end_column])
    return frame[np.isnat(ends) | (ends >= day)].reset_index(drop=True)


def collection_year_start(as_of: date) -> np.datetime64:
    try:
        year_earlier = as_of.replace(year=as_of.year - 1)
    except ValueError:  # 29 February
        year_earlier = as_of.replace(year=as_of.year - 1, day=28)
    return np.datetime64(year_earlier + timedelta(days=1), "D")


def build_social_care(
    rng: np.random.Generator,
    population: Population,
    place: Place,
    elsewhere: Place,
    window_start: date | None = None,
) -> SocialCare:
    """`window_start` is the history window's first day; without it, social care covers the
    collection year and the year before it."""
    as_of = population.as_of
    size = population.size
    years = ages(population.children, as_of)
    family = population.children["family"].to_numpy()
    risk = population.families["risk"].to_numpy()[family]
    everyone = np.ones(size, dtype=bool)

    def choose(rate: float, age_mix: dict, joins: float, eligible: np.ndarray) -> np.ndarray:
        weights = risk * band_weights(years, age_mix, eligible)
        return clustered_sample(
            rng, weights=weights, family=family, count=round(rate * size), sibling_joins=joins, eligible=eligible
        )

    year_start = collection_year_start(as_of)
    reference = np.datetime64(as_of, "D")
    dob = as_days(population.children["date_of_birth"])
    # Born long enough ago to have been in care and left it within the year.
    old_enough = dob <= reference - 60
    looked_after = choose(prevalence.LOOKED_AFTER_RATE.value, prevalence.LOOKED_AFTER_AGE_BANDS.value, 0.5, everyone)
    ceased = choose(
        prevalence.LOOKED_AFTER_CEASING_RATE.value * (1 - LEFT_CARE_AT_EIGHTEEN_SHARE),
        CEASING_CARE_AGES,
        0.4,
        ~looked_after & old_enough,
    )
    protection = choose(prevalence.PROTECTION_PLAN_RATE.value, PROTECTION_PLAN_AGES, 0.85, ~looked_after & ~ceased)
    in_need_rate = prevalence.CHILD_IN_NEED_RATE.value - looked_after.mean() - protection.mean()
    in_need = choose(in_need_rate, CHILD_IN_NEED_AGES, 0.5, ~looked_after & ~ceased & ~protection)
    known = looked_after | ceased | protection | in_need
    closed_rate = prevalence.CHILD_IN_NEED_IN_YEAR_RATE.value - known.mean()
    closed = choose(max(closed_rate, 0.0), CHILD_IN_NEED_AGES, 0.4, ~known)

    history_start = year_start - 365
    if window_start is not None:
        history_start = min(history_start, np.datetime64(window_start, "D"))
    earlier_years = _earlier_years(history_start, year_start)
    periods = pd.concat(
        [
            _periods_now(rng, np.flatnonzero(looked_after), dob, reference, years),
            _periods_ended(rng, np.flatnonzero(ceased), dob, year_start, reference),
        ],
        ignore_index=True,
    )
    periods = pd.concat([periods, _before_returning(rng, periods, dob, history_start, year_start)], ignore_index=True)
    # Children who left care in an earlier year, each year at the national ceasing rate; they
    # are not among this year's children in need, whose episodes run back across the window.
    taken = known | closed
    for first, last in earlier_years:
        ends = as_days(periods["end"])
        already = int(((ends >= first) & (ends < last)).sum())
        share = int((last - first).astype(np.int64)) / 365
        rate = prevalence.LOOKED_AFTER_CEASING_RATE.value * (1 - LEFT_CARE_AT_EIGHTEEN_SHARE)
        eligible = ~taken & (dob <= first - 60)
        years_then = ages(population.children, last.astype(object))
        leavers = clustered_sample(
            rng,
            weights=risk * band_weights(years_then, CEASING_CARE_AGES, eligible),
            family=family,
            count=max(round(rate * size * share) - already, 0),
            sibling_joins=0.4,
            eligible=eligible,
        )
        taken |= leavers
        left = _periods_ended(rng, np.flatnonzero(leavers), dob, first, last)
        periods = pd.concat([periods, left], ignore_index=True)

    timeline = _Timeline(rng, reference, year_start, history_start, dob)
    care, placements = _care(rng, population, periods, timeline, place, elsewhere)
    episodes = pd.concat(
        [
            timeline.looked_after(care),
            timeline.protection(np.flatnonzero(protection)),
            timeline.in_need(np.flatnonzero(in_need)),
            timeline.closed(np.flatnonzero(closed)),
        ],
        ignore_index=True,
    )
    episodes = pd.concat([episodes, timeline.re_referrals(episodes, size)], ignore_index=True)
    without_episode = ~np.isin(np.arange(size), episodes["child"].to_numpy())
    for first, last in reversed(earlier_years):  # latest first, so earlier ones can come before them
        years_then = ages(population.children, last.astype(object))
        eligible = without_episode & (dob <= last)
        weights = risk * band_weights(years_then, CHILD_IN_NEED_AGES, eligible)
        added = timeline.earlier_referrals(episodes, size, first, last, weights, family, eligible)
        without_episode[added["child"].to_numpy()] = False
        episodes = pd.concat([episodes, added], ignore_index=True)
    episodes = episodes.sort_values(["child", "referral"], kind="stable", ignore_index=True)
    return SocialCare(
        year_start,
        history_start,
        episodes,
        care,
        placements,
        looked_after | protection | in_need,
        protection,
        looked_after,
    )


def _earlier_years(history_start: np.datetime64, year_start: np.datetime64) -> list[tuple]:
    """The years before the collection year, back to the history's start (the first may be part
    of a year), earliest first, as (first day, day after the last)."""
    bounds, last = [], year_start
    while last > history_start:
        first = max(last - 365, history_start)
        bounds.append((first, last))
        last = first
    return bounds[::-1]


class _Timeline:
    """Dates of referrals, assessments, enquiries and plans, drawn per kind of episode."""

    def __init__(
        self,
        rng: np.random.Generator,
        reference: np.datetime64,
        year_start: np.datetime64,
        history_start: np.datetime64,
        dob: np.ndarray,
    ):
        self.rng, self.reference, self.year_start, self.dob = rng, reference, year_start, dob
        self.history_start = history_start

    def days(self, low: int, high: int, size: int) -> np.ndarray:
        return self.rng.integers(low, high, size).astype("timedelta64[D]")

    def _frame(self, children: np.ndarray, referral: np.ndarray, need: np.ndarray) -> pd.DataFrame:
        size = len(children)
        # A referral can come before birth (a pre-birth assessment), but not more than 40 weeks before.
        referral = np.maximum(referral, self.dob[children] - 200)
        frame = pd.DataFrame(
            {
                "child": children,
                "referral": referral,
                "source": draw(self.rng, codes.REFERRAL_SOURCES, size),
                "need": need,
                "closure": np.full(size, NAT),
                "closure_reason": "",
                "nfa": False,
            }
        )
        for column in (
            "assessment_start",
            "assessment_end",
            "plan_start",
            "plan_end",
            "s47_start",
            "icpc_target",
            "icpc",
            "cpp_start",
            "cpp_end",
        ):
            frame[column] = np.full(size, NAT)
        frame["factors"] = [()] * size
        frame["abuse_initial"] = ""
        frame["abuse_latest"] = ""
        frame["previous_plans"] = 0
        frame["reviews"] = [()] * size
        frame["kind"] = ""
        return frame

    def _needs(self, size: int) -> np.ndarray:
        return draw(self.rng, prevalence.PRIMARY_NEED_AT_ASSESSMENT.value, size)

    def _assess(self, frame: pd.DataFrame, rows: np.ndarray, started: np.ndarray) -> None:
        """Assessments start within days of referral and take up to 45 working days."""
        ended = started + self.days(12, 63, len(rows))
        frame.loc[rows, "assessment_start"] = started
        frame.loc[rows, "assessment_end"] = np.where(ended <= self.reference, ended, NAT)
        frame.loc[rows, "factors"] = pd.Series(self._factors(len(rows)), index=rows)

    def _factors(self, size: int) -> list[tuple[str, ...]]:
        shares = prevalence.ASSESSMENT_FACTORS.value
        chosen = [self.rng.random(size) < share for share in shares.values()]
        names = list(shares)
        return (
            [tuple(n for n, hit in zip(names, row, strict=True) if hit) or ("21",) for row in np.array(chosen).T]
            if size
            else []
        )

    def looked_after(self, care: pd.DataFrame) -> pd.DataFrame:
        children = care["child"].to_numpy()
        started = as_days(care["start"])
        referral = started - self.days(20, 240, len(children))
        # A child returning to care is referred again after the earlier period ended.
        previous_end = as_days(care.groupby("child")["end"].shift().to_numpy())
        referral = np.where(np.isnat(previous_end), referral, np.maximum(referral, previous_end + 1))
        frame = self._frame(children, referral, care["need"].to_numpy())
        frame["kind"] = "looked_after"
        recent = np.flatnonzero(as_days(frame["referral"]) >= self.history_start - 60)
        self._assess(frame, recent, as_days(frame.loc[recent, "referral"]) + self.days(0, 4, len(recent)))
        ended = as_days(care["end"])
        closed = ~np.isnat(ended)
        frame.loc[closed, "closure"] = ended[closed]
        frame.loc[closed, "closure_reason"] = [
            codes.CARE_ENDING_TO_CIN_CLOSURE.get(r, "RC7") for r in care["reason_ended"].to_numpy()[closed]
        ]
        return frame

    def protection(self, children: np.ndarray) -> pd.DataFrame:
        size = len(children)
        lengths = prevalence.PROTECTION_PLAN_LENGTHS.value
        band = self.rng.choice(len(lengths), size=size, p=list(lengths.values()))
        bounds = np.array(list(lengths))[band]
        length = (bounds[:, 0] + self.rng.random(size) * (bounds[:, 1] - bounds[:, 0])).astype(np.int64)
        start = np.maximum(self.reference - length.astype("timedelta64[D]"), self.dob[children])
        s47 = start - self.days(8, 21, size)
        frame = self._frame(children, s47 - self.days(0, 40, size), np.full(size, "N1", dtype=object))
        frame["kind"] = "protection"
        rows = np.arange(size)
        self._assess(frame, rows, as_days(frame["referral"]) + self.days(0, 3, size))
        frame["s47_start"] = s47
        frame["icpc_target"] = s47 + 15
        frame["icpc"] = start
        frame["cpp_start"] = start
        frame["abuse_initial"] = draw(self.rng, codes.CATEGORIES_OF_ABUSE, size)
        frame["abuse_latest"] = np.where(
            flags(self.rng, 0.85, size), frame["abuse_initial"], draw(self.rng, codes.CATEGORIES_OF_ABUSE, size)
        )
        second = flags(self.rng, prevalence.SECOND_PROTECTION_PLAN_SHARE.value, size)
        frame["previous_plans"] = np.where(second, 1 + (self.rng.random(size) < 0.2), 0)
        frame["reviews"] = [self._reviews(s) for s in start]
        return frame

    def _reviews(self, start: np.datetime64) -> tuple:
        """The first review conference within three months, then every six (Working Together)."""
        reviews, when = [], start + 90
        while when <= self.reference:
            if when >= self.history_start:
                reviews.append(when)
            when = when + 182
        return tuple(reviews)

    def in_need(self, children: np.ndarray) -> pd.DataFrame:
        """Open cases: some still being assessed (about six weeks' worth of the year's ~421 per
        10,000 assessments, S3), the rest on child in need plans of any age."""
        size = len(children)
        open_for = np.minimum(self.rng.lognormal(np.log(240), 0.9, size), 3000).astype(np.int64)
        assessing = flags(self.rng, ASSESSING_SHARE, size)
        open_for[assessing] = self.rng.integers(1, 45, int(assessing.sum()))
        referral = self.reference - open_for.astype("timedelta64[D]")
        frame = self._frame(children, referral, self._needs(size))
        frame["kind"] = "in_need"
        self._assess(frame, np.arange(size), as_days(frame["referral"]) + self.days(0, 5, size))
        ended = as_days(frame["assessment_end"])
        planned = ~np.isnat(ended)
        plan_start = ended + self.days(0, 10, size)
        frame.loc[planned, "plan_start"] = np.minimum(plan_start, self.reference)[planned]
        return frame

    def closed(self, children: np.ndarray) -> pd.DataFrame:
        size = len(children)
        kind = draw(self.rng, CLOSED_IN_YEAR_KINDS, size)
        year_days = int((self.reference - self.year_start).astype(np.int64))
        referral = self.year_start + self.days(0, year_days - 40, size)
        support = kind == "support_ended"
        referral[support] = self.year_start - self.days(30, 400, int(support.sum()))
        frame = self._frame(children, referral, self._needs(size))
        frame["kind"] = kind
        self._close(frame, np.arange(size), self.year_start)
        return frame

    def _close(self, frame: pd.DataFrame, rows: np.ndarray, year_start: np.datetime64) -> None:
        """Close episodes the way their kind ends: at referral (no further action), after the
        assessment (RC8, or RC9 with a step down to early help) or when a CIN plan ends (within
        the year that starts on `year_start` at the earliest)."""
        kind = frame.loc[rows, "kind"].to_numpy()
        referral = as_days(frame.loc[rows, "referral"])
        nfa = kind == "nfa"
        frame.loc[rows[nfa], "nfa"] = True
        frame.loc[rows[nfa], "closure"] = referral[nfa]
        frame.loc[rows[nfa], "closure_reason"] = "RC7"
        frame.loc[rows[nfa], "need"] = ""
        assessed = rows[~nfa]
        self._assess(frame, assessed, referral[~nfa] + self.days(0, 5, len(assessed)))
        ended = as_days(frame.loc[assessed, "assessment_end"])
        ended = np.where(np.isnat(ended), self.reference - 5, ended)
        frame.loc[assessed, "assessment_end"] = ended
        not_in_need = kind[~nfa] == "not_in_need"
        closure = np.where(
            not_in_need,
            ended + self.days(0, 7, len(assessed)),
            np.maximum(ended + self.days(60, 300, len(assessed)), year_start + 5),
        )
        closure = np.minimum(closure, self.reference - 1)
        support = assessed[~not_in_need]
        frame.loc[support, "plan_start"] = ended[~not_in_need]
        frame.loc[support, "plan_end"] = closure[~not_in_need]
        frame.loc[assessed, "closure"] = closure
        frame.loc[assessed, "closure_reason"] = np.where(
            not_in_need, np.where(flags(self.rng, 0.4, len(assessed)), "RC9", "RC8"), "RC7"
        )

    def re_referrals(self, episodes: pd.DataFrame, size: int) -> pd.DataFrame:
        """Earlier episodes in the year, closed before the current one, until referrals reach the
        national rate; their kinds make up the national shares of no further action and not in need."""
        referred = as_days(episodes["referral"]) >= self.year_start
        total = round(prevalence.REFERRAL_RATE.value * size)
        wanted = total - int(referred.sum())
        first = episodes.groupby("child")["referral"].min()
        candidates = self._room_before(first, self.year_start)
        count = min(max(wanted, 0), len(candidates))
        children = np.sort(self.rng.choice(candidates, size=count, replace=False))
        kinds = self._kinds_to_fill(count, total, episodes.loc[referred, "kind"])
        latest = as_days(first.reindex(children).to_numpy())
        referred_from = self._earliest(children, self.year_start, latest)
        return self._before(children, kinds, self.year_start, referred_from, latest - 45, latest - 14)

    def earlier_referrals(
        self,
        episodes: pd.DataFrame,
        size: int,
        first_day: np.datetime64,
        last_day: np.datetime64,
        weights: np.ndarray,
        family: np.ndarray,
        eligible: np.ndarray,
    ) -> pd.DataFrame:
        """Referrals in an earlier year of the window (first_day to the day before last_day), up to
        the national rate a year: re-referrals of children already referred later (S3's share),
        the rest children new to social care; all closed before the collection year."""
        referral = as_days(episodes["referral"])
        in_year = (referral >= first_day) & (referral < last_day)
        share = int((last_day - first_day).astype(np.int64)) / 365
        total = round(prevalence.REFERRAL_RATE.value * size * share)
        wanted = max(total - int(in_year.sum()), 0)
        first = episodes.groupby("child")["referral"].min()
        candidates = self._room_before(first, first_day)
        again = min(round(prevalence.RE_REFERRAL_SHARE.value * wanted), len(candidates))
        returning = np.sort(self.rng.choice(candidates, size=again, replace=False))
        new = np.flatnonzero(
            clustered_sample(
                self.rng, weights=weights, family=family, count=wanted - again, sibling_joins=0.4, eligible=eligible
            )
        )
        children = np.concatenate([returning, new])
        kinds = self._kinds_to_fill(len(children), total, episodes.loc[in_year, "kind"])
        # A re-referral closes before the child's next referral; a new child's episode before the
        # collection year, whose children in need are counted exactly.
        latest = as_days(first.reindex(returning).to_numpy())
        referred_from = np.concatenate([self._earliest(returning, first_day, latest), np.full(len(new), first_day)])
        referred_by = np.concatenate([np.minimum(latest - 45, last_day), np.full(len(new), last_day)])
        closed_by = np.concatenate([latest - 14, np.full(len(new), self.year_start - 1)])
        return self._before(children, kinds, first_day, referred_from, referred_by, closed_by)

    def _earliest(self, children: np.ndarray, first_day: np.datetime64, latest: np.ndarray) -> np.ndarray:
        """The earliest referral before a child's `latest`: in the year, within 12 months (a
        re-referral, S3) and not more than 200 days before birth."""
        return np.maximum(np.maximum(first_day, latest - 365), self.dob[children] - 200)

    def _room_before(self, first: pd.Series, first_day: np.datetime64) -> np.ndarray:
        """Children whose first referral leaves two months for an earlier episode from `first_day`."""
        children = first.index.to_numpy()
        room = (as_days(first.to_numpy()) - self._earliest(children, first_day, as_days(first.to_numpy()))).astype(
            np.int64
        )
        return children[room > 60]

    def _kinds_to_fill(self, count: int, total: int, existing: pd.Series) -> np.ndarray:
        """Kinds for `count` more closed episodes so that a year's `total` referrals hold the
        national shares of no further action and assessed as not in need (S3)."""
        current = existing.value_counts()
        nfa = max(round(prevalence.NO_FURTHER_ACTION_SHARE.value * total) - current.get("nfa", 0), 0)
        not_in_need = max(round(prevalence.ASSESSED_NOT_IN_NEED_SHARE.value * total) - current.get("not_in_need", 0), 0)
        kinds = np.array(["nfa"] * nfa + ["not_in_need"] * not_in_need + ["support_ended"] * count, dtype=object)
        return self.rng.permutation(kinds[:count])

    def _before(
        self,
        children: np.ndarray,
        kinds: np.ndarray,
        year_start: np.datetime64,
        referred_from: np.ndarray,
        referred_by: np.ndarray,
        closed_by: np.ndarray,
    ) -> pd.DataFrame:
        """Closed episodes of a year starting on `year_start`, referred between `referred_from`
        and the day before `referred_by`, closed by `closed_by`."""
        count = len(children)
        span = (referred_by - referred_from).astype(np.int64)
        referral = referred_from + (self.rng.random(count) * np.maximum(span, 1)).astype("timedelta64[D]")
        frame = self._frame(children, referral, self._needs(count))
        frame["kind"] = kinds
        self._close(frame, np.arange(count), year_start)
        frame["closure"] = np.minimum(as_days(frame["closure"]), closed_by)
        frame["plan_end"] = np.where(
            np.isnat(as_days(frame["plan_end"])), NAT, np.minimum(as_days(frame["plan_end"]), closed_by)
        )
        frame["assessment_end"] = np.minimum(as_days(frame["assessment_end"]), as_days(frame["closure"]))
        frame["plan_start"] = np.minimum(as_days(frame["plan_start"]), as_days(frame["plan_end"]))
        return frame


def _care(
    rng: np.random.Generator,
    population: Population,
    periods: pd.DataFrame,
    timeline: _Timeline,
    place: Place,
    elsewhere: Place,
):
    """Each period's category of need and its placement history from the history's start."""
    care = periods.sort_values(["child", "start"], kind="stable", ignore_index=True)
    care["need"] = draw(rng, prevalence.CATEGORY_OF_NEED.value, len(care))
    providers = _Providers(rng, place, elsewhere)
    homes = _home_postcodes(population, care)
    last_day = np.where(np.isnat(as_days(care["end"])), timeline.reference, as_days(care["end"]))
    age = _years_between(timeline.dob[care["child"].to_numpy()], last_day)
    # Placements are numbered through a child's periods, so a return to care starts a new one.
    before = care.groupby("child").cumcount().to_numpy()
    rows, numbered = [], {}
    for period, home, years_old, earlier in zip(care.itertuples(index=False), homes, age, before, strict=True):
        history = _placement_history(
            rng,
            period,
            providers,
            home,
            timeline.reference,
            timeline.history_start,
            int(years_old),
            numbered.get(period.child, 0) if earlier else 0,
        )
        if history:
            numbered[period.child] = history[-1]["placement"]
        rows += history
    placements = pd.DataFrame(rows, columns=PLACEMENT_COLUMNS)
    return care, _placement_addresses(rng, placements, place, elsewhere, providers)


def _years_between(born: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Completed years from birth to a day (to within a day around birthdays, enough for age bands)."""
    return ((day - born).astype(np.int64) / 365.25).astype(np.int64)


def _periods_now(rng, children, dob, reference, years) -> pd.DataFrame:
    """Children in care on the reference date: this year's starters (S1's 26 per 10,000, less
    those who have already left) and children in care for longer, up to their whole lives, fewer
    from each earlier year as more of its starters have left (an exponential tail, so the year
    before this one keeps about a third of them)."""
    size = len(children)
    in_year_share = (
        prevalence.LOOKED_AFTER_STARTING_RATE.value * STARTERS_STILL_IN_CARE / prevalence.LOOKED_AFTER_RATE.value
    )
    life = (reference - dob[children]).astype(np.int64)
    started_this_year = flags(rng, in_year_share, size) | (life < 365)
    length = np.where(
        started_this_year,
        rng.random(size) * np.minimum(life, 364),
        np.minimum(365 + rng.exponential(IN_CARE_LONGER_MEAN_DAYS, size), life),
    )
    start = reference - length.astype(np.int64).astype("timedelta64[D]")
    legal = _legal_status_now(rng, years[children], length)
    return pd.DataFrame(
        {"child": children, "start": start, "end": np.full(size, NAT), "reason_ended": "", "legal_now": legal}
    )


def _legal_status_now(rng, years: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Exactly the national mix (S1): placement orders for young children, interim orders for
    recent starters, s20 voluntary accommodation for older ones, full care orders for the rest."""
    size = len(years)
    shares = prevalence.LEGAL_STATUSES.value
    legal = np.full(size, "C2", dtype=object)
    taken = np.zeros(size, dtype=bool)
    for status, weight in (
        ("E1", np.where((years < 6) & (length > 150), 1.0, 0.0)),
        ("C1", np.where(length < 420, 3.0, 0.3)),
        ("V2", np.where(years >= 10, 3.0, 1.0)),
    ):
        weight = np.where(taken, 0.0, weight)
        keys = np.where(weight > 0, np.log(rng.random(size)) / np.maximum(weight, 1e-12), -np.inf)
        count = min(round(shares[status] * size), int((weight > 0).sum()))
        chosen = np.argsort(-keys, kind="stable")[:count]
        legal[chosen] = status
        taken[chosen] = True
    return legal


def _periods_ended(rng, children, dob, first_day: np.datetime64, last_day: np.datetime64) -> pd.DataFrame:
    """Periods of care that ended between `first_day` and the day before `last_day`, with the
    reasons for leaving of the child's age then."""
    size = len(children)
    span = int((last_day - first_day).astype(np.int64))
    end = first_day + rng.integers(0, span, size).astype("timedelta64[D]")
    end = np.minimum(np.maximum(end, dob[children] + 30), last_day - 1)
    age = _years_between(dob[children], end)
    endings = codes.CARE_ENDINGS
    older = age >= 16
    reasons = np.where(
        older,
        draw(rng, {k: v[1] for k, v in endings.items() if v[1]}, size),
        draw(rng, {k: v[0] for k, v in endings.items() if v[0]}, size),
    )
    life = (end - dob[children]).astype(np.int64)
    length = np.minimum(rng.lognormal(np.log(420), 0.9, size), np.maximum(life - 1, 1)).astype(np.int64)
    start = end - np.maximum(length, 7).astype("timedelta64[D]")
    too_old_to_adopt = np.isin(reasons, ["E11", "E12"]) & (age >= 10)
    reasons = np.where(too_old_to_adopt, "E4A", reasons)
    adopted = np.isin(reasons, ["E11", "E12"])
    legal = np.where(adopted, "E1", np.where(older | flags(rng, 0.45, size), "V2", "C2"))
    return pd.DataFrame({"child": children, "start": start, "end": end, "reason_ended": reasons, "legal_now": legal})


def _before_returning(rng, periods: pd.DataFrame, dob, history_start, year_start) -> pd.DataFrame:
    """Earlier periods of care for some of the children who came into care in the window: they
    went home and came back. Each ended before the collection year, so the year itself holds one
    period a child (the register follows the year's)."""
    started = as_days(periods["start"])
    children = periods["child"].to_numpy()
    size = len(children)
    gap = (30 + rng.lognormal(np.log(150), 0.8, size)).astype(np.int64).astype("timedelta64[D]")
    end = started - gap
    length = np.maximum(rng.lognormal(np.log(200), 0.9, size), 14).astype(np.int64).astype("timedelta64[D]")
    start = end - length
    returned = (
        flags(rng, prevalence.RETURNED_TO_CARE_SHARE.value, size)
        & (end >= history_start)
        & (end < year_start)
        & (start > dob[children])
    )
    count = int(returned.sum())
    older = _years_between(dob[children][returned], end[returned]) >= 16
    return pd.DataFrame(
        {
            "child": children[returned],
            "start": start[returned],
            "end": end[returned],
            "reason_ended": draw(rng, RETURNED_HOME, count),
            "legal_now": np.where(older | flags(rng, 0.6, count), "V2", "C2"),
        }
    )


class _Providers:
    """Fostering agencies, children's homes and schools with their Ofsted URNs and postcodes."""

    def __init__(self, rng: np.random.Generator, place: Place, elsewhere: Place):
        self.rng = rng
        urns = rng.choice(np.arange(1_000_000, 9_999_999), size=60, replace=False)
        self.fostering = {"PR1": str(urns[0]), "PR4": [str(u) for u in urns[1:9]], "PR5": [str(u) for u in urns[9:12]]}
        sites = 40
        self.sites = either(
            flags(rng, 0.5, sites),
            place.addresses(rng, place.random_localities(rng, sites)),
            elsewhere.addresses(rng, elsewhere.random_localities(rng, sites)),
        )
        self.site_urns = [str(u) for u in urns[12 : 12 + sites]]

    def urn_and_site(self, placement: str, provider: str) -> tuple[str, int | None]:
        if placement.startswith("U"):
            choice = self.fostering[provider] if provider in self.fostering else self.fostering["PR1"]
            return (choice if isinstance(choice, str) else choice[int(self.rng.integers(len(choice)))]), None
        if placement in codes.PLACEMENTS_WITH_URN:
            site = int(self.rng.integers(len(self.site_urns)))
            return self.site_urns[site], site
        if placement in {"R1", "R5", "Z1"}:
            return "", int(self.rng.integers(len(self.site_urns)))
        return "", None


def _home_postcodes(population: Population, care: pd.DataFrame) -> np.ndarray:
    """The family home's postcode when each period of care began (SSDA903 HOME_POST): the last
    home moved into by then, or the family's last home if they came later."""
    homes = population.family_homes
    home_family = homes["family"].to_numpy()
    order = np.lexsort((as_days(homes["moved_in"]), home_family))  # by family, then moving in
    home_family, moved_in = home_family[order], as_days(homes["moved_in"])[order]
    postcodes = homes["postcode"].to_numpy()[order]
    family = population.children["family"].to_numpy()[care["child"].to_numpy()]
    start = as_days(care["start"])
    family_first = np.searchsorted(home_family, family, side="left")
    family_last = np.searchsorted(home_family, family, side="right") - 1
    # Days since 1970 fit easily below a million, so family and day make one sortable key.
    keys = home_family.astype(np.int64) * 1_000_000 + moved_in.astype(np.int64)
    found = np.searchsorted(keys, family.astype(np.int64) * 1_000_000 + start.astype(np.int64), side="right") - 1
    return postcodes[np.where(found >= family_first, found, family_last)]


def _placement_history(
    rng: np.random.Generator,
    period,
    providers: _Providers,
    home_postcode: str,
    reference: np.datetime64,
    history_start: np.datetime64,
    age: int,
    placements_before: int,
) -> list[dict]:
    """The SSDA903 episodes of one period of care that are open at some point in the history: a
    new episode at each change of legal status (RNE L), placement (P) or both (T). Moves come at
    the same rate from the start of care or of the history, whichever is later, so every year of
    the history has its share of children with three or more placements (S2). Placements are
    numbered on from the child's `placements_before` in earlier periods."""
    start = np.datetime64(period.start, "D")
    end = np.datetime64(period.end, "D") if not pd.isna(period.end) else NAT
    last_day = end if not np.isnat(end) else reference
    legal_changes = _legal_path(rng, period.legal_now, start, last_day)
    moves_from = max(start, history_start)
    window = max(int((last_day - moves_from).astype(np.int64)), 1)
    moves = rng.poisson(PLACEMENT_MOVES_PER_YEAR * (1.5 if age >= 10 else 1.0) * window / 365)
    move_days = sorted({moves_from + int(d) for d in rng.integers(1, window + 1, moves)})
    move_days = [d for d in move_days if start < d < last_day]
    changes = sorted({d: None for d in [start, *move_days, *(d for d, _ in legal_changes)]})
    status_on = dict(legal_changes)
    rows, status, placement, provider = [], None, None, None
    for index, when in enumerate(changes):
        new_status = status_on.get(when, status)
        moved = when == start or when in move_days
        if moved:
            placement = _placement_for(rng, age, new_status)
            provider = str(draw(rng, codes.PROVIDERS_BY_PLACEMENT[placement], 1)[0])
        reason = "S" if when == start else ("T" if moved and new_status != status else ("P" if moved else "L"))
        status = new_status
        ends = changes[index + 1] if index + 1 < len(changes) else end
        rows.append(
            {
                "child": period.child,
                "decom": when,
                "rne": reason,
                "ls": status,
                "need": period.need,
                "place": placement,
                "provider": provider,
                "dec": ends,
                "rec": "X1" if index + 1 < len(changes) else (period.reason_ended or ""),
                "home_post": home_postcode,
                "moved_next": index + 1 < len(changes) and changes[index + 1] in move_days,
            }
        )
    kept = [r for r in rows if np.isnat(r["dec"]) or r["dec"] >= history_start]
    placement_number, urn, site = placements_before, "", None
    for row in kept:
        moved_next = row.pop("moved_next")
        row["reason_place_change"] = str(draw(rng, codes.PLACEMENT_CHANGE_REASONS, 1)[0]) if moved_next else ""
        if row["rne"] != "L" or row is kept[0]:  # a change of legal status only keeps the placement
            placement_number += 1
            urn, site = providers.urn_and_site(row["place"], row["provider"])
        row["urn"], row["site"], row["placement"] = urn, site, placement_number
    return kept


def _legal_path(rng, legal_now: str, start: np.datetime64, last_day: np.datetime64) -> list:
    """Legal statuses from the start of care to the last status, with the dates they changed."""
    span = max(int((last_day - start).astype(np.int64)), 1)

    def after(fraction_low: float, fraction_high: float) -> np.datetime64:
        return start + max(1, int(span * rng.uniform(fraction_low, fraction_high)))

    if legal_now == "V2":
        return [(start, "V2")]
    if legal_now == "C1":
        return [(start, "C1")] if span < 420 or rng.random() < 0.3 else [(start, "V2"), (after(0.6, 0.95), "C1")]
    if legal_now == "E1":
        return [(start, "C1"), (after(0.4, 0.8), "E1")]
    if span < 120:
        return [(start, "C2")]
    return [(start, "C1"), (after(0.2, 0.6), "C2")]


def _placement_for(rng, age: int, legal: str) -> str:
    if legal == "E1" and rng.random() < 0.6:
        return "A5" if rng.random() < 0.6 else "A3"
    column = 0 if age < 10 else (1 if age < 16 else 2)
    shares = {
        code: mix[column]
        for code, mix in codes.PLACEMENTS_BY_AGE.items()
        if mix[column] and not code.startswith("A") and not (code == "R3" and age > 1)
    }
    return str(draw(rng, shares, 1)[0])


def _placement_addresses(
    rng, placements: pd.DataFrame, place: Place, elsewhere: Place, providers: _Providers
) -> pd.DataFrame:
    """Where each placement is: a provider's site, a foster or adoptive home, or home (P1)."""
    if placements.empty:
        return placements.drop(columns=["site", "placement"]).assign(
            address_line_1="", address_line_2="", town="", pl_post=""
        )
    # One address per placement, shared by its episodes (a legal change does not move the child).
    stays = placements.drop_duplicates(["child", "placement"])[["child", "placement", "site"]].reset_index(drop=True)
    size = len(stays)
    homes = either(
        flags(rng, 0.65, size),
        place.addresses(rng, place.random_localities(rng, size)),
        elsewhere.addresses(rng, elsewhere.random_localities(rng, size)),
    )
    site = stays["site"].to_numpy()
    has_site = pd.notna(site)
    site_rows = providers.sites.iloc[np.where(has_site, site, 0).astype(np.int64)].reset_index(drop=True)
    stays = pd.concat([stays[["child", "placement"]], either(has_site, site_rows, homes)[ADDRESS_FIELDS]], axis=1)
    placements = placements.drop(columns="site").merge(stays, on=["child", "placement"], how="left")
    with_parents = placements["place"].to_numpy() == "P1"
    placements["pl_post"] = np.where(with_parents, placements["home_post"], placements["postcode"])
    return placements.drop(columns=["postcode", "placement"])


def ever_referred_share(age_years: np.ndarray) -> np.ndarray:
    """The share of children referred by a given age: a saturating curve 0.354 (1 - e^(-a/tau)) /
    (1 - e^(-18/tau)) through the two published points (S19: 35.4% by 18, 22.5% by 5)."""
    by_five, by_eighteen = prevalence.EVER_REFERRED.value[5], prevalence.EVER_REFERRED.value[18]
    low, high = 0.1, 50.0  # tau in years, found by bisection so the curve passes through both points
    for _ in range(60):
        tau = (low + high) / 2
        share_at_five = (1 - np.exp(-5 / tau)) / (1 - np.exp(-18 / tau))
        low, high = (tau, high) if share_at_five > by_five / by_eighteen else (low, tau)
    ages_ = np.clip(np.asarray(age_years, dtype=float), 0, 18)
    return by_eighteen * (1 - np.exp(-ages_ / tau)) / (1 - np.exp(-18 / tau))


def known_to_social_care(rng: np.random.Generator, population: Population, care: SocialCare) -> pd.DataFrame:
    """Every child the social care system holds a person record for on the reference date: each
    child in the window's CIN census or SSDA903 episodes, and children whose contacts or referrals in
    earlier years went no further (drawn by family adversity, siblings together, so that by each
    age the share known is the share ever referred, S19, plus those with contacts only).

    Columns: child, first_contact (days), level: looked_after, protection, in_need or contact."""
    size = population.size
    reference = np.datetime64(population.as_of, "D")
    dob = as_days(population.children["date_of_birth"])
    family = population.children["family"].to_numpy()
    years = ages(population.children, population.as_of)
    in_returns = np.zeros(size, dtype=bool)
    in_returns[care.cin_history["child"].to_numpy()] = True
    statutory = in_returns.copy()
    statutory[care.care_history["child"].to_numpy()] = True
    age = (reference - dob).astype(np.int64) / 365.25
    known_share = ever_referred_share(age) * (1 + prevalence.KNOWN_WITHOUT_REFERRAL.value)
    # One bin a year of age: a child who turned 18 on the day (about one in 6,500) adds a bin.
    bins = max(18, int(years.max()) + 1)
    wanted = np.bincount(years, weights=known_share, minlength=bins) - np.bincount(years[statutory], minlength=bins)
    wanted = np.maximum(wanted, 0)
    others = np.bincount(years[~statutory], minlength=bins)
    per_child = np.divide(wanted, others, out=np.zeros(len(wanted)), where=others > 0)
    risk = population.families["risk"].to_numpy()[family]
    contact_only = clustered_sample(
        rng,
        weights=risk * per_child[years],
        family=family,
        count=round(wanted.sum()),
        sibling_joins=0.5,
        eligible=~statutory,
    )
    children = np.flatnonzero(statutory | contact_only)
    first_statutory = _first_statutory_contact(care, size)[children]
    # Pre-birth contacts happen (a pregnant mother already known), but rarely long before birth.
    none_yet = np.isnat(first_statutory)
    earliest = np.where(none_yet, dob[children] - 90, np.minimum(dob[children] - 90, first_statutory))
    latest = np.where(none_yet, reference, first_statutory)
    span = (latest - earliest).astype(np.int64)
    drawn = earliest + (rng.random(len(children)) * span).astype(np.int64).astype("timedelta64[D]")
    # Half the children with a statutory episode were already known from an earlier contact.
    earlier = flags(rng, 0.5, len(children)) | none_yet
    first_contact = np.where(earlier, drawn, first_statutory)
    level = np.full(len(children), "contact", dtype=object)
    level[in_returns[children]] = "in_need"
    level[care.protection_now[children] | _ever_protected(care, size)[children]] = "protection"
    level[np.isin(children, care.care_history["child"].to_numpy())] = "looked_after"
    return pd.DataFrame({"child": children, "first_contact": first_contact, "level": level})


def _first_statutory_contact(care: SocialCare, size: int) -> np.ndarray:
    """Each child's earliest referral or start of care in the window's returns (NaT if none)."""
    first = np.full(size, NAT)
    dates = pd.concat(
        [
            pd.DataFrame({"child": care.cin_history["child"], "when": as_days(care.cin_history["referral"])}),
            pd.DataFrame({"child": care.care_history["child"], "when": as_days(care.care_history["start"])}),
        ],
        ignore_index=True,
    )
    earliest = dates.groupby("child")["when"].min()
    first[earliest.index.to_numpy()] = as_days(earliest.to_numpy())
    return first


def _ever_protected(care: SocialCare, size: int) -> np.ndarray:
    marks = np.zeros(size, dtype=bool)
    protected = care.cin_history.loc[~pd.isna(care.cin_history["cpp_start"]), "child"].to_numpy()
    marks[protected] = True
    return marks

"""Schools and pupils: the authority's primary and secondary schools, who is on roll where, unique
pupil numbers, special educational needs, attendance in the autumn term and suspensions.

The spring census (the third Thursday of January) is the latest before the reference date; it
returns the autumn term's sessions and exclusions (DfE school census guide), so every rate here is
for that term.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from joinedup.common.identifiers import upn_check_letter

from . import codes, prevalence
from .places import Place
from .population import Population, as_days, completed_years
from .randomness import draw, flags, pick_from, weighted_sample

PRIMARY_PUPILS_PER_SCHOOL = 280  # assumption: 4.6m primary pupils in 16,700 schools (DfE 2024/25)
SECONDARY_PUPILS_PER_SCHOOL = 1050  # 3.6m secondary pupils in 3,450 schools
ON_ROLL_SHARE = 0.915  # the rest: independent schools (~6%), home education, schools in other areas
SIXTH_FORM_SHARE = 0.45  # 16-17 year olds in school sixth forms rather than colleges
UPN_WITHOUT_STATE_SCHOOL = 0.35  # independent and home-educated children who never had a UPN
NEIGHBOURING_LA_CODES = ("850", "851", "852", "855", "856", "857", "860", "861")
OTHER_LA_START_SHARE = 0.7  # of children who arrived after starting school: their UPN is another LA's
SAINTS = ("Mary", "Joseph", "Peter", "Paul", "John", "Anne", "Michael", "Andrew", "George", "Margaret", "Luke")
SUSPENSION_SESSIONS = {1: 0.10, 2: 0.45, 4: 0.20, 6: 0.12, 10: 0.08, 20: 0.05}
SUSPENSIONS_PER_SUSPENDED_PUPIL = prevalence.SUSPENSIONS_PER_100.value / 100 / prevalence.SUSPENDED_PUPIL_SHARE.value
SECONDARY_SUSPENDED_SHARE = 0.0783  # S10: pupils with 1+ suspension, secondary
PERMANENT_EXCLUSIONS_STILL_ON_ROLL = 0.3  # a pupil stays on roll until the governors' review
UNAUTHORISED_REASONS = {"G", "N", "O", "U"}  # DfE attendance codes of unauthorised absence


@dataclass
class Schooling:
    census_date: date
    term_start: date
    term_end: date
    schools: pd.DataFrame  # urn, establishment_number, name, phase, locality, sessions_possible
    pupils: pd.DataFrame  # one row per child on roll: child, school, year, entry, sen, sessions
    absences: pd.DataFrame  # pupil row, reason, sessions
    exclusions: pd.DataFrame  # pupil row, start, sessions, category, reasons
    sen_needs: pd.DataFrame  # pupil row, rank, type
    upn: np.ndarray  # per child; '' where none


def spring_census_date(as_of: date) -> date:
    """The third Thursday of January on or before the reference date."""
    year = as_of.year
    while True:
        first = date(year, 1, 1)
        third_thursday = first + timedelta(days=(3 - first.weekday()) % 7 + 14)
        if third_thursday <= as_of:
            return third_thursday
        year -= 1


def national_curriculum_years(dob: np.ndarray, census: date) -> np.ndarray:
    """Year group in the census's academic year: age on 31 August before it, less four (R = 0)."""
    return completed_years(dob, date(census.year - 1, 8, 31)) - 4


def build_schooling(
    rng: np.random.Generator,
    population: Population,
    place: Place,
    *,
    la_code: str,
    looked_after: np.ndarray,
    protection: np.ndarray,
    in_need: np.ndarray,
) -> Schooling:
    census = spring_census_date(population.as_of)
    term_start, term_end = _autumn_term(census)
    dob = as_days(population.children["date_of_birth"])
    year = national_curriculum_years(dob, census)
    home_locality = population.current_homes()["locality"].to_numpy()
    schools = _schools(rng, place, year, home_locality)
    pupils = _pupils(rng, population, schools, year, home_locality, term_start)
    upn = _upns(rng, population, schools, pupils, year, la_code, census)
    pupils["sen"] = _special_needs(rng, population, pupils, looked_after, in_need | protection)
    sen_needs = _sen_needs(rng, pupils)
    exclusions = _suspensions(rng, population, pupils, in_need | protection | looked_after, term_start, term_end)
    # The census term's absences come from the history of every term (history.py, census_absences).
    absences = pd.DataFrame({"pupil": [], "reason": [], "sessions": []})
    return Schooling(census, term_start, term_end, schools, pupils, absences, exclusions, sen_needs, upn)


def _autumn_term(census: date) -> tuple[date, date]:
    start = date(census.year - 1, 9, 2)
    while start.weekday() >= 5:
        start += timedelta(days=1)
    return start, date(census.year - 1, 12, 20)


def school_days(start: date, end: date) -> np.ndarray:
    """Weekdays of the term, less a week's half term at the end of October."""
    days = np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1)
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    half_term = (days >= np.datetime64(date(start.year, 10, 28), "D")) & (
        days <= np.datetime64(date(start.year, 11, 1), "D")
    )
    return days[(weekday < 5) & ~half_term]


def _schools(rng: np.random.Generator, place: Place, year: np.ndarray, home_locality: np.ndarray) -> pd.DataFrame:
    frames = []
    for locality in range(len(place.localities)):
        here = home_locality == locality
        primary = int(np.sum(here & (year >= 0) & (year <= 6)))
        secondary = int(np.sum(here & (year >= 7) & (year <= 13)))
        for phase, pupils, per_school in (
            ("primary", primary, PRIMARY_PUPILS_PER_SCHOOL),
            ("secondary", secondary, SECONDARY_PUPILS_PER_SCHOOL),
        ):
            count = max(1, round(pupils * ON_ROLL_SHARE / per_school))
            frames.append(
                pd.DataFrame(
                    {"phase": phase, "locality": locality, "name": _school_names(rng, place, locality, phase, count)}
                )
            )
    schools = pd.concat(frames, ignore_index=True)
    primary = (schools["phase"] == "primary").to_numpy()
    numbers = np.empty(len(schools), dtype=np.int64)
    numbers[primary] = rng.choice(np.arange(2001, 4000), size=int(primary.sum()), replace=False)
    numbers[~primary] = rng.choice(np.arange(4001, 5000), size=int((~primary).sum()), replace=False)
    schools["establishment_number"] = numbers.astype(str)
    schools["urn"] = rng.choice(np.arange(100_000, 150_000), size=len(schools), replace=False).astype(str)
    schools["sessions_possible"] = 140 - rng.integers(0, 5, len(schools))  # INSET days differ by school
    return schools[["urn", "establishment_number", "name", "phase", "locality", "sessions_possible"]]


def _school_names(rng: np.random.Generator, place: Place, locality: int, phase: str, count: int) -> list[str]:
    streets = place.streets.loc[place.streets["locality"] == locality, "name"].to_numpy()
    town = place.localities[locality].town
    names: list[str] = []
    while len(names) < count:
        street = str(rng.choice(streets))
        saint = str(rng.choice(SAINTS))
        style = rng.random()
        if phase == "primary":
            name = (
                f"St {saint}'s Catholic Primary School"
                if style < 0.12
                else f"{street.rsplit(' ', 1)[0]} Church of England Primary School"
                if style < 0.3
                else f"{street} Primary School"
                if style < 0.85
                else f"{street.rsplit(' ', 1)[0]} Primary Academy"
            )
        else:
            name = (
                f"St {saint}'s Catholic High School"
                if style < 0.12
                else f"{town} High School"
                if style < 0.3
                else f"{street.rsplit(' ', 1)[0]} Academy"
                if style < 0.75
                else f"{street.rsplit(' ', 1)[0]} School"
            )
        if name not in names:
            names.append(name)
    return names


def _pupils(
    rng: np.random.Generator,
    population: Population,
    schools: pd.DataFrame,
    year: np.ndarray,
    home_locality: np.ndarray,
    term_start: date,
) -> pd.DataFrame:
    """Children on roll in the authority's schools; brothers and sisters share a school."""
    size = population.size
    family = population.children["family"].to_numpy()
    compulsory = (year >= 0) & (year <= 11)
    sixth = (year >= 12) & (year <= 13)
    on_roll = (compulsory & flags(rng, ON_ROLL_SHARE, size)) | (sixth & flags(rng, SIXTH_FORM_SHARE, size))
    on_roll &= home_locality >= 0
    phase = np.where(year <= 6, "primary", "secondary")
    family_choice = rng.random((family.max() + 1, 2))
    school = np.full(size, -1, dtype=np.int64)
    for index, name in enumerate(("primary", "secondary")):
        for locality in np.unique(home_locality[home_locality >= 0]):
            local = np.flatnonzero((schools["phase"] == name).to_numpy() & (schools["locality"] == locality).to_numpy())
            anywhere = np.flatnonzero((schools["phase"] == name).to_numpy())
            here = on_roll & (phase == name) & (home_locality == locality)
            choice = family_choice[family[here], index]
            # Most go to a school near home; one in seven travels to another locality.
            near = choice < 6 / 7
            pool_choice = np.where(near, choice * 7 / 6, (choice - 6 / 7) * 7)
            school[here] = np.where(
                near,
                local[(pool_choice * len(local)).astype(np.int64) % len(local)],
                anywhere[(pool_choice * len(anywhere)).astype(np.int64) % len(anywhere)],
            )
    rows = np.flatnonzero(on_roll)
    entry = _entry_dates(rng, population, rows, year[rows], term_start)
    possible = schools["sessions_possible"].to_numpy()[school[rows]]
    missed_days = np.maximum((as_days(entry) - np.datetime64(term_start, "D")).astype(np.int64), 0)
    possible = np.maximum(possible - (missed_days * 10 // 7), 10)
    return pd.DataFrame(
        {
            "child": rows,
            "school": school[rows],
            "year": year[rows],
            "entry": entry,
            "sessions_possible": possible,
        }
    )


def _entry_dates(
    rng: np.random.Generator, population: Population, rows: np.ndarray, year: np.ndarray, term_start: date
) -> np.ndarray:
    """The day a pupil joined their school: the start of Reception or Year 7, or after a move."""
    phase_years = np.where(year <= 6, year, year - 7)
    phase_start = np.array([np.datetime64(date(term_start.year - int(y), 9, 3), "D") for y in range(14)])
    started = phase_start[phase_years]
    moved_in = as_days(population.current_homes()["moved_in"].to_numpy()[rows])
    changed_school = (moved_in > started) & flags(rng, 0.5, len(rows))
    joined = moved_in + rng.integers(3, 30, len(rows)).astype("timedelta64[D]")
    return np.where(changed_school, np.maximum(joined, started), started)


def _upns(
    rng: np.random.Generator,
    population: Population,
    schools: pd.DataFrame,
    pupils: pd.DataFrame,
    year: np.ndarray,
    la_code: str,
    census: date,
) -> np.ndarray:
    """A UPN for each child who has been to a state school: the LA and school where they started
    and the year they started, then a serial (DfE, Unique pupil numbers)."""
    size = population.size
    school_age = year >= 0
    has_upn = school_age.copy()
    has_upn[school_age] = flags(rng, 1 - UPN_WITHOUT_STATE_SCHOOL * (1 - ON_ROLL_SHARE), int(school_age.sum()))
    has_upn[pupils["child"].to_numpy()] = True
    primaries = np.flatnonzero((schools["phase"] == "primary").to_numpy())
    first_school = primaries[rng.integers(0, len(primaries), size)]
    in_primary = pupils[pupils["year"] <= 6]
    first_school[in_primary["child"].to_numpy()] = in_primary["school"].to_numpy()
    started_year = (census.year - 1 - np.maximum(year, 0)) % 100
    other_la = _started_school_elsewhere(rng, population, year, census)
    la = np.where(other_la, pick_from(rng, NEIGHBOURING_LA_CODES, size), la_code)
    establishment = np.where(
        other_la,
        np.char.zfill(rng.integers(2000, 5000, size).astype(str), 4),
        schools["establishment_number"].to_numpy()[first_school],
    )
    stems = pd.Series(la.astype(str)) + establishment.astype(str) + np.char.zfill(started_year.astype(str), 2)
    holders = np.flatnonzero(has_upn)
    order = rng.permutation(holders)
    group, groups = pd.factorize(stems.to_numpy()[order])
    serial = pd.Series(group).groupby(group).cumcount().to_numpy() + rng.integers(0, 400, len(groups))[group]
    twelve = groups[group] + np.char.zfill((serial % 1000).astype(str), 3)
    upn = np.full(size, "", dtype=object)
    upn[order] = [upn_check_letter(t) + t for t in twelve]
    return upn


def _started_school_elsewhere(
    rng: np.random.Generator, population: Population, year: np.ndarray, census: date
) -> np.ndarray:
    homes = population.family_homes
    arrived = homes[(homes["locality"] >= 0)].groupby("family")["moved_in"].min()
    arrival = as_days(arrived.reindex(population.children["family"]).to_numpy())
    reception = np.array([np.datetime64(date(census.year - 1 - max(int(y), 0), 9, 1), "D") for y in range(20)])
    started = reception[np.clip(year, 0, 19)]
    from_elsewhere = homes.groupby("family")["locality"].first().reindex(population.children["family"]).to_numpy() < 0
    return from_elsewhere & (arrival > started) & flags(rng, OTHER_LA_START_SHARE, population.size)


def _special_needs(
    rng: np.random.Generator,
    population: Population,
    pupils: pd.DataFrame,
    looked_after: np.ndarray,
    in_need: np.ndarray,
) -> np.ndarray:
    """SEN provision (N, K or E) per pupil: EHC plans and SEN support at exactly the national
    shares of pupils (S5), with the higher rates of looked-after children and children in need
    (S7) and boys about twice as likely."""
    child = pupils["child"].to_numpy()
    male = population.children["sex"].to_numpy()[child] == "M"
    groups = [
        (looked_after[child], prevalence.SEN_AMONG_LOOKED_AFTER.value),
        (in_need[child] & ~looked_after[child], prevalence.SEN_AMONG_CHILDREN_IN_NEED.value),
    ]
    targets = {
        "E": round(prevalence.EHC_PLAN_SHARE.value * len(child)),
        "K": round(prevalence.SEN_SUPPORT_SHARE.value * len(child)),
    }
    sen = np.full(len(child), "N", dtype=object)
    rest = np.ones(len(child), dtype=bool)
    for members, rates in groups:
        for provision in ("E", "K"):
            wanted = min(round(rates[provision] * members.sum()), targets[provision])
            chosen = weighted_sample(rng, np.where(members & (sen == "N"), np.where(male, 2.0, 1.0), 0.0), wanted)
            sen[chosen] = provision
            targets[provision] -= len(chosen)
        rest &= ~members
    year = pupils["year"].to_numpy()
    for provision, boy_weight, by_year in (
        ("E", 2.7, 0.6 + 0.08 * np.clip(year, 0, 11)),
        ("K", 1.7, 1.0 + 0.1 * (np.clip(year, 0, 11) < 9)),
    ):
        weights = np.where(rest & (sen == "N"), np.where(male, boy_weight, 1.0) * by_year, 0.0)
        sen[weighted_sample(rng, weights, targets[provision])] = provision
    return sen


def _sen_needs(rng: np.random.Generator, pupils: pd.DataFrame) -> pd.DataFrame:
    """The primary need (rank 1) of every pupil with SEN, and further needs for some."""
    rows = np.flatnonzero(pupils["sen"].to_numpy() != "N")
    ehc = pupils["sen"].to_numpy()[rows] == "E"
    primary = np.where(
        ehc, draw(rng, codes.EHC_PRIMARY_NEEDS, len(rows)), draw(rng, codes.SEN_SUPPORT_PRIMARY_NEEDS, len(rows))
    )
    second = draw(rng, {k: v for k, v in codes.SEN_SUPPORT_PRIMARY_NEEDS.items() if k != "NSA"}, len(rows))
    has_second = flags(rng, 0.3, len(rows)) & (second != primary) & (primary != "NSA")
    frames = [
        pd.DataFrame({"pupil": rows, "rank": 1, "type": primary}),
        pd.DataFrame({"pupil": rows[has_second], "rank": 2, "type": second[has_second]}),
    ]
    return pd.concat(frames, ignore_index=True).sort_values(["pupil", "rank"], kind="stable", ignore_index=True)


def _suspensions(
    rng: np.random.Generator,
    population: Population,
    pupils: pd.DataFrame,
    known_to_care: np.ndarray,
    term_start: date,
    term_end: date,
) -> pd.DataFrame:
    """Suspensions in the autumn term: the year's suspended pupils (S10) are drawn first, then
    each of their suspensions falls in the autumn term with the term's share of the year."""
    child = pupils["child"].to_numpy()
    year = pupils["year"].to_numpy()
    secondary = year >= 7
    primary_share = (prevalence.SUSPENDED_PUPIL_SHARE.value - SECONDARY_SUSPENDED_SHARE * secondary.mean()) / max(
        1 - secondary.mean(), 1e-9
    )
    male = population.children["sex"].to_numpy()[child] == "M"
    weights = (
        np.where(male, 2.5, 1.0)
        * np.where(pupils["sen"].to_numpy() != "N", 2.5, 1.0)
        * np.where(known_to_care[child], 4.0, 1.0)
        * np.where(np.isin(year, [8, 9, 10]), 1.4, 1.0)
    )
    suspended = np.zeros(len(child), dtype=bool)
    for members, share in ((secondary, SECONDARY_SUSPENDED_SHARE), (~secondary, max(primary_share, 0.0))):
        suspended[weighted_sample(rng, np.where(members, weights, 0.0), round(share * members.sum()))] = True
    rows = np.flatnonzero(suspended)
    per_year = 1 + rng.negative_binomial(1.2, 1.2 / (1.2 + SUSPENSIONS_PER_SUSPENDED_PUPIL - 1), len(rows))
    in_autumn = rng.binomial(per_year, prevalence.AUTUMN_TERM_SHARE.value)
    pupil = np.repeat(rows, in_autumn)
    days = school_days(term_start, term_end)
    start = days[rng.integers(0, len(days), len(pupil))]
    sessions = draw(rng, SUSPENSION_SESSIONS, len(pupil)).astype(float)
    category = np.where(flags(rng, 0.03, len(pupil)), "LNCH", "SUSP").astype(object)
    sessions[category == "LNCH"] = 1.0
    perm_expected = (
        prevalence.PERMANENT_EXCLUSIONS_PER_100.value
        / 100
        * len(child)
        * prevalence.AUTUMN_TERM_SHARE.value
        * PERMANENT_EXCLUSIONS_STILL_ON_ROLL
    )
    permanent = weighted_sample(rng, np.where(secondary, weights, 0.0), rng.poisson(perm_expected))
    pupil = np.concatenate([pupil, permanent])
    start = np.concatenate([start, days[rng.integers(max(len(days) - 15, 0), len(days), len(permanent))]])
    sessions = np.concatenate([sessions, np.full(len(permanent), 10.0)])
    category = np.concatenate([category, np.full(len(permanent), "PERM", dtype=object)])
    reasons = [draw(rng, codes.EXCLUSION_REASONS, len(pupil)) for _ in range(3)]
    second = np.where(flags(rng, 0.3, len(pupil)) & (reasons[1] != reasons[0]), reasons[1], "")
    third = np.where(
        (second != "") & flags(rng, 0.15, len(pupil)) & (reasons[2] != reasons[0]) & (reasons[2] != reasons[1]),
        reasons[2],
        "",
    )
    frame = pd.DataFrame(
        {
            "pupil": pupil,
            "start": start,
            "sessions": sessions,
            "category": category,
            "reason1": reasons[0],
            "reason2": second,
            "reason3": third,
        }
    )
    return frame.sort_values(["pupil", "start"], kind="stable", ignore_index=True)


def census_absences(rng: np.random.Generator, census_term: pd.DataFrame) -> pd.DataFrame:
    """The census term's absent sessions by attendance reason, from the history's sessions missed
    (one row per pupil, in pupil order): suspensions as E, the unauthorised sessions split among
    the unauthorised reasons and the rest among the authorised ones, in the mix of the pupil's band."""
    excluded = census_term["excluded"].to_numpy()
    unauthorised = census_term["unauthorised"].to_numpy()
    authorised = census_term["missed"].to_numpy() - excluded - unauthorised
    reasons = list(codes.ABSENCE_REASONS)
    columns = {}
    for kind, counts in (("authorised", authorised), ("unauthorised", unauthorised)):
        chosen = [r for r in reasons if (r in UNAUTHORISED_REASONS) == (kind == "unauthorised")]
        usual = np.array([codes.ABSENCE_REASONS[r] for r in chosen])
        severe = np.array([codes.SEVERE_ABSENCE_REASONS.get(r, 0.0) for r in chosen])
        split = np.where(
            census_term["severe_mix"].to_numpy()[:, None],
            rng.multinomial(counts, severe / severe.sum()),
            rng.multinomial(counts, usual / usual.sum()),
        )
        columns.update(dict(zip(chosen, split.T, strict=True)))
    table = pd.DataFrame({reason: columns[reason] for reason in reasons})
    table["E"] = excluded
    long = table.stack()
    long = long[long > 0].reset_index()
    long.columns = ["pupil", "reason", "sessions"]
    return long

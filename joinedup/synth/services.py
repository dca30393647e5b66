"""The partnership's agencies and services, and which children each service is working with: an
involvement from when a case opened until it closed (open cases have no end).

Social care, virtual school and early help follow from the social care year; the others are drawn
at the rates named beside them, weighted towards the children those services really see.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import prevalence
from .education import Schooling
from .fit import age_range
from .population import Population, as_days
from .randomness import draw, flags
from .selection import ages, clustered_sample
from .social_care import NAT, SocialCare


@dataclass(frozen=True)
class AgencySpec:
    code: str
    name: str  # {la} is the authority's name, {force} the police force's
    kind: str
    domain: str


@dataclass(frozen=True)
class ServiceSpec:
    code: str
    name: str
    agency: str
    level_of_need: str
    sensitive: bool
    localised: bool  # teams per locality, or one authority-wide team
    job_role: str
    team: str


AGENCIES = (
    AgencySpec("LA-CSC", "{la} Council Children's Social Care", "social_care", "{slug}.gov.uk"),
    AgencySpec("LA-EDU", "{la} Council Education and Inclusion", "education", "{slug}.gov.uk"),
    AgencySpec("NHS-COMM", "{la} Community Health NHS Trust", "health", "nhs.net"),
    AgencySpec("NHS-MH", "{la} Mental Health NHS Foundation Trust", "health", "nhs.net"),
    AgencySpec("YJS", "{la} Youth Justice Service", "youth_offending", "{slug}.gov.uk"),
    AgencySpec("POLICE", "{force} Police", "police", "{force_slug}.police.uk"),
    AgencySpec("HOUSING", "{la} Council Housing Options", "housing", "{slug}.gov.uk"),
    AgencySpec("VCS-YC", "{la} Young Carers", "voluntary", "{slug}youngcarers.org.uk"),
    AgencySpec("VCS-HZN", "Horizon Young People's Service", "voluntary", "horizonyps.org.uk"),
)

SERVICES = (
    ServiceSpec(
        "EH-FAM",
        "Early help family support",
        "LA-CSC",
        "additional",
        False,
        True,
        "Family support worker",
        "Early Help Team",
    ),
    ServiceSpec(
        "CSC-ASSESS",
        "Assessment and intervention",
        "LA-CSC",
        "complex",
        False,
        True,
        "Social worker",
        "Assessment Team",
    ),
    ServiceSpec(
        "CSC-CP",
        "Child in need and child protection",
        "LA-CSC",
        "acute",
        False,
        True,
        "Social worker",
        "Child Protection Team",
    ),
    ServiceSpec(
        "CSC-CIC", "Children in care", "LA-CSC", "acute", False, False, "Social worker", "Children in Care Team"
    ),
    ServiceSpec(
        "CSC-MAP",
        "Multi-agency allocation panel",
        "LA-CSC",
        "additional",
        False,
        False,
        "Panel chair",
        "Multi-agency Panel",
    ),
    ServiceSpec(
        "CSC-QA",
        "Child protection conferences and reviews",
        "LA-CSC",
        "acute",
        False,
        False,
        "Independent reviewing officer",
        "Safeguarding and Quality Assurance Team",
    ),
    ServiceSpec(
        "EDU-EWS",
        "Education welfare",
        "LA-EDU",
        "additional",
        False,
        True,
        "Education welfare officer",
        "Education Welfare Team",
    ),
    ServiceSpec(
        "EDU-EP",
        "Educational psychology",
        "LA-EDU",
        "complex",
        False,
        False,
        "Educational psychologist",
        "Educational Psychology Team",
    ),
    ServiceSpec(
        "EDU-VS",
        "Virtual school for children in care",
        "LA-EDU",
        "complex",
        False,
        False,
        "Virtual school adviser",
        "Virtual School",
    ),
    ServiceSpec(
        "HLT-HV", "Health visiting", "NHS-COMM", "universal", False, True, "Health visitor", "Health Visiting Team"
    ),
    ServiceSpec(
        "HLT-SN", "School nursing", "NHS-COMM", "universal", False, True, "School nurse", "School Nursing Team"
    ),
    ServiceSpec(
        "HLT-SH",
        "Young people's sexual health",
        "NHS-COMM",
        "additional",
        True,
        False,
        "Sexual health nurse",
        "Young People's Sexual Health Team",
    ),
    ServiceSpec(
        "MH-CAMHS",
        "Child and adolescent mental health",
        "NHS-MH",
        "complex",
        True,
        False,
        "CAMHS practitioner",
        "CAMHS Team",
    ),
    ServiceSpec(
        "YJS-CASE",
        "Youth justice casework",
        "YJS",
        "complex",
        False,
        False,
        "Youth justice officer",
        "Youth Justice Team",
    ),
    ServiceSpec(
        "POL-EXP",
        "Missing and child exploitation",
        "POLICE",
        "acute",
        False,
        False,
        "Child exploitation officer",
        "Missing and Exploitation Team",
    ),
    ServiceSpec(
        "HSG-TA",
        "Housing options and temporary accommodation",
        "HOUSING",
        "additional",
        False,
        False,
        "Housing options officer",
        "Housing Options Team",
    ),
    ServiceSpec(
        "VCS-YC",
        "Young carers support",
        "VCS-YC",
        "additional",
        False,
        False,
        "Young carers support worker",
        "Young Carers Team",
    ),
    ServiceSpec(
        "VCS-SM",
        "Young people's substance misuse",
        "VCS-HZN",
        "additional",
        True,
        False,
        "Substance misuse worker",
        "Substance Misuse Team",
    ),
)
CASEHOLDING = tuple(s.code for s in SERVICES if s.code not in {"CSC-MAP", "CSC-QA"})

# Open cases as a share of the children a service works with (assumptions, named where used).
HEALTH_VISITING_TARGETED = 0.06  # under-5s on universal plus or partnership plus
SCHOOL_NURSING_TARGETED = 0.01
CAMHS_OPEN = 0.012  # NHS Digital MHSDS: ~3-4% of under-18s in contact in a year; ~1.2% open at once
SEXUAL_HEALTH_OPEN = 0.02  # of 13-17 year olds
SUBSTANCE_MISUSE_OPEN = 0.008  # of 12-17 year olds, including targeted (tier 2) work
EDUCATIONAL_PSYCHOLOGY_OPEN = 0.004  # of pupils
EDUCATION_WELFARE_OF_SEVERE = 0.35  # severe absentees with an education welfare officer
EXPLOITATION_OF_KNOWN_TEENAGERS = 0.2  # children in need or in care aged 12-17 (missing, CSE, CCE)
YOUNG_CARERS_OPEN = 0.008  # of 8-17 year olds
EARLY_HELP_WEEKS = 26  # a typical early help episode (no national figure: S3 proxy)

# Youth justice over each young person's years from 10. Sources: MoJ/YJB Youth Justice Statistics
# 2023/24 and MoJ proven reoffending statistics; assumptions named where they are.
FIRST_TIME_ENTRANTS = 1.5 / 1000  # first caution or conviction, per child aged 10-17 a year (England, 2024)
# Relative hazard of entering at ages 10..17: about two thirds of first-time entrants are 15-17,
# very few 10 or 11 (shape assumed from the statistics' age bands).
AGE_HAZARD = np.array([0.3, 0.6, 1.2, 2.0, 3.0, 4.0, 4.5, 4.5])
# About a third of children cautioned or sentenced reoffend within a year (proven reoffending, ~32%),
# more after each further outcome (the rate rises with previous offences): after the 1st, 2nd, 3rd+.
REOFFENDING_WITHIN_YEAR = (0.33, 0.45, 0.55)
# Prevention and diversion are the rest of the open caseload prevalence.YOUTH_JUSTICE_OPEN_RATE
# assumes (~6 per 1,000 children aged 10-17): at the case lengths below, outcomes keep about 1 per
# 1,000 open at once, so prevention starts about 14 per 1,000 a year (assumption, set to give the
# open rate); at most once a child, before any outcome, so it is rarer than that for children most
# at risk, who have mostly had it already.
PREVENTION_STARTS = 14 / 1000
TURNAROUND_FROM = np.datetime64("2023-01-01")  # the MoJ's Turnaround programme began in December 2022
TURNAROUND_SHARE = 0.4  # of prevention cases once it runs (assumption)
PREVENTION_BEFORE_OUTCOME_DAYS = 14  # a prevention case starting later is the outcome's own work
# Odds of a court outcome rather than a caution: lower for a first outcome (assumption: about a
# third of first outcomes, most repeats), higher for older children, boys, and children already
# known to social care or suspended from school.
FIRST_COURT_ODDS, REPEAT_COURT_ODDS = 0.5, 2.0
OUTCOME_MIX = {  # (first outcome, in court): shares (assumption)
    (True, False): {"Youth Caution": 0.6, "Youth Conditional Caution": 0.4},
    (True, True): {"Referral Order": 0.8, "Youth Rehabilitation Order": 0.17, "Detention and Training Order": 0.03},
    (False, False): {"Youth Caution": 0.3, "Youth Conditional Caution": 0.7},
    (False, True): {"Referral Order": 0.35, "Youth Rehabilitation Order": 0.45, "Detention and Training Order": 0.2},
}
# Shortest and longest case, in days: a referral order runs 3-12 months, a youth rehabilitation
# order up to 3 years (assumed 6-24 months), a detention and training order 4-24 months (custody,
# then supervision); a conditional caution's conditions up to 3 months; prevention is assumed.
CASE_DAYS = {
    "Prevention": (90, 270),
    "Turnaround": (120, 270),
    "Youth Caution": (30, 120),
    "Youth Conditional Caution": (60, 120),
    "Referral Order": (90, 365),
    "Youth Rehabilitation Order": (180, 730),
    "Detention and Training Order": (120, 730),
}
DIVERSION = ("Prevention", "Turnaround")  # work with a child at risk: not the outcome of an offence


def involvement_demand(
    rng: np.random.Generator, population: Population, care: SocialCare, schooling: Schooling
) -> pd.DataFrame:
    """Every child-service involvement open at some point in the year, and every youth justice case
    since the young person turned 10: child, service, started, ended, and a youth justice case's
    outcome (empty for other services)."""
    reference = np.datetime64(population.as_of, "D")
    years = ages(population.children, population.as_of)
    demand = _Demand(rng, population, care, schooling, reference, years)
    frames = [
        demand.social_care(),
        demand.early_help(),
        demand.virtual_school(),
        demand.education_welfare(),
        demand.educational_psychology(),
        demand.health_visiting(),
        demand.school_nursing(),
        demand.camhs(),
        demand.sexual_health(),
        demand.substance_misuse(),
        demand.youth_justice(),
        demand.exploitation(),
        demand.housing(),
        demand.young_carers(),
    ]
    involvements = pd.concat(frames, ignore_index=True)
    involvements["outcome"] = involvements["outcome"].fillna("")
    involvements["started"] = as_days(involvements["started"])
    involvements["ended"] = as_days(involvements["ended"])
    involvements = _from_the_youngest_age(involvements, population)
    return involvements.sort_values(["service", "child", "started"], kind="stable", ignore_index=True)


def _from_the_youngest_age(involvements: pd.DataFrame, population: Population) -> pd.DataFrame:
    """No service works with a child before they are old enough for it (fit.FIT): work dated
    earlier (a virtual school from the start of care, say) starts on that birthday instead, and
    work that ended before it is dropped."""
    born = pd.Series(pd.to_datetime(population.children["date_of_birth"]).to_numpy()[involvements["child"]])
    youngest = involvements["service"].map(lambda service: age_range(service)[0]).to_numpy()
    started = involvements["started"].to_numpy().copy()
    for years in np.unique(youngest[youngest > 0]):  # services from birth may start before it
        rows = youngest == years
        earliest = as_days((born[rows] + pd.DateOffset(years=int(years))).to_numpy())
        started[rows] = np.maximum(started[rows], earliest)
    ended = involvements["ended"].to_numpy()
    possible = np.isnat(ended) | (ended >= started)
    return involvements.assign(started=started)[possible].reset_index(drop=True)


class _Demand:
    def __init__(
        self,
        rng,
        population: Population,
        care: SocialCare,
        schooling: Schooling,
        reference: np.datetime64,
        years: np.ndarray,
    ):
        self.rng, self.population, self.care, self.schooling = rng, population, care, schooling
        self.reference, self.years = reference, years
        self.size = population.size
        self.family = population.children["family"].to_numpy()
        self.risk = population.families["risk"].to_numpy()[self.family]
        self.known = care.in_need_now | care.looked_after_now

    def rows(self, service: str, children: np.ndarray, started: np.ndarray, ended=None) -> pd.DataFrame:
        ended = np.full(len(children), NAT) if ended is None else ended
        return pd.DataFrame({"child": children, "service": service, "started": started, "ended": ended})

    def of_age(self, service: str) -> np.ndarray:
        """The children of the ages the service works with (fit.FIT)."""
        youngest, oldest = age_range(service)
        return (self.years >= youngest) & (self.years <= oldest)

    def opened_within(self, children: np.ndarray, days: int) -> np.ndarray:
        return self.reference - self.rng.integers(1, days, len(children)).astype("timedelta64[D]")

    def pick(self, weights: np.ndarray, rate: float, eligible: np.ndarray, joins: float = 0.0) -> np.ndarray:
        count = round(rate * eligible.sum())
        return np.flatnonzero(
            clustered_sample(
                self.rng, weights=weights, family=self.family, count=count, sibling_joins=joins, eligible=eligible
            )
        )

    def social_care(self) -> pd.DataFrame:
        """Assessment teams hold cases until the assessment is done; then child in need and child
        protection teams; children in care are held by the children in care team."""
        episodes = self.care.episodes
        child = episodes["child"].to_numpy()
        referral, closure = as_days(episodes["referral"]), as_days(episodes["closure"])
        assessed = as_days(episodes["assessment_end"])
        looked_after = episodes["kind"].to_numpy() == "looked_after"
        nfa = episodes["nfa"].to_numpy()
        assessment_ended = np.where(np.isnat(assessed), closure, assessed)
        assessing = ~looked_after & ~nfa
        planned = assessing & ~np.isnat(assessed) & (np.isnat(closure) | (closure > assessed))
        care = self.care.care
        return pd.concat(
            [
                self.rows("CSC-ASSESS", child[assessing], referral[assessing], assessment_ended[assessing]),
                self.rows("CSC-CP", child[planned], assessed[planned], closure[planned]),
                self.rows("CSC-CIC", care["child"].to_numpy(), as_days(care["start"]), as_days(care["end"])),
            ],
            ignore_index=True,
        )

    def early_help(self) -> pd.DataFrame:
        """Families stepped down from social care (RC9) and others at ~385 per 10,000 a year (S17)."""
        episodes = self.care.episodes
        stepped_down = episodes[episodes["closure_reason"] == "RC9"]
        down_children = stepped_down["child"].to_numpy()
        down_started = as_days(stepped_down["closure"]) + self.rng.integers(3, 30, len(down_children)).astype(
            "timedelta64[D]"
        )
        eligible = ~self.known
        eligible[down_children] = False
        wanted = max(prevalence.EARLY_HELP_IN_YEAR_RATE.value - len(down_children) / self.size, 0.0)
        children = self.pick(self.risk, wanted * self.size / max(eligible.sum(), 1), eligible, joins=0.8)
        weeks = self.rng.lognormal(np.log(EARLY_HELP_WEEKS), 0.5, len(children))
        started = self.reference - (self.rng.random(len(children)) * (365 + weeks * 7)).astype(np.int64).astype(
            "timedelta64[D]"
        )
        children_all = np.concatenate([down_children, children])
        started_all = np.concatenate([np.minimum(down_started, self.reference), started])
        length = np.concatenate([self.rng.lognormal(np.log(EARLY_HELP_WEEKS), 0.5, len(down_children)), weeks])
        ended = started_all + (length * 7).astype(np.int64).astype("timedelta64[D]")
        return self.rows("EH-FAM", children_all, started_all, np.where(ended > self.reference, NAT, ended))

    def virtual_school(self) -> pd.DataFrame:
        care = self.care.care
        children = care["child"].to_numpy()
        school_age = self.of_age("EDU-VS")[children]
        return self.rows(
            "EDU-VS", children[school_age], as_days(care["start"])[school_age], as_days(care["end"])[school_age]
        )

    def _pupil_absence(self) -> tuple[np.ndarray, np.ndarray]:
        pupils = self.schooling.pupils
        absent = (
            self.schooling.absences.groupby("pupil")["sessions"]
            .sum()
            .reindex(np.arange(len(pupils)), fill_value=0)
            .to_numpy()
        )
        return pupils["child"].to_numpy(), absent / pupils["sessions_possible"].to_numpy()

    def education_welfare(self) -> pd.DataFrame:
        children, share = self._pupil_absence()
        severe = children[share >= 0.5]
        chosen = severe[flags(self.rng, EDUCATION_WELFARE_OF_SEVERE, len(severe))]
        return self.rows("EDU-EWS", chosen, self.opened_within(chosen, 200))

    def educational_psychology(self) -> pd.DataFrame:
        pupils = self.schooling.pupils
        weights = np.zeros(self.size)
        weights[pupils["child"].to_numpy()] = np.select([pupils["sen"] == "E", pupils["sen"] == "K"], [6.0, 3.0], 0.3)
        children = self.pick(weights, EDUCATIONAL_PSYCHOLOGY_OPEN, weights > 0)
        return self.rows("EDU-EP", children, self.opened_within(children, 300))

    def health_visiting(self) -> pd.DataFrame:
        under_five = self.of_age("HLT-HV")
        children = self.pick(self.risk * np.where(self.known, 8.0, 1.0), HEALTH_VISITING_TARGETED, under_five, 0.9)
        dob = as_days(self.population.children["date_of_birth"])[children]
        started = np.maximum(self.opened_within(children, 700), dob + 10)
        return self.rows("HLT-HV", children, np.minimum(started, self.reference))

    def school_nursing(self) -> pd.DataFrame:
        school_age = self.of_age("HLT-SN")
        children = self.pick(self.risk * np.where(self.known, 10.0, 1.0), SCHOOL_NURSING_TARGETED, school_age)
        return self.rows("HLT-SN", children, self.opened_within(children, 500))

    def camhs(self) -> pd.DataFrame:
        eligible = self.of_age("MH-CAMHS")
        female = self.population.children["sex"].to_numpy() == "F"
        weights = (
            np.where(self.years >= 12, 2.5, 1.0)
            * np.where(female & (self.years >= 12), 1.6, 1.0)
            * np.where(self.care.looked_after_now, 3.0, 1.0)
            * np.sqrt(self.risk)
        )
        children = self.pick(weights, CAMHS_OPEN, eligible)
        return self.rows("MH-CAMHS", children, self.opened_within(children, 600))

    def sexual_health(self) -> pd.DataFrame:
        eligible = self.of_age("HLT-SH")
        female = self.population.children["sex"].to_numpy() == "F"
        weights = np.where(female, 2.3, 1.0) * np.where(self.years >= 16, 2.0, 1.0)
        children = self.pick(weights, SEXUAL_HEALTH_OPEN, eligible)
        return self.rows("HLT-SH", children, self.opened_within(children, 250))

    def substance_misuse(self) -> pd.DataFrame:
        eligible = self.of_age("VCS-SM")
        weights = np.where(self.known, 4.0, 1.0) * self.risk * np.where(self.years >= 15, 2.0, 1.0)
        children = self.pick(weights, SUBSTANCE_MISUSE_OPEN, eligible)
        return self.rows("VCS-SM", children, self.opened_within(children, 300))

    def youth_justice(self) -> pd.DataFrame:
        """Every youth justice case of each young person's years from 10 to now: a prevention or
        Turnaround case for some, a first caution or court outcome, and repeat outcomes after it."""
        children = self.population.children
        male = children["sex"].to_numpy() == "M"
        suspended = np.zeros(self.size, dtype=bool)
        pupils = self.schooling.pupils
        suspended[pupils["child"].to_numpy()[self.schooling.exclusions["pupil"].unique()]] = True
        weights = youth_justice_weights(male=male, known=self.known, suspended=suspended, risk=self.risk)
        cases = youth_justice_cases(
            self.rng,
            weights=weights,
            date_of_birth=as_days(children["date_of_birth"]),
            eligible_now=self.of_age("YJS-CASE"),
            reference=self.reference,
        )
        child = cases["child"].to_numpy()
        outcome = cases["outcome"].to_numpy().copy()
        offence = outcome == ""
        outcome[offence] = offence_outcomes(
            self.rng,
            earlier=cases["earlier"].to_numpy()[offence],
            age=cases["age"].to_numpy()[offence],
            male=male[child[offence]],
            known=self.known[child[offence]],
            suspended=suspended[child[offence]],
        )
        started = cases["started"].to_numpy()
        ended = started + case_days(self.rng, outcome)
        superseded = cases["superseded"].to_numpy()
        ended = np.where(np.isnat(superseded), ended, np.minimum(ended, superseded))
        rows = self.rows("YJS-CASE", child, started, np.where(ended > self.reference, NAT, ended))
        return rows.assign(outcome=outcome)

    def exploitation(self) -> pd.DataFrame:
        eligible = self.known & self.of_age("POL-EXP")
        children = self.pick(np.sqrt(self.risk), EXPLOITATION_OF_KNOWN_TEENAGERS, eligible)
        return self.rows("POL-EXP", children, self.opened_within(children, 300))

    def housing(self) -> pd.DataFrame:
        """Whole families in temporary accommodation (assumption: ~1.2% of children, MHCLG 2024)."""
        children = self.pick(self.risk, prevalence.TEMPORARY_ACCOMMODATION_SHARE.value, np.ones(self.size, bool), 1.0)
        return self.rows("HSG-TA", children, self.opened_within(children, 500))

    def young_carers(self) -> pd.DataFrame:
        eligible = self.of_age("VCS-YC")
        household = self.population.families["household"].to_numpy()[self.family]
        weights = np.where(np.isin(household, ["lone_mother", "lone_father"]), 3.0, 1.0)
        children = self.pick(weights, YOUNG_CARERS_OPEN, eligible)
        return self.rows("VCS-YC", children, self.opened_within(children, 500))


def youth_justice_weights(*, male: np.ndarray, known: np.ndarray, suspended: np.ndarray, risk: np.ndarray):
    """How likely each child is to come to a youth justice service, against the average child: boys
    (about 85% of first-time entrants), children in need or in care, pupils suspended from school
    and families under strain."""
    return np.where(male, 5.0, 1.0) * np.where(known, 4.0, 1.0) * np.where(suspended, 3.0, 1.0) * np.sqrt(risk)


def youth_justice_cases(
    rng: np.random.Generator,
    *,
    weights: np.ndarray,
    date_of_birth: np.ndarray,
    eligible_now: np.ndarray,
    reference: np.datetime64,
) -> pd.DataFrame:
    """Each child's youth justice cases from their 10th birthday to the reference date, in order:
    child, started, outcome (Prevention or Turnaround; empty for an offence's outcome, drawn later),
    earlier (offence outcomes before it), age, superseded (the next case's start, which closes it)."""
    tenth = _birthday(date_of_birth, 10)
    # Hazards scaled so that the children aged 10-17 now enter at the national rate on average.
    relative = weights / weights[eligible_now].mean()
    first = _first_event(rng, FIRST_TIME_ENTRANTS * relative, tenth, reference)
    prevention = _first_event(rng, PREVENTION_STARTS * relative, tenth, reference)
    before_outcome = np.isnat(first) | (prevention < first - PREVENTION_BEFORE_OUTCOME_DAYS)
    prevented = np.flatnonzero(~np.isnat(prevention) & before_outcome)
    diverted_on = prevention[prevented]
    turnaround = (diverted_on >= TURNAROUND_FROM) & flags(rng, TURNAROUND_SHARE, len(prevented))
    children, started, earlier = [prevented], [diverted_on], [np.full(len(prevented), -1)]
    who = np.flatnonzero(~np.isnat(first))
    when = first[who]
    count = 0
    while len(who):
        children.append(who)
        started.append(when)
        earlier.append(np.full(len(who), count))
        chance = REOFFENDING_WITHIN_YEAR[min(count, len(REOFFENDING_WITHIN_YEAR) - 1)]
        again = when + rng.integers(30, 366, len(who)).astype("timedelta64[D]")
        keep = flags(rng, chance, len(who)) & (again <= reference)
        who, when, count = who[keep], again[keep], count + 1
    cases = pd.DataFrame(
        {"child": np.concatenate(children), "started": np.concatenate(started), "earlier": np.concatenate(earlier)}
    ).sort_values(["child", "started"], kind="stable", ignore_index=True)
    child, started_on = cases["child"].to_numpy(), cases["started"].to_numpy()
    followed = np.r_[child[1:] == child[:-1], False]
    diversion = np.full(len(prevented), "Prevention", dtype=object)
    diversion[turnaround] = "Turnaround"
    outcome = np.full(len(cases), "", dtype=object)
    outcome[cases["earlier"].to_numpy() < 0] = diversion  # in child order, as the sort left them
    return cases.assign(
        earlier=np.maximum(cases["earlier"].to_numpy(), 0),
        outcome=outcome,
        age=_age_on(date_of_birth[child], started_on),
        superseded=np.where(followed, np.r_[started_on[1:], NAT], NAT),
    )


def offence_outcomes(
    rng: np.random.Generator,
    *,
    earlier: np.ndarray,
    age: np.ndarray,
    male: np.ndarray,
    known: np.ndarray,
    suspended: np.ndarray,
) -> np.ndarray:
    """A caution or a court order for each offence: court likelier for a repeat, for older children,
    boys and children known to social care or suspended; custody mostly after earlier outcomes."""
    first = earlier == 0
    odds = (
        np.where(first, FIRST_COURT_ODDS, REPEAT_COURT_ODDS)
        * np.where(age >= 15, 1.5, 1.0)
        * np.where(male, 1.3, 1.0)
        * np.where(known | suspended, 1.4, 1.0)
    )
    court = flags(rng, odds / (1 + odds), len(earlier))
    outcome = np.empty(len(earlier), dtype=object)
    for (is_first, in_court), shares in OUTCOME_MIX.items():
        rows = (first == is_first) & (court == in_court)
        outcome[rows] = draw(rng, shares, int(rows.sum()))
    return outcome


def case_days(rng: np.random.Generator, outcome: np.ndarray) -> np.ndarray:
    """How long each case runs, by its outcome (CASE_DAYS)."""
    bounds = np.array([CASE_DAYS[o] for o in outcome], dtype=np.int64).reshape(-1, 2)
    return rng.integers(bounds[:, 0], bounds[:, 1] + 1).astype("timedelta64[D]")


def _first_event(rng: np.random.Generator, yearly: np.ndarray, tenth: np.ndarray, reference: np.datetime64):
    """The day each child first comes to the service at `yearly` times AGE_HAZARD (relative to its
    mean) from their 10th to their 18th birthday, or NaT if not by the reference date."""
    age_hazard = AGE_HAZARD / AGE_HAZARD.mean()
    cumulative = np.r_[0.0, np.cumsum(age_hazard)]
    with np.errstate(divide="ignore"):
        needed = rng.exponential(size=len(yearly)) / yearly  # the cumulative hazard that brings them
    year = np.minimum(np.searchsorted(cumulative, needed, side="right") - 1, len(age_hazard))
    within = year < len(age_hazard)
    year = np.minimum(year, len(age_hazard) - 1)
    offset = (year + (needed - cumulative[year]) / age_hazard[year]) * 365.25
    when = tenth + np.floor(np.where(within, offset, 0)).astype(np.int64).astype("timedelta64[D]")
    return np.where(within & (when <= reference), when, NAT)


def _birthday(date_of_birth: np.ndarray, years: int) -> np.ndarray:
    """The day of a birthday (29 February's falls on 1 March in other years)."""
    month = date_of_birth.astype("datetime64[M]")
    return (month + 12 * years).astype("datetime64[D]") + (date_of_birth - month.astype("datetime64[D]"))


def _age_on(date_of_birth: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Completed years of age on each day."""
    months = (day.astype("datetime64[M]") - date_of_birth.astype("datetime64[M]")).astype(np.int64)
    day_of_month = (day - day.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64)
    birth_day_of_month = (date_of_birth - date_of_birth.astype("datetime64[M]").astype("datetime64[D]")).astype(
        np.int64
    )
    return (months - (day_of_month < birth_day_of_month)) // 12

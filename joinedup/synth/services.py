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
from .randomness import flags
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


def involvement_demand(
    rng: np.random.Generator, population: Population, care: SocialCare, schooling: Schooling
) -> pd.DataFrame:
    """Every child-service involvement open at some point in the year: child, service, started, ended."""
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
    involvements["started"] = as_days(involvements["started"])
    involvements["ended"] = as_days(involvements["ended"])
    return involvements.sort_values(["service", "child", "started"], kind="stable", ignore_index=True)


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
        """Open cases at the assumed rate, and as many again closed during the year."""
        eligible = self.of_age("YJS-CASE")
        male = self.population.children["sex"].to_numpy() == "M"
        suspended = np.zeros(self.size, dtype=bool)
        pupils = self.schooling.pupils
        suspended[pupils["child"].to_numpy()[self.schooling.exclusions["pupil"].unique()]] = True
        weights = (
            np.where(male, 5.0, 1.0)
            * np.where(self.known, 4.0, 1.0)
            * np.where(suspended, 3.0, 1.0)
            * np.clip(self.years - 9, 1, 8)
            * np.sqrt(self.risk)
        )
        children = self.pick(weights, prevalence.YOUTH_JUSTICE_OPEN_RATE.value * 1.6, eligible)
        started = self.opened_within(children, 540)
        closed = flags(self.rng, 0.4, len(children))
        ended = started + self.rng.integers(60, 360, len(children)).astype("timedelta64[D]")
        ended = np.where(closed & (ended < self.reference), ended, NAT)
        return self.rows("YJS-CASE", children, started, ended)

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

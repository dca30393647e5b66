"""Teams and the people in them, sized to the work: each caseholding team has enough practitioners
for 10-25 open cases each, teams of at most eight under a team manager, and the managers, panel
chairs, analysts, administrators and director a partnership needs around them.

Cases are allocated in family order so that brothers and sisters share a worker, as they do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .names import first_names, surnames
from .places import Place
from .services import AGENCIES, CASEHOLDING, SERVICES, ServiceSpec

LOWEST_CASELOAD, HIGHEST_CASELOAD, USUAL_CASELOAD = 10, 25, 19
LARGEST_TEAM = 8
CHILDREN_PER_REVIEWING_OFFICER = 60  # reviewing officers and conference chairs (IRO Handbook: 50-70)
CHILDREN_PER_ANALYST = 40_000


@dataclass
class Staffing:
    teams: pd.DataFrame  # code, name, agency, service, locality, manager
    practitioners: pd.DataFrame  # username, given_name, family_name, email, agency, team, job_role, role
    involvements: pd.DataFrame  # child, service, practitioner, started, ended


def build_staffing(
    rng: np.random.Generator,
    *,
    involvements: pd.DataFrame,
    home_locality: np.ndarray,
    family: np.ndarray,
    place: Place,
    domains: dict[str, str],
    looked_after: int,
    on_plans: int,
    children: int,
) -> Staffing:
    people = _People(rng, domains)
    teams: list[dict] = []
    allocated = []
    service_by_code = {s.code: s for s in SERVICES}
    for code in CASEHOLDING:
        spec = service_by_code[code]
        cases = involvements[involvements["service"] == code]
        localities = home_locality[cases["child"].to_numpy()]
        areas = _team_areas(spec, cases, localities, len(place.localities))
        for area, members in areas:
            allocated.append(_staff_area(rng, spec, cases[members], family, area, place, teams, people))
    chairs = max(1, -(-(looked_after + on_plans) // CHILDREN_PER_REVIEWING_OFFICER))
    _add_team(
        teams,
        people,
        service_by_code["CSC-QA"],
        None,
        place,
        None,
        [("Independent reviewing officer", "panel_chair")] * chairs,
    )
    _add_team(
        teams,
        people,
        service_by_code["CSC-MAP"],
        None,
        place,
        None,
        [("Multi-agency panel chair", "panel_chair")] * len(place.localities)
        + [("Panel coordinator", "administrator")],
    )
    _assign_managers(people, teams)
    _leadership(people, teams, children)
    involvements = pd.concat(allocated, ignore_index=True)
    return Staffing(pd.DataFrame(teams).drop(columns="size"), people.frame(), involvements)


def _team_areas(spec: ServiceSpec, cases: pd.DataFrame, localities: np.ndarray, locality_count: int):
    """Per-locality teams where every locality has work for two practitioners, else one team."""
    is_open = cases["ended"].isna().to_numpy()
    per_locality = np.bincount(localities[is_open & (localities >= 0)], minlength=locality_count)
    if spec.localised and per_locality.min() >= 2 * USUAL_CASELOAD:
        # Children living outside the area stay with the team of the first locality.
        return [(area, np.where(localities < 0, 0, localities) == area) for area in range(locality_count)]
    return [(None, np.ones(len(cases), dtype=bool))]


def _staff_area(
    rng: np.random.Generator,
    spec: ServiceSpec,
    cases: pd.DataFrame,
    family: np.ndarray,
    area: int | None,
    place: Place,
    teams: list[dict],
    people: _People,
) -> pd.DataFrame:
    is_open = cases["ended"].isna().to_numpy()
    open_count = int(is_open.sum())
    staff = max(1, -(-open_count // USUAL_CASELOAD))
    caseloads = _caseloads(rng, open_count, staff)
    usernames: list[str] = []
    team_count = -(-staff // LARGEST_TEAM)
    for number, team_staff in enumerate(np.array_split(np.arange(staff), team_count), start=1):
        usernames += _add_team(
            teams,
            people,
            spec,
            area,
            place,
            number if team_count > 1 else None,
            [(spec.job_role, "practitioner")] * len(team_staff),
        )
    # Open cases in family order, so siblings share a worker; closed ones to anyone in the area.
    order = np.lexsort((cases["child"].to_numpy(), family[cases["child"].to_numpy()]))
    open_rows = order[is_open[order]]
    worker = np.empty(len(cases), dtype=object)
    worker[open_rows] = np.repeat(usernames, caseloads)
    closed_rows = np.flatnonzero(~is_open)
    worker[closed_rows] = np.array(usernames, dtype=object)[rng.integers(0, staff, len(closed_rows))]
    return cases.assign(practitioner=worker)


def _caseloads(rng: np.random.Generator, open_count: int, staff: int) -> np.ndarray:
    """Caseloads that differ person to person (within a quarter of the team's mean) but stay within
    10-25 wherever the work allows."""
    if open_count == 0:
        return np.zeros(staff, dtype=np.int64)
    mean = open_count / staff
    low = min(max(0.75 * mean, LOWEST_CASELOAD), mean)
    high = max(min(1.25 * mean, HIGHEST_CASELOAD), mean)
    quotas = mean * rng.uniform(0.75, 1.25, staff)
    for _ in range(50):  # rescale and clip until the quotas add up to the work
        quotas = np.clip(quotas * open_count / quotas.sum(), low, high)
    quotas += (open_count - quotas.sum()) / staff
    caseloads = np.floor(quotas + 1e-9).astype(np.int64)
    remainder = open_count - caseloads.sum()
    caseloads[np.argsort(-(quotas - caseloads), kind="stable")[:remainder]] += 1
    return caseloads


class _People:
    """Invents staff with unique usernames and agency email addresses."""

    def __init__(self, rng: np.random.Generator, domains: dict[str, str]):
        self.rng, self.domains = rng, domains
        self.rows: list[dict] = []
        self.taken: set[str] = set()

    def add(self, agency: str, team: str | None, job_role: str, role: str) -> str:
        sex = np.array(["F" if self.rng.random() < 0.78 else "M"], dtype=object)  # the workforce is mostly women
        given = str(first_names(self.rng, sex)[0])
        family = str(surnames(self.rng, 1, double_barrelled_share=0)[0])
        stem = f"{given}.{family}".lower().replace(" ", "").replace("'", "")
        username, number = stem, 1
        while username in self.taken:
            number += 1
            username = f"{stem}{number}"
        self.taken.add(username)
        self.rows.append(
            {
                "username": username,
                "given_name": given,
                "family_name": family,
                "email": f"{username}@{self.domains[agency]}",
                "agency": agency,
                "team": team,
                "job_role": job_role,
                "role": role,
            }
        )
        return username

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)


def _add_team(
    teams: list[dict],
    people: _People,
    spec: ServiceSpec,
    area: int | None,
    place: Place,
    number: int | None,
    members: list[tuple[str, str]],
) -> list[str]:
    where = place.localities[area] if area is not None else None
    label = f"{where.name} {spec.team}" if where else spec.team
    name = f"{label} {number}" if number else label
    code = f"{spec.code}-{where.code if where else 'ALL'}" + (f"-{number}" if number else "")
    teams.append(
        {
            "code": code,
            "name": name,
            "agency": spec.agency,
            "service": spec.code,
            "locality": where.code if where else None,
            "manager": None,
            "size": len(members),
        }
    )
    return [people.add(spec.agency, code, job, role) for job, role in members]


def _assign_managers(people: _People, teams: list[dict]) -> None:
    """A team manager for every eight or so staff: an agency's small teams share a manager."""
    for agency in AGENCIES:
        manager, load = None, 0
        for team in (t for t in teams if t["agency"] == agency.code):
            if manager is None or load + team["size"] > LARGEST_TEAM:
                manager, load = people.add(agency.code, team["code"], "Team manager", "service_manager"), 0
            team["manager"] = manager
            load += team["size"]


def _leadership(people: _People, teams: list[dict], children: int) -> None:
    """Heads of the council's and the NHS trust's services, the director, analysts and business support."""
    for agency in ("LA-CSC", "LA-EDU", "NHS-COMM"):
        people.add(agency, None, "Head of service", "service_manager")
    people.add("LA-CSC", None, "Director of Children's Services", "director")
    people.add("LA-CSC", None, "Assistant Director, Children's Social Care", "director")
    for _ in range(max(2, round(children / CHILDREN_PER_ANALYST))):
        people.add("LA-CSC", None, "Performance analyst", "performance_analyst")
    people.add("LA-CSC", None, "Systems administrator", "administrator")
    for team in teams[:: max(1, len(teams) // 6)]:
        people.add(team["agency"], team["code"], "Business support officer", "administrator")

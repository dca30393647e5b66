"""Loading the authority's reference data: localities, agencies, services, teams, schools."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from joinedup.common.tables import FileProblems, Problem

from .models import (
    Agency,
    AgencyKind,
    LevelOfNeed,
    LocalAuthority,
    Locality,
    LocalityPostcode,
    School,
    Service,
    Team,
)


def _require(data: dict, path: str, keys: list[str], source: str, problems: list[Problem]) -> None:
    for key in keys:
        if key not in data or data[key] in (None, ""):
            problems.append(Problem(source, None, f"{path}.{key}", "a value is required"))


def check_reference_data(data: dict[str, Any], source: str) -> None:
    """Every problem in the authority file at once, with where it is (e.g. services[3].level_of_need)."""
    problems: list[Problem] = []
    _require(data, "authority", ["name", "la_code"], source, problems)
    sections = {
        "localities": ["code", "name"],
        "agencies": ["code", "name", "kind"],
        "services": ["code", "name", "agency", "level_of_need"],
        "teams": ["code", "name", "agency"],
        "schools": ["urn", "establishment_number", "name", "phase"],
    }
    for section, keys in sections.items():
        for index, item in enumerate(data.get(section) or []):
            _require(item, f"{section}[{index}]", keys, source, problems)
    kinds, levels = set(AgencyKind.values), set(LevelOfNeed.values)
    agency_codes = {a.get("code") for a in data.get("agencies") or []}
    for index, agency in enumerate(data.get("agencies") or []):
        if agency.get("kind") and agency["kind"] not in kinds:
            problems.append(Problem(source, None, f"agencies[{index}].kind", f"expected one of {sorted(kinds)}"))
    for index, service in enumerate(data.get("services") or []):
        if service.get("level_of_need") and service["level_of_need"] not in levels:
            problems.append(
                Problem(source, None, f"services[{index}].level_of_need", f"expected one of {sorted(levels)}")
            )
        if service.get("agency") and service["agency"] not in agency_codes:
            problems.append(Problem(source, None, f"services[{index}].agency", "no agency has this code"))
    # A team's unknown agency would stop the load half-way; an unknown service or locality would
    # silently cut the team off from its management line.
    known = {
        "agency": agency_codes,
        "service": {s.get("code") for s in data.get("services") or []},
        "locality": {loc.get("code") for loc in data.get("localities") or []},
    }
    for index, team in enumerate(data.get("teams") or []):
        for key, codes in known.items():
            if team.get(key) and team[key] not in codes:
                problems.append(Problem(source, None, f"teams[{index}].{key}", f"no {key} has this code"))
    if not data.get("localities"):
        problems.append(Problem(source, None, "localities", "an authority needs at least one locality"))
    if problems:
        raise FileProblems(problems)


@transaction.atomic
def load_reference_data(*, data: dict[str, Any], source: str) -> LocalAuthority:
    """Create or update the authority's reference data from its description; loading the same
    description twice changes nothing."""
    check_reference_data(data, source)
    authority, _ = LocalAuthority.objects.update_or_create(la_code=data["la_code"], defaults={"name": data["name"]})
    localities = {}
    for item in data["localities"]:
        locality, _ = Locality.objects.update_or_create(
            code=item["code"], defaults={"authority": authority, "name": item["name"]}
        )
        localities[item["code"]] = locality
        for prefix in [*item.get("postcode_districts", []), *item.get("postcode_sectors", [])]:
            LocalityPostcode.objects.update_or_create(prefix=prefix.upper(), defaults={"locality": locality})
    agencies = {}
    for item in data["agencies"]:
        agencies[item["code"]], _ = Agency.objects.update_or_create(
            code=item["code"], defaults={"authority": authority, "name": item["name"], "kind": item["kind"]}
        )
    services = {}
    for item in data.get("services", []):
        services[item["code"]], _ = Service.objects.update_or_create(
            code=item["code"],
            defaults={
                "agency": agencies[item["agency"]],
                "name": item["name"],
                "level_of_need": item["level_of_need"],
                "sensitive": bool(item.get("sensitive")),
            },
        )
    for item in data.get("teams", []):
        Team.objects.update_or_create(
            code=item["code"],
            defaults={
                "agency": agencies[item["agency"]],
                "name": item["name"],
                "service": services.get(item.get("service")),
                "locality": localities.get(item.get("locality")),
            },
        )
    for item in data.get("schools", []):
        School.objects.update_or_create(
            urn=str(item["urn"]),
            defaults={
                "authority": authority,
                "establishment_number": str(item["establishment_number"]),
                "name": item["name"],
                "phase": item["phase"],
                "locality": localities.get(item.get("locality")),
            },
        )
    return authority

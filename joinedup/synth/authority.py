"""The authority's clean reference data as the demo loads it (authority.json): localities with
their postcodes, agencies, services, teams, schools and practitioners, each referring to the others
by code or username."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from .places import Place
from .services import AGENCIES, SERVICES
from .staffing import Staffing

# DfE LA codes of real English authorities, so UPNs pass the CIN census check on characters 2-4; the
# authority's name and everything in it are invented.
LA_CODES = ("813", "825", "838", "866", "873", "878", "886", "895", "908", "931", "935", "936")


def choose_la_code(rng: np.random.Generator) -> str:
    return str(rng.choice(LA_CODES))


def names_and_domains(place: Place) -> tuple[str, dict[str, str], dict[str, str]]:
    """The authority's name, each agency's name and each agency's email domain."""
    name = place.localities[0].town
    force = f"{name} and {place.localities[-1].town}" if len(place.localities) > 1 else name
    slug = name.lower().replace(" ", "")
    values = {"la": name, "force": force, "slug": slug, "force_slug": force.lower().replace(" and ", "")}
    agency_names = {a.code: a.name.format(**values) for a in AGENCIES}
    domains = {a.code: a.domain.format(**values) for a in AGENCIES}
    return name, agency_names, domains


def authority_document(
    *,
    name: str,
    la_code: str,
    as_of: date,
    place: Place,
    agency_names: dict[str, str],
    schools: pd.DataFrame,
    staffing: Staffing,
) -> dict:
    locality_codes = [locality.code for locality in place.localities]
    return {
        "name": name,
        "la_code": la_code,
        "as_of": as_of.isoformat(),
        "localities": [
            {
                "code": loc.code,
                "name": loc.name,
                "postcode_districts": list(loc.postcode_districts),
                "postcode_sectors": list(loc.postcode_sectors),
            }
            for loc in place.localities
        ],
        "agencies": [{"code": a.code, "name": agency_names[a.code], "kind": a.kind} for a in AGENCIES],
        "services": [
            {
                "code": s.code,
                "name": s.name,
                "agency": s.agency,
                "level_of_need": s.level_of_need,
                "sensitive": s.sensitive,
            }
            for s in SERVICES
        ],
        "teams": _records(staffing.teams[["code", "name", "agency", "service", "locality", "manager"]]),
        "schools": [
            {
                "urn": row.urn,
                "establishment_number": row.establishment_number,
                "name": row.name,
                "phase": row.phase,
                "locality": locality_codes[row.locality],
            }
            for row in schools.itertuples(index=False)
        ],
        "practitioners": _records(
            staffing.practitioners[
                ["username", "given_name", "family_name", "email", "agency", "team", "job_role", "role"]
            ]
        ),
    }


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts, with None (JSON null) for an empty value."""
    return [
        {
            key: (None if value is None or (isinstance(value, float) and np.isnan(value)) else value)
            for key, value in row.items()
        }
        for row in frame.to_dict("records")
    ]

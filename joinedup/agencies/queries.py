"""Shared reads about the authority's geography and services."""

from __future__ import annotations

from .models import Locality, LocalityPostcode


def postcode_district(postcode: str) -> str:
    """The outward code: "NX4 2AB" -> "NX4"."""
    return normalise_postcode(postcode).split(" ")[0]


def postcode_sector(postcode: str) -> str:
    """Outward code and the first digit of the inward code: "NX4 2AB" -> "NX4 2"."""
    normal = normalise_postcode(postcode)
    return normal[:-2] if " " in normal else normal


def normalise_postcode(postcode: str) -> str:
    """Upper case with one space before the three-character inward code."""
    compact = "".join((postcode or "").split()).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 4 else compact


def locality_for_postcode(postcode: str) -> Locality | None:
    """The locality a postcode lies in: its sector if listed, else its district."""
    if not postcode:
        return None
    prefixes = {
        row.prefix: row.locality
        for row in LocalityPostcode.objects.select_related("locality").filter(
            prefix__in=[postcode_sector(postcode), postcode_district(postcode)]
        )
    }
    return prefixes.get(postcode_sector(postcode)) or prefixes.get(postcode_district(postcode))

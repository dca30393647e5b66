"""Shared reads about the authority's geography and services."""

from __future__ import annotations

from joinedup.common.postcodes import normalise_postcode, postcode_district, postcode_sector

from .models import Locality, LocalityPostcode

__all__ = [
    "localities_by_prefix",
    "locality_for_postcode",
    "normalise_postcode",
    "postcode_district",
    "postcode_sector",
]


def localities_by_prefix() -> dict[str, Locality]:
    """Every listed district and sector with its locality, read once by a caller placing many
    addresses (a register of a quarter of a million children) instead of a query per address."""
    return {row.prefix: row.locality for row in LocalityPostcode.objects.select_related("locality")}


def locality_for_postcode(postcode: str, *, listed: dict[str, Locality] | None = None) -> Locality | None:
    """The locality a postcode lies in: its sector if listed, else its district. `listed` is
    localities_by_prefix(), when the caller has read it already."""
    if not postcode:
        return None
    sector, district = postcode_sector(postcode), postcode_district(postcode)
    if listed is None:
        listed = {
            row.prefix: row.locality
            for row in LocalityPostcode.objects.select_related("locality").filter(prefix__in=[sector, district])
        }
    return listed.get(sector) or listed.get(district)

"""Shared reads about the authority's geography and services."""

from __future__ import annotations

from joinedup.common.postcodes import normalise_postcode, postcode_district, postcode_sector

from .models import Locality, LocalityPostcode

__all__ = ["locality_for_postcode", "normalise_postcode", "postcode_district", "postcode_sector"]


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

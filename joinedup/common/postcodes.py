"""UK postcodes as every room writes them: upper case, one space before the inward code."""

from __future__ import annotations


def normalise_postcode(postcode: str) -> str:
    """Upper case with one space before the three-character inward code: "nx42ab" -> "NX4 2AB"."""
    compact = "".join((postcode or "").split()).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 4 else compact


def postcode_district(postcode: str) -> str:
    """The outward code: "NX4 2AB" -> "NX4"."""
    return normalise_postcode(postcode).split(" ")[0]


def postcode_sector(postcode: str) -> str:
    """Outward code and the first digit of the inward code: "NX4 2AB" -> "NX4 2"."""
    normal = normalise_postcode(postcode)
    return normal[:-2] if " " in normal else normal

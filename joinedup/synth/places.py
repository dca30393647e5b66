"""An invented place: towns, localities, postcode districts and sectors in a postcode area that does
not exist, streets, and addresses drawn on them.

Postcodes follow the Royal Mail rules (area letters, a district number, a sector digit and two unit
letters from ABDEFGHJLNPQRSTUWXYZ), but the area is never a real one, so no synthetic address can
be a real home.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from faker.providers.address.en_GB import Provider as AddressNames

from .names import surnames

_UNIT_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
_TOWN_SUFFIXES = ("ton", "bury", "ford", "ley", "field", "ham", "worth", "by", "stead", "wick", "bridge", "borough")
_STREET_STEMS = (
    "Oak",
    "Elm",
    "Ash",
    "Beech",
    "Birch",
    "Willow",
    "Chestnut",
    "Maple",
    "Church",
    "Mill",
    "Station",
    "Park",
    "Victoria",
    "Queens",
    "Kings",
    "Albert",
    "Manor",
    "Meadow",
    "Orchard",
    "Castle",
    "Bridge",
    "School",
    "Chapel",
    "Springfield",
    "Highfield",
    "Grange",
    "Windsor",
    "York",
    "Stanley",
    "Hawthorn",
)
_STREET_KINDS = {
    "Road": 0.28,
    "Street": 0.14,
    "Close": 0.12,
    "Avenue": 0.08,
    "Lane": 0.08,
    "Drive": 0.07,
    "Way": 0.05,
    "Crescent": 0.04,
    "Gardens": 0.03,
    "Grove": 0.03,
    "Court": 0.02,
    "Place": 0.02,
    "Terrace": 0.02,
    "Walk": 0.01,
    "Rise": 0.01,
}
_QUARTERS = ("North", "South", "East", "West", "Central")
FLAT_SHARE = 0.22  # assumption: about a fifth of families with children live in flats
HOUSEHOLDS_PER_STREET = 30


@dataclass(frozen=True)
class Locality:
    code: str
    name: str
    town: str
    postcode_districts: tuple[str, ...]
    postcode_sectors: tuple[str, ...]


@dataclass(frozen=True)
class Place:
    """Localities and their streets; each street lies in one postcode sector with a few units."""

    area: str
    localities: tuple[Locality, ...]
    streets: pd.DataFrame  # name, locality, town, first_unit, unit_count, longest_number
    postcodes: np.ndarray  # each street's units, street after street
    locality_weights: np.ndarray

    def addresses(self, rng: np.random.Generator, localities: np.ndarray) -> pd.DataFrame:
        """One address in each given locality: address_line_1, address_line_2, town, postcode."""
        size = len(localities)
        by_locality = self.streets.groupby("locality").indices
        street = np.empty(size, dtype=np.int64)
        picks = rng.random(size)
        for locality, rows in by_locality.items():
            here = localities == locality
            street[here] = rows[(picks[here] * len(rows)).astype(np.int64)]
        streets = self.streets.iloc[street]
        house = 1 + (rng.random(size) * streets["longest_number"].to_numpy()).astype(np.int64)
        flat = rng.random(size) < FLAT_SHARE
        flat_number = 1 + rng.integers(0, 24, size)
        unit = (rng.random(size) * streets["unit_count"].to_numpy()).astype(np.int64)
        postcodes = self.postcodes[streets["first_unit"].to_numpy() + unit]
        road = house.astype(str).astype(object) + " " + streets["name"].to_numpy()
        return pd.DataFrame(
            {
                "address_line_1": np.where(flat, "Flat " + flat_number.astype(str).astype(object), road),
                "address_line_2": np.where(flat, road, ""),
                "town": streets["town"].to_numpy(),
                "postcode": postcodes,
                "locality": localities,
            }
        )

    def random_localities(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.choice(len(self.localities), size=size, p=self.locality_weights)


ADDRESS_FIELDS = ["address_line_1", "address_line_2", "town", "postcode"]


def either(use_first: np.ndarray, first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """Row by row, an address from `first` where `use_first` holds and from `second` elsewhere."""
    return pd.DataFrame(
        {field: np.where(use_first, first[field].to_numpy(), second[field].to_numpy()) for field in ADDRESS_FIELDS}
    )


def invented_postcode_areas(rng: np.random.Generator, count: int) -> list[str]:
    """Two-letter areas that follow the rules (no Q, V, X first; no I, J, Z second) but are not real."""
    real = set(AddressNames.POSTAL_ZONES)
    firsts = [c for c in "ABCDEFGHIJKLMNOPRSTUWYZ" if c not in "QVX"]
    seconds = [c for c in "ABCDEFGHKLMNOPQRSTUVWXY"]
    candidates = sorted(a + b for a in firsts for b in seconds if a + b not in real)
    return [str(area) for area in rng.choice(candidates, size=count, replace=False)]


def locality_count(children: int) -> int:
    """4 localities for a small authority, up to 8 for a county-sized one."""
    return int(np.clip(np.round(4 + 1.25 * np.log2(max(children, 1) / 20_000)), 4, 8))


def town_names(rng: np.random.Generator, count: int) -> list[str]:
    names: list[str] = []
    while len(names) < count:
        stem = surnames(rng, 1, hyphenated_share=0, double_barrelled_share=0)[0]
        name = stem + str(rng.choice(_TOWN_SUFFIXES))
        if name not in names:
            names.append(name)
    return names


def build_place(
    rng: np.random.Generator, *, area: str, locality_total: int, households: int, code_prefix: str = "LOC"
) -> Place:
    """A main town split into quarters plus smaller towns, each a locality with its own districts."""
    towns = town_names(rng, locality_total)
    quarters = min(locality_total - 2, 3) if locality_total >= 4 else 0
    localities = []
    next_district = 1 + int(rng.integers(0, 3))
    for index in range(locality_total):
        if index < quarters:
            town, name = towns[0], f"{towns[0]} {_QUARTERS[index]}"
        else:
            town = name = towns[index]
        districts = []
        for _ in range(int(rng.integers(2, 5))):
            districts.append(f"{area}{next_district}")
            next_district += 1
        sectors = tuple(
            f"{d} {s}"
            for d in districts
            for s in sorted(rng.choice(np.arange(1, 10), size=int(rng.integers(3, 7)), replace=False))
        )
        localities.append(Locality(f"{code_prefix}{index + 1}", name, town, tuple(districts), sectors))
    weights = rng.uniform(0.6, 1.4, locality_total)
    weights /= weights.sum()
    streets = _streets(rng, localities, weights, households)
    postcodes = np.concatenate(streets.pop("units").to_list())
    streets["first_unit"] = np.concatenate([[0], np.cumsum(streets["unit_count"].to_numpy())[:-1]])
    return Place(area, tuple(localities), streets, postcodes, weights)


def _streets(
    rng: np.random.Generator, localities: list[Locality], weights: np.ndarray, households: int
) -> pd.DataFrame:
    frames = []
    for index, locality in enumerate(localities):
        count = max(12, int(households * weights[index] / HOUSEHOLDS_PER_STREET))
        frames.append(_streets_of(rng, locality, index, count))
    return pd.concat(frames, ignore_index=True)


def _streets_of(rng: np.random.Generator, locality: Locality, index: int, count: int) -> pd.DataFrame:
    drawn = int(count * 1.3) + 10
    stems = np.where(
        rng.random(drawn) < 0.55,
        surnames(rng, drawn, hyphenated_share=0, double_barrelled_share=0),
        rng.choice(np.array(_STREET_STEMS, dtype=object), size=drawn),
    )
    kinds = rng.choice(
        list(_STREET_KINDS), size=drawn, p=np.array(list(_STREET_KINDS.values())) / sum(_STREET_KINDS.values())
    )
    names = pd.unique(stems + " " + kinds.astype(object))[:count]
    sectors = rng.choice(np.array(locality.postcode_sectors, dtype=object), size=len(names))
    unit_counts = rng.integers(1, 4, size=len(names))
    letters = _UNIT_LETTERS[rng.integers(0, len(_UNIT_LETTERS), size=(len(names), 3, 2))]
    units = [
        np.array([f"{sector}{a}{b}" for a, b in pair[:n]], dtype=object)
        for sector, pair, n in zip(sectors, letters, unit_counts, strict=True)
    ]
    return pd.DataFrame(
        {
            "name": names,
            "locality": index,
            "town": locality.town,
            "units": units,
            "unit_count": unit_counts,
            "longest_number": rng.integers(8, 160, size=len(names)),
        }
    )

"""The authority's clean person register: children as they really are on the reference date, where
they have lived, who cares for them and who works with them.

Care changes lives, and the register shows it: a looked-after child lives at their placement;
a child adopted this year has their adopters' surname (the birth surname becomes a former one) and
adoptive parents; special guardians and holders of child arrangements orders join as carers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from .contacts import carer_contacts
from .names import first_names, middle_names, surnames
from .output import flag, format_dates, write_csv
from .places import ADDRESS_FIELDS, Place
from .population import Population, as_days
from .randomness import flags
from .social_care import NAT, SocialCare

ADOPTED = {"E11", "E12"}
GUARDIANSHIP = {
    "E41": "aunt",
    "E45": "special_guardian",
    "E46": "special_guardian",
    "E47": "special_guardian",
    "E48": "special_guardian",
}
RETURNED_HOME = {"E4A", "E4B", "E13"}


@dataclass
class Register:
    children: pd.DataFrame  # the register's columns plus working fields (family index, dates as days)
    addresses: pd.DataFrame  # child (index), address fields, moved_in, moved_out
    carers: pd.DataFrame
    child_carers: pd.DataFrame
    involvements: pd.DataFrame

    @cached_property
    def current_addresses(self) -> pd.DataFrame:
        """Each child's current address, in child order."""
        current = self.addresses[self.addresses["moved_out"].isna()]
        return current.set_index("child").reindex(np.arange(len(self.children)))

    @cached_property
    def previous_addresses(self) -> pd.DataFrame:
        """The address before the current one, where the child has moved; NaN rows otherwise."""
        before = self.addresses[self.addresses["moved_out"].notna()]
        return before.groupby("child").tail(1).set_index("child").reindex(np.arange(len(self.children)))


def build_register(
    rng: np.random.Generator,
    population: Population,
    care: SocialCare,
    upn: np.ndarray,
    involvements: pd.DataFrame,
    place: Place,
    contacts: np.random.Generator,
) -> Register:
    """`contacts` is the carers' phone and email stream, apart from `rng` so that adding them
    changed no other file."""
    children = population.children.copy()
    children["upn"] = upn
    children["family_id"] = population.families["family_id"].to_numpy()[children["family"].to_numpy()]
    addresses = _addresses_from_family_homes(population)
    carers = population.carers.assign(
        family_id=population.families["family_id"].to_numpy()[population.carers["family"]]
    )
    links = population.child_carers.copy()
    changes = _CareChanges(rng, population, children, addresses, carers, links, place)
    changes.apply(care)
    carers = changes.carers_frame()
    carers = carers.join(carer_contacts(contacts, carers))
    return Register(changes.children_frame(), changes.addresses_frame(), carers, changes.links_frame(), involvements)


def _addresses_from_family_homes(population: Population) -> pd.DataFrame:
    """Each child's share of their family's homes: from birth (or moving in) to moving out."""
    children = population.children
    homes = population.family_homes
    pairs = pd.DataFrame({"child": np.arange(len(children)), "family": children["family"].to_numpy()}).merge(
        homes, on="family"
    )
    dob = as_days(children["date_of_birth"])[pairs["child"].to_numpy()]
    moved_in, moved_out = as_days(pairs["moved_in"]), as_days(pairs["moved_out"])
    lived_there = np.isnat(moved_out) | (moved_out > dob)
    pairs = pairs[lived_there].copy()
    pairs["moved_in"] = np.maximum(moved_in[lived_there], dob[lived_there])
    pairs["moved_out"] = moved_out[lived_there]
    return pairs[["child", *ADDRESS_FIELDS, "moved_in", "moved_out"]].reset_index(drop=True)


class _CareChanges:
    """Rewrites the homes and carers of children whose care changed where they live."""

    def __init__(
        self,
        rng,
        population: Population,
        children: pd.DataFrame,
        addresses: pd.DataFrame,
        carers: pd.DataFrame,
        links: pd.DataFrame,
        place: Place,
    ):
        self.rng, self.population, self.children, self.place = rng, population, children, place
        self.addresses = addresses
        self.carers = carers
        self.links = links
        self.new_addresses: list[dict] = []
        self.new_carers: list[dict] = []
        self.new_links: list[dict] = []
        self.replaced_children: set[int] = set()
        self.living_elsewhere: set[int] = set()
        self.adopted: set[int] = set()
        self.family_ids: dict[int, str] = {}
        self.surnames: dict[int, tuple[str, str]] = {}
        # Plain columns and row positions: pandas lookups one child at a time are too slow.
        self.address_columns = _columns(addresses)
        self.addresses_of = addresses.groupby("child").indices
        self.home_columns = _columns(population.family_homes)
        self.homes_of = population.family_homes.groupby("family").indices
        self.family = children["family"].to_numpy()
        self.next_carer = len(carers) + 1
        self.next_family = len(population.families) + 1

    def apply(self, care: SocialCare) -> None:
        placements = care.placements.to_dict("records")
        placements_of = care.placements.groupby("child").indices
        for period in care.care.itertuples(index=False):
            child = int(period.child)
            start = np.datetime64(period.start, "D")
            end = np.datetime64(period.end, "D") if not pd.isna(period.end) else NAT
            history = self._history_until(child, start)
            rows = [placements[i] for i in placements_of.get(child, [])]
            stays = _placement_stays(rows, start, end, lambda when, c=child: self._family_home_on(c, when))
            history += stays
            if not np.isnat(end):
                history += self._after_care(child, period.reason_ended, end, stays)
            else:
                self.living_elsewhere.add(child)
            self.replaced_children.add(child)
            self.new_addresses += [dict(row, child=child) for row in history]

    def _history_until(self, child: int, start: np.datetime64) -> list[dict]:
        """The family homes the child lived in before care began, the last one left that day."""
        kept = []
        for row in self.addresses_of.get(child, []):
            moved_in, moved_out = self.address_columns["moved_in"][row], self.address_columns["moved_out"][row]
            if moved_in >= start:
                continue
            address = {field: self.address_columns[field][row] for field in ADDRESS_FIELDS}
            left = start if np.isnat(moved_out) or moved_out > start else moved_out
            kept.append(dict(address, moved_in=moved_in, moved_out=left))
        return kept

    def _after_care(self, child: int, reason: str, end: np.datetime64, stays: list[dict]) -> list[dict]:
        """Where the child lives once care ends: home again, or on with the carers they were
        placed with (adopters, guardians, independent living); a new address only if unknown."""
        if reason in RETURNED_HOME:
            if stays:
                stays[-1]["moved_out"] = end
            return [dict(self._family_home_on(child, end), moved_in=end, moved_out=NAT)]
        self.living_elsewhere.add(child)
        if reason in ADOPTED or reason in GUARDIANSHIP:
            self._new_family(child, reason)
            if reason in ADOPTED:  # an adoption order ends the birth parents' parental responsibility
                self.adopted.add(child)
        if stays:
            stays[-1]["moved_out"] = NAT
            return []
        return [dict(self._new_address(), moved_in=end, moved_out=NAT)]

    def _family_home_on(self, child: int, when: np.datetime64) -> dict:
        rows = self.homes_of[self.family[child]]
        moved_in = self.home_columns["moved_in"][rows]
        row = rows[moved_in <= when][-1] if (moved_in <= when).any() else rows[0]
        return {field: self.home_columns[field][row] for field in ADDRESS_FIELDS}

    def _new_address(self) -> dict:
        address = self.place.addresses(self.rng, self.place.random_localities(self.rng, 1)).iloc[0]
        return {k: address[k] for k in ADDRESS_FIELDS}

    def _new_family(self, child: int, reason: str) -> None:
        """Adopters, special guardians or relatives with a child arrangements order."""
        family_id = f"F{self.next_family:07d}"
        self.next_family += 1
        self.family_ids[child] = family_id
        birth_surname = self.children["surname"].iat[child]
        if reason in ADOPTED:
            surname = str(surnames(self.rng, 1)[0])
            roles = [("F", "mother")] + ([("M", "father")] if flags(self.rng, 0.75, 1)[0] else [])
            self.surnames[child] = (surname, birth_surname)
        else:
            relative = reason in {"E41", "E47", "E48"}
            surname = birth_surname if relative and self.rng.random() < 0.5 else str(surnames(self.rng, 1)[0])
            kind = GUARDIANSHIP[reason]
            roles = [("F", kind)] + ([("M", "uncle" if kind == "aunt" else kind)] if self.rng.random() < 0.6 else [])
        dob = as_days(self.children["date_of_birth"])[child]
        for sex, relationship in roles:
            sexes = np.array([sex], dtype=object)
            given = first_names(self.rng, sexes)
            middle = middle_names(self.rng, sexes, given)[0]
            carer_id = f"P{self.next_carer:07d}"
            self.next_carer += 1
            self.new_carers.append(
                {
                    "carer_id": carer_id,
                    "family_id": family_id,
                    "surname": surname,
                    "sex": sex,
                    "forenames": f"{given[0]} {middle}".strip(),
                    "date_of_birth": dob - int(365.25 * self.rng.uniform(28, 55)),
                }
            )
            self.new_links.append(
                {
                    "child": child,
                    "carer_id": carer_id,
                    "relationship": relationship,
                    "parental_responsibility": True,
                    "lives_with": True,
                }
            )

    def children_frame(self) -> pd.DataFrame:
        children = self.children.copy()
        rows = np.fromiter(self.family_ids, dtype=np.int64, count=len(self.family_ids))
        children.loc[rows, "family_id"] = list(self.family_ids.values())
        for child, (surname, former) in self.surnames.items():
            previous = children.at[child, "former_surname"]
            children.at[child, "surname"] = surname
            children.at[child, "former_surname"] = "|".join(n for n in (previous, former) if n)
        return children

    def addresses_frame(self) -> pd.DataFrame:
        kept = self.addresses[~self.addresses["child"].isin(self.replaced_children)]
        added = pd.DataFrame(self.new_addresses, columns=["child", *ADDRESS_FIELDS, "moved_in", "moved_out"])
        frame = pd.concat([kept, added], ignore_index=True)
        frame["moved_in"] = as_days(frame["moved_in"])
        frame["moved_out"] = as_days(frame["moved_out"])
        return frame.sort_values(["child", "moved_in"], kind="stable", ignore_index=True)

    def carers_frame(self) -> pd.DataFrame:
        frame = pd.concat([self.carers, pd.DataFrame(self.new_carers)], ignore_index=True)
        frame["date_of_birth"] = as_days(frame["date_of_birth"])
        return frame[["carer_id", "family_id", "forenames", "surname", "date_of_birth", "sex"]]

    def links_frame(self) -> pd.DataFrame:
        links = self.links.copy()
        elsewhere = links["child"].isin(self.living_elsewhere).to_numpy()
        links.loc[elsewhere, "lives_with"] = False
        links.loc[links["child"].isin(self.adopted).to_numpy(), "parental_responsibility"] = False
        frame = pd.concat([links, pd.DataFrame(self.new_links)], ignore_index=True)
        return frame.sort_values(["child", "carer_id"], kind="stable", ignore_index=True)


def _columns(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    columns = {field: frame[field].to_numpy() for field in ADDRESS_FIELDS}
    columns["moved_in"] = as_days(frame["moved_in"])
    columns["moved_out"] = as_days(frame["moved_out"])
    return columns


def _placement_stays(rows: list[dict], start: np.datetime64, end: np.datetime64, home_on) -> list[dict]:
    """Addresses of one period's placements: a new one at each change of placement (not at a
    change of legal status only); a child placed with parents (P1) lives at the family home."""
    stays: list[dict] = []
    for row in rows:
        if row["rne"] == "L" and stays:
            continue
        moved_in = start if not stays else np.datetime64(row["decom"], "D")
        if stays:
            stays[-1]["moved_out"] = moved_in
        address = (
            home_on(moved_in)
            if row["place"] == "P1"
            else {
                "address_line_1": row["address_line_1"],
                "address_line_2": row["address_line_2"],
                "town": row["town"],
                "postcode": row["pl_post"],
            }
        )
        stays.append(dict(address, moved_in=moved_in, moved_out=end))
    return stays


def write_register(register: Register, out) -> dict[str, int]:
    """The register as the demo loads it: ISO dates, booleans as 1/0, `|` between former surnames,
    '' for a carer's phone or email not held."""
    children = register.children
    child_ids = children["child_id"].to_numpy()
    forenames = np.where(
        children["middle_names"] == "", children["first_name"], children["first_name"] + " " + children["middle_names"]
    )
    tables = {
        "children.csv": pd.DataFrame(
            {
                "child_id": child_ids,
                "la_child_id": children["la_child_id"],
                "forenames": forenames,
                "surname": children["surname"],
                "former_surnames": children["former_surname"],
                "date_of_birth": format_dates(children["date_of_birth"], "iso"),
                "sex": children["sex"],
                "ethnicity": children["ethnicity"],
                "nhs_number": children["nhs_number"],
                "upn": children["upn"],
                "family_id": children["family_id"],
            }
        ),
        "addresses.csv": register.addresses.assign(
            child_id=child_ids[register.addresses["child"].to_numpy()],
            moved_in=format_dates(register.addresses["moved_in"], "iso"),
            moved_out=format_dates(register.addresses["moved_out"], "iso"),
        )[["child_id", *ADDRESS_FIELDS, "moved_in", "moved_out"]],
        "carers.csv": register.carers.assign(date_of_birth=format_dates(register.carers["date_of_birth"], "iso")),
        "child_carers.csv": register.child_carers.assign(
            child_id=child_ids[register.child_carers["child"].to_numpy()],
            parental_responsibility=flag(register.child_carers["parental_responsibility"]),
            lives_with=flag(register.child_carers["lives_with"]),
        )[["child_id", "carer_id", "relationship", "parental_responsibility", "lives_with"]],
        "involvements.csv": register.involvements.assign(
            child_id=child_ids[register.involvements["child"].to_numpy()],
            started=format_dates(register.involvements["started"], "iso"),
            ended=format_dates(register.involvements["ended"], "iso"),
        )[["child_id", "service", "practitioner", "started", "ended"]],
    }
    return {f"register/{name}": write_csv(frame, out / "register" / name) for name, frame in tables.items()}

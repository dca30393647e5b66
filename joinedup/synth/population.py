"""The people of the authority: families formed by births over thirty years, the children in them
(0-17 on the reference date, matching the national age profile), their carers, names, identifiers
and the homes they have lived in.

Families come first so that siblings, twins, half-siblings, step-parents and shared addresses fall
out of one history rather than being patched on afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from joinedup.common.identifiers import nhs_check_digit

from . import prevalence
from .codes import ETHNICITY_SHARES
from .names import first_names, middle_names, surnames
from .places import Place
from .randomness import draw, flags

DAYS_PER_YEAR = 365.25
CHILDREN_AT_BIRTH_MALE = 0.512  # ONS: about 105 boys are born for every 100 girls
HOUSEHOLDS = {"couple": 0.63, "step": 0.07, "lone_mother": 0.245, "lone_father": 0.025, "kinship": 0.03}
BIRTHS_PER_MOTHER = {1: 0.30, 2: 0.40, 3: 0.19, 4: 0.08, 5: 0.03}
MARRIED_SHARE = 0.55  # of couples; unmarried mothers keep their own surname
NHS_NUMBER_MISSING_SHARE = 0.003  # recent arrivals not yet registered with a GP
MOVES_PER_YEAR = 0.07  # assumption: families with children move about once in 14 years
OUT_OF_AREA_FIRST_HOME = 0.25  # families whose first home was in another area
RISK_BY_HOUSEHOLD = {"couple": 1.0, "step": 1.5, "lone_mother": 1.8, "lone_father": 1.6, "kinship": 3.0}


@dataclass
class Population:
    children: pd.DataFrame
    families: pd.DataFrame
    carers: pd.DataFrame
    child_carers: pd.DataFrame
    family_homes: pd.DataFrame  # each family's addresses over time
    as_of: date

    @property
    def size(self) -> int:
        return len(self.children)

    def current_homes(self) -> pd.DataFrame:
        """Each child's family home now (one row per child, in child order); locality -1 is elsewhere."""
        homes = self.family_homes[self.family_homes["moved_out"].isna()].set_index("family")
        return homes.reindex(self.children["family"]).reset_index(drop=True)


def build_population(
    rng: np.random.Generator, *, children: int, as_of: date, place: Place, elsewhere: Place
) -> Population:
    births = _births_matching_age_profile(rng, children)
    families = _families(rng, births, as_of)
    kids = _children(rng, births, families, as_of)
    carers, links = _carers(rng, families, kids)
    homes = _family_homes(rng, families, as_of, place, elsewhere)
    return Population(kids, families, carers, links, homes, as_of)


def _births_matching_age_profile(rng: np.random.Generator, wanted: int) -> pd.DataFrame:
    """Birth histories of mothers over 34 years, thinned so ages 0-17 follow the national profile
    (S13), then whole families taken until there are exactly `wanted` children."""
    profile = np.array(prevalence.AGE_PROFILE.value)
    profile = profile / profile.sum()
    batches, kept, mothers = [], 0, int(wanted * 1.1) + 50
    while kept < wanted:
        batch = _birth_histories(rng, mothers, first_family=len(batches) * mothers)
        years = np.minimum((batch["age_days"].to_numpy() // DAYS_PER_YEAR).astype(int), 17)
        observed = np.bincount(years, minlength=18) / len(years)
        keep_ratio = profile / np.maximum(observed, 1e-9)
        # Twins are kept or dropped together: the draw is per birth, not per child.
        birth_draw = pd.Series(rng.random(len(batch)), index=batch.index).groupby(batch["birth"]).transform("first")
        batch = batch[birth_draw.to_numpy() < (keep_ratio / keep_ratio.max())[years]]
        batches.append(batch)
        kept += len(batch)
    return _whole_families_up_to(rng, pd.concat(batches, ignore_index=True), wanted)


def _birth_histories(rng: np.random.Generator, mothers: int, first_family: int) -> pd.DataFrame:
    counts = rng.choice(list(BIRTHS_PER_MOTHER), size=mothers, p=list(BIRTHS_PER_MOTHER.values()))
    family = np.repeat(np.arange(mothers), counts)
    first_birth_years_ago = rng.uniform(0, 34, mothers)
    gaps = 1.0 + rng.gamma(2.2, 1.1, len(family))
    order = np.arange(len(family)) - np.repeat(np.cumsum(counts) - counts, counts)
    gaps[order == 0] = 0.0
    elapsed = np.cumsum(gaps)
    elapsed -= np.repeat(elapsed[np.cumsum(counts) - counts], counts)
    years_ago = first_birth_years_ago[family] - elapsed
    born = (years_ago >= 0) & (years_ago < 18)
    births = pd.DataFrame(
        {
            "family": family[born] + first_family,
            "birth_order": order[born],
            "age_days": (years_ago[born] * DAYS_PER_YEAR).astype(np.int64),
            "first_birth_days_ago": (first_birth_years_ago[family[born]] * DAYS_PER_YEAR).astype(np.int64),
        }
    )
    births["birth"] = np.arange(len(births)) + first_family * len(BIRTHS_PER_MOTHER)
    twins = births[flags(rng, prevalence.TWIN_MATERNITIES.value, len(births))]
    births = pd.concat([births.assign(twin=False), twins.assign(twin=True)], ignore_index=True)
    births.loc[births["birth"].isin(twins["birth"]), "twin"] = True
    return births


def _whole_families_up_to(rng: np.random.Generator, births: pd.DataFrame, wanted: int) -> pd.DataFrame:
    families = births["family"].unique()
    order = rng.permutation(families)
    sizes = births.groupby("family").size().reindex(order).to_numpy()
    enough = int(np.searchsorted(np.cumsum(sizes), wanted)) + 1
    chosen = births[births["family"].isin(order[:enough])]
    rank = pd.Series(np.arange(len(order)), index=order)
    chosen = chosen.assign(rank=rank.reindex(chosen["family"]).to_numpy())
    chosen = chosen.sort_values(["rank", "age_days", "birth"], ascending=[True, False, True], kind="stable")
    return chosen.head(wanted).reset_index(drop=True)


def _families(rng: np.random.Generator, births: pd.DataFrame, as_of: date) -> pd.DataFrame:
    first = births.drop_duplicates("family")
    count = len(first)
    household = draw(rng, HOUSEHOLDS, count)
    father_surname = surnames(rng, count)
    mother_own = surnames(rng, count)
    married = ((household == "couple") & flags(rng, MARRIED_SHARE, count)) | (
        (household == "step") & flags(rng, 0.6, count)
    )
    mother_surname = np.where(married, father_surname, mother_own)
    lone_mother_child_surname = np.where(flags(rng, 0.6, count), father_surname, mother_own)
    child_surname = np.where(household == "lone_mother", lone_mother_child_surname, father_surname)
    joint = flags(rng, 0.03, count) & (mother_own != father_surname) & ~married
    child_surname = np.where(joint, mother_own + "-" + father_surname, child_surname)
    risk = rng.lognormal(0.0, 0.9, count) * np.array([RISK_BY_HOUSEHOLD[h] for h in household])
    first_birth = pd.Timestamp(as_of) - pd.to_timedelta(first["first_birth_days_ago"].to_numpy(), unit="D")
    return pd.DataFrame(
        {
            "family_id": [f"F{i:07d}" for i in range(1, count + 1)],
            "source_family": first["family"].to_numpy(),
            "household": household,
            "ethnicity": draw(rng, ETHNICITY_SHARES, count),
            "father_surname": father_surname,
            "mother_surname": mother_surname,
            "child_surname": child_surname,
            "previous_partner_surname": surnames(rng, count),
            "risk": risk,
            "first_birth": first_birth.to_numpy().astype("datetime64[D]"),
            "mother_age_at_first_birth": np.clip(rng.normal(28.5, 5.5, count), 16, 45),
        }
    )


def _children(rng: np.random.Generator, births: pd.DataFrame, families: pd.DataFrame, as_of: date) -> pd.DataFrame:
    family = pd.Series(np.arange(len(families)), index=families["source_family"]).reindex(births["family"]).to_numpy()
    size = len(births)
    sex = _sexes(rng, births)
    dob = np.datetime64(as_of, "D") - births["age_days"].to_numpy().astype("timedelta64[D]")
    born_in = birth_years(dob)
    first = first_names(rng, sex, born_in)
    household = families["household"].to_numpy()[family]
    # In a step-family the oldest children are from the mother's previous relationship.
    from_previous_partner = (household == "step") & (births["birth_order"].to_numpy() == 0)
    surname = np.where(
        from_previous_partner,
        families["previous_partner_surname"].to_numpy()[family],
        families["child_surname"].to_numpy()[family],
    )
    surname, former, changed_on = _name_changes(rng, families, family, surname, from_previous_partner, dob, as_of)
    children = pd.DataFrame(
        {
            "child_id": [f"C{i:07d}" for i in range(1, size + 1)],
            "la_child_id": unique_numbers(rng, size, low=1_000_000, high=9_999_999).astype(str),
            "family": family,
            "first_name": first,
            "middle_names": middle_names(rng, sex, first, born_in),
            "surname": surname,
            "former_surname": former,
            "surname_changed_on": changed_on,
            "date_of_birth": dob,
            "sex": sex,
            "ethnicity": families["ethnicity"].to_numpy()[family],
            "nhs_number": nhs_numbers(rng, size),
            "twin": births["twin"].to_numpy(),
            "from_previous_partner": from_previous_partner,
            "birth_order": births["birth_order"].to_numpy(),
        }
    )
    return children


def _sexes(rng: np.random.Generator, births: pd.DataFrame) -> np.ndarray:
    """Two in three twin pairs are the same sex (a third identical, half the rest by chance)."""
    sex = np.where(flags(rng, CHILDREN_AT_BIRTH_MALE, len(births)), "M", "F").astype(object)
    twin_rows = np.flatnonzero(births["twin"].to_numpy())
    pair_first = pd.Series(twin_rows).groupby(births["birth"].to_numpy()[twin_rows]).transform("first").to_numpy()
    same = flags(rng, 2 / 3, len(twin_rows))
    sex[twin_rows[same]] = sex[pair_first[same]]
    return sex


def _name_changes(
    rng: np.random.Generator,
    families: pd.DataFrame,
    family: np.ndarray,
    surname: np.ndarray,
    from_previous_partner: np.ndarray,
    dob: np.ndarray,
    as_of: date,
):
    """Children who took a step-father's or their mother's surname; the old one becomes former."""
    household = families["household"].to_numpy()[family]
    took_step_fathers = from_previous_partner & flags(rng, 0.45, len(family))
    took_mothers = (household == "lone_mother") & flags(rng, 0.08, len(family))
    new_surname = surname.copy()
    new_surname[took_step_fathers] = families["father_surname"].to_numpy()[family[took_step_fathers]]
    mothers = families["mother_surname"].to_numpy()[family]
    took_mothers &= mothers != surname
    new_surname[took_mothers] = mothers[took_mothers]
    changed = new_surname != surname
    former = np.where(changed, surname, "").astype(object)
    reference = np.datetime64(as_of, "D")
    span = (reference - dob).astype(np.int64)
    changed_on = dob + (span * rng.uniform(0.2, 0.95, len(family))).astype("timedelta64[D]")
    return new_surname, former, np.where(changed, changed_on, np.datetime64("NaT"))


def as_days(values) -> np.ndarray:
    """Dates as numpy days: pandas keeps datetime columns in seconds, which breaks day arithmetic."""
    return np.asarray(values).astype("datetime64[D]")


def birth_years(dob: np.ndarray) -> np.ndarray:
    return np.asarray(dob).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def completed_years(dob: np.ndarray, on: date) -> np.ndarray:
    """Age in whole years on a date, birthdays counted exactly (29 February ages on 1 March)."""
    dob = np.asarray(dob).astype("datetime64[D]")
    years = on.year - (dob.astype("datetime64[Y]").astype(np.int64) + 1970)
    month = dob.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (dob - dob.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    before_birthday = (month > on.month) | ((month == on.month) & (day > on.day))
    return years - before_birthday.astype(np.int64)


def unique_numbers(rng: np.random.Generator, count: int, *, low: int, high: int) -> np.ndarray:
    """`count` distinct integers in [low, high), in random order."""
    numbers = np.empty(0, dtype=np.int64)
    while len(numbers) < count:
        drawn = rng.integers(low, high, size=int((count - len(numbers)) * 1.1) + 10)
        numbers = pd.unique(np.concatenate([numbers, drawn]))
    return numbers[:count]


def nhs_numbers(rng: np.random.Generator, count: int) -> np.ndarray:
    """Valid, unique NHS numbers from the 999 range the NHS keeps for test data, so no synthetic
    child can carry a real person's number; a few recent arrivals have none yet."""
    serials = unique_numbers(rng, int(count * 1.15) + 20, low=0, high=999_999)
    stems = np.char.add("999", np.char.zfill(serials.astype(str), 6))
    checks = [nhs_check_digit(stem) for stem in stems]
    numbers = np.array(
        [f"{stem}{check}" for stem, check in zip(stems, checks, strict=True) if check is not None], dtype=object
    )[:count]
    numbers[flags(rng, NHS_NUMBER_MISSING_SHARE, count)] = ""
    return numbers


def _carers(rng: np.random.Generator, families: pd.DataFrame, children: pd.DataFrame):
    """Parents and kin for each family, and how each is related to each child."""
    household = families["household"].to_numpy()
    count = len(families)
    mother_dob = as_days(families["first_birth"]) - (
        families["mother_age_at_first_birth"].to_numpy() * DAYS_PER_YEAR
    ).astype("timedelta64[D]")
    father_dob = mother_dob - (rng.normal(2.5, 3.5, count) * DAYS_PER_YEAR).astype("timedelta64[D]")
    grandmother_dob = mother_dob - (rng.normal(26, 4, count) * DAYS_PER_YEAR).astype("timedelta64[D]")
    people = {
        "mother": (np.ones(count, bool), "F", families["mother_surname"].to_numpy(), mother_dob),
        "father": (
            np.isin(household, ["couple", "step", "lone_father"])
            | ((household == "lone_mother") & flags(rng, 0.6, count))
            | ((household == "kinship") & flags(rng, 0.4, count)),
            "M",
            families["father_surname"].to_numpy(),
            father_dob,
        ),
        "previous_partner": (
            (household == "step") & flags(rng, 0.7, count),
            "M",
            families["previous_partner_surname"].to_numpy(),
            father_dob,
        ),
        "grandmother": (household == "kinship", "F", families["mother_surname"].to_numpy(), grandmother_dob),
        "grandfather": (
            (household == "kinship") & flags(rng, 0.5, count),
            "M",
            families["mother_surname"].to_numpy(),
            grandmother_dob - (rng.normal(2, 2, count) * DAYS_PER_YEAR).astype("timedelta64[D]"),
        ),
    }
    frames = []
    for role, (present, sex, surname, dob) in people.items():
        index = np.flatnonzero(present)
        sexes = np.full(len(index), sex, dtype=object)
        born_in = birth_years(dob[index])
        firsts = first_names(rng, sexes, born_in)
        middles = middle_names(rng, sexes, firsts, born_in)
        frames.append(
            pd.DataFrame(
                {
                    "family": index,
                    "role": role,
                    "sex": sex,
                    "surname": surname[index],
                    "date_of_birth": dob[index],
                    "forenames": np.where(middles == "", firsts, firsts + " " + middles),
                }
            )
        )
    carers = pd.concat(frames, ignore_index=True).sort_values(["family", "role"], kind="stable", ignore_index=True)
    carers["carer_id"] = [f"P{i:07d}" for i in range(1, len(carers) + 1)]
    links = _child_carer_links(rng, families, children, carers)
    return carers, links


def _child_carer_links(
    rng: np.random.Generator, families: pd.DataFrame, children: pd.DataFrame, carers: pd.DataFrame
) -> pd.DataFrame:
    pairs = (
        children[["family", "from_previous_partner"]]
        .reset_index(names="child")
        .merge(carers[["family", "role", "carer_id"]], on="family")
    )
    household = families["household"].to_numpy()[pairs["family"].to_numpy()]
    role = pairs["role"].to_numpy()
    previous = pairs["from_previous_partner"].to_numpy()
    pairs = pairs[~((role == "previous_partner") & ~previous)]
    household = families["household"].to_numpy()[pairs["family"].to_numpy()]
    role = pairs["role"].to_numpy()
    previous = pairs["from_previous_partner"].to_numpy()
    relationship = np.select(
        [
            role == "mother",
            (role == "father") & previous,
            role == "father",
            role == "previous_partner",
            role == "grandmother",
            role == "grandfather",
        ],
        ["mother", "step_father", "father", "father", "grandmother", "grandfather"],
        default="other",
    )
    lives_with = np.select(
        [role == "mother", role == "father", role == "previous_partner"],
        [household != "lone_father", np.isin(household, ["couple", "step", "lone_father"]), False],
        default=household == "kinship",
    )
    lives_with = lives_with & ~((household == "kinship") & np.isin(role, ["mother", "father"]))
    # Fathers have parental responsibility when named on the birth certificate or married.
    father_pr = flags(rng, 0.92, len(pairs))
    responsibility = np.select(
        [relationship == "mother", relationship == "father", relationship == "step_father"],
        [True, father_pr, False],
        default=False,
    )
    return pd.DataFrame(
        {
            "child": pairs["child"].to_numpy(),
            "carer_id": pairs["carer_id"].to_numpy(),
            "relationship": relationship,
            "parental_responsibility": responsibility.astype(bool),
            "lives_with": lives_with.astype(bool),
        }
    ).sort_values(["child", "carer_id"], kind="stable", ignore_index=True)


def _family_homes(
    rng: np.random.Generator, families: pd.DataFrame, as_of: date, place: Place, elsewhere: Place
) -> pd.DataFrame:
    """Each family's homes, oldest first; the last is where they live now (moved_out empty)."""
    count = len(families)
    reference = np.datetime64(as_of, "D")
    formed = as_days(families["first_birth"]) - rng.integers(30, 900, count).astype("timedelta64[D]")
    years = (reference - formed).astype(np.int64) / DAYS_PER_YEAR
    mobility = np.where(families["household"].to_numpy() == "couple", 1.0, 1.6) * np.sqrt(families["risk"].to_numpy())
    moves = np.minimum(rng.poisson(MOVES_PER_YEAR * years * mobility), 4)
    homes = 1 + moves
    family = np.repeat(np.arange(count), homes)
    sequence = np.arange(len(family)) - np.repeat(np.cumsum(homes) - homes, homes)
    span = (reference - 30 - formed).astype(np.int64)
    move_fraction = rng.random(len(family))
    move_fraction[sequence == 0] = 0.0
    # Sort each family's move dates so homes follow one another.
    order = np.lexsort((move_fraction, family))
    moved_in = formed[family] + (span[family] * move_fraction[order]).astype("timedelta64[D]")
    last = np.r_[family[1:] != family[:-1], True]
    moved_out = np.where(last, np.datetime64("NaT"), np.r_[moved_in[1:], reference])
    locality = place.random_localities(rng, len(family))
    inside = place.addresses(rng, locality)
    from_elsewhere = (sequence == 0) & ~last & flags(rng, OUT_OF_AREA_FIRST_HOME, len(family))
    outside = elsewhere.addresses(rng, elsewhere.random_localities(rng, int(from_elsewhere.sum())))
    inside.loc[from_elsewhere, ["address_line_1", "address_line_2", "town", "postcode"]] = outside[
        ["address_line_1", "address_line_2", "town", "postcode"]
    ].to_numpy()
    inside["locality"] = np.where(from_elsewhere, -1, locality)
    inside.insert(0, "family", family)
    inside["moved_in"] = moved_in
    inside["moved_out"] = moved_out
    return inside

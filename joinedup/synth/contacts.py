"""Carers' phone numbers and email addresses, made so that none can reach a real person: mobiles
only from the range Ofcom keeps for drama (07700 900000 to 07700 900999) and addresses only at the
domains RFC 2606 reserves for examples (example.com, example.org)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .prevalence import CARER_EMAIL_MISSING_SHARE, CARER_PHONE_MISSING_SHARE
from .randomness import draw, flags

DRAMA_MOBILES = 1000  # 07700 900000 to 07700 900999
EMAIL_DOMAINS = {"example.com": 0.7, "example.org": 0.3}


def carer_contacts(rng: np.random.Generator, carers: pd.DataFrame) -> pd.DataFrame:
    """A `phone` and an `email` for each carer, in the carers' order; '' where none is held.

    The drama range holds only 1,000 numbers, so numbers repeat across carers: they are dealt
    from shuffled runs of the whole range, so carers near each other in the file (a family's)
    almost never share one."""
    count = len(carers)
    runs = -(-count // DRAMA_MOBILES)
    numbers = np.concatenate([rng.permutation(DRAMA_MOBILES) for _ in range(runs)])[:count] if count else []
    phone = np.array([f"07700 900{n:03d}" for n in range(DRAMA_MOBILES)], dtype=object)[numbers]
    phone[flags(rng, CARER_PHONE_MISSING_SHARE.value, count)] = ""
    email = _email_addresses(rng, carers)
    email[flags(rng, CARER_EMAIL_MISSING_SHARE.value, count)] = ""
    return pd.DataFrame({"phone": phone, "email": email}, index=carers.index)


def _email_addresses(rng: np.random.Generator, carers: pd.DataFrame) -> np.ndarray:
    """Addresses in the shapes people choose (kelly.smith, kellysmith88, k.smith, smithk), one
    person to an address: a clash gets a number, as a mail provider would ask for."""
    count = len(carers)
    first = _local_part(carers["forenames"].astype(str).str.partition(" ")[0].to_numpy())
    surname = _local_part(carers["surname"].astype(str).to_numpy())
    initial = pd.Series(first.to_numpy().astype("U1"), dtype=object)
    born = pd.to_datetime(carers["date_of_birth"]).dt.year.fillna(1985).astype(int).to_numpy() % 100
    year = pd.Series(np.char.zfill(born.astype(str), 2), dtype=object)
    shapes = rng.integers(0, 4, count)
    local = np.select(
        [shapes == 0, shapes == 1, shapes == 2],
        [first + "." + surname, first + surname + year, initial + "." + surname],
        default=surname + initial,
    )
    local = pd.Series(local, index=carers.index, dtype=object)
    while (clash := local.groupby(local, sort=False).cumcount()).any():
        local = local.where(clash == 0, local + (clash + 1).astype(str))
    domains = draw(rng, EMAIL_DOMAINS, count)
    return (local + "@" + domains).to_numpy(dtype=object)


def _local_part(names: np.ndarray) -> pd.Series:
    """A name as letters a mailbox takes: accents dropped, lower case, no spaces or apostrophes.
    Names repeat, so each distinct one is worked out once."""
    codes, distinct = pd.factorize(names)
    ascii_names = pd.Series(distinct, dtype=object).str.normalize("NFKD").str.encode("ascii", "ignore")
    letters = ascii_names.str.decode("ascii").str.lower().str.replace(r"[^a-z-]", "", regex=True).str.strip("-")
    letters = letters.where(letters != "", "carer").to_numpy(dtype=object)
    return pd.Series(letters[codes], dtype=object)

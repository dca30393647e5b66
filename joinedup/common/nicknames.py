"""Nicknames and the names they are short for (Bill ~ William, Alfie ~ Alfred), shared by search and
linkage. Knows no Django, so the linkage engine can use the same table as the search box.
"""

from __future__ import annotations

import re
from functools import lru_cache

from nicknames import NickNamer

_NOT_LETTERS = re.compile(r"[^a-z]")

# The nicknames package lists American usage; these English diminutives and spellings are missing from it.
ENGLISH_NICKNAMES = {
    "alfie": {"alfred"},
    "charlie": {"charlotte"},
    "evie": {"eve", "evelyn"},
    "fin": {"finley", "finlay"},
    "finn": {"finley", "finlay"},
    "florrie": {"florence"},
    "frankie": {"frances", "francesca", "francis", "frank"},
    "georgie": {"georgia", "georgina", "george"},
    "gracie": {"grace"},
    "izzie": {"isabel", "isabella", "isobel"},
    "izzy": {"isabel", "isabella", "isobel"},
    "kate": {"katherine", "catherine", "kathryn"},
    "katie": {"katherine", "catherine", "kathryn"},
    "lexi": {"alexa", "alexandra"},
    "liam": {"william"},
    "lily": {"lilian", "lillian"},
    "maisie": {"margaret"},
    "mo": {"mohammed", "mohammad", "muhammad", "mohamed"},
    "nell": {"eleanor", "ellen", "helen"},
    "nellie": {"eleanor", "ellen", "helen"},
    "stan": {"stanley"},
}
# Spellings of one name that families and agencies all use.
SAME_NAME_SPELLINGS = [
    {"mohammed", "mohammad", "muhammad", "mohamed", "muhammed"},
]


@lru_cache(maxsize=1)
def _nicknamer() -> NickNamer:
    return NickNamer()


def _plain(name: str) -> str:
    return _NOT_LETTERS.sub("", (name or "").lower())


@lru_cache(maxsize=50_000)
def forename_variants(name: str) -> frozenset[str]:
    """One forename with its nicknames and the names it is a nickname of, lower case: "Bill" gives
    {"bill", "william", "billy", ...}. Empty for an empty name."""
    plain = _plain(name)
    if not plain:
        return frozenset()
    namer = _nicknamer()
    english = ENGLISH_NICKNAMES.get(plain, set()) | {nick for nick, full in ENGLISH_NICKNAMES.items() if plain in full}
    spellings = set().union(*(group for group in SAME_NAME_SPELLINGS if plain in group))
    return frozenset({plain} | namer.nicknames_of(plain) | namer.canonicals_of(plain) | english | spellings)

"""How names are compared: phonetic keys for finding candidates and similarity for ranking.

Families are asked to spell names again and again, and records spell them differently:
Smith/Smyth, Jonhson, a nickname (Alfie for Alfred), a hyphenated or former surname. Nicknames
come from the one table linkage uses too (`joinedup.common.nicknames`).
"""

from __future__ import annotations

import re

import jellyfish

from joinedup.common.nicknames import forename_variants

_LETTERS = re.compile(r"[^a-z]")


def name_parts(name: str | None) -> list[str]:
    """Lower-case alphabetic parts: "Smith-Jones" -> ["smith", "jones"]; "O'Brien" -> ["obrien"]."""
    return [p for p in (_LETTERS.sub("", part) for part in re.split(r"[\s\-]+", (name or "").lower())) if p]


def phonetic_keys(name: str | None) -> set[str]:
    """Soundex survives most typos (Smtih); metaphone catches sound-alikes soundex splits."""
    keys: set[str] = set()
    for part in name_parts(name):
        keys.add("s:" + jellyfish.soundex(part))
        keys.add("m:" + jellyfish.metaphone(part))
    return keys


def first_name(forenames: str | None) -> str:
    """The first of a child's forenames, as search and the nickname table compare it."""
    return (name_parts(forenames) or [""])[0]


def child_name_keys(forenames: str | None, surname: str | None, former_surnames: list[str]) -> set[str]:
    """Every key under which search should find this child."""
    keys = set()
    for name in [surname, *former_surnames]:
        keys |= {"sur:" + k for k in phonetic_keys(name)}
    for variant in forename_variants(first_name(forenames)):
        keys |= {"fore:" + k for k in phonetic_keys(variant)}
    return keys


def forename_similarity(query: str, forenames: str) -> float:
    """1.0 for the same name or a known nickname; otherwise Jaro-Winkler on the first names."""
    asked, held = first_name(query), first_name(forenames)
    if not asked or not held:
        return 0.0
    if asked == held or asked in forename_variants(held) or held in forename_variants(asked):
        return 1.0
    return jellyfish.jaro_winkler_similarity(asked, held)


def surname_similarity(query: str, surnames: list[str]) -> float:
    """Best match of the asked surname against any current, former or hyphenated part."""
    asked = "".join(name_parts(query))
    if not asked:
        return 0.0
    candidates = set()
    for name in surnames:
        parts = name_parts(name)
        candidates.add("".join(parts))
        candidates.update(parts)
    return max((jellyfish.jaro_winkler_similarity(asked, held) for held in candidates if held), default=0.0)

"""Reference data kept as data files with their sources: the early help assessment's domains and
elements, the LARC checklist of what families said support changed, the SDQ's published bands for
scores entered from paper, and joinedup's own wellbeing check. On the ground floor, without Django,
because casework records them, the evidence layer measures them and the generator writes them."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent
SDQ_INFORMANTS = {"parent": "Parent or carer", "teacher": "Teacher", "self": "The young person (11 to 17)"}
SDQ_BAND_LABELS = {"close_to_average": "Close to average", "borderline": "Borderline", "abnormal": "Abnormal"}


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    text: str
    said_by: tuple[str, ...]


@cache
def larc_items() -> tuple[ChecklistItem, ...]:
    data = tomllib.loads((DATA / "larc_views.toml").read_text())
    return tuple(ChecklistItem(i["code"], i["text"], tuple(i["said_by"])) for i in data["item"])


@cache
def _sdq_bands() -> dict:
    return tomllib.loads((DATA / "sdq_bands.toml").read_text())["total"]


def sdq_band(total: int, informant: str) -> str:
    """The published band of an SDQ total difficulties score, in words."""
    for band, (low, high) in _sdq_bands()[informant].items():
        if low <= total <= high:
            return SDQ_BAND_LABELS[band]
    raise ValueError(f"An SDQ total difficulties score is 0 to 40, not {total}")


@dataclass(frozen=True)
class Element:
    code: str
    title: str


@dataclass(frozen=True)
class Domain:
    code: str
    title: str
    elements: tuple[Element, ...]


@cache
def assessment_domains() -> tuple[Domain, ...]:
    data = tomllib.loads((DATA / "assessment_domains.toml").read_text())
    return tuple(
        Domain(d["code"], d["title"], tuple(Element(e["code"], e["title"]) for e in d["element"]))
        for d in data["domain"]
    )


def element_codes() -> set[str]:
    return {element.code for domain in assessment_domains() for element in domain.elements}


@dataclass(frozen=True)
class Question:
    code: str
    text: str


@cache
def wellbeing_questions() -> tuple[Question, ...]:
    """joinedup's own openly licensed check, answered 0 to 10 (data/wellbeing_check.toml)."""
    data = tomllib.loads((DATA / "wellbeing_check.toml").read_text())
    return tuple(Question(q["code"], q["text"]) for q in data["question"])

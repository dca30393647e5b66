"""The children in need census XML (Message/Header, Children/Child), any collection year. One
record per Child; its ChildIdentifiers and Ethnicity are columns named as the elements are.

Year to year: the child's sex is <Sex> from 2023/24 (M, F, U, or the old 1, 2, 0, 9 in some
files) and <GenderCurrent> before it; the reader gives both as Sex. PreProceedingsandFGDM
(2025/26) and any other block a year adds are read past, not refused.

Columns the reader adds for the source file to map: CINreferralDate and CINclosureDate of the
child's latest episode (CINdetails), and the census's ReferenceDate. Facts: disabilities, each
episode with its assessments, plans, section 47 enquiries and protection plans, and whether an
episode or a protection plan is open at the reference date.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd

from joinedup.common.tables import FileProblems, Problem

from . import normalise
from .extract import FILE, ROW, Extract
from .mapping import SourceMapping
from .xmlfiles import line_of, records, text_of

IDENTIFIERS = [
    "LAchildID",
    "UPN",
    "FormerUPN",
    "UPNunknown",
    "PersonBirthDate",
    "ExpectedPersonBirthDate",
    "Sex",
    "PersonDeathDate",
]
COLUMNS = [*IDENTIFIERS, "Ethnicity", "CINreferralDate", "CINclosureDate", "ReferenceDate"]
CHILD_DATES = ("PersonBirthDate", "ExpectedPersonBirthDate", "PersonDeathDate")
# Each block of an episode: the element, the name its list takes in the facts, and its elements
# (element -> fact name); dates are read in the format the source file gives each element.
EPISODE = {
    "CINreferralDate": "referral",
    "ReferralSource": "referral_source",
    "PrimaryNeedCode": "primary_need",
    "CINclosureDate": "closure",
    "ReasonForClosure": "closure_reason",
    "DateOfInitialCPC": "initial_cpc",
    "ReferralNFA": "referral_nfa",
}
BLOCKS = {
    "Assessments": (
        "assessments",
        {
            "AssessmentActualStartDate": "start",
            "AssessmentInternalReviewDate": "internal_review",
            "AssessmentAuthorisationDate": "authorised",
        },
    ),
    "CINPlanDates": ("cin_plans", {"CINPlanStartDate": "start", "CINPlanEndDate": "end"}),
    "Section47": (
        "section_47",
        {"S47ActualStartDate": "start", "InitialCPCtarget": "icpc_target", "DateOfInitialCPC": "icpc"},
    ),
    "ChildProtectionPlans": (
        "protection_plans",
        {
            "CPPstartDate": "start",
            "CPPendDate": "end",
            "InitialCategoryOfAbuse": "initial_category",
            "LatestCategoryOfAbuse": "latest_category",
            "NumberOfPreviousCPP": "previous_plans",
        },
    ),
}
DATE_ELEMENTS = {
    "CINreferralDate",
    "CINclosureDate",
    "DateOfInitialCPC",
    "AssessmentActualStartDate",
    "AssessmentInternalReviewDate",
    "AssessmentAuthorisationDate",
    "CINPlanStartDate",
    "CINPlanEndDate",
    "S47ActualStartDate",
    "InitialCPCtarget",
    "CPPstartDate",
    "CPPendDate",
    "CPPreviewDate",
    "ReferenceDate",
}


def read(mapping: SourceMapping, path: Path) -> Extract:
    path = Path(path)
    if not path.is_file():
        raise FileProblems([Problem(str(path), None, None, "the file does not exist")])
    formats = _date_formats(mapping)
    reference_date = ""
    rows, facts, problems = [], [], []
    for element in records(path, root="Message", wanted={"Header", "Child"}):
        if element.tag == "Header":
            reference_date, problem = _date(element.find("CollectionDetails/ReferenceDate"), formats, path)
            problems += [problem] if problem else []
            continue
        identifiers = element.find("ChildIdentifiers")
        row = {name: text_of(identifiers, name) for name in IDENTIFIERS}
        row["Sex"] = row["Sex"] or text_of(identifiers, "GenderCurrent")
        row["Ethnicity"] = text_of(element.find("ChildCharacteristics"), "Ethnicity")
        episodes, episode_problems = _episodes(element, formats, path)
        problems += episode_problems
        latest = max(episodes, key=lambda e: e["referral"], default={})
        row |= {"CINreferralDate": latest.get("referral", ""), "CINclosureDate": latest.get("closure", "")}
        row |= {FILE: str(path), ROW: line_of(element)}
        rows.append(row)
        disabilities = [(d.text or "").strip() for d in element.findall("ChildCharacteristics/Disabilities/Disability")]
        facts.append(
            {
                "disabilities": [d for d in disabilities if d],
                "episodes": episodes,
                "cin_open": any(not e["closure"] for e in episodes),
                "protection_plan_open": any(not plan["end"] for e in episodes for plan in e["protection_plans"]),
            }
        )
    frame = pd.DataFrame(rows, columns=[*COLUMNS, FILE, ROW]).fillna("")
    frame["ReferenceDate"] = reference_date
    for fact in facts:
        fact["reference_date"] = reference_date
    return Extract(frame=frame, files=[path], facts=facts, problems=problems)


def _date_formats(mapping: SourceMapping) -> dict[str, str]:
    missing = sorted(DATE_ELEMENTS - set(mapping.dates))
    if missing:
        raise FileProblems(
            [
                Problem(str(mapping.path), None, f"dates.{name}", "the CIN census reader needs its format")
                for name in missing
            ]
        )
    return mapping.dates


def _date(element: ET.Element | None, formats: dict[str, str], path: Path) -> tuple[str, Problem | None]:
    """An element's date as ISO ('' when absent), or a problem naming its line."""
    if element is None or not (element.text or "").strip():
        return "", None
    iso = normalise.iso_date(element.text, formats[element.tag])
    if iso is None:
        return "", Problem(
            str(path), line_of(element), element.tag, f"expected a date as {formats[element.tag]}, got {element.text!r}"
        )
    return iso, None


def _episodes(child: ET.Element, formats: dict[str, str], path: Path) -> tuple[list[dict], list[Problem]]:
    """The child's episodes (CINdetails); an episode with a date that cannot be read is left out
    and reported, the child kept."""
    episodes, problems = [], []
    for details in child.findall("CINdetails"):
        episode, episode_problems = _values(details, EPISODE, formats, path)
        for block, (name, elements) in BLOCKS.items():
            episode[name] = []
            for found in details.findall(block):
                values, block_problems = _values(found, elements, formats, path)
                episode_problems += block_problems
                if block == "Assessments":
                    values["factors"] = [
                        (f.text or "").strip() for f in found.findall("FactorsIdentifiedAtAssessment/AssessmentFactors")
                    ]
                if block == "ChildProtectionPlans":
                    reviews = [_date(r, formats, path) for r in found.findall("Reviews/CPPreviewDate")]
                    episode_problems += [p for _, p in reviews if p]
                    values["reviews"] = [iso for iso, p in reviews if not p and iso]
                episode[name].append(values)
        if episode_problems:
            problems += [
                Problem(p.file, p.row, p.column, f"{p.message}; this CINdetails is left out") for p in episode_problems
            ]
            continue
        episodes.append(episode)
    return episodes, problems


def _values(
    element: ET.Element, names: dict[str, str], formats: dict[str, str], path: Path
) -> tuple[dict, list[Problem]]:
    values, problems = {}, []
    for tag, name in names.items():
        if tag in DATE_ELEMENTS:
            values[name], problem = _date(element.find(tag), formats, path)
            problems += [problem] if problem else []
        else:
            values[name] = text_of(element, tag)
    return values, problems

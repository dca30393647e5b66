"""The children in need census as the DfE COLLECT XML in the current layout (Sex, not
GenderCurrent), element for element in the order of CIN_schema_2025.xsd and the 2026 sample.

It covers the whole history window, as the multi-year CIN extract data-to-insight's liia-tools
builds from several years' censuses: one Child per child in need at any point in the window, one
CINdetails per episode open during it, and each episode's assessments, plans, section 47
enquiries and protection plans within the window. The header is the collection year's.
"""

from __future__ import annotations

from datetime import timedelta
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from joinedup.synth import codes, errors
from joinedup.synth.output import format_dates
from joinedup.synth.selection import ages

from . import Context, Written

SOURCE = "cin_census"
DATE_COLUMNS = (
    "referral",
    "closure",
    "assessment_start",
    "assessment_end",
    "plan_start",
    "plan_end",
    "s47_start",
    "icpc_target",
    "icpc",
    "cpp_start",
    "cpp_end",
)


def write(rng: np.random.Generator, context: Context) -> Written:
    episodes = context.care.cin_history
    children = np.unique(episodes["child"].to_numpy())
    truth = context.register.children.iloc[children]
    dob = errors.swapped_day_month(rng, truth["date_of_birth"].to_numpy(), context.rates["swapped_day_month"])
    upn = errors.blanked(rng, truth["upn"].to_numpy(), context.rates["missing_identifier"])
    school_age = ages(context.register.children, context.as_of)[children] >= 5
    identifiers = {
        "la_id": truth["la_child_id"].to_numpy(),
        "upn": upn,
        "unknown": np.where(school_age, "UN5", "UN1"),
        "dob": format_dates(dob, "iso"),
        "sex": truth["sex"].to_numpy(),
        "ethnicity": truth["ethnicity"].to_numpy(),
    }
    disabilities = _disabilities(context, children)
    # Episodes are sorted by child, so each child's CINdetails are one run of records.
    records = _formatted(episodes, context.care.history_start).to_dict("records")
    starts = np.searchsorted(episodes["child"].to_numpy(), children)
    ends = np.r_[starts[1:], len(records)]
    lines = [*_header(context), "    <Children>"]
    for position, child in enumerate(children):
        identity = {key: values[position] for key, values in identifiers.items()}
        lines += _child(identity, disabilities.get(int(child), ("NONE",)), records[starts[position] : ends[position]])
    lines += ["    </Children>", "</Message>", ""]
    name = f"cin_census/CIN_Census_{context.as_of.year}.xml"
    path = context.out / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    written = Written(files={name: len(children)})
    written.record(SOURCE, identifiers["la_id"], children)
    return written


def _header(context: Context) -> list[str]:
    sent = f"{(context.as_of + timedelta(days=14)).isoformat()}T09:30:00"
    return [
        '<?xml version="1.0" encoding="utf-8"?>',
        "<Message>",
        "    <Header>",
        "        <CollectionDetails>",
        "            <Collection>CIN</Collection>",
        f"            <Year>{context.as_of.year}</Year>",
        f"            <ReferenceDate>{context.as_of.isoformat()}</ReferenceDate>",
        "        </CollectionDetails>",
        "        <Source>",
        "            <SourceLevel>L</SourceLevel>",
        f"            <LEA>{context.la_code}</LEA>",
        "            <SoftwareCode>Local Authority</SoftwareCode>",
        "            <Release>ver 3.1.21</Release>",
        "            <SerialNo>001</SerialNo>",
        f"            <DateTime>{sent}</DateTime>",
        "        </Source>",
        "    </Header>",
    ]


def _disabilities(context: Context, children: np.ndarray) -> dict[int, tuple[str, ...]]:
    """What the child's special educational needs mean as CIN census disability codes."""
    needs = context.schooling.sen_needs
    pupils = context.schooling.pupils
    child = pupils["child"].to_numpy()[needs["pupil"].to_numpy()]
    codes_for = pd.Series(needs["type"].map(codes.SEN_TO_CIN_DISABILITY).to_numpy(), index=child).dropna()
    wanted = codes_for[codes_for.index.isin(children)]
    return {int(c): tuple(dict.fromkeys(group.to_list())) for c, group in wanted.groupby(level=0)}


def _formatted(episodes: pd.DataFrame, history_start: np.datetime64) -> pd.DataFrame:
    frame = episodes.copy()
    for column in DATE_COLUMNS:
        raw = frame[column].to_numpy().astype("datetime64[D]")
        frame[column + "_in_window"] = np.isnat(raw) | (raw >= history_start)
        frame[column] = format_dates(raw, "iso")
    return frame


def _element(indent: int, name: str, value) -> str:
    return f"{' ' * indent}<{name}>{escape(str(value))}</{name}>"


def _child(identity: dict, disabilities: tuple[str, ...], episodes: list[dict]) -> list[str]:
    lines = ["        <Child>", "            <ChildIdentifiers>", _element(16, "LAchildID", identity["la_id"])]
    lines.append(
        _element(16, "UPN", identity["upn"]) if identity["upn"] else _element(16, "UPNunknown", identity["unknown"])
    )
    lines += [
        _element(16, "PersonBirthDate", identity["dob"]),
        _element(16, "Sex", identity["sex"]),
        "            </ChildIdentifiers>",
        "            <ChildCharacteristics>",
        _element(16, "Ethnicity", identity["ethnicity"]),
        "                <Disabilities>",
    ]
    lines += [_element(20, "Disability", code) for code in disabilities]
    lines += ["                </Disabilities>", "            </ChildCharacteristics>"]
    for episode in episodes:
        lines += _details(episode)
    lines.append("        </Child>")
    return lines


def _details(e: dict) -> list[str]:
    lines = [
        "            <CINdetails>",
        _element(16, "CINreferralDate", e["referral"]),
        _element(16, "ReferralSource", e["source"]),
    ]
    if e["need"]:
        lines.append(_element(16, "PrimaryNeedCode", e["need"]))
    if e["closure"]:
        lines += [_element(16, "CINclosureDate", e["closure"]), _element(16, "ReasonForClosure", e["closure_reason"])]
    if e["assessment_start"] and e["assessment_end_in_window"]:
        lines += ["                <Assessments>", _element(20, "AssessmentActualStartDate", e["assessment_start"])]
        if e["assessment_end"]:
            lines += [
                _element(20, "AssessmentAuthorisationDate", e["assessment_end"]),
                "                    <FactorsIdentifiedAtAssessment>",
            ]
            lines += [_element(24, "AssessmentFactors", f) for f in e["factors"]]
            lines.append("                    </FactorsIdentifiedAtAssessment>")
        lines.append("                </Assessments>")
    if e["plan_start"] and e["plan_end_in_window"]:
        lines += ["                <CINPlanDates>", _element(20, "CINPlanStartDate", e["plan_start"])]
        if e["plan_end"]:
            lines.append(_element(20, "CINPlanEndDate", e["plan_end"]))
        lines.append("                </CINPlanDates>")
    if e["s47_start"] and (e["s47_start_in_window"] or e["icpc_in_window"]):
        lines += [
            "                <Section47>",
            _element(20, "S47ActualStartDate", e["s47_start"]),
            _element(20, "InitialCPCtarget", e["icpc_target"]),
            _element(20, "DateOfInitialCPC", e["icpc"]),
            _element(20, "ICPCnotRequired", 0),
            "                </Section47>",
        ]
    lines.append(_element(16, "ReferralNFA", 1 if e["nfa"] else 0))
    if e["cpp_start"] and e["cpp_end_in_window"]:
        lines += ["                <ChildProtectionPlans>", _element(20, "CPPstartDate", e["cpp_start"])]
        if e["cpp_end"]:
            lines.append(_element(20, "CPPendDate", e["cpp_end"]))
        lines += [
            _element(20, "InitialCategoryOfAbuse", e["abuse_initial"]),
            _element(20, "LatestCategoryOfAbuse", e["abuse_latest"]),
            _element(20, "NumberOfPreviousCPP", e["previous_plans"]),
        ]
        if e["reviews"]:
            lines.append("                    <Reviews>")
            lines += [_element(24, "CPPreviewDate", np.datetime_as_string(r, unit="D")) for r in e["reviews"]]
            lines.append("                    </Reviews>")
        lines.append("                </ChildProtectionPlans>")
    lines.append("            </CINdetails>")
    return lines

"""De-identified extracts for research partners: only what the use needs, made as coarse as it
allows (evidence/data/extract_uses.toml), children under a pseudonym stable within the project,
checked for k-anonymity before it leaves, and every extract recorded with its purpose."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from django.db import transaction
from django.utils import timezone

from joinedup.audit import services as audit

from .cohorts import Definition
from .disclosure.anonymity import smallest_group
from .disclosure.minimise import MinimisationPolicy, minimise, new_project_salt
from .measures import connect
from .models import Cohort, ProjectSalt, ResearchExtract
from .returns import tables as returns_tables

USES_FILE = Path(__file__).parent / "data" / "extract_uses.toml"
# Every combination of the quasi-identifiers must describe at least this many rows of children
# before an extract may leave (k-anonymity; ICO anonymisation guidance speaks of k of 5 or more).
SMALLEST_GROUP = 5
PER_TERM = {"term", "attendance_rate", "persistent_absence", "severe_absence", "suspended"}


class ExtractRefused(ValueError):
    """The extract would let a child be singled out; the message says what to change."""


@dataclass(frozen=True)
class Use:
    code: str
    label: str
    policy: MinimisationPolicy
    quasi_identifiers: list[str]


def uses() -> dict[str, Use]:
    with USES_FILE.open("rb") as file:
        data = tomllib.load(file)
    return {
        code: Use(code, spec["label"], MinimisationPolicy.from_mapping(spec), list(spec["quasi_identifiers"]))
        for code, spec in data.items()
    }


def _rows(use: Use, cohort: Definition) -> pd.DataFrame:
    where, params = cohort.where("c")
    per_term = bool(PER_TERM & {rule.column for rule in use.policy.rules})
    source = "children c JOIN pupil_terms p USING (child_id)" if per_term else "children c"
    wanted = ", ".join(
        f"p.{rule.column}" if rule.column in PER_TERM else f"c.{rule.column}" for rule in use.policy.rules
    )
    with connect() as con:
        return con.execute(f"SELECT {wanted} FROM {source} WHERE {where}", params).df()


@transaction.atomic
def make_research_extract(
    *, made_by, use: Use, project: str, purpose: str, cohort: Cohort | None
) -> tuple[ResearchExtract, pd.DataFrame, dict[str, str]]:
    """The extract, its data dictionary and the record of it; refused when a combination of the
    quasi-identifiers describes fewer than SMALLEST_GROUP rows."""
    definition = Definition.from_json(cohort.definition) if cohort else Definition()
    salt, _ = ProjectSalt.objects.get_or_create(project=project, defaults={"salt": new_project_salt()})
    extract, dictionary = minimise(
        _rows(use, definition), use.policy, project_salt=bytes(salt.salt), reference_date=timezone.localdate()
    )
    smallest = smallest_group(extract=extract, quasi_identifiers=use.quasi_identifiers) if len(extract) else 0
    if len(extract) and smallest < SMALLEST_GROUP:
        raise ExtractRefused(
            f"Some children could be singled out: a combination of {', '.join(use.quasi_identifiers)} describes "
            f"only {smallest} rows (at least {SMALLEST_GROUP} are needed). Choose a larger cohort or a use that "
            "makes these columns coarser."
        )
    record = ResearchExtract.objects.create(
        project=project,
        purpose=purpose,
        cohort=cohort,
        columns=dictionary,
        rows=len(extract),
        smallest_group=smallest,
        made_by=made_by,
    )
    audit.record(
        actor=made_by,
        verb="made_research_extract",
        legal_basis=f"De-identified extract for research: {purpose}",
        target=record,
        detail={"project": project, "use": use.code, "rows": len(extract), "smallest_group": smallest},
    )
    return record, extract, dictionary


def extract_workbook(extract: pd.DataFrame, dictionary: dict[str, str]) -> bytes:
    """The extract and its data dictionary (what was done to each column), a sheet each."""
    notes = pd.DataFrame({"Column": list(dictionary), "What was done": list(dictionary.values())})
    return returns_tables.to_xlsx_bytes({"Extract": extract, "Data dictionary": notes})


def extract_file_name(record: ResearchExtract) -> str:
    return f"{record.project}-{record.made_at:%Y-%m-%d}-{record.id}.xlsx"

"""The LARC key groups, derived from what a child's linked records say: looked after (an open
SSDA903 episode), autism (SEN primary need ASD in the school census, or CIN disability AUT) and
key stage 3 absence, beside the DfE's persistent (10%) and severe (50%) absence flags."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from .models import IndexRecord

KEY_STAGE_3_YEARS = {"7", "8", "9"}
PERSISTENT_ABSENCE = 0.10  # DfE, since 2015/16
SEVERE_ABSENCE = 0.50  # DfE


@dataclass
class KeyGroups:
    looked_after: bool = False
    autism: bool = False
    absence_rate: float | None = None
    key_stage_3: bool = False
    evidence: list[str] = field(default_factory=list)

    @property
    def key_stage_3_absence(self) -> bool:
        """LARC's "over 20%" was the persistent-absence line of its day; the threshold is a setting."""
        return self.key_stage_3 and self.absence_rate is not None and self.absence_rate > absence_threshold()

    @property
    def persistent_absence(self) -> bool:
        return self.absence_rate is not None and self.absence_rate >= PERSISTENT_ABSENCE

    @property
    def severe_absence(self) -> bool:
        return self.absence_rate is not None and self.absence_rate >= SEVERE_ABSENCE


def absence_threshold() -> float:
    return getattr(settings, "JOINEDUP_KS3_ABSENCE_THRESHOLD", 0.20)


def key_groups(child_id: int) -> KeyGroups:
    groups = KeyGroups()
    possible = absent = 0
    records = IndexRecord.objects.filter(child_id=child_id, withdrawn_at__isnull=True).select_related("source")
    for record in records:
        facts, kind = record.facts or {}, record.source.format
        if facts.get("looked_after_open"):
            groups.looked_after = True
            groups.evidence.append(
                f"An open period of care in {record.source.name} (legal status "
                f"{facts.get('legal_status') or 'not given'})"
            )
        if facts.get("sen_primary_need") == "ASD":
            groups.autism = True
            groups.evidence.append(f"Autism is the primary special educational need in {record.source.name}")
        if "AUT" in (facts.get("disabilities") or []):
            groups.autism = True
            groups.evidence.append(f"Autism is recorded as a disability in {record.source.name}")
        if kind == "school_census" and facts.get("sessions_possible"):
            possible += int(facts["sessions_possible"])
            absent += int(facts.get("sessions_absent") or 0)
            groups.key_stage_3 = groups.key_stage_3 or str(facts.get("nc_year")) in KEY_STAGE_3_YEARS
    if possible:
        groups.absence_rate = absent / possible
        groups.evidence.append(
            f"Missed {absent} of {possible} possible sessions ({groups.absence_rate:.0%}) in the school census"
        )
    return groups

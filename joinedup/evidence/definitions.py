"""What each measure means, in one place, with where the definition comes from: the pages show
the definition and its source beside every figure, and the measures build computes exactly this."""

from __future__ import annotations

from dataclasses import dataclass

from joinedup.index.key_groups import absence_threshold

DFE_ABSENCE = (
    "DfE, Pupil absence in schools in England: methodology (persistent absence 10% or more of possible "
    "sessions since 2015/16; severe absence 50% or more)"
)
DFE_EXCLUSIONS = "DfE, Suspensions and permanent exclusions in England: methodology"
DFE_CLA = "DfE, Children looked after in England including adoptions (SSDA903 guidance)"
DFE_STABILITY = "DfE, Stability measures for children looked after in England (3 or more placements in the year)"
DFE_CIN = "DfE, Children in need census guide (a re-referral is a referral within 12 months of a previous one)"
YOUTH_JUSTICE = (
    "Youth Justice Board and Ministry of Justice, Youth justice statistics (a first time entrant is a child aged "
    "10 to 17 receiving their first youth caution or court conviction)"
)
LARC = "LARC Round 1 summary report (2008), key groups and four-level impact model (seed 000)"
LARC_TABLE_1 = "LARC Round 1 summary report (2008), Table 1: impacts parents and children reported (seed 000)"
OFSTED_ANNEX_A = "Ofsted, Annex A list 2 (early help): assessment start and completion"
SDQ_BANDS = "DfE, Children looked after in England: SDQ bands normal 0-13, borderline 14-16, concern 17-40"
WELLBEING_CHECK = "joinedup wellbeing check (MIT licence; four questions answered 0 to 10; not a validated instrument)"
SUPPORTING_FAMILIES = "MHCLG, Supporting Families programme guidance and outcome framework (2022 onwards)"
CAF_DESTINATION = "Integrated working evidence review (2010), CAF destination at closure (seed 002)"
CONCEPT_OF_OPERATIONS = "DfES Concept of Operations: referral, allocation panel, TAC (seed 001)"


MEANS = frozenset({"attendance_rate", "sdq_total", "wellbeing_check"})  # the rest in percent are shares of yes/no
# Youth justice work that is not an outcome of an offence: voluntary prevention and Turnaround.
NOT_OFFENCE_OUTCOMES = ("Prevention", "Turnaround")


@dataclass(frozen=True)
class Measure:
    code: str
    label: str
    unit: str  # "percent", "count", "days", "score"
    definition: str
    source: str
    # Which way is better, so a change can be called an improvement: +1 higher, -1 lower, 0 neither.
    better: int = 0

    @property
    def summary(self) -> str:
        """How a group's values are summarised: a share of yes/no, a mean, or a median of waits."""
        if self.unit == "days":
            return "median"
        return "mean" if self.code in MEANS else "share"


def _measures() -> list[Measure]:
    threshold = f"{absence_threshold():.0%}"
    return [
        Measure(
            "attendance_rate",
            "Attendance",
            "percent",
            "Sessions attended as a share of possible sessions in the term, for pupils on roll that term",
            DFE_ABSENCE,
            better=+1,
        ),
        Measure(
            "persistent_absence",
            "Persistent absence",
            "percent",
            "Share of pupils who missed 10% or more of their possible sessions in the term",
            DFE_ABSENCE,
            better=-1,
        ),
        Measure(
            "severe_absence",
            "Severe absence",
            "percent",
            "Share of pupils who missed 50% or more of their possible sessions in the term",
            DFE_ABSENCE,
            better=-1,
        ),
        Measure(
            "ks3_absence",
            f"Key stage 3 absence over {threshold}",
            "percent",
            f"Share of pupils in years 7 to 9 who missed more than {threshold} of their possible sessions in the "
            "term (the LARC key group; the line is a setting, JOINEDUP_KS3_ABSENCE_THRESHOLD)",
            LARC,
            better=-1,
        ),
        Measure(
            "suspended",
            "Suspended",
            "percent",
            "Share of pupils with one or more suspensions starting in the term",
            DFE_EXCLUSIONS,
            better=-1,
        ),
        Measure(
            "permanently_excluded",
            "Permanently excluded",
            "percent",
            "Share of pupils permanently excluded in the term",
            DFE_EXCLUSIONS,
            better=-1,
        ),
        Measure(
            "looked_after",
            "Looked after",
            "percent",
            "Share of children with a period of care (an SSDA903 episode) open at any time in the term",
            DFE_CLA,
        ),
        Measure(
            "placement_moves",
            "Three or more placements in a year",
            "percent",
            "Share of looked-after children with three or more placements in the twelve months to the end of the term",
            DFE_STABILITY,
            better=-1,
        ),
        Measure(
            "youth_justice_outcome",
            "Youth justice outcome",
            "percent",
            "Share of pupils aged 10 to 17 with a youth caution or court outcome starting in the term (youth justice "
            "service case list; prevention and Turnaround work are not outcomes of an offence)",
            YOUTH_JUSTICE,
            better=-1,
        ),
        Measure(
            "first_time_entrant",
            "First time entrant to the youth justice system",
            "percent",
            "Share of pupils aged 10 to 17 whose first youth caution or court outcome started in the term",
            YOUTH_JUSTICE,
            better=-1,
        ),
        Measure(
            "referred",
            "Referred for early help",
            "percent",
            "Share of children referred for early help in the term",
            CONCEPT_OF_OPERATIONS,
        ),
        Measure(
            "re_referred",
            "Re-referred within 12 months",
            "percent",
            "Share of referrals (early help or children in need) made within 12 months of the child's previous "
            "referral",
            DFE_CIN,
            better=-1,
        ),
        Measure(
            "days_to_assessment",
            "Days from referral to assessment",
            "days",
            "Days from the referral to the start of the early help assessment (median)",
            OFSTED_ANNEX_A,
            better=-1,
        ),
        Measure(
            "days_to_first_tac",
            "Days from referral to first team around the child meeting",
            "days",
            "Days from the referral to the first team around the child meeting (median)",
            CONCEPT_OF_OPERATIONS,
            better=-1,
        ),
        Measure(
            "needs_met",
            "Needs met at closure",
            "percent",
            "Share of closed early help cases closed because needs were met (the CAF destination)",
            CAF_DESTINATION,
            better=+1,
        ),
        Measure(
            "sdq_total",
            "SDQ total difficulties",
            "score",
            "Strengths and Difficulties Questionnaire total difficulties score, 0 to 40, recorded at assessment "
            "and review (lower is better)",
            SDQ_BANDS,
            better=-1,
        ),
        Measure(
            "sdq_concern",
            "SDQ score of concern",
            "percent",
            "Share of SDQ scores of 17 or more (the band of concern)",
            SDQ_BANDS,
            better=-1,
        ),
        Measure(
            "wellbeing_check",
            "Wellbeing check",
            "score",
            "The child's mean answer to the wellbeing check's questions (happy, safe at home, safe at school, listened "
            "to), 0 to 10, recorded at assessment and review (higher is better)",
            WELLBEING_CHECK,
            better=+1,
        ),
        Measure(
            "reported_impact",
            "Reported a positive change",
            "percent",
            "Share of reviews where the child or parent ticked one or more of the LARC Table 1 changes",
            LARC_TABLE_1,
            better=+1,
        ),
    ]


def measures() -> dict[str, Measure]:
    return {measure.code: measure for measure in _measures()}


def measure(code: str) -> Measure:
    return measures()[code]


# The key groups of the LARC study, and how the index shows each (domain primer).
KEY_GROUPS = {
    "looked_after": ("Looked-after children", "A period of care in the SSDA903 return during the history", DFE_CLA),
    "autism": (
        "Children with autism",
        "Autism as the primary special educational need (school census) or a disability (CIN census)",
        LARC,
    ),
    "ks3_absence": (
        "Key stage 3 pupils with high absence",
        "A pupil in years 7 to 9 who missed more than the threshold of sessions in any term of the history",
        LARC,
    ),
}

"""Which children each service works with: the ages it takes and, for a service a child only ever
has because of a particular need, the needs that call for it. One table, read by the synthetic
authority (whom each service sees, `services.py`) and by the synthetic casework history (who may
refer a child, lead the family's plan or join the team around the child: `load_casework_history`
gives each practitioner their service's reach, and `casework.history` keeps to it).

Plain data, no numpy, so the casework history's loader can read it cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass

# Needs a child's records can show (the casework history's loader reads them from the records:
# an open period of care, a CIN assessment factor, a special educational need, a service already
# working with the child).
LOOKED_AFTER = "looked_after"
EMOTIONAL_WELLBEING = "emotional_wellbeing"  # an emotional wellbeing or mental health need
SUBSTANCE_MISUSE = "substance_misuse"
SEXUAL_HEALTH = "sexual_health"


@dataclass(frozen=True)
class Fit:
    youngest: int  # completed years of age
    oldest: int
    called_for_by: frozenset[str] = frozenset()  # empty: any child of these ages
    why: str = ""


def _fit(youngest: int, oldest: int, *needs: str, why: str) -> Fit:
    return Fit(youngest, oldest, frozenset(needs), why)


# The ages are those the synthetic services see (services.py draws each service's children from
# them), each with the rule or practice it follows. A service missing here (the panel and the
# reviewing officers) may be beside any child.
FIT: dict[str, Fit] = {
    "EH-FAM": _fit(0, 17, why="early help works with families from pre-birth to 18 (Working Together 2023, ch. 2)"),
    "CSC-ASSESS": _fit(0, 17, why="any child in need or at risk of harm (Children Act 1989 ss. 17, 47)"),
    "CSC-CP": _fit(0, 17, why="any child in need or at risk of harm (Children Act 1989 ss. 17, 47)"),
    "CSC-CIC": _fit(0, 17, LOOKED_AFTER, why="only children in care (Children Act 1989 s. 22)"),
    "EDU-EWS": _fit(4, 17, why="pupils, reception to year 13 (Working together to improve school attendance, 2024)"),
    "EDU-EP": _fit(4, 17, why="pupils: the synthetic service draws its children from the school census"),
    "EDU-VS": _fit(
        4, 17, LOOKED_AFTER, why="looked-after children of school age (Children and Families Act 2014 s. 99)"
    ),
    "HLT-HV": _fit(0, 4, why="Healthy Child Programme 0-5: health visitors until the child starts school"),
    "HLT-SN": _fit(5, 17, why="Healthy Child Programme 5-19: school nurses for children of school age"),
    "HLT-SH": _fit(
        13,
        17,
        SEXUAL_HEALTH,
        why="young people's sexual health sees 13+ (Fraser guidelines); a younger child cannot consent in "
        "law (Sexual Offences Act 2003 ss. 5-8), so is a safeguarding referral, not a clinic's patient",
    ),
    "MH-CAMHS": _fit(
        5, 17, EMOTIONAL_WELLBEING, why="children with an emotional wellbeing or mental health need (NHS MHSDS)"
    ),
    "YJS-CASE": _fit(
        10, 17, why="the age of criminal responsibility (10) to 17 (Crime and Disorder Act 1998 ss. 34, 39)"
    ),
    "POL-EXP": _fit(12, 17, why="missing and exploited teenagers; the synthetic team sees children in need aged 12+"),
    "HSG-TA": _fit(0, 17, why="whole families in temporary accommodation (Housing Act 1996 Part 7)"),
    "VCS-YC": _fit(8, 17, why="young carers' projects commonly take 8-17 year olds (Carers Trust)"),
    "VCS-SM": _fit(
        12,
        17,
        SUBSTANCE_MISUSE,
        why="young people's substance misuse services: under-18s with a drug or alcohol need; few under 12 "
        "(OHID young people's treatment statistics), so the synthetic service sees 12+",
    ),
}


def age_range(service: str) -> tuple[int, int]:
    fit = FIT[service]
    return fit.youngest, fit.oldest

"""How common things are in England, each figure with its source, so the generator and its tests
cite the same number. Sources are keyed as in docs/prevalence.md (S1, S3, ...); figures marked
"assumption" are not in that document and say where they come from instead."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Figure:
    value: Any
    source: str


# Population: share of 0-17 year olds by single year of age, mid-2023 (S13 derived). Births are
# falling, so the youngest cohort is 80% of the peak at 11-12.
AGE_PROFILE = Figure(
    (4.78, 5.10, 5.07, 5.25, 5.34, 5.41, 5.53, 5.68, 5.63, 5.66, 5.80, 5.95, 5.95, 5.87, 5.83, 5.88, 5.67, 5.58),
    "S13: ONS MYE2 mid-2023, England, persons by single year of age 0-17",
)
TWIN_MATERNITIES = Figure(
    0.0153, "S14: ONS birth characteristics 2016, 15.7 twin maternities per 1,000 (~3% of children)"
)
TWIN_CHILD_SHARE = Figure(0.03, "S14 derived: about 2.8-3% of children are twins")

# Children looked after (CLA), year ending 31 March 2025.
LOOKED_AFTER_RATE = Figure(67 / 10_000, "S1: DfE CLA 2025, 81,770 on 31 March = 67 per 10,000 children")
LOOKED_AFTER_STARTING_RATE = Figure(26 / 10_000, "S1: 32,270 started to be looked after in 2025 = 26 per 10,000")
LOOKED_AFTER_CEASING_RATE = Figure(28 / 10_000, "S1: 34,450 ceased to be looked after in 2025 = 28 per 10,000")
LOOKED_AFTER_AGE_BANDS = Figure(
    {"under 1": 0.04, "1-4": 0.12, "5-9": 0.18, "10-15": 0.38, "16+": 0.27},
    "S1: CLA on 31 March 2025 by age: 4% / 12% / 18% / 38% / 27%",
)
LEGAL_STATUSES = Figure(
    {"C2": 0.59, "C1": 0.16, "V2": 0.19, "E1": 0.06},
    "S1: legal status on 31 March 2025: C2 59%, C1 16%, V2 19%, E1 6% (J and L codes <0.5%)",
)
CATEGORY_OF_NEED = Figure(
    {"N1": 0.67, "N5": 0.12, "N8": 0.08, "N4": 0.07, "N2": 0.02, "N3": 0.02, "N6": 0.01, "N7": 0.01},
    "S1: CLA category of need 2025: N1 67%, N5 12%, N8 8%, N4 7%, N2 2%, N3 2%, N6 1%, N7 <0.5%",
)
THREE_OR_MORE_PLACEMENTS = Figure(0.10, "S2: 10% of CLA had 3+ placements during 2025")
RETURNED_TO_CARE_SHARE = Figure(
    0.15,
    "assumption: about one in seven children coming into care had an earlier period that ended with a "
    "return home (prevalence.md has no figure for returns to care)",
)
SDQ_COVERAGE = Figure(0.78, "S1: 78% of eligible CLA (12+ months, aged 5-16) had an SDQ score in 2025")
SDQ_MEAN = Figure(14.9, "S1/S4: mean SDQ total difficulties score 14.9 in 2025")
HEALTH_CHECKS = Figure(
    {"HEALTH_ASSESSMENT": 0.90, "IMMUNISATIONS": 0.84, "TEETH_CHECK": 0.81},
    "S1: annual health assessment 90%, immunisations 84%, dental check 81% (CLA 12+ months)",
)

# Children in need (CIN), year ending 31 March 2025.
CHILD_IN_NEED_RATE = Figure(330.3 / 10_000, "S3/S4: 402,400 children in need on 31 March 2025 = 330.3 per 10,000")
CHILD_IN_NEED_IN_YEAR_RATE = Figure(578 / 10_000, "S3 derived: 704,430 children in need at any point = ~578 per 10,000")
REFERRAL_RATE = Figure(519.4 / 10_000, "S3/S4: 632,830 referrals in 2025 = 519.4 per 10,000")
EVER_REFERRED = Figure(
    {5: 0.225, 18: 0.354},
    "S19: 35.4% of children referred to children's social care before 18; 22.5% before 5 (Bilson and "
    "Martin 2016, British Journal of Social Work 46(5), the cohort born 2009/10)",
)
CONTACTS_PER_REFERRAL = Figure(
    4.8, "S16: just over 3 million initial contacts in 2023/24 against 621,880 referrals (S3, 2024)"
)
RE_REFERRAL_SHARE = Figure(0.226, "S3: 22.6% of referrals in 2025 were re-referrals within 12 months")
NO_FURTHER_ACTION_SHARE = Figure(0.065, "S3: 6.5% of referrals led to no further action")
ASSESSED_NOT_IN_NEED_SHARE = Figure(0.308, "S3: 30.8% of referrals were assessed as not in need")
PROTECTION_PLAN_RATE = Figure(40.6 / 10_000, "S3/S4: 49,420 child protection plans on 31 March 2025 = 40.6 per 10,000")
SECOND_PROTECTION_PLAN_SHARE = Figure(0.245, "S3: 24.5% of plans starting in 2025 were a second or later plan")
PROTECTION_PLAN_LENGTHS = Figure(
    {(0, 91): 0.315, (91, 182): 0.255, (182, 365): 0.263, (365, 730): 0.144, (730, 1460): 0.023},
    "S3: length of plans open on 31 March 2025: <=3m 31.5%, 3-6m 25.5%, 6-12m 26.3%, 1-2y 14.4%, 2y+ 2.3%",
)
PRIMARY_NEED_AT_ASSESSMENT = Figure(
    {"N1": 0.56, "N5": 0.15, "N2": 0.087, "N4": 0.07, "N3": 0.04, "N6": 0.03, "N8": 0.03, "N7": 0.013, "N9": 0.02},
    "S21 (2018: N1 53.2%, N5 15.4%, N2 8.7%), N1 scaled up as the gap note in prevalence.md advises",
)
ASSESSMENT_FACTORS = Figure(
    {"4B": 0.335, "3B": 0.317, "17A": 0.19, "4A": 0.176, "16A": 0.176, "1B": 0.143, "2B": 0.141},
    "S3 (c3): factors at end of assessment 2025: parental mental health 33.5%, domestic abuse 31.7%, ...",
)

# Special educational needs, all schools, January 2025 census.
EHC_PLAN_SHARE = Figure(0.053, "S5: 5.3% of pupils had an EHC plan in January 2025")
SEN_SUPPORT_SHARE = Figure(0.142, "S5: 14.2% of pupils were on SEN support in January 2025")
ASD_AMONG_EHC = Figure(0.336, "S5: autism was the primary need of 33.6% of pupils with an EHC plan")
ASD_AMONG_SEN_SUPPORT = Figure(0.076, "S7: autism was the primary need of 7.6% of pupils on SEN support (2021/22)")
SLCN_AMONG_SEN_SUPPORT = Figure(0.257, "S5: speech, language and communication needs, 25.7% of SEN support")
SEN_AMONG_LOOKED_AFTER = Figure({"E": 0.302, "K": 0.272}, "S7: CLA pupils 2021/22: EHC 30.2%, SEN support 27.2%")
SEN_AMONG_CHILDREN_IN_NEED = Figure({"E": 0.247, "K": 0.239}, "S7: CIN pupils 2021/22: EHC 24.7%, SEN support 23.9%")

# Absence: persistent (10%+ of possible sessions) and severe (50%+), by national curriculum year.
ABSENCE_BY_YEAR = Figure(
    {"7": (0.199, 0.017), "8": (0.254, 0.029), "9": (0.289, 0.039), "10": (0.297, 0.045), "11": (0.304, 0.045)},
    "S9 derived: DfE absence bands by NC year 2022/23, persistent / severe: Y7 19.9/1.7, Y8 25.4/2.9, "
    "Y9 28.9/3.9, Y10 29.7/4.5, Y11 30.4/4.5",
)
PRIMARY_ABSENCE = Figure(
    (0.1299, 0.0117),
    "S8 via S4: primary persistent absence 12.99% (2024/25); severe 1.17% derived from all-school 2.39% "
    "and secondary 3.88% with secondary as 45% of pupils",
)
ABSENCE_BY_SOCIAL_CARE_GROUP = Figure(
    {"cin": (0.460, 0.113), "cpp": (0.554, 0.154), "cla": (0.203, 0.064)},
    "S11: 2024/25 persistent / severe: CIN 46.0/11.3, CPP 55.4/15.4, CLA (12+ months) 20.3/6.4",
)

# Suspensions and permanent exclusions, 2023/24 (per 100 pupils in the year).
SUSPENSIONS_PER_100 = Figure(11.31, "S10: 11.31 suspensions per 100 pupils in 2023/24 (secondary 22.61)")
SUSPENDED_PUPIL_SHARE = Figure(0.0404, "S10: 4.04% of pupils had one or more suspensions in 2023/24 (secondary 7.83%)")
PERMANENT_EXCLUSIONS_PER_100 = Figure(0.13, "S10: 0.13 permanent exclusions per 100 pupils in 2023/24 (secondary 0.25)")
AUTUMN_TERM_SHARE = Figure(14 / 38, "assumption: the autumn term is 14 of the 38 teaching weeks of the school year")

# Early help (no national count exists: S16, S17).
EARLY_HELP_IN_YEAR_RATE = Figure(385 / 10_000, "S17 x S3 derived: ~2/3 x 578 = ~385 children per 10,000 a year")

# Assumptions not in prevalence.md, used for services the document does not cover.
YOUTH_JUSTICE_OPEN_RATE = Figure(
    0.006,
    "assumption: ~0.6% of 10-17 year olds open to a youth justice service (YJB/MoJ Youth Justice Statistics: "
    "~13,000 children cautioned or sentenced a year, plus out-of-court and prevention work)",
)
TEMPORARY_ACCOMMODATION_SHARE = Figure(
    0.012,
    "assumption: ~150,000 children in temporary accommodation in England (MHCLG 2024), ~1.2%",
)
NAME_CHANGE_SHARE = Figure(
    0.025,
    "assumption: S15 gives a lower bound of 0.6 per 1,000 a year by deed poll; with step-families and "
    "separations about 2.5% of children carry a former surname",
)
KNOWN_WITHOUT_REFERRAL = Figure(
    0.5,
    "assumption: with about five contacts a referral (S16), most of them about children already known "
    "or later referred, children whose contacts never became a referral are half as many again as "
    "children ever referred, so about 53% of children are known to social care by 18",
)
NHS_NUMBER_IN_SOCIAL_CARE = Figure(
    {"cp_is": 0.95, "in_need": 0.75, "contact": 0.4},
    "assumption: CP-IS needs the NHS number of every looked-after child and child on a protection plan; "
    "other children in need and children with contacts only have it where health shared it",
)
CARER_PHONE_MISSING_SHARE = Figure(
    0.05,
    "assumption: nearly every adult in the UK has a mobile phone (Ofcom), but a council's record of a "
    "parent or carer lacks a number for about 1 in 20 (never asked, or changed and not updated)",
)
CARER_EMAIL_MISSING_SHARE = Figure(
    0.10,
    "assumption: a few adults do not use email at all and records are asked for it less often than for a "
    "phone number, so about 1 in 10 carers has no email address held",
)

"""Code lists the agencies use, and how one agency's code maps to another's.

DfE codes come from the official lists as the validators copy them (data-to-insight's
csc-validator-be-903 and -cin, SocialFinance's liia-tools-pipeline schemas and CIN_schema_2025.xsd);
NHS codes from the NHS Data Dictionary; youth justice labels from the 2011 census categories the
Youth Justice Board reports by.
"""

from __future__ import annotations

from joinedup.synth import prevalence

# DfE main ethnicity codes with approximate shares of pupils (assumption: Schools, pupils and their
# characteristics 2024/25, rounded; the minor codes are folded into their "other" groups).
ETHNICITY_SHARES = {
    "WBRI": 0.600,
    "WIRI": 0.002,
    "WIRT": 0.002,
    "WROM": 0.007,
    "WOTH": 0.075,
    "MWBC": 0.015,
    "MWBA": 0.009,
    "MWAS": 0.018,
    "MOTH": 0.026,
    "AIND": 0.038,
    "APKN": 0.047,
    "ABAN": 0.019,
    "AOTH": 0.022,
    "BCRB": 0.010,
    "BAFR": 0.043,
    "BOTH": 0.006,
    "CHNE": 0.005,
    "OOTH": 0.024,
    "REFU": 0.005,
    "NOBT": 0.003,
}

# NHS Data Dictionary ETHNIC CATEGORY (2001 census based), as child health systems hold it.
NHS_ETHNIC_CATEGORY = {
    "WBRI": "A",
    "WIRI": "B",
    "WIRT": "C",
    "WROM": "C",
    "WOTH": "C",
    "MWBC": "D",
    "MWBA": "E",
    "MWAS": "F",
    "MOTH": "G",
    "AIND": "H",
    "APKN": "J",
    "ABAN": "K",
    "AOTH": "L",
    "BCRB": "M",
    "BAFR": "N",
    "BOTH": "P",
    "CHNE": "R",
    "OOTH": "S",
    "REFU": "Z",
    "NOBT": "99",
}

# The census 2011 labels youth justice systems record ethnicity with.
YOUTH_JUSTICE_ETHNICITY = {
    "WBRI": "White - British",
    "WIRI": "White - Irish",
    "WIRT": "White - Gypsy or Irish Traveller",
    "WROM": "White - Gypsy or Irish Traveller",
    "WOTH": "White - Any other White background",
    "MWBC": "Mixed - White and Black Caribbean",
    "MWBA": "Mixed - White and Black African",
    "MWAS": "Mixed - White and Asian",
    "MOTH": "Mixed - Any other Mixed background",
    "AIND": "Asian or Asian British - Indian",
    "APKN": "Asian or Asian British - Pakistani",
    "ABAN": "Asian or Asian British - Bangladeshi",
    "AOTH": "Asian or Asian British - Any other Asian background",
    "BCRB": "Black or Black British - Caribbean",
    "BAFR": "Black or Black British - African",
    "BOTH": "Black or Black British - Any other Black background",
    "CHNE": "Asian or Asian British - Chinese",
    "OOTH": "Other ethnic group - Any other ethnic group",
    "REFU": "Not known",
    "NOBT": "Not known",
}

# Home languages (school census language codes) other than English, by ethnicity, for the minority
# of pupils whose first language is not English.
HOME_LANGUAGES = {
    "WOTH": ("POL", "RMN", "LIT", "POR", "BUL"),
    "WROM": ("RMN", "SLO"),
    "APKN": ("URD", "PNJ"),
    "ABAN": ("BNG",),
    "AIND": ("GUJ", "PNJ", "TAM"),
    "AOTH": ("TAM", "NEP"),
    "BAFR": ("SOM", "YOR", "ARA"),
    "CHNE": ("CHI",),
    "OOTH": ("ARA", "TUR", "KUR"),
    "MOTH": ("ARA",),
}
NOT_ENGLISH_FIRST_LANGUAGE = {
    "WOTH": 0.55,
    "WROM": 0.6,
    "APKN": 0.5,
    "ABAN": 0.6,
    "AIND": 0.45,
    "AOTH": 0.5,
    "BAFR": 0.45,
    "CHNE": 0.5,
    "OOTH": 0.6,
    "MOTH": 0.1,
}

# SEN primary need codes (school census SENtype) and approximate shares of each provision's primary
# needs. ASD and SLCN come from prevalence.md (S5, S7); the rest are assumptions in proportion to
# the DfE 2024/25 release.
EHC_PRIMARY_NEEDS = {
    "ASD": prevalence.ASD_AMONG_EHC.value,
    "SLCN": 0.20,
    "SEMH": 0.14,
    "SLD": 0.09,
    "MLD": 0.07,
    "PMLD": 0.03,
    "PD": 0.04,
    "SPLD": 0.03,
    "HI": 0.02,
    "VI": 0.01,
    "MSI": 0.004,
    "OTH": 0.03,
}
SEN_SUPPORT_PRIMARY_NEEDS = {
    "SLCN": prevalence.SLCN_AMONG_SEN_SUPPORT.value,
    "SEMH": 0.21,
    "MLD": 0.16,
    "SPLD": 0.15,
    "ASD": prevalence.ASD_AMONG_SEN_SUPPORT.value,
    "OTH": 0.04,
    "PD": 0.025,
    "HI": 0.015,
    "VI": 0.008,
    "MSI": 0.002,
    "NSA": 0.057,
}
# How a child's primary SEN need shows as a disability in the CIN census.
SEN_TO_CIN_DISABILITY = {
    "ASD": "AUT",
    "SLD": "LD",
    "PMLD": "LD",
    "MLD": "LD",
    "HI": "HEAR",
    "VI": "VIS",
    "PD": "MOB",
    "SLCN": "COMM",
    "SEMH": "BEH",
    "MSI": "HEAR",
}

# School census attendance (absence) reasons and their shares of absent sessions; authorised:
# I illness, M medical, R religious, C other authorised, E suspended; unauthorised: G holiday,
# O other, N no reason yet, U arrived after registers closed (DfE school attendance codes).
ABSENCE_REASONS = {"I": 0.54, "M": 0.07, "R": 0.01, "C": 0.06, "G": 0.06, "O": 0.19, "N": 0.04, "U": 0.03}
SEVERE_ABSENCE_REASONS = {"I": 0.25, "M": 0.08, "C": 0.10, "O": 0.50, "N": 0.05, "G": 0.02}
# Suspension and exclusion reasons (school census reason codes) and their shares.
EXCLUSION_REASONS = {
    "PP": 0.47,
    "VA": 0.13,
    "PA": 0.12,
    "VP": 0.06,
    "DA": 0.05,
    "DM": 0.04,
    "BU": 0.03,
    "RA": 0.02,
    "SM": 0.02,
    "TH": 0.02,
    "DB": 0.01,
    "OT": 0.03,
}

# SSDA903 codes (2024/25 return).
PLACEMENTS_BY_AGE = {
    # placement type: shares for under 10s / 10-15 / 16-17 (assumption: S1 placement mix 2025).
    "U1": (0.07, 0.06, 0.04),
    "U3": (0.10, 0.06, 0.03),
    "U4": (0.22, 0.22, 0.12),
    "U6": (0.33, 0.26, 0.12),
    "U5": (0.02, 0.0, 0.0),
    "A3": (0.02, 0.0, 0.0),
    "A5": (0.03, 0.0, 0.0),
    "P1": (0.07, 0.06, 0.04),
    "K2": (0.03, 0.20, 0.20),
    "K1": (0.0, 0.01, 0.01),
    "K3": (0.0, 0.0, 0.30),
    "R1": (0.01, 0.02, 0.02),
    "S1": (0.0, 0.03, 0.02),
    "R5": (0.0, 0.01, 0.02),
    "Z1": (0.02, 0.02, 0.02),
    "R3": (0.03, 0.0, 0.0),  # a mother and baby unit, for babies
}
PROVIDERS_BY_PLACEMENT = {
    "U1": {"PR1": 0.9, "PR4": 0.1},
    "U3": {"PR1": 0.9, "PR4": 0.1},
    "U4": {"PR1": 0.55, "PR4": 0.4, "PR5": 0.05},
    "U5": {"PR1": 0.8, "PR4": 0.2},
    "U6": {"PR1": 0.55, "PR4": 0.4, "PR5": 0.05},
    "A3": {"PR1": 0.7, "PR5": 0.3},
    "A5": {"PR1": 0.7, "PR5": 0.3},
    "P1": {"PR0": 1.0},
    "K1": {"PR1": 0.5, "PR3": 0.5},
    "K2": {"PR4": 0.85, "PR1": 0.15},
    "K3": {"PR4": 0.9, "PR5": 0.1},
    "R1": {"PR3": 1.0},
    "R3": {"PR4": 0.6, "PR3": 0.4},
    "R5": {"PR3": 1.0},
    "S1": {"PR4": 0.7, "PR1": 0.3},
    "Z1": {"PR4": 0.6, "PR1": 0.4},
}
# Placements an Ofsted-registered provider runs, so the episode carries the provider's URN.
PLACEMENTS_WITH_URN = {"U1", "U3", "U4", "U5", "U6", "K1", "K2", "K3", "S1", "R3"}
PLACEMENT_CHANGE_REASONS = {
    "CARPL": 0.30,
    "CHILD": 0.12,
    "LAREQ": 0.18,
    "PLACE": 0.10,
    "CREQB": 0.06,
    "CREQO": 0.05,
    "STAND": 0.08,
    "ALLEG": 0.03,
    "OTHER": 0.08,
}
# Why periods of care end (REC), by age group under 16 / 16-17 (assumption: S1 reasons ceasing 2025).
CARE_ENDINGS = {
    "E4A": (0.30, 0.10),
    "E4B": (0.04, 0.03),
    "E13": (0.05, 0.02),
    "E11": (0.14, 0.0),
    "E12": (0.02, 0.0),
    "E41": (0.05, 0.01),
    "E45": (0.06, 0.01),
    "E46": (0.02, 0.0),
    "E47": (0.04, 0.01),
    "E48": (0.04, 0.01),
    "E5": (0.0, 0.25),
    "E6": (0.0, 0.12),
    "E8": (0.15, 0.36),
    "E3": (0.03, 0.03),
    "E9": (0.01, 0.03),
    "E15": (0.0, 0.02),
}
# A period of care that ends this way has ended with the child leaving their LA's care for good.
CARE_ENDINGS_PREVIOUSLY_LOOKED_AFTER = {
    "E11": "A",
    "E12": "A",
    "E45": "G",
    "E46": "G",
    "E47": "G",
    "E48": "G",
    "E41": "R",
}
CARE_ENDING_TO_CIN_CLOSURE = {
    "E11": "RC1",
    "E12": "RC1",
    "E41": "RC3",
    "E45": "RC4",
    "E46": "RC4",
    "E47": "RC4",
    "E48": "RC4",
    "E3": "RC5",
}

# CIN census codes (CIN_schema_2025.xsd).
REFERRAL_SOURCES = {
    "1A": 0.05,
    "1B": 0.01,
    "1C": 0.01,
    "1D": 0.02,
    "2A": 0.20,
    "2B": 0.02,
    "3A": 0.03,
    "3B": 0.02,
    "3C": 0.01,
    "3D": 0.03,
    "3E": 0.03,
    "3F": 0.02,
    "4": 0.02,
    "5A": 0.02,
    "5B": 0.02,
    "5C": 0.02,
    "5D": 0.05,
    "6": 0.29,
    "7": 0.02,
    "8": 0.05,
    "9": 0.01,
    "10": 0.03,
}
CATEGORIES_OF_ABUSE = {"NEG": 0.50, "EMO": 0.38, "PHY": 0.05, "SAB": 0.04, "MUL": 0.03}

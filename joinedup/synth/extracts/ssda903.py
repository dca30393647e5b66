"""The SSDA903 looked-after children return as the CSV tables data-to-insight's
csc-validator-be-903 and liia-tools read: header, episodes and OC2, with dd/mm/yyyy dates and
the 2024/25 codes (SEX M/F from that year; 1/2 before it).

The header and episodes cover the whole history window, as the multi-year episodes table that
liia-tools (and csc-validator's previous-year checks) put together from several years' returns:
every child looked after at some point in the window, once in the header, and every episode
open in it, a child's periods of care one after another. OC2 is the collection year's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from joinedup.synth import errors, prevalence
from joinedup.synth.output import format_dates, write_csv
from joinedup.synth.randomness import flags
from joinedup.synth.selection import ages

from . import Context, Written

SOURCE = "ssda903"
HEADER_COLUMNS = ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]
EPISODE_COLUMNS = [
    "CHILD",
    "DECOM",
    "RNE",
    "LS",
    "CIN",
    "PLACE",
    "PLACE_PROVIDER",
    "DEC",
    "REC",
    "REASON_PLACE_CHANGE",
    "HOME_POST",
    "PL_POST",
    "URN",
]
OC2_COLUMNS = [
    "CHILD",
    "DOB",
    "SDQ_SCORE",
    "SDQ_REASON",
    "CONVICTED",
    "HEALTH_CHECK",
    "IMMUNISATIONS",
    "TEETH_CHECK",
    "HEALTH_ASSESSMENT",
    "SUBSTANCE_MISUSE",
    "INTERVENTION_RECEIVED",
    "INTERVENTION_OFFERED",
]
YOUNG_MOTHERS = 0.03  # assumption: of looked-after girls aged 14+


def sex_codes(as_of) -> dict[str, str]:
    """The return switched from 1/2 to M/F/U in 2024/25 (liia-tools SSDA903_schema_2025)."""
    year_ending = as_of.year if as_of.month <= 3 else as_of.year + 1
    return {"M": "M", "F": "F", "U": "U"} if year_ending >= 2025 else {"M": "1", "F": "2", "U": "0"}


def write(rng: np.random.Generator, context: Context) -> Written:
    children = np.unique(context.care.care_history["child"].to_numpy())
    truth = context.register.children.iloc[children]
    la_ids = truth["la_child_id"].to_numpy()
    dob = errors.swapped_day_month(rng, truth["date_of_birth"].to_numpy(), context.rates["swapped_day_month"])
    written = Written()
    header = pd.DataFrame(
        {
            "CHILD": la_ids,
            "SEX": truth["sex"].map(sex_codes(context.as_of)).to_numpy(),
            "DOB": format_dates(dob, "dd/mm/yyyy"),
            "ETHNIC": truth["ethnicity"].to_numpy(),
            "UPN": _upns(rng, context, children),
            **_mothers(rng, context, children),
        }
    )[HEADER_COLUMNS]
    written.files["ssda903/header.csv"] = write_csv(header, context.out / "ssda903" / "header.csv")
    written.record(SOURCE, la_ids, children)
    lookup = pd.Series(la_ids, index=children)
    written.files["ssda903/episodes.csv"] = write_csv(
        _episodes(context, lookup), context.out / "ssda903" / "episodes.csv"
    )
    oc2 = _oc2(rng, context, pd.Series(format_dates(dob, "dd/mm/yyyy"), index=children), lookup)
    written.files["ssda903/oc2.csv"] = write_csv(oc2, context.out / "ssda903" / "oc2.csv")
    return written


def _upns(rng, context: Context, children: np.ndarray) -> np.ndarray:
    """The UPN, or UN1 for a child not of school age; UN5 where the LA has not got it yet."""
    upn = errors.blanked(
        rng, context.register.children["upn"].to_numpy()[children], context.rates["missing_identifier"]
    )
    school_age = ages(context.register.children, context.as_of)[children] >= 5
    return np.where(upn != "", upn, np.where(school_age, "UN5", "UN1"))


def _mothers(rng, context: Context, children: np.ndarray) -> dict[str, np.ndarray]:
    truth = context.register.children.iloc[children]
    female = truth["sex"].to_numpy() == "F"
    years = ages(context.register.children, context.as_of)[children]
    mother = female & (years >= 14) & flags(rng, YOUNG_MOTHERS, len(children))
    baby_born = np.datetime64(context.as_of, "D") - rng.integers(20, 600, len(children)).astype("timedelta64[D]")
    return {
        "MOTHER": np.where(female, np.where(mother, "1", "0"), ""),
        "MC_DOB": np.where(mother, format_dates(baby_born, "dd/mm/yyyy"), ""),
    }


def _episodes(context: Context, lookup: pd.Series) -> pd.DataFrame:
    rows = context.care.placement_history
    return pd.DataFrame(
        {
            "CHILD": lookup.reindex(rows["child"]).to_numpy(),
            "DECOM": format_dates(rows["decom"], "dd/mm/yyyy"),
            "RNE": rows["rne"].to_numpy(),
            "LS": rows["ls"].to_numpy(),
            "CIN": rows["need"].to_numpy(),
            "PLACE": rows["place"].to_numpy(),
            "PLACE_PROVIDER": rows["provider"].to_numpy(),
            "DEC": format_dates(rows["dec"], "dd/mm/yyyy"),
            "REC": rows["rec"].to_numpy(),
            "REASON_PLACE_CHANGE": rows["reason_place_change"].to_numpy(),
            "HOME_POST": rows["home_post"].to_numpy(),
            "PL_POST": rows["pl_post"].to_numpy(),
            "URN": rows["urn"].to_numpy(),
        }
    )[EPISODE_COLUMNS]


def _oc2(rng, context: Context, dobs: pd.Series, lookup: pd.Series) -> pd.DataFrame:
    """Outcomes for children looked after continuously for twelve months at 31 March (S1)."""
    care = context.care.care
    reference = np.datetime64(context.as_of, "D")
    year_long = care[care["end"].isna() & (care["start"].to_numpy().astype("datetime64[D]") <= reference - 365)]
    children = year_long["child"].to_numpy()
    size = len(children)
    years = ages(context.register.children, context.as_of)[children]
    eligible = (years >= 5) & (years <= 16)
    scored = eligible & flags(rng, prevalence.SDQ_COVERAGE.value, size)
    score = np.clip(np.rint(rng.normal(prevalence.SDQ_MEAN.value, 7.5, size)), 0, 40).astype(int)
    reason = np.where(scored, "", np.where(eligible, rng.choice(["SDQ2", "SDQ3", "SDQ4", "SDQ5"], size), "SDQ1"))
    checks = prevalence.HEALTH_CHECKS.value
    substance = (years >= 10) & flags(rng, 0.03, size)
    received = substance & flags(rng, 0.6, size)

    def yes_no(hit: np.ndarray) -> np.ndarray:
        return np.where(hit, "1", "0")

    return pd.DataFrame(
        {
            "CHILD": lookup.reindex(children).to_numpy(),
            "DOB": dobs.reindex(children).to_numpy(),
            "SDQ_SCORE": np.where(scored, score.astype(str), ""),
            "SDQ_REASON": reason,
            "CONVICTED": yes_no((years >= 10) & flags(rng, 0.02, size)),
            "HEALTH_CHECK": yes_no((years < 5) & flags(rng, 0.9, size)),
            "IMMUNISATIONS": yes_no(flags(rng, checks["IMMUNISATIONS"], size)),
            "TEETH_CHECK": yes_no(flags(rng, checks["TEETH_CHECK"], size)),
            "HEALTH_ASSESSMENT": yes_no(flags(rng, checks["HEALTH_ASSESSMENT"], size)),
            "SUBSTANCE_MISUSE": yes_no(substance),
            "INTERVENTION_RECEIVED": yes_no(received),
            "INTERVENTION_OFFERED": yes_no(received | (substance & flags(rng, 0.5, size))),
        }
    )[OC2_COLUMNS]

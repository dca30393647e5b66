"""Build a synthetic local authority: its people, its services and each agency's files.

`generate(options)` knows no Django (a test and the import contract check it), so an analyst can
run it anywhere; `manage.py synth` is a thin wrapper. The same options always give byte-identical
files: every part draws from its own named random stream and nothing reads the clock.
"""

from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pandas as pd

from joinedup.common.progress import progress

from . import authority, education, history, places, population, register, services, social_care, staffing
from .extracts import (
    Context,
    Written,
    child_health,
    cin_census,
    pupil_attendance,
    school_census,
    ssda903,
    youth_offending,
)
from .extracts import social_care as social_care_persons
from .options import OUTPUTS, SynthOptions
from .output import write_csv, write_json
from .randomness import stream

EXTRACTS = (
    ("school census", school_census),
    ("SSDA903", ssda903),
    ("CIN census", cin_census),
    ("child health", child_health),
    ("youth justice", youth_offending),
    ("social care persons", social_care_persons),
    ("pupil attendance", pupil_attendance),
)
STEPS = 12 + len(EXTRACTS)  # twelve fixed steps (Families ... Done) and one per extract


def generate(options: SynthOptions, *, show_progress: bool = True) -> dict:
    """Write the authority into `options.out` and return the manifest (also written there)."""
    _clear(options)
    seed = options.seed

    def rng(name: str) -> np.random.Generator:
        return stream(seed, name)

    with progress(total=STEPS, description="Building the authority", enabled=show_progress) as advance:
        advance(0, description="Places")
        place, elsewhere = _places(rng("places"), options.children)
        la_code = authority.choose_la_code(rng("authority"))
        advance(description="Families and children")
        people = population.build_population(
            rng("population"), children=options.children, as_of=options.as_of, place=place, elsewhere=elsewhere
        )
        advance(description="Social care")
        care = social_care.build_social_care(
            rng("social care"),
            people,
            place,
            elsewhere,
            window_start=history.window_start(options.as_of, options.history_years),
        )
        advance(description="Schools")
        schooling = education.build_schooling(
            rng("schools"),
            people,
            place,
            la_code=la_code,
            looked_after=care.looked_after_now,
            protection=care.protection_now,
            in_need=care.in_need_now,
        )
        advance(description="History")
        past = history.build_history(rng("history"), people=people, schooling=schooling, care=care, options=options)
        schooling = dataclasses.replace(
            schooling, absences=education.census_absences(rng("census absences"), past.census_term)
        )
        advance(description="Services and staff")
        demand = services.involvement_demand(rng("services"), people, care, schooling)
        name, agency_names, domains = authority.names_and_domains(place)
        staff = staffing.build_staffing(
            rng("staffing"),
            involvements=demand,
            home_locality=people.current_homes()["locality"].to_numpy(),
            family=people.children["family"].to_numpy(),
            place=place,
            domains=domains,
            looked_after=int(care.looked_after_now.sum()),
            on_plans=int(care.protection_now.sum()),
            children=options.children,
        )
        advance(description="Register")
        the_register = register.build_register(
            rng("register"), people, care, schooling.upn, staff.involvements, place, contacts=rng("carer contacts")
        )
        advance(description="Authority")
        document = authority.authority_document(
            name=name,
            la_code=la_code,
            as_of=options.as_of,
            place=place,
            agency_names=agency_names,
            schools=schooling.schools,
            staffing=staff,
        )
        write_json(document, options.out / "authority.json")
        counts = register.write_register(the_register, options.out)
        advance(description="Extracts")
        known = social_care.known_to_social_care(rng("social care contacts"), people, care)
        context = Context(
            la_code, options.as_of, the_register, schooling, care, known, staff, options.error_rates, options.out, past
        )
        written = []
        for label, module in EXTRACTS:
            advance(description=f"Extract: {label}")
            written.append(module.write(rng(f"extract {module.SOURCE}"), context))
        advance(description="History files")
        history_files = history.write_history(past, the_register, options.out)
        advance(description="Ground truth")
        counts.update(_ground_truth(written, the_register, options))
        for part in written:
            counts.update(part.files)
        advance(description="Manifest")
        manifest = _manifest(options, document, counts, written, care, schooling, past, history_files)
        write_json(manifest, options.out / "manifest.json")
        advance(description="Done")
    return manifest


def _clear(options: SynthOptions) -> None:
    """With --force, remove what an earlier run wrote (and nothing else) before writing afresh."""
    options.out.mkdir(parents=True, exist_ok=True)
    for name in OUTPUTS:
        target = options.out / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def _places(rng: np.random.Generator, children: int):
    area, away = places.invented_postcode_areas(rng, 2)
    households = int(children * 0.6) + 200
    place = places.build_place(rng, area=area, locality_total=places.locality_count(children), households=households)
    elsewhere = places.build_place(rng, area=away, locality_total=6, households=households // 5, code_prefix="AWAY")
    return place, elsewhere


def _ground_truth(written: list[Written], the_register: register.Register, options: SynthOptions) -> dict[str, int]:
    truth = pd.concat([frame for part in written for frame in part.truth], ignore_index=True)
    child_ids = the_register.children["child_id"].to_numpy()
    table = pd.DataFrame(
        {"source": truth["source"], "record_id": truth["record_id"], "child_id": child_ids[truth["child"].to_numpy()]}
    )
    return {"ground_truth.csv": write_csv(table, options.out / "ground_truth.csv")}


def _manifest(
    options: SynthOptions,
    document: dict,
    counts: dict[str, int],
    written: list[Written],
    care: social_care.SocialCare,
    schooling: education.Schooling,
    past: history.History,
    history_files: dict[str, int],
) -> dict:
    records = sum(len(frame) for part in written for frame in part.truth)
    return {
        "seed": options.seed,
        "children": options.children,
        "as_of": options.as_of.isoformat(),
        "error_rates": dict(options.error_rates.rates),
        **options.error_rates.in_manifest(),  # the second profile's name and date formats; nothing for the first
        "authority": {
            key: len(document[key])
            for key in ("localities", "agencies", "services", "teams", "schools", "practitioners")
        },
        "files": dict(sorted(counts.items())),
        "extract_records": records,
        "key_groups": _key_groups(care, schooling),
        # Not extracts: what casework records (early help, SDQ scores) and the injected truth.
        "history": {**history.summary(past), "files": dict(sorted(history_files.items()))},
    }


def _key_groups(care: social_care.SocialCare, schooling: education.Schooling) -> dict[str, int]:
    pupils = schooling.pupils
    absent = schooling.absences.groupby("pupil")["sessions"].sum().reindex(np.arange(len(pupils)), fill_value=0)
    share = absent.to_numpy() / pupils["sessions_possible"].to_numpy()
    key_stage_3 = pupils["year"].between(7, 9).to_numpy()
    autism = schooling.sen_needs[(schooling.sen_needs["rank"] == 1) & (schooling.sen_needs["type"] == "ASD")]
    return {
        "looked_after_on_reference_date": int(care.looked_after_now.sum()),
        "looked_after_during_year": len(care.care),
        "children_in_need_on_reference_date": int(care.in_need_now.sum()),
        "children_in_need_during_year": int(care.in_census.sum()),
        "child_protection_plans_on_reference_date": int(care.protection_now.sum()),
        "pupils": len(pupils),
        "ehc_plans": int((pupils["sen"] == "E").sum()),
        "sen_support": int((pupils["sen"] == "K").sum()),
        "autism_primary_need": len(autism),
        "persistent_absence_10_percent": int((share >= 0.1).sum()),
        "severe_absence_50_percent": int((share >= 0.5).sum()),
        "key_stage_3_pupils": int(key_stage_3.sum()),
        "key_stage_3_absence_over_20_percent": int((key_stage_3 & (share > 0.2)).sum()),
        "suspensions": int((schooling.exclusions["category"] == "SUSP").sum()),
        "permanent_exclusions": int((schooling.exclusions["category"] == "PERM").sum()),
    }

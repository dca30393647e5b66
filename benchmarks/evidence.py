"""How long the evidence layer takes at scale: `python benchmarks/evidence.py --children 250000`.

Builds a synthetic authority with three school years of history (`joinedup synth`), imports its
pupil attendance extract through the real importer into a fresh SQLite database, ties each record
to its child by UPN (linkage has its own benchmark), writes the generator's early help episodes
and SDQ scores as cases and reviews, then times building the measures and every evidence view.
Goals (issue 14): measures built in at most 120 s, each view at most 1 s once they are built.
Prints, as its last line, key=value figures: children, pupil_terms, build_seconds, one
<view>_seconds per view, slowest_view_seconds and peak_rss_mb.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=250_000)
    parser.add_argument("--seed", type=int, default=2025)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ.update(JOINEDUP_MODE="demo", JOINEDUP_VAR_DIR=folder)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joinedup.settings")
        import django

        django.setup()
        figures = run(Path(folder), arguments.children, arguments.seed)
    print(" ".join(f"{key}={value}" for key, value in figures.items()))


def run(folder: Path, children: int, seed: int) -> dict:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    as_of = date(2025, 7, 20)
    started = time.perf_counter()
    call_command("synth", children=children, seed=seed, out=str(folder / "authority"), as_of=as_of.isoformat(),
                 effect="attendance=3,after_terms=2")  # fmt: skip
    print(f"generated in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    started = time.perf_counter()
    load(folder / "authority")
    print(f"loaded in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    from joinedup.evidence import pages
    from joinedup.evidence.cohorts import Definition
    from joinedup.evidence.measures import build_measures
    from joinedup.evidence.tables import Disclosure

    started = time.perf_counter()
    built = build_measures(on=as_of)
    figures = {"children": built.children, "pupil_terms": built.pupil_terms, "cases": built.cases}
    figures["build_seconds"] = round(time.perf_counter() - started, 2)
    full, everyone = Disclosure(full=True), Definition()
    views = {
        "impact_model": lambda: pages.impact_model_sections(locality_id=None, disclosure=full),
        "outcomes_by_key_group": lambda: pages.outcome_sections(
            code="attendance_rate", by="key_group", cohort=everyone, disclosure=full
        ),
        "outcomes_by_sex": lambda: pages.outcome_sections(
            code="persistent_absence", by="sex", cohort=everyone, disclosure=full
        ),
        "families": lambda: pages.family_sections(locality_id=None, disclosure=full),
        "comparison": lambda: pages.comparison_sections(code="attendance_rate", cohort=everyone, disclosure=full),
        "cohort": lambda: pages.cohort_size(Definition(key_groups=["ks3_absence"]), full),
    }
    for name, view in views.items():
        started = time.perf_counter()
        view()
        figures[f"{name}_seconds"] = round(time.perf_counter() - started, 2)
    figures["slowest_view_seconds"] = max(figures[f"{name}_seconds"] for name in views)
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return figures


def load(authority: Path) -> None:
    """Children from the register, attendance through the importer, early help as casework."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from joinedup.access.models import Consent
    from joinedup.agencies.models import Agency, LocalAuthority, Locality
    from joinedup.casework.models import Case, Panel, PanelMeeting, Referral, Review
    from joinedup.common.instruments import wellbeing_questions
    from joinedup.index.models import IndexRecord
    from joinedup.index.services import import_file
    from joinedup.index.synthetic import SOURCES_DIR
    from joinedup.people.models import Child, Practitioner

    register = pd.read_csv(authority / "register" / "children.csv", dtype=str, keep_default_na=False)
    Child.objects.bulk_create(
        (
            Child(la_child_id=row.la_child_id, forenames=row.forenames, surname=row.surname,
                  date_of_birth=row.date_of_birth, sex=row.sex, ethnicity=row.ethnicity, upn=row.upn or None)
            for row in register.itertuples()
        ),
        batch_size=5000,
    )  # fmt: skip
    import_file(mapping_path=SOURCES_DIR / "pupil_attendance.toml", path=authority / "pupil_attendance")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {IndexRecord._meta.db_table} SET child_id = (SELECT id FROM {Child._meta.db_table} c "
            f"WHERE c.upn = {IndexRecord._meta.db_table}.upn) WHERE upn <> ''"
        )
    authority_row = LocalAuthority.objects.create(name="Benchmark", la_code="999")
    locality = Locality.objects.create(authority=authority_row, name="All", code="ALL")
    agency = Agency.objects.create(authority=authority_row, code="FS", name="Family Support", kind="social_care")
    user = get_user_model().objects.create_user(username="lead")
    lead = Practitioner.objects.create(user=user, agency=agency, job_role="Family support worker")
    meeting = PanelMeeting.objects.create(
        panel=Panel.objects.create(locality=locality, name="Allocation panel", chair=lead), held_on="2025-01-01"
    )
    ids = dict(Child.objects.values_list("la_child_id", "id"))
    episodes = pd.read_csv(authority / "history" / "early_help.csv", dtype=str, keep_default_na=False)
    episodes = episodes[episodes["la_child_id"].isin(ids)]
    with transaction.atomic():
        consents = Consent.objects.bulk_create(
            Consent(child_id=ids[row.la_child_id], given_by="parent_carer", given_by_name="A parent",
                    given_on=row.referred_on, share_with_all_partners=True, recorded_by=user)
            for row in episodes.itertuples()
        )  # fmt: skip
        referrals = Referral.objects.bulk_create(
            Referral(child_id=ids[row.la_child_id], referrer=lead, locality=locality, concern="Benchmark",
                     consent=consent, meeting=meeting, level_of_need=row.level_of_need,
                     submitted_at=f"{row.referred_on}T10:00:00Z",
                     decision=row.decision, status="decided", decision_reasons="Benchmark", decided_by=lead,
                     lead_professional=lead if row.decision == "allocate" else None,
                     decided_at=f"{row.help_started_on or row.referred_on}T12:00:00Z")
            for row, consent in zip(episodes.itertuples(), consents, strict=True)
        )  # fmt: skip
        allocated = [(r, row) for r, row in zip(referrals, episodes.itertuples(), strict=True) if row.help_started_on]
        cases = Case.objects.bulk_create(
            Case(child_id=r.child_id, referral=r, lead_professional=lead, opened_on=row.help_started_on,
                 closed_on=row.closed_on or None, closure_reason=row.closure_reason if row.closed_on else "",
                 needs_met_at=row.needs_met_at if row.closed_on else "")
            for r, row in allocated
        )  # fmt: skip
        open_case = {case.child_id: case for case in cases}
        scores = pd.read_csv(authority / "history" / "wellbeing.csv", dtype=str, keep_default_na=False)
        questions = [q.code for q in wellbeing_questions()]
        Review.objects.bulk_create(
            Review(case=open_case[ids[row["la_child_id"]]], held_on=row["recorded_on"], recorded_by=user,
                   sdq_total=int(row["sdq_total"]) if row["sdq_total"] else None,
                   sdq_informant="parent" if row["sdq_total"] else "",
                   wellbeing={q: int(row[q]) for q in questions if row[q]},
                   what_changed=[code for code in row["what_changed"].split(";") if code])
            for row in scores.to_dict("records")
            if row["occasion"] == "review" and ids.get(row["la_child_id"]) in open_case
        )  # fmt: skip


if __name__ == "__main__":
    main()

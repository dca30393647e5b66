"""joinedup build-measures: compute every evidence measure from the index and casework into the
file the evidence pages read (settings.JOINEDUP_EVIDENCE_PATH). Run after imports and nightly."""

from datetime import date

from django.core.management.base import BaseCommand

from joinedup.evidence.measures import build_measures


class Command(BaseCommand):
    help = "Build the evidence measures (attendance, exclusions, care, referrals, early help) per child per term."

    def add_arguments(self, parser):
        parser.add_argument(
            "--on", type=date.fromisoformat, default=None, help="The day to build as of (default today)"
        )

    def handle(self, *args, on: date | None, **options):
        built = build_measures(on=on, show_progress=True)
        self.stdout.write(
            self.style.SUCCESS(
                f"Measures built: {built.children:,} children, {built.pupil_terms:,} pupil-terms over "
                f"{built.terms} terms, {built.cases:,} early help cases ({built.path})"
            )
        )

"""`manage.py synth --children N --seed S --out DIR`: a thin wrapper round joinedup.synth.generate."""

from django.core.management.base import BaseCommand, CommandError

from joinedup.synth.errors import DEFAULT_RATES, PROFILES, SECOND_PROFILE_RATES
from joinedup.synth.generate import generate
from joinedup.synth.options import DEFAULT_AS_OF, OptionProblem, options_from_arguments


class Command(BaseCommand):
    help = (
        "Build a realistic, deterministic synthetic local authority: its register, reference data and "
        "each agency's own extract with realistic errors, plus the ground truth linking them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--children", required=True, help="how many children aged 0-17 live in the authority")
        parser.add_argument("--seed", default="1", help="the same seed always gives the same files (default 1)")
        parser.add_argument("--out", required=True, help="an empty folder to write into")
        parser.add_argument(
            "--as-of",
            dest="as_of",
            default=DEFAULT_AS_OF.isoformat(),
            help=f"the reference date, YYYY-MM-DD (default {DEFAULT_AS_OF.isoformat()})",
        )
        parser.add_argument(
            "--error-rate",
            dest="error_rates",
            action="append",
            default=[],
            metavar="NAME=RATE",
            help=f"repeatable; NAME is one of {', '.join(DEFAULT_RATES)} (the second profile also "
            f"{', '.join(sorted(set(SECOND_PROFILE_RATES) - set(DEFAULT_RATES)))}) and RATE is 0..1",
        )
        parser.add_argument(
            "--error-profile",
            dest="error_profile",
            default="first",
            choices=PROFILES,
            help="first (default): the errors joinedup has always made; second: errors the first never makes "
            "(two-edit and phonetic misspellings, swapped names, half surnames, a swapped date with a move, "
            "blank fields) and other date formats in the local systems' files",
        )
        parser.add_argument(
            "--history-years",
            dest="history_years",
            default="3",
            help="school years of termly history up to the reference date (default 3)",
        )
        parser.add_argument(
            "--effect",
            default=None,
            metavar="attendance=3,after_terms=2,fade=0",
            help="a known effect of early help to inject (attendance points, sdq points, wellbeing check points; "
            "default none)",
        )
        parser.add_argument(
            "--selection",
            default="dip",
            help="dip (default: attendance dips before a referral) or stable (help chosen on stable traits)",
        )
        parser.add_argument("--force", action="store_true", help="overwrite an earlier run in --out")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        try:
            chosen = options_from_arguments(
                children=options["children"],
                seed=options["seed"],
                out=options["out"],
                as_of=options["as_of"],
                error_rates=options["error_rates"],
                error_profile=options["error_profile"],
                force=options["force"],
                history_years=options["history_years"],
                effect=options["effect"],
                selection=options["selection"],
            )
        except OptionProblem as problem:
            raise CommandError(str(problem)) from None
        manifest = generate(chosen, show_progress=not options["no_progress"] and options["verbosity"] > 0)
        self.stdout.write(
            f"Wrote a synthetic authority of {chosen.children:,} children to {chosen.out} "
            f"({chosen.error_rates.profile} error profile):"
        )
        for name, rows in manifest["files"].items():
            self.stdout.write(f"  {name:<58} {rows:>10,}")
        self.stdout.write(f"  {'extract records (all in ground_truth.csv)':<58} {manifest['extract_records']:>10,}")
        for name, count in manifest["authority"].items():
            self.stdout.write(f"  {name:<58} {count:>10,}")
        self.stdout.write("Key groups:")
        for name, count in manifest["key_groups"].items():
            self.stdout.write(f"  {name.replace('_', ' '):<58} {count:>10,}")

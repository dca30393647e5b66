"""joinedup selfeval-demo: a synthetic consortium of 14 authorities over two rounds, with answers
from every group, open answers coded by two researchers, and the demo authority (if one is loaded)
as one of the fourteen, so every self-evaluation report is filled."""

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from joinedup.agencies.models import LocalAuthority
from joinedup.selfeval import queries
from joinedup.selfeval.demo import consortium, loader
from joinedup.selfeval.models import Answer, Coding, Round


class Command(BaseCommand):
    help = "Load a synthetic self-evaluation consortium (14 authorities, 2 rounds) for the demo."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument(
            "--suggest",
            action="store_true",
            help="Also rank codes for every coded answer with the offline model and print how often the top "
            "suggestion matches the researcher's codes (a few minutes on two cores)",
        )
        parser.add_argument("--password", help="Set this password for the two researchers (not in production)")

    def handle(self, *args, seed: int, suggest: bool, password: str | None, **options):
        if password and settings.MODE == "production":
            raise CommandError("Demo passwords are refused in production: run with JOINEDUP_MODE=demo")
        started = time.monotonic()
        first = self._existing_authority()
        generated = consortium.generate(seed=seed, first_authority=first)
        summary = loader.load(generated)
        if summary["loaded"]:
            self.stdout.write(
                f"Self-evaluation: {summary['authorities']} authorities, {summary['rounds']} rounds, "
                f"{summary['sent']} of {summary['responses']} questionnaires sent, {summary['codings']} codings; "
                f"{summary['left_to_code']} answers from {summary['first']} left to code "
                f"({time.monotonic() - started:.1f} s)"
            )
        else:
            self.stdout.write(f"Self-evaluation demo already loaded: {summary['responses']} questionnaires unchanged")
        if password:
            for username in (loader.LEAD_RESEARCHER, loader.SECOND_CODER):
                user = get_user_model().objects.get(username=username)
                user.set_password(password)
                user.save(update_fields=["password"])
        self.stdout.write(
            f"  Researchers: {loader.LEAD_RESEARCHER} (codes first), {loader.SECOND_CODER} (second coder)"
        )
        if suggest:
            self._suggest()

    def _existing_authority(self):
        """The demo's synthetic authority, if loaded, joins the consortium in first place."""
        invented = {f"{940 + i}" for i in range(len(consortium.AUTHORITIES))}
        authority = LocalAuthority.objects.exclude(la_code__in=invented).order_by("pk").first()
        if authority is None:
            return None
        locality = authority.localities.order_by("name").first()
        return (authority.name, authority.la_code, locality.name if locality else "North")

    def _suggest(self):
        from joinedup.selfeval import suggestions

        started = time.monotonic()
        for round_ in Round.objects.all():
            answers = list(
                queries.codable_answers(round_).filter(codings__isnull=False).distinct().select_related("question")
            )
            for start in range(0, len(answers), 200):
                suggestions.suggest(answers[start : start + 200])
            figures = queries.agreement(round_)
            total = figures["suggested"]
            self.stdout.write(
                f"  {round_.name}: top suggestion among the researcher's codes for {figures['top1']} of "
                f"{total} answers ({_share(figures['top1'], total)}); one of the top three "
                f"{figures['top3']} ({_share(figures['top3'], total)})"
            )
        coded = Coding.objects.count()
        self.stdout.write(
            f"  Suggestions for {Answer.objects.filter(suggestions__isnull=False).distinct().count()} "
            f"answers ({coded} codings) in {time.monotonic() - started:.0f} s"
        )


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"

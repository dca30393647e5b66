"""joinedup selfeval-instruments: load the questionnaires, codebook and key groups from their data
files. Versions already loaded are left alone; a changed file with an unchanged version is refused."""

from django.core.management.base import BaseCommand, CommandError

from joinedup.common.tables import FileProblems
from joinedup.selfeval import services
from joinedup.selfeval.errors import RuleBroken


class Command(BaseCommand):
    help = "Load the self-evaluation instruments, codebook and key groups from joinedup/selfeval/instruments."

    def handle(self, *args, **options):
        try:
            loaded = services.load_content()
        except (FileProblems, RuleBroken) as problem:
            raise CommandError(str(problem)) from problem
        for name, created in loaded["instruments"].items():
            self.stdout.write(f"  {name:<16} {'loaded' if created else 'already loaded'}")
        self.stdout.write(f"  codebook         {'loaded' if loaded['codebook_new'] else 'already loaded'}")

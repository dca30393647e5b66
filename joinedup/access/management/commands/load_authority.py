"""joinedup load-authority DIR: load an authority's reference data, staff and person register."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from joinedup.access.services import load_allocations
from joinedup.agencies.services import load_reference_data
from joinedup.common.progress import progress
from joinedup.common.tables import FileProblems
from joinedup.people.services import create_practitioner_accounts, load_register, read_register


class Command(BaseCommand):
    help = "Load an authority (authority.json and register/*.csv, as `joinedup synth` writes them)."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options):
        authority_file = directory / "authority.json"
        if not authority_file.is_file():
            raise CommandError(f"{authority_file}: not found; expected the folder `joinedup synth --out` wrote")
        try:
            data = json.loads(authority_file.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise CommandError(f"{authority_file}, line {error.lineno}, column {error.colno}: {error.msg}") from None
        register = directory / "register"
        try:
            counts = self._load(data, str(authority_file), register, options["verbosity"] > 0)
        except FileProblems as problems:
            raise CommandError(f"Nothing was loaded. Fix these and run again:\n{problems}") from None
        self.stdout.write(", ".join(f"{key.replace('_', ' ')}: {value:,}" for key, value in counts.items()))

    @transaction.atomic
    def _load(self, data, source, register: Path, show_progress: bool) -> dict:
        load_reference_data(data=data, source=source)
        staff = create_practitioner_accounts(
            practitioners=data.get("practitioners", []), teams=data.get("teams", []), source=source
        )
        register_rows = read_register(directory=register)
        with progress(
            total=len(register_rows.children), description="Loading children", enabled=show_progress
        ) as advance:
            counts = load_register(directory=register, register=register_rows, progress=advance)
        counts |= load_allocations(path=register / "involvements.csv", la_child_ids=register_rows.la_child_ids)
        return {"staff": staff, **counts}

"""joinedup import SOURCE.toml FILE: load an agency's extract into the children's index."""

from functools import partial
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from joinedup.common.progress import progress
from joinedup.common.tables import FileProblems
from joinedup.index.services import import_file


class Command(BaseCommand):
    help = (
        "Import an agency's extract as its source file (TOML) describes it. Good rows load and every "
        "rejected row is listed (file, row, column, reason) in a rejects CSV; a file that is not the "
        "declared format loads nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("source_file", type=Path, help="The source file (TOML) describing the extract")
        parser.add_argument("file", type=Path, help="The extract (a file, or the folder of a return's tables)")
        parser.add_argument("--rejects", type=Path, help="Where to write rejected rows (default: var/rejects/)")
        parser.add_argument("--by", help="Username of the person importing, for the audit log")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, source_file: Path, file: Path, rejects: Path | None, by: str | None, **options):
        user = self._user(by)
        began = timezone.now()
        show = options["verbosity"] > 0 and not options["no_progress"]
        try:
            batch = import_file(
                mapping_path=source_file,
                path=file,
                imported_by=user,
                progress=partial(progress, enabled=show),
                rejects_path=rejects,
            )
        except FileProblems as problems:
            raise CommandError(
                f"Nothing was loaded: the extract is not what {source_file.name} describes. "
                f"Fix these and run again:\n{problems}"
            ) from None
        if batch.started_at < began:
            self.stdout.write(
                f"{file} was already imported unchanged on {timezone.localtime(batch.started_at):%d/%m/%Y %H:%M} "
                f"(batch {batch.pk}): nothing changed."
            )
            return
        counts = ", ".join(
            f"{label} {getattr(batch, name):,}"
            for name, label in (
                ("rows_read", "rows read"),
                ("created", "created"),
                ("updated", "updated"),
                ("unchanged", "unchanged"),
                ("withdrawn", "withdrawn"),
                ("rejected", "rejected"),
            )
        )
        self.stdout.write(self.style.SUCCESS(f"Imported {batch.source.name} from {file} (batch {batch.pk}): {counts}."))
        if batch.rejects_path:
            self.stdout.write(
                f"The good rows loaded; rows rejected or left out, and why, are listed in {batch.rejects_path}. "
                "Correct them at source: the next extract brings them in."
            )

    def _user(self, username: str | None):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}: give the username of the person importing")
        return user

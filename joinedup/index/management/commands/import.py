"""joinedup import SOURCE.toml FILE: load an agency's extract into the children's index; confirm an
import held for the records it would withdraw (--confirm), or undo a withdrawal (--undo-withdrawal)."""

from functools import partial
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from joinedup.common.progress import progress
from joinedup.common.tables import FileProblems
from joinedup.index.models import BatchStatus, ImportBatch
from joinedup.index.services import (
    NotAllowed,
    Refused,
    confirm_withdrawal,
    import_file,
    undo_withdrawal,
    who_may_confirm,
)


class Command(BaseCommand):
    help = (
        "Import an agency's extract as its source file (TOML) describes it. Good rows load and every "
        "rejected row is listed (file, row, column, reason) in a rejects CSV; a file that is not the "
        "declared format loads nothing. A full extract that would withdraw more than "
        "JOINEDUP_WITHDRAWAL_LIMIT of its source's records, or holds none, is held until confirmed."
    )

    def add_arguments(self, parser):
        parser.add_argument("source_file", type=Path, nargs="?", help="The source file (TOML) describing the extract")
        parser.add_argument(
            "file", type=Path, nargs="?", help="The extract (a file, or the folder of a return's tables)"
        )
        parser.add_argument("--rejects", type=Path, help="Where to write rejected rows (default: var/rejects/)")
        parser.add_argument("--by", help="Username of the person importing or confirming, for the audit log")
        held = parser.add_mutually_exclusive_group()
        held.add_argument(
            "--confirm",
            type=int,
            metavar="BATCH",
            help="Apply an import held for the records it would withdraw; its files must be unchanged (with --by)",
        )
        held.add_argument(
            "--undo-withdrawal",
            type=int,
            metavar="BATCH",
            help="Put back the records an import withdrew, unless a later import of its source came since (with --by)",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, source_file: Path | None, file: Path | None, by: str | None, **options):
        show = options["verbosity"] > 0 and not options["no_progress"]
        confirm, undo = options["confirm"], options["undo_withdrawal"]
        if confirm is not None or undo is not None:
            if source_file or file:
                raise CommandError("--confirm and --undo-withdrawal take a batch number, not files")
            self._decide_on_withdrawal(undo if confirm is None else confirm, by, confirm=confirm is not None, show=show)
            return
        if source_file is None or file is None:
            raise CommandError("Give the source file (TOML) and the extract to import")
        user = self._user(by)
        began = timezone.now()
        try:
            batch = import_file(
                mapping_path=source_file,
                path=file,
                imported_by=user,
                progress=partial(progress, enabled=show),
                rejects_path=options["rejects"],
            )
        except FileProblems as problems:
            raise CommandError(
                f"Nothing was loaded: the extract is not what {source_file.name} describes. "
                f"Fix these and run again:\n{problems}"
            ) from None
        if batch.status == BatchStatus.HELD:
            raise CommandError(self._held(batch))
        if batch.started_at < began:
            self.stdout.write(
                f"{file} was already imported unchanged on {timezone.localtime(batch.started_at):%d/%m/%Y %H:%M} "
                f"(batch {batch.pk}): nothing changed."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(f"Imported {batch.source.name} from {file} (batch {batch.pk}): {self._counts(batch)}.")
        )
        if batch.rejects_path:
            self.stdout.write(
                f"The good rows loaded; rows rejected or left out, and why, are listed in {batch.rejects_path}. "
                "Correct them at source: the next extract brings them in."
            )

    def _decide_on_withdrawal(self, batch_number: int, by: str | None, *, confirm: bool, show: bool) -> None:
        if not by:
            raise CommandError("Give --by USERNAME: the audit log records who confirmed or undid a withdrawal")
        user = self._user(by)
        batch = ImportBatch.objects.filter(pk=batch_number).first()
        if batch is None:
            raise CommandError(f"No import batch {batch_number}")
        try:
            if confirm:
                batch = confirm_withdrawal(batch=batch, confirmed_by=user, progress=partial(progress, enabled=show))
            else:
                batch = undo_withdrawal(batch=batch, undone_by=user)
        except NotAllowed as refusal:
            raise CommandError(f"{by} may not confirm or undo withdrawals: {refusal}") from None
        except Refused as refusal:
            raise CommandError(str(refusal)) from None
        if confirm:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Confirmed batch {batch.pk}: imported {batch.source.name} from {batch.file_path}: "
                    f"{self._counts(batch)}. To put the withdrawn records back: "
                    f"joinedup import --undo-withdrawal {batch.pk} --by USERNAME"
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Restored the {batch.withdrawn:,} records of {batch.source.name} that batch {batch.pk} withdrew."
                )
            )

    def _held(self, batch: ImportBatch) -> str:
        return (
            f"Held {batch.source.name} from {batch.file_path} (batch {batch.pk}): nothing in the index was changed.\n"
            f"{batch.held_reason}.\n"
            "An extract cut short in transfer looks like this: ask the agency to send it again. If the records "
            f"really have left the agency's extract, someone whose role is {who_may_confirm()} can confirm it: "
            f"joinedup import --confirm {batch.pk} --by USERNAME"
        )

    def _counts(self, batch: ImportBatch) -> str:
        return ", ".join(
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

    def _user(self, username: str | None):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}: give the username of the person importing or confirming")
        return user

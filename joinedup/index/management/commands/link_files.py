"""`joinedup link-files SPEC.toml --out clusters.csv`: link files described by source mappings
without the web application's database (joinedup.index.linkage.files does the work)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from joinedup.common.tables import FileProblems
from joinedup.index.linkage.engine import BACKENDS
from joinedup.index.linkage.files import link_files, read_spec, write_clusters


class Command(BaseCommand):
    help = (
        "Link the files a spec lists (each a source TOML and its extract) into children and write "
        "source,record_id,cluster_id,match_probability. Reads and writes files only: no database."
    )
    requires_system_checks = []  # the checks look at the database and the web application

    def add_arguments(self, parser):
        parser.add_argument("spec", help="a TOML file listing [[sources]] with mapping = ... and file = ...")
        parser.add_argument("--out", required=True, help="the CSV to write")
        parser.add_argument("--backend", choices=BACKENDS, help="overrides the spec and JOINEDUP_LINKAGE_BACKEND")

    def handle(self, *args, spec, out, backend=None, **options):
        try:
            linked = link_files(read_spec(Path(spec)), backend=backend)
        except FileProblems as problems:
            raise CommandError(f"Nothing linked:\n{problems}") from None
        write_clusters(linked.result, Path(out))
        clusters = linked.result.clusters
        for source, count in linked.records_by_source.items():
            self.stdout.write(f"  {source:<40} {count:>10,} records")
        if linked.rejects:
            self.stdout.write(f"  {len(linked.rejects):,} rows rejected, not linked; the first:")
            for problem in linked.rejects[:10]:
                self.stdout.write(f"    {problem}")
        if linked.unknown:
            self.stdout.write(f"  {len(linked.unknown):,} values could not be read, left unknown; the first:")
            for problem in linked.unknown[:10]:
                self.stdout.write(f"    {problem}")
        self.stdout.write(
            f"Linked {len(clusters):,} records into {clusters['cluster_id'].nunique():,} children "
            f"(threshold {linked.result.threshold}); wrote {out}"
        )

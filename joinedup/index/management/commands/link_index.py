"""joinedup link-index: link every imported record into children, after imports."""

from django.core.management.base import BaseCommand, CommandError

from joinedup.index.linking import IndexChangedWhileLinking, link_index


class Command(BaseCommand):
    help = "Link the children's index: give every current record a child, raise uncertain pairs for review."

    def add_arguments(self, parser):
        parser.add_argument("--backend", choices=["duckdb", "spark"], help="Overrides JOINEDUP_LINKAGE_BACKEND")

    def handle(self, *args, backend=None, **options):
        try:
            summary = link_index(backend=backend)
        except IndexChangedWhileLinking as changed:
            raise CommandError(str(changed)) from None
        self.stdout.write(
            f"Linked {summary.records:,} records: {summary.records_assigned:,} newly assigned, "
            f"{summary.children_created:,} children found only in agency records, "
            f"{summary.review_pairs_raised:,} pairs raised for review, {summary.bridging_clusters:,} clusters "
            f"reaching two children, involvements {summary.involvements_created:,} added and "
            f"{summary.involvements_removed:,} removed"
        )

"""joinedup flag-casework-overdue: tell lead professionals and managers about overdue plan actions
and reviews. Run it once a day (cron or a scheduler); each overdue item is flagged once."""

from django.core.management.base import BaseCommand

from joinedup.casework.services import flag_overdue


class Command(BaseCommand):
    help = "Flag overdue plan actions and reviews to lead professionals and managers."

    def handle(self, *args, **options):
        flagged = flag_overdue()
        self.stdout.write(f"Flagged {flagged['actions']:,} overdue actions and {flagged['reviews']:,} overdue reviews")

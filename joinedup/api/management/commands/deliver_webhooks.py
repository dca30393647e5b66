"""joinedup deliver-webhooks [--watch]: queue the partner API's new index change events for each
webhook and send every delivery that is due. Once by default (for cron and tests); with --watch,
a round every --interval seconds until stopped (the worker's loop), so retries keep their back-off."""

import signal
import threading

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection

from joinedup.api.webhooks import deliver_due_webhooks


class Command(BaseCommand):
    help = "Send the partner API's due webhook deliveries, retrying failures with back-off."

    def add_arguments(self, parser):
        parser.add_argument("--watch", action="store_true", help="Keep going, a round every --interval seconds")
        parser.add_argument("--interval", type=float, default=10.0, help="Seconds between rounds with --watch")
        parser.add_argument(
            "--rounds", type=int, default=0, help="With --watch, stop after this many rounds (0: until stopped)"
        )

    def handle(self, *args, watch: bool, interval: float, rounds: int, **options):
        if interval <= 0:
            raise CommandError("--interval must be more than 0 seconds")
        if not watch:
            self._round(quiet=False)
            return
        # SIGTERM (docker stop) ends the wait between rounds, never a delivery half-sent.
        stopping = threading.Event()
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, lambda *_: stopping.set())
        done = 0
        self.stdout.write(f"Delivering webhooks every {interval:g} seconds; stop with Ctrl-C or SIGTERM")
        try:
            while not stopping.is_set():
                if not connection.in_atomic_block:  # (a test's transaction holds it open)
                    close_old_connections()  # a connection the database dropped between rounds is opened again
                self._round(quiet=True)
                done += 1
                if rounds and done >= rounds:
                    break
                stopping.wait(interval)
        except KeyboardInterrupt:
            pass
        self.stdout.write("Stopped")

    def _round(self, *, quiet: bool) -> None:
        """Say what a round did; a watching loop says nothing of a round that did nothing."""
        done = deliver_due_webhooks()
        if quiet and not (done.queued or done.delivered or done.failed or done.gave_up):
            return
        self.stdout.write(
            f"Queued {done.queued:,} events; delivered {done.delivered:,}, failed {done.failed:,} "
            f"(to be tried again), gave up on {done.gave_up:,}"
        )

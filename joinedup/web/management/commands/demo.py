"""joinedup demo: a synthetic authority, loaded through the same paths a council would use (its
register, then every agency's extract imported and linked into the index), with one login per
role, served on 127.0.0.1."""

import os
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q
from django.utils import timezone

from joinedup.access.policy import ROLE_SENTENCES, current_involvements
from joinedup.index.linking import link_index
from joinedup.index.models import BatchStatus
from joinedup.index.services import import_file
from joinedup.index.synthetic import synthetic_extracts
from joinedup.people.models import Practitioner, Role
from joinedup.selfeval.demo.loader import LEAD_RESEARCHER

DEMO_PASSWORD = "joinedup-demo-only"
# Researchers work for the research consortium, not the authority, so the synthetic authority has
# none; the self-evaluation demo adds theirs.
AUTHORITY_ROLES = [role for role in Role.values if role != Role.RESEARCHER]
DEMO_FAMILY_LOGIN = "parent"
DEMO_EFFECT = "attendance=3,sdq=-1.5,wellbeing=1,after_terms=2"


class Command(BaseCommand):
    help = "Build a synthetic authority, load it, create one demo login per role and serve the site."

    def add_arguments(self, parser):
        parser.add_argument("--children", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="Stop after loading and printing the logins")

    def handle(self, *args, children: int, seed: int, port: int, no_serve: bool, **options):
        if settings.MODE == "production":
            raise CommandError("The demo creates logins with a published password: run it with JOINEDUP_MODE=demo")
        call_command("migrate", verbosity=0)
        authority_dir = Path(settings.VAR_DIR) / "demo-authority"
        # Generated afresh every time (a second or two): the files always match this version of the
        # generator, and being deterministic they reload as "unchanged" when nothing changed. The
        # reference date is today, so the authority's history (referrals, open cases, reviews) runs
        # up to today and the demo looks current: with the generator's default (31 March 2025) every
        # open case's review would show as long overdue. A run on a later day makes newer files.
        as_of = timezone.localdate()
        # Early help in the demo's world raises attendance by three points from the second term of
        # help (written to history/truth.json); the evidence pages must find it from the records.
        call_command(
            "synth",
            children=children,
            seed=seed,
            out=str(authority_dir),
            as_of=as_of.isoformat(),
            effect=DEMO_EFFECT,
            force=True,
        )
        call_command("load_authority", str(authority_dir))
        for mapping_path, extract in synthetic_extracts(authority_dir):
            began = timezone.now()
            batch = import_file(mapping_path=mapping_path, path=extract)
            if batch.status == BatchStatus.HELD:  # a demo whose files would empty the index stops here
                raise CommandError(batch.held_reason)
            if batch.started_at < began:  # the same file came earlier: import_file returns that batch
                self.stdout.write(f"Imported {batch.source.name}: already imported, nothing changed")
                continue
            self.stdout.write(
                f"Imported {batch.source.name}: {batch.created:,} new, {batch.updated:,} changed, "
                f"{batch.unchanged:,} unchanged, {batch.rejected:,} rejected"
            )
        summary = link_index()
        self.stdout.write(
            f"Linked {summary.records:,} records: {summary.children_created:,} children found only in "
            f"agency records, {summary.review_pairs_raised:,} pairs for review, "
            f"{summary.involvements_created:,} involvements"
        )
        call_command("load_casework_history", authority=str(authority_dir), seed=seed, family_login=DEMO_FAMILY_LOGIN)
        family = get_user_model().objects.get(username=DEMO_FAMILY_LOGIN)
        family.set_password(DEMO_PASSWORD)
        family.save(update_fields=["password"])
        call_command("selfeval_demo", seed=seed, password=DEMO_PASSWORD)
        call_command("build_measures")
        logins = self._demo_logins() + [(Role.RESEARCHER, LEAD_RESEARCHER)]
        self.stdout.write(self.style.SUCCESS(f"\nDemo logins (password for all: {DEMO_PASSWORD})"))
        for role, username in logins:
            self.stdout.write(f"  {Role(role).label:<32} {username:<24} {ROLE_SENTENCES[role]}")
        self.stdout.write(
            f"  {'Parent (family account)':<32} {DEMO_FAMILY_LOGIN:<24} Sees their child's plan, "
            "lead professional and next review, and adds their views."
        )
        if not no_serve:
            self.stdout.write(self.style.SUCCESS(f"\nServing on http://127.0.0.1:{port}/ (Ctrl+C to stop)"))
            self.stdout.flush()
            serve(port)

    def _demo_logins(self) -> list[tuple[str, str]]:
        """One login per role: the practitioner with the busiest caseload, a manager who manages
        teams, and the first of every other role."""
        open_work = Count("involvements", filter=Q(involvements__in=current_involvements()))
        logins = []
        for role in AUTHORITY_ROLES:
            staff = Practitioner.objects.filter(role=role).select_related("user")
            if role in (Role.PRACTITIONER, Role.PANEL_CHAIR):
                staff = staff.annotate(open_work=open_work).order_by("-open_work", "user__username")
            elif role == Role.SERVICE_MANAGER:
                staff = staff.annotate(teams=Count("manages_teams")).order_by("-teams", "user__username")
            else:
                staff = staff.order_by("user__username")
            chosen = staff.first()
            if chosen is None:
                raise CommandError(f"The synthetic authority has no {Role(role).label}: cannot make a demo login")
            user = chosen.user
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            logins.append((role, user.username))
        return logins


def serve(port: int) -> None:
    """Become gunicorn, with production's configuration (joinedup/gunicorn_conf.py), on loopback:
    the demo is served the way a council's site is, so what it shows is what production does."""
    os.environ["JOINEDUP_BIND"] = f"127.0.0.1:{port}"
    os.environ["JOINEDUP_SERVE_TASKS"] = "1"  # jobs started in the browser run beside it
    os.execv(sys.executable, [sys.executable, "-m", "gunicorn", "--config", "python:joinedup.gunicorn_conf"])

"""How the site holds up under a working day's load: `python benchmarks/load.py` (issue 12's figures).

Loads a synthetic authority into a database, starts the site on loopback under gunicorn with
production's configuration (`--server runserver` for Django's threaded server), and runs locust headless
in this process against it: `--users` people signed in with the demo password, each going through
a practitioner's day for their role for `--minutes`, and `--api-clients` partner systems.

- `--database postgres` (the default) starts a throwaway PostgreSQL on loopback (as
  scripts/test.sh does) or uses `--database-url`; `--database sqlite` serves the demo's own SQLite
  file (the embedded default), where ten people at once must never meet "database is locked".
- `--children N` (250,000; 5,000 on SQLite) builds the authority the way `joinedup demo` does: the
  generator, `joinedup load-authority`, every agency's extract through the importer, linkage,
  casework history, measures. A database that already holds children is not loaded again.
- `--keep-data` keeps the loaded database (under var/load-<database>/) so that the next run with
  `--keep-data` reuses it; without it the database is removed at the end.

The people: practitioners (home, search by name and NHS number, the page of a child they work
with, a plan they are on), lead professionals (the same, and a plan update: a need and outcome
added, a POST with its CSRF token), panel chairs (their panel's agenda) and service managers
(children and plans of the workers they manage). Which children, plans and meetings each may open
is read from the access policy before the run, so a refusal (404) is an error like any other.
Partner systems ask the API who is involved with a child by NHS number (`--api-clients`, 0 for none).

How busy they are: each person waits `--think` seconds (5 to 15, at random) on a page before the
next, and signs in one a second at the start. Fifty people at that pace asked for 5.5 pages a
second at 250,000 children (about 20,000 an hour), which we judge more than a borough's whole early
help workforce, who read a child's page or write a plan for minutes, not seconds (our estimate, not
a measurement). `--think 1-3` is the stress run, a page every two seconds
each (about 20 a second), which saturates two cores.

Prints a table per page (requests, failures, requests per second, p50/p95/p99 in ms, as locust
buckets them: two significant figures), the lines the server logged with "database is locked",
and as its last line key=value figures: database, server, children, users, minutes, rps, errors,
locked and <page>_p50_ms/_p95_ms/_p99_ms per page (sign_in, home, search, child, case,
plan_update, agenda, api). Goals (issue 12): with 250,000 children and 50 users, p95 of home and
the child page at most 200 ms, search at most 300 ms, no errors; on SQLite with 10 users, no errors.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

DEMO_PASSWORD = "joinedup-demo-only"  # joinedup.web.management.commands.demo.DEMO_PASSWORD
# The share of users of each kind; each kind's accounts are the busiest of their role.
KINDS = {"practitioner": 4, "lead_professional": 3, "panel_chair": 1, "manager": 2}
# Pages in the order of the table, with the names of their locust requests.
PAGES = {
    "sign_in": ["sign in"],
    "home": ["home"],
    "search": ["search by name", "search by NHS number"],
    "child": ["child page"],
    "case": ["case page"],
    "plan_update": ["plan update"],
    "agenda": ["panel agenda"],
    "api": ["who is involved (API)"],
}
TARGETS_PER_ACCOUNT = 100
SIGN_INS_PER_SECOND = 1.0


def main() -> None:
    if sys.argv[1:2] == ["prepare"]:  # the child process that touches the database (no locust here)
        prepare(json.loads(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--children", type=int, help="children to build if none are loaded (250,000; 5,000 on SQLite)")
    parser.add_argument("--users", type=int, help="people signed in at once (default 50; 10 on SQLite)")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument(
        "--keep-data",
        action="store_true",
        help="keep the loaded database for the next run, which reuses it (default: removed at the end)",
    )
    parser.add_argument("--database-url", help="a PostgreSQL database to load or reuse (never removed)")
    parser.add_argument("--pg-port", type=int, help="port of the throwaway PostgreSQL (default: a free one)")
    parser.add_argument("--var-dir", type=Path, help="the demo's files and measures (default var/load-<database>)")
    parser.add_argument(
        "--think", default="5-15", help="seconds a person spends on a page before the next, as LOW-HIGH (default 5-15)"
    )
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--server", choices=["gunicorn", "runserver"], default="gunicorn")
    parser.add_argument("--api-clients", type=int, default=1, help="partner systems calling the API")
    parser.add_argument("--seed", type=int, default=2025)
    arguments = parser.parse_args()
    sqlite = arguments.database == "sqlite"
    if sqlite and arguments.database_url:
        parser.error("--database-url names a PostgreSQL database: leave it out with --database sqlite")
    low, _, high = arguments.think.partition("-")
    think = (float(low), float(high or low))
    users = arguments.users or (10 if sqlite else 50)
    children = arguments.children or (5_000 if sqlite else 250_000)
    server = arguments.server
    var_dir = arguments.var_dir or ROOT / "var" / f"load-{arguments.database}"
    var_dir.mkdir(parents=True, exist_ok=True)

    with ExitStack() as stack:
        environment = {**os.environ, "JOINEDUP_MODE": "demo", "JOINEDUP_VAR_DIR": str(var_dir)}
        environment.pop("DATABASE_URL", None)
        if sqlite:
            if not arguments.keep_data:
                stack.callback(remove_sqlite, var_dir)
        else:
            url = arguments.database_url or stack.enter_context(
                throwaway_postgres(var_dir / "postgres", arguments.pg_port, keep=arguments.keep_data)
            )
            environment["DATABASE_URL"] = url
        plan_file = var_dir / "load-plan.json"
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "prepare", json.dumps({"children": children, "seed": arguments.seed,
                                                               "accounts": users, "plan": str(plan_file),
                                                               "api_clients": arguments.api_clients})],
            env=environment, cwd=ROOT, check=True,
        )  # fmt: skip
        plan = json.loads(plan_file.read_text())
        print(f"Prepared in {time.perf_counter() - started:.0f} s: {plan['note']}", flush=True)
        port = free_port()
        log = var_dir / "server.log"
        stack.enter_context(serving(server, port, environment, log, arguments.workers, arguments.threads))
        print(f"Serving with {describe_server(server, arguments)} on http://127.0.0.1:{port}/", flush=True)
        if arguments.api_clients:
            print(plan["api"]["note"], flush=True)
        stats = run_locust(f"http://127.0.0.1:{port}", plan, users, arguments, think)
        locked = [line for line in log.read_text(errors="replace").splitlines() if "database is locked" in line]

    figures = {
        "database": arguments.database,
        "server": server,
        "children": plan["children"],
        "users": users,
        "minutes": arguments.minutes,
        "think": arguments.think,
        "rps": round(stats.total.total_rps, 1),
        "errors": stats.total.num_failures,
        "locked": len(locked),
    }
    print_table(stats)
    for line in locked[:10]:
        print(f"server: {line}")
    for page, names in PAGES.items():
        entry = merged(stats, names)
        if entry.num_requests:
            for percent in (50, 95, 99):
                figures[f"{page}_p{percent}_ms"] = round(entry.get_response_time_percentile(percent / 100))
    print(" ".join(f"{key}={value}" for key, value in figures.items()))


def describe_server(server: str, arguments) -> str:
    if server == "gunicorn":
        return f"gunicorn ({arguments.workers} workers, {arguments.threads} threads each)"
    return "Django's runserver (threaded)"


# The database


@contextmanager
def throwaway_postgres(kept: Path, port: int | None, *, keep: bool):
    """A PostgreSQL server of our own on loopback (as scripts/test.sh starts one), stopped at the end
    and removed unless `keep`: then its files stay in `kept` and the next run starts them again."""
    pg_bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))[-1]
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    reused = keep and (kept / "PG_VERSION").exists()
    if keep:
        kept.mkdir(parents=True, exist_ok=True)
        data = kept
    else:
        data = Path(tempfile.mkdtemp(prefix="joinedup-load-pg."))
    if as_postgres:
        shutil.chown(data, "postgres", "postgres")
    port = port or free_port()
    if not reused:
        subprocess.run([*as_postgres, pg_bin / "initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
                        "--locale=C.UTF-8", "--no-sync"], check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {data} -c fsync=off -c full_page_writes=off"
    subprocess.run([*as_postgres, pg_bin / "pg_ctl", "-D", data, "-l", data / "server.log", "-w", "-o", options,
                    "start"], check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    try:
        if not reused:
            subprocess.run([*as_postgres, pg_bin / "createdb", "-h", "127.0.0.1", "-p", str(port), "joinedup"],
                           check=True)  # fmt: skip
        where = f"kept in {data} for the next run" if keep else "removed at the end"
        print(f"{'Restarted the kept' if reused else 'Started a throwaway'} PostgreSQL on port {port} ({where})")
        yield f"postgres://postgres@127.0.0.1:{port}/joinedup"
    finally:
        subprocess.run([*as_postgres, pg_bin / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop"],
                       stdout=subprocess.DEVNULL, check=False)  # fmt: skip
        if not keep:
            shutil.rmtree(data, ignore_errors=True)


def remove_sqlite(var_dir: Path) -> None:
    for name in ("joinedup.sqlite3", "joinedup.sqlite3-wal", "joinedup.sqlite3-shm", "evidence.duckdb"):
        (var_dir / name).unlink(missing_ok=True)


def prepare(options: dict) -> None:
    """In a child process: load the authority if the database holds none, then choose the accounts
    and what each may open, and write them to options["plan"]."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joinedup.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from joinedup.people.models import Child

    call_command("migrate", verbosity=0)
    held = Child.objects.count()
    if held:
        note = f"the database already holds {held:,} children: not loaded again"
    else:
        started = time.perf_counter()
        call_command("demo", children=options["children"], seed=options["seed"], no_serve=True)
        note = f"loaded {options['children']:,} children in {time.perf_counter() - started:.0f} s"
    chance = random.Random(options["seed"])
    plan = choose_accounts(options["accounts"], chance)
    plan["note"] = note
    plan["api"] = partner_systems(options["api_clients"], chance) if options["api_clients"] else {"tokens": []}
    Path(options["plan"]).write_text(json.dumps(plan))


def choose_accounts(wanted: int, chance: random.Random) -> dict:
    """Up to `wanted` accounts of each kind, busiest first, each with the children, plans and
    panel meetings the access policy lets them open, and the demo password."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db.models import Count, Q

    from joinedup.access.policy import Action, children_for, current_involvements
    from joinedup.casework.models import Case, PanelMeeting
    from joinedup.people.models import Child, Practitioner, Role

    open_work = Count("involvements", filter=Q(involvements__in=current_involvements()))
    leading = Count("cases_led", filter=Q(cases_led__closed_on__isnull=True))
    staff = Practitioner.objects.filter(user__is_active=True).select_related("user")
    chosen = {
        "practitioner": staff.filter(role=Role.PRACTITIONER).annotate(n=open_work),
        "lead_professional": staff.annotate(n=leading).filter(n__gt=0),
        "panel_chair": staff.filter(role=Role.PANEL_CHAIR).annotate(n=Count("panels_chaired__meetings")),
        "manager": staff.filter(role=Role.SERVICE_MANAGER).annotate(n=Count("manages_teams")),
    }
    # Anyone may search for a child they do not know yet: names and NHS numbers from the register.
    strangers = list(
        Child.objects.exclude(surname=None).exclude(nhs_number=None).order_by("?").values("surname", "nhs_number")[:500]
    )
    accounts: dict[str, list[dict]] = {}
    for kind, practitioners in chosen.items():
        accounts[kind] = []
        for practitioner in practitioners.filter(n__gt=0).order_by("-n", "user__username")[:wanted]:
            user = practitioner.user
            children = list(
                children_for(user, Action.VIEW_CHILD)
                .order_by("pk")
                .values("pk", "forenames", "surname", "nhs_number")[:TARGETS_PER_ACCOUNT]
            )
            plans = Case.objects.filter(child__in=children_for(user, Action.VIEW_PLAN)).order_by("-pk")
            changeable = plans.filter(closed_on__isnull=True).filter(child__in=children_for(user, Action.CHANGE_PLAN))
            meetings = PanelMeeting.objects.filter(Q(panel__chair=practitioner) | Q(panel__members=practitioner))
            meetings = meetings.annotate(items=Count("agenda")).filter(items__gt=0).order_by("-held_on").distinct()
            accounts[kind].append(
                {
                    "username": user.username,
                    "children": [c["pk"] for c in children],
                    "names": [f"{c['forenames'] or ''} {c['surname']}".strip() for c in children if c["surname"]]
                    + [s["surname"] for s in chance.sample(strangers, min(20, len(strangers)))],
                    "nhs_numbers": [c["nhs_number"] for c in children if c["nhs_number"]]
                    + [s["nhs_number"] for s in chance.sample(strangers, min(20, len(strangers)))],
                    "cases": list(plans.values_list("pk", flat=True)[:TARGETS_PER_ACCOUNT]),
                    "plans_to_update": list(changeable.values_list("pk", flat=True)[:TARGETS_PER_ACCOUNT]),
                    "meetings": list(meetings.values_list("pk", flat=True)[:10]),
                }
            )
    usernames = [account["username"] for kind in accounts.values() for account in kind]
    # One hash for all: hashing the password once per account would take as long as the sign-ins.
    get_user_model().objects.filter(username__in=usernames).update(password=make_password(DEMO_PASSWORD))
    return {"children": Child.objects.count(), "accounts": accounts}


def partner_systems(wanted: int, chance: random.Random) -> dict:
    """Tokens for partner systems asking the API who is involved with a child, each acting as one of
    the busiest practitioners, with NHS numbers of children that practitioner works with."""
    from django.db.models import Count, Q
    from django.urls import reverse

    from joinedup.access.policy import Action, children_for, current_involvements
    from joinedup.api.tokens import issue_token
    from joinedup.people.models import Practitioner, Role

    path = reverse("api-v1:who_is_involved")
    busiest = (
        Practitioner.objects.filter(role=Role.PRACTITIONER, user__is_active=True)
        .annotate(n=Count("involvements", filter=Q(involvements__in=current_involvements())))
        .filter(n__gt=0)
        .select_related("user", "agency")
        .order_by("-n", "user__username")[:wanted]
    )
    tokens = []
    for practitioner in busiest:
        numbers = list(
            children_for(practitioner.user, Action.VIEW_CHILD)
            .exclude(nhs_number=None)
            .values_list("nhs_number", flat=True)[:TARGETS_PER_ACCOUNT]
        )
        issued = issue_token(
            agency=practitioner.agency,
            name=f"Load test {chance.randrange(10**6):06d}",
            scopes=["involvement:read"],
            acts_as=practitioner.user,
        )
        tokens.append({"token": issued.bearer, "nhs_numbers": numbers})
    note = f"{len(tokens)} partner system(s) ask {path} who is involved"
    return {"tokens": tokens, "path": path, "note": note}


# The server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(server: str, port: int, environment: dict, log: Path, workers: int, threads: int):
    if server == "gunicorn":
        command = [sys.executable, "-m", "gunicorn", "joinedup.wsgi:application", "--bind", f"127.0.0.1:{port}",
                   "--workers", str(workers), "--threads", str(threads), "--timeout", "120"]  # fmt: skip
    else:
        command = [sys.executable, "-m", "joinedup.cli", "runserver", f"127.0.0.1:{port}", "--noreload"]
    with log.open("w") as output:
        process = subprocess.Popen(command, env=environment, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
        try:
            wait_until_up(f"http://127.0.0.1:{port}/sign-in", process, log)
            yield
        finally:
            process.terminate()
            process.wait(timeout=30)


def wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"The server stopped before serving:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"The server did not answer {url} within two minutes")


# The people


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"|name="version" value="(\d+)"')


def run_locust(host: str, plan: dict, users: int, arguments, think: tuple[float, float]):
    """Run the people (and the partner systems) for `--minutes` in this process and return
    locust's statistics."""
    # Imported here: locust patches the standard library for gevent when it is imported.
    import gevent
    from locust import FastHttpUser, between, task
    from locust.env import Environment
    from locust.exception import StopUser

    chance = random.Random(arguments.seed)
    minutes = arguments.minutes
    pools = {kind: list(accounts) for kind, accounts in plan["accounts"].items() if accounts}
    for kind in KINDS:
        if kind not in pools:
            print(f"No {kind.replace('_', ' ')} account has work to do: that kind is left out", flush=True)

    # FastHttpUser (geventhttpclient), not HttpUser (requests): the people run on the same two cores
    # as the server, and requests spent several times the CPU per page.
    class Person(FastHttpUser):
        abstract = True
        kind = ""
        wait_time = between(*think)

        def on_start(self):
            pool = pools[self.kind]
            self.account = pool[self.next_account() % len(pool)]
            page = self.client.get("/sign-in", name="sign in")
            login = {"username": self.account["username"], "password": DEMO_PASSWORD}
            with self.client.post(
                "/sign-in", data=login | {"csrfmiddlewaretoken": token(page.text)}, name="sign in", catch_response=True
            ) as response:
                if response.url.rstrip("/") != host:
                    response.failure(f"{self.account['username']} was not signed in (ended at {response.url})")
                    raise StopUser

        @classmethod
        def next_account(cls) -> int:
            cls.signed_in = getattr(cls, "signed_in", -1) + 1
            return cls.signed_in

        def pick(self, key: str):
            return chance.choice(self.account[key]) if self.account[key] else None

        def home(self):
            self.client.get("/", name="home")

        def search(self):
            if chance.random() < 0.5 and self.account["names"]:
                self.client.get("/children/search", params={"name": self.pick("names")}, name="search by name")
            elif self.account["nhs_numbers"]:
                number = self.pick("nhs_numbers")
                self.client.get("/children/search", params={"identifier": number}, name="search by NHS number")

        def child(self):
            if (child_id := self.pick("children")) is not None:
                self.client.get(f"/children/{child_id}", name="child page")

        def case(self):
            if (case_id := self.pick("cases")) is not None:
                self.client.get(f"/casework/cases/{case_id}/", name="case page")

        def agenda(self):
            if (meeting_id := self.pick("meetings")) is not None:
                self.client.get(f"/casework/panels/meetings/{meeting_id}/", name="panel agenda")

        def plan_update(self):
            """Add a need and the outcome the family wants to a plan they lead, as the form does."""
            if (case_id := self.pick("plans_to_update")) is None:
                return
            url = f"/casework/cases/{case_id}/outcomes/new/"
            form = self.client.get(url, name="plan update form")
            version = VERSION.search(form.text)
            data = {
                "csrfmiddlewaretoken": token(form.text),
                "version": next(v for v in version.groups() if v) if version else "",
                "need": "Mum says mornings are a struggle: the school run is often late",
                "desired_outcome": "Luka gets to school on time at least four days a week",
            }
            with self.client.post(
                url, data=data, name="plan update", allow_redirects=False, catch_response=True
            ) as response:
                if response.status_code != 302:
                    response.failure(f"plan update not saved: status {response.status_code}")
                    return
            self.client.get(f"/casework/cases/{case_id}/", name="case page")

    def day(**weights):
        return {getattr(Person, name): weight for name, weight in weights.items()}

    class Practitioner(Person):
        kind = "practitioner"
        tasks = day(home=2, search=2, child=4, case=1)

    class LeadProfessional(Person):
        kind = "lead_professional"
        tasks = day(home=2, search=1, child=2, case=3, plan_update=2)

    class PanelChair(Person):
        kind = "panel_chair"
        tasks = day(home=1, search=1, child=2, agenda=3)

    class Manager(Person):
        kind = "manager"
        tasks = day(home=2, search=1, child=2, case=2)

    systems = plan["api"]["tokens"]

    class PartnerSystem(FastHttpUser):
        """An agency's case system asking who is involved with a child it holds, by NHS number."""

        fixed_count = len(systems)
        wait_time = between(*think)

        def on_start(self):
            self.system = systems[self.next_system() % len(systems)]
            self.bearer = {"Authorization": f"Bearer {self.system['token']}"}

        @classmethod
        def next_system(cls) -> int:
            cls.started = getattr(cls, "started", -1) + 1
            return cls.started

        @task
        def who_is_involved(self):
            if self.system["nhs_numbers"]:
                number = chance.choice(self.system["nhs_numbers"])
                self.client.post(
                    plan["api"]["path"], json={"nhs_number": number}, headers=self.bearer, name="who is involved (API)"
                )

    classes = []
    for user_class in (Practitioner, LeadProfessional, PanelChair, Manager):
        if user_class.kind in pools:
            user_class.weight = KINDS[user_class.kind]
            user_class.host = host
            classes.append(user_class)
    if systems:
        PartnerSystem.host = host
        classes.append(PartnerSystem)
    environment = Environment(user_classes=classes)
    runner = environment.create_local_runner()
    # One person signs in a second, as a morning's arrivals spread out: fifty at once queued every
    # page behind fifty password checks (PBKDF2, 0.3 s of a core each).
    runner.start(users + len(systems), spawn_rate=SIGN_INS_PER_SECOND)
    gevent.spawn_later(minutes * 60, runner.quit)
    print(f"{users} people and {len(systems)} partner systems for {minutes:g} minutes...", flush=True)
    runner.greenlet.join()
    return environment.stats


def token(page: str) -> str:
    found = CSRF.search(page)
    return found.group(1) if found else ""


# The report


def merged(stats, names: list[str]):
    from locust.stats import StatsEntry

    entry = StatsEntry(stats, "+".join(names), "")
    for name in names:
        for method in ("GET", "POST"):
            if (name, method) in stats.entries:
                entry.extend(stats.entries[(name, method)])
    return entry


def print_table(stats) -> None:
    print(f"\n{'page':<24}{'requests':>10}{'failures':>10}{'rps':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    rows = sorted(stats.entries.values(), key=lambda e: (e.name, e.method)) + [stats.total]
    for entry in rows:
        name = "all" if entry is stats.total else f"{entry.name}{' (POST)' if entry.method == 'POST' else ''}"
        percentiles = [entry.get_response_time_percentile(p) if entry.num_requests else 0 for p in (0.5, 0.95, 0.99)]
        print(
            f"{name:<24}{entry.num_requests:>10}{entry.num_failures:>10}{entry.total_rps:>8.1f}"
            + "".join(f"{p:>9.0f}" for p in percentiles)
        )
    for error in stats.errors.values():
        print(f"failure: {error.occurrences} x {error.method} {error.name}: {error.error}")


if __name__ == "__main__":
    main()

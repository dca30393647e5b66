"""Every demo login, and a sensitive service's worker, follows the links of the small demo authority
from their home page: no link to a child is a dead end, no page names a sensitive service to
someone outside it, and text people typed is never markup. axe checks each role's home page."""

from __future__ import annotations

import re
import time
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urlparse

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, F, Q, Value
from django.db.models.functions import Concat
from django.test import override_settings

from joinedup.agencies.models import Agency, Service, Team
from joinedup.casework.models import Case, FamilyAccount, PanelMeeting
from joinedup.casework.notifications import notify
from joinedup.common.browser_testing import assert_no_axe_violations
from joinedup.people.models import Child, ChildCarer, Practitioner, Role
from joinedup.web.management.commands.demo import DEMO_FAMILY_LOGIN, DEMO_PASSWORD

pytestmark = pytest.mark.browser

CHILDREN = 400
PAGES_PER_ROLE = 40
# Pages whose address differs only in its ids are one kind of page: open a few of each kind, so the
# budget reaches every kind of page rather than forty children's records.
PAGES_PER_KIND = 3
PAYLOAD = '<b id="injected">x</b>'
CHILD_LINK = re.compile(r"/children/\d+(/|$)")
NOT_PAGES = re.compile(r"^/(static/|sign-out|sign-in)|\.(pdf|xlsx|csv)$")
# The roles the demo prints a login for, by the label it prints them under.
DEMO_ROLES = {role.label: role for role in Role}


@dataclass
class Login:
    name: str
    username: str
    practitioner: Practitioner | None
    # Terms this login may see: those of the sensitive services they work in or manage.
    allowed_terms: set[str] = field(default_factory=set)


def sensitive_terms() -> dict[int, set[str]]:
    """What names each sensitive service: its name, its teams' names, the job titles only its
    teams hold, and the name of an agency whose every service is sensitive."""
    ordinary_jobs = set(Practitioner.objects.exclude(team__service__sensitive=True).values_list("job_role", flat=True))
    terms: dict[int, set[str]] = {}
    for service in Service.objects.filter(sensitive=True):
        teams = Team.objects.filter(service=service)
        jobs = set(Practitioner.objects.filter(team__in=teams).values_list("job_role", flat=True)) - ordinary_jobs
        terms[service.pk] = {service.name, *teams.values_list("name", flat=True), *jobs}
    for agency in Agency.objects.annotate(ordinary=Count("services", filter=Q(services__sensitive=False))).filter(
        ordinary=0, services__sensitive=True
    ):
        for service in agency.services.filter(sensitive=True):
            terms[service.pk].add(agency.name)
    return terms


def services_seen_by(practitioner: Practitioner | None) -> set[int]:
    """The sensitive services a login works in or manages (by team or by locality)."""
    if practitioner is None:
        return set()
    teams = Team.objects.filter(
        Q(pk=practitioner.team_id)
        | Q(pk__in=practitioner.manages_teams.all())
        | Q(locality__in=practitioner.manages_localities.all())
    )
    return set(teams.filter(service__sensitive=True).values_list("service_id", flat=True))


def family_with_an_open_plan():
    """A parent of a child whose plan is open. The demo's own family login is the first parent
    whose child has no closed case, which includes a child with no case at all."""
    open_cases = Case.objects.filter(closed_on__isnull=True).values("child_id")
    link = (
        ChildCarer.objects.filter(parental_responsibility=True, child_id__in=open_cases)
        .select_related("carer")
        .order_by("child_id")
        .first()
    )
    user = get_user_model().objects.create_user(
        "family.with.a.plan", password=DEMO_PASSWORD, first_name=link.carer.forenames, last_name=link.carer.surname
    )
    FamilyAccount.objects.create(user=user, carer=link.carer)
    return user


@pytest.fixture
def demo(tmp_path, capsys):
    """The demo authority, small, with markup typed into every child's forenames, every panel
    meeting's minutes and two notifications for each login; and one login per role, plus the
    busiest worker of a sensitive service, the demo family and a family whose plan is open."""
    with override_settings(VAR_DIR=tmp_path):
        call_command("demo", children=CHILDREN, seed=7, no_serve=True)
    printed = capsys.readouterr().out
    usernames = {}
    for line in printed.splitlines():
        for label in DEMO_ROLES:
            if line.startswith(f"  {label} "):
                usernames[DEMO_ROLES[label].value] = line[len(label) + 2 :].split()[0]
    sensitive_worker = (
        Practitioner.objects.filter(role=Role.PRACTITIONER, team__service__sensitive=True)
        .annotate(work=Count("involvements"))
        .order_by("-work", "user__username")
        .select_related("user")
        .first()
    )
    sensitive_worker.user.set_password(DEMO_PASSWORD)
    sensitive_worker.user.save(update_fields=["password"])
    usernames["sensitive service worker"] = sensitive_worker.user.username
    usernames["family"] = DEMO_FAMILY_LOGIN
    usernames["family with an open plan"] = family_with_an_open_plan().username

    terms = sensitive_terms()
    every_term = set().union(*terms.values())
    logins = []
    for name, username in usernames.items():
        practitioner = Practitioner.objects.filter(user__username=username).first()
        if practitioner is not None and practitioner.role == Role.ADMINISTRATOR:
            # Administrators answer information governance requests and manage every account, so
            # the policy lets them see every sensitive service (sensitive_services_seen_by).
            allowed = every_term
        else:
            allowed = set().union(*(terms[service] for service in services_seen_by(practitioner)))
        logins.append(Login(name, username, practitioner, allowed))

    Child.objects.update(forenames=Concat(F("forenames"), Value(PAYLOAD)))
    PanelMeeting.objects.update(minutes=PAYLOAD)
    for user in get_user_model().objects.filter(username__in=usernames.values()):
        notify(recipient=user, subject=PAYLOAD, body=PAYLOAD)
        notify(recipient=user, subject=PAYLOAD, body=PAYLOAD, link="/")
    assert len(logins) == len(Role) + 3, f"Not every role has a demo login: {usernames}"
    return {"logins": logins, "terms": every_term}


@dataclass
class Crawl:
    login: Login
    pages: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    checked_by_axe: int = 0
    child_links: int = 0
    # Pages that showed the typed markup as text: proof that it reached the pages checked.
    payload_as_text: int = 0


def sign_in(page, live_server, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert urlparse(page.url).path != "/sign-in", f"{username} could not sign in"


# Pages whose choices list every agency or member of staff in the authority (a consent's "share
# with" agencies, a panel's possible members): such a list says nothing about who works with a
# child, so its options are left out of the search for sensitive terms. The rest of the page is not.
AUTHORITY_WIDE_CHOICES = {
    "/casework/children/N/consent/",
    "/casework/panels/N/change/",
    "/casework/panels/setup/N/new/",
}
WITHOUT_CHOICES = """() => {
    const copy = document.documentElement.cloneNode(true);
    copy.querySelectorAll("select, .govuk-checkboxes").forEach(choices => choices.remove());
    return copy.textContent;
}"""


def kind_of(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def crawl(page, live_server, login: Login, every_term: set[str]) -> Crawl:
    """Breadth first from home, same origin only, GET only (forms are not sent); axe on the first
    page of each kind (about 0.3 s a page here)."""
    found = Crawl(login)
    shielded = sorted(every_term - login.allowed_terms, key=str.lower)
    origin = urlparse(live_server.url).netloc
    queue = deque([(f"{live_server.url}/", "sign-in")])
    seen, kinds, child_links, axed = {queue[0][0]}, {}, {}, set()
    while queue and len(found.pages) < PAGES_PER_ROLE:
        url, linked_from = queue.popleft()
        path = urlparse(url).path + (f"?{urlparse(url).query}" if urlparse(url).query else "")
        try:
            response = page.goto(url)
        except Exception as error:  # a download, which a browser does not render as a page
            if "Download is starting" in str(error):
                continue
            raise
        found.pages.append(path)
        status = response.status if response else 0
        if status >= 400:
            found.failures.append(f"{path} (linked from {linked_from}) answered {status}")
            continue
        if page.locator("#injected").count():
            found.failures.append(f"{path}: stored text became markup (#injected is on the page)")
        if kind_of(urlparse(url).path) not in axed:
            axed.add(kind_of(urlparse(url).path))
            found.checked_by_axe += 1
            try:
                assert_no_axe_violations(page)
            except AssertionError as violations:
                found.failures.append(f"{path}: {violations}")
        text = page.evaluate("document.documentElement.textContent").lower()
        if kind_of(urlparse(url).path) in AUTHORITY_WIDE_CHOICES:
            text = page.evaluate(WITHOUT_CHOICES).lower()
        found.payload_as_text += PAYLOAD.lower() in text
        for term in shielded:
            if term.lower() in text:
                found.failures.append(f"{path}: names a sensitive service: {term!r}")
        links = page.eval_on_selector_all("a[href]", "links => links.map(link => link.href)")
        for link in links:
            link, _ = urldefrag(link)
            parsed = urlparse(link)
            if parsed.netloc != origin or NOT_PAGES.search(parsed.path) or link in seen:
                continue
            seen.add(link)
            if CHILD_LINK.search(parsed.path):
                child_links.setdefault(link, path)
            kind = kind_of(parsed.path)
            kinds[kind] = kinds.get(kind, 0) + 1
            if kinds[kind] <= PAGES_PER_KIND:
                queue.append((link, path))
    # Every link to a child, crawled or not, must open for the person it was shown to.
    found.child_links = len(child_links)
    for link, linked_from in child_links.items():
        status = page.request.get(link).status
        if status >= 400:
            found.failures.append(f"{urlparse(link).path} (a child linked from {linked_from}) answered {status}")
    return found


def test_every_role_crawls_the_demo_without_a_leak(demo, live_server, page):
    """One test, because the demo takes seconds to load and a live server's database is emptied
    after each test."""
    report, summary, crawls = [], [], []
    for login in demo["logins"]:
        began = time.monotonic()
        sign_in(page, live_server, login.username)
        found = crawl(page, live_server, login, demo["terms"])
        crawls.append(found)
        summary.append(
            f"{login.name} ({login.username}): {len(found.pages)} pages, {found.checked_by_axe} by axe, "
            f"{found.child_links} child links, markup shown as text on {found.payload_as_text}, "
            f"{time.monotonic() - began:.1f}s"
        )
        report += [f"{login.name} ({login.username}) {failure}" for failure in found.failures]
    print("\n".join(summary))
    assert all(found.pages for found in crawls)
    assert sum(found.payload_as_text for found in crawls) > 0, (
        "The typed markup reached no page: the check proves nothing"
    )
    assert sum(found.child_links for found in crawls) > 0, "No page linked to a child: the check proves nothing"
    assert not report, "\n".join(report)

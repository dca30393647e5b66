"""The evidence pages through the one access policy: analysts see every figure, the director and
the research lead see small groups suppressed, a service manager sees only the areas they
manage, and practitioners see none of it."""

from datetime import date
from html import unescape

import pytest

from joinedup.agencies.tests.factories import LocalityFactory, TeamFactory
from joinedup.audit.models import AuditEvent
from joinedup.evidence.definitions import measure, measures
from joinedup.evidence.measures import build_measures
from joinedup.evidence.models import Cohort
from joinedup.evidence.queries import COMPARABLE
from joinedup.index.review.tests.factories import IndexRecordFactory
from joinedup.people.models import Role
from joinedup.people.tests.factories import AddressFactory, ChildFactory, PractitionerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def authority():
    """Twelve pupils in Northgate and three in Southgate, their attendance over three terms."""
    north, south = LocalityFactory(name="Northgate"), LocalityFactory(name="Southgate")
    for n in range(15):
        child = ChildFactory()
        AddressFactory(child=child, locality=north if n < 12 else south)
        IndexRecordFactory(
            child=child,
            facts={
                "attendance_terms": [
                    {"term": "2023-autumn", "starts": "2023-09-01", "urn": "100001", "nc_year": 8, "possible": 100,
                     "missed": n},
                    {"term": "2023-spring", "starts": "2024-01-01", "urn": "100001", "nc_year": 8, "possible": 100,
                     "missed": 2 * n},
                ]
            },
        )  # fmt: skip
    build_measures(on=date(2024, 3, 31))
    return north, south


def signed_in(client, role, **kwargs):
    practitioner = PractitionerFactory(role=role, **kwargs)
    client.force_login(practitioner.user)
    return practitioner


@pytest.mark.parametrize(
    "role, status",
    [
        (Role.PERFORMANCE_ANALYST, 200),
        (Role.RESEARCHER, 200),
        (Role.DIRECTOR, 200),
        (Role.PRACTITIONER, 403),
        (Role.PANEL_CHAIR, 403),
        (Role.ADMINISTRATOR, 403),
    ],
)
def test_who_may_open_the_impact_model(client, authority, role, status):
    signed_in(client, role)

    assert client.get("/evidence/").status_code == status


def test_an_analyst_sees_small_groups_in_full_and_the_director_sees_them_suppressed(client, authority):
    north, south = authority
    signed_in(client, Role.PERFORMANCE_ANALYST)
    analyst_page = client.get("/evidence/outcomes/?measure=attendance_rate&by=locality").content.decode()

    signed_in(client, Role.RESEARCHER)
    researcher_page = client.get("/evidence/outcomes/?measure=attendance_rate&by=locality").content.decode()

    # Southgate's three pupils: 3 children is shown to the analyst, suppressed for the research lead.
    assert "Southgate" in analyst_page and ">3<" in analyst_page
    assert "Southgate" in researcher_page and ">3<" not in researcher_page and "[c]" in researcher_page
    assert "Figures about fewer than 10 children are not shown" in researcher_page
    # Beside all 15 children, Northgate's 12 would give Southgate's 3 away: it is withheld too.
    assert ">15<" in researcher_page and ">12<" not in researcher_page
    assert ">15<" in analyst_page and ">12<" in analyst_page


def test_a_service_manager_sees_the_impact_model_of_the_localities_they_manage_only(client, authority):
    north, south = authority
    manager = signed_in(client, Role.SERVICE_MANAGER)
    manager.manages_teams.add(TeamFactory(locality=south))

    page = client.get("/evidence/").content.decode()
    elsewhere = client.get(f"/evidence/?area={north.id}").content.decode()

    assert "What difference does integrated working make? Southgate" in page
    assert "The whole authority" not in page
    assert "Southgate" in elsewhere and "make? Northgate" not in elsewhere  # falls back to their own area


def test_an_analyst_defines_a_cohort_and_colleagues_see_how_it_was_defined(client, authority):
    north, _ = authority
    analyst = signed_in(client, Role.PERFORMANCE_ANALYST)

    response = client.post(
        "/evidence/cohorts/new/",
        {"name": "Northgate KS3", "localities": [north.id], "key_groups": ["ks3_absence"], "shared": "on",
         "help_from_day": "", "help_from_month": "", "help_from_year": "",
         "help_to_day": "", "help_to_month": "", "help_to_year": ""},
    )  # fmt: skip

    cohort = Cohort.objects.get()
    assert response.status_code == 302
    assert (cohort.created_by, cohort.shared) == (analyst.user, True)
    assert AuditEvent.objects.filter(verb="defined_cohort").count() == 1
    signed_in(client, Role.RESEARCHER)
    page = client.get(f"/evidence/cohorts/{cohort.id}/").content.decode()
    assert "Living in: Northgate" in page
    assert "In any of these key groups: Key stage 3 pupils with high absence" in page


def test_a_cohort_not_shared_is_not_found_by_colleagues(client, authority):
    owner = PractitionerFactory(role=Role.PERFORMANCE_ANALYST)
    mine = Cohort.objects.create(name="Mine", definition={}, created_by=owner.user, shared=False)
    signed_in(client, Role.PERFORMANCE_ANALYST)

    assert client.get(f"/evidence/cohorts/{mine.id}/").status_code == 404


def test_pages_say_when_the_measures_are_not_built(client, settings, tmp_path):
    settings.JOINEDUP_EVIDENCE_PATH = tmp_path / "never-built.duckdb"
    signed_in(client, Role.DIRECTOR)

    response = client.get("/evidence/")

    assert response.status_code == 503
    assert "joinedup build-measures" in response.content.decode()


def test_whole_family_outcomes_open_for_the_director_and_download_as_the_page_shows_them(client, authority):
    signed_in(client, Role.DIRECTOR)

    page = client.get("/evidence/families/")
    download = client.get("/evidence/families/?area=&download=csv&table=families")

    assert page.status_code == 200 and "Whole-family outcomes" in page.content.decode()
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    assert "Families helped" in download.content.decode("utf-8-sig")
    assert AuditEvent.objects.filter(verb="downloaded_evidence").count() == 1


def test_the_impact_model_downloads_as_a_board_report(client, authority):
    signed_in(client, Role.DIRECTOR)

    response = client.get("/evidence/?area=&download=pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


@pytest.mark.parametrize("code", list(measures()))
def test_every_measure_has_an_outcomes_page_with_its_definition_and_source(client, authority, code):
    signed_in(client, Role.PERFORMANCE_ANALYST)

    page = client.get(f"/evidence/outcomes/?measure={code}&by=sex")

    assert page.status_code == 200
    text = unescape(page.content.decode())
    assert measure(code).source in text and measure(code).definition in text


@pytest.mark.parametrize("code", list(COMPARABLE))
def test_every_comparable_measure_has_a_comparison_page(client, authority, code):
    signed_in(client, Role.PERFORMANCE_ANALYST)

    page = client.get(f"/evidence/comparison/?measure={code}")

    assert page.status_code == 200 and measure(code).label.lower() in unescape(page.content.decode())

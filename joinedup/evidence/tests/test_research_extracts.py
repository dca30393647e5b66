"""De-identified extracts: only what the use needs, pseudonyms stable within a project and
different across projects, refused when a child could be singled out, and always recorded. The
worker makes them (jobs.tests.test_exports follows one from the form to its download)."""

from datetime import date
from io import BytesIO

import openpyxl
import pytest

from joinedup.agencies.tests.factories import LocalityFactory
from joinedup.audit.models import AuditEvent
from joinedup.evidence import extracts
from joinedup.evidence.measures import build_measures
from joinedup.evidence.models import ResearchExtract
from joinedup.index.review.tests.factories import IndexRecordFactory
from joinedup.people.models import Role
from joinedup.people.tests.factories import AddressFactory, ChildFactory, PractitionerFactory

pytestmark = pytest.mark.django_db


def pupils(count: int, *, born=date(2012, 5, 6), sex="F", postcode="NX1 2AB"):
    area = LocalityFactory()
    for _ in range(count):
        child = ChildFactory(date_of_birth=born, sex=sex)
        AddressFactory(child=child, locality=area, postcode=postcode)
        IndexRecordFactory(
            child=child,
            facts={"attendance_terms": [{"term": "2024-autumn", "starts": "2024-09-01", "urn": "100001",
                                         "nc_year": 8, "possible": 100, "missed": 7}]},
        )  # fmt: skip


def extract(analyst, project="Attendance study") -> bytes:
    _, made, dictionary = extracts.make_research_extract(
        made_by=analyst,
        use=extracts.uses()["attendance_evaluation"],
        project=project,
        purpose="Does early help change attendance?",
        cohort=None,
    )
    return extracts.extract_workbook(made, dictionary)


def rows(content: bytes) -> list[tuple]:
    return list(openpyxl.load_workbook(BytesIO(content))["Extract"].iter_rows(values_only=True))


def test_an_extract_holds_only_what_its_use_needs_under_pseudonyms_stable_within_a_project():
    pupils(6)
    build_measures(on=date(2025, 1, 31))
    analyst = PractitionerFactory(role=Role.PERFORMANCE_ANALYST).user

    first, again, other = extract(analyst), extract(analyst), extract(analyst, project="Another study")

    header, *data = rows(first)
    assert header == ("child_id", "age_band", "sex", "postcode_district", "term", "attendance_rate",
                      "persistent_absence", "suspended", "supported", "first_helped_month")  # fmt: skip
    assert {row[3] for row in data} == {"NX1"}
    assert sorted(r[0] for r in data) == sorted(r[0] for r in rows(again)[1:])
    assert not {r[0] for r in data} & {r[0] for r in rows(other)[1:]}
    assert ResearchExtract.objects.count() == 3
    assert AuditEvent.objects.filter(verb="made_research_extract").count() == 3


def test_an_extract_that_would_single_a_child_out_is_refused_and_nothing_leaves():
    pupils(6)
    pupils(1, sex="M", postcode="NX9 1AA")
    build_measures(on=date(2025, 1, 31))

    with pytest.raises(extracts.ExtractRefused, match="describes only 1 rows"):
        extract(PractitionerFactory(role=Role.PERFORMANCE_ANALYST).user)

    assert ResearchExtract.objects.count() == 0


def test_only_analysts_make_extracts(client):
    client.force_login(PractitionerFactory(role=Role.RESEARCHER).user)

    assert client.get("/evidence/extracts/new/").status_code == 403

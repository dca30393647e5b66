"""Who is involved, as each person may see it: a sensitive service shows only that it is there."""

import pytest

from joinedup.agencies.tests.factories import ServiceFactory, TeamFactory
from joinedup.index.involved import records_as_seen_by
from joinedup.index.linking import link_index
from joinedup.index.models import IndexRecord
from joinedup.index.review.tests.factories import IndexRecordFactory
from joinedup.index.services import import_file
from joinedup.index.synthetic import synthetic_extracts
from joinedup.people.tests.factories import ChildFactory, PractitionerFactory
from joinedup.synth.tests.conftest import NO_ERRORS, build_authority

pytestmark = pytest.mark.django_db


def test_a_record_shows_agency_service_contact_and_dates():
    child = ChildFactory()
    service = ServiceFactory(code="YJS-CASE", name="Youth justice casework")
    IndexRecordFactory(
        child=child, service="YJS-CASE", practitioner="Deborah West", practitioner_contact="01632 960000"
    )

    [line] = records_as_seen_by(PractitionerFactory().user, child)

    assert (line.agency, line.service, line.practitioner, line.contact, line.shielded) == (
        service.agency.name,
        "Youth justice casework",
        "Deborah West",
        "01632 960000",
        False,
    )


def test_a_sensitive_services_record_is_shielded_except_from_that_service():
    child = ChildFactory()
    clinic = ServiceFactory(code="SH", name="Sexual health", sensitive=True)
    IndexRecordFactory(child=child, service="SH", practitioner="Nurse Evans")
    nurse_colleague = PractitionerFactory(team=TeamFactory(service=clinic, agency=clinic.agency), agency=clinic.agency)

    assert records_as_seen_by(PractitionerFactory().user, child)[0].shielded
    assert not records_as_seen_by(nurse_colleague.user, child)[0].shielded


def test_a_sensitive_source_is_shielded_whatever_its_service():
    child = ChildFactory()
    record = IndexRecordFactory(child=child)
    record.source.sensitive = True
    record.source.save()

    assert records_as_seen_by(PractitionerFactory().user, child)[0].shielded


@pytest.mark.django_db(transaction=True)
def test_a_young_person_with_several_cases_is_one_child_with_only_the_latest_case_open(tmp_path_factory, settings):
    """The youth justice case list has a row per case: linked, a young person's cases are one child,
    and who is involved shows their earlier cases with the day each ended."""
    settings.VAR_DIR = tmp_path_factory.mktemp("var")
    authority = build_authority(tmp_path_factory, "youth", children=2000, seed=2, rates=NO_ERRORS)
    for mapping, path in synthetic_extracts(authority):
        if mapping.stem == "youth_offending":
            import_file(mapping_path=mapping, path=path)
    link_index()
    cases = IndexRecord.objects.filter(source__name="youth_offending")
    children_of = {}
    for reference, child in cases.values_list("other_id", "child_id"):
        children_of.setdefault(reference, set()).add(child)
    several = [r for r in children_of if cases.filter(other_id=r).count() > 1]

    assert several and all(len(children_of[r]) == 1 for r in children_of)
    for reference in several:
        lines = records_as_seen_by(PractitionerFactory().user, cases.filter(other_id=reference).first().child)
        assert len(lines) == cases.filter(other_id=reference).count()
        latest = max(lines, key=lambda line: line.started)
        assert all(line.ended for line in lines if line is not latest)

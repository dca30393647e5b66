"""Who is involved, as each person may see it: a sensitive service shows only that it is there."""

import pytest

from joinedup.agencies.tests.factories import ServiceFactory, TeamFactory
from joinedup.index.involved import records_as_seen_by
from joinedup.index.review.tests.factories import IndexRecordFactory
from joinedup.people.tests.factories import ChildFactory, PractitionerFactory

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

"""Index records made by hand, for tests of linking and review."""

from datetime import date

import factory
from django.utils import timezone

from joinedup.index.models import ImportBatch, IndexRecord, Source


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"source{n}")
    format = "csv"
    agency_kind = "health"
    mapping = ""


class ImportBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportBatch

    source = factory.SubFactory(SourceFactory)
    file_path = "extract.csv"
    sha256 = factory.Sequence(lambda n: f"{n:064d}")
    mapping_sha256 = "0" * 64
    started_at = factory.LazyFunction(timezone.now)


class IndexRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndexRecord

    source = factory.SubFactory(SourceFactory)
    record_id = factory.Sequence(lambda n: f"R{n}")
    forenames = "Alfred"
    surname = "Smith"
    date_of_birth = date(2012, 3, 4)
    sex = "M"
    postcode = "NX1 2AB"
    row_hash = "x"
    first_batch = factory.SubFactory(ImportBatchFactory, source=factory.SelfAttribute("..source"))
    last_batch = factory.SelfAttribute("first_batch")

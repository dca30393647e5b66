"""The children's index holds what each agency's extract says about a child: one IndexRecord per
record in a source, kept up to date import by import, and later linked to the child it is about."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from joinedup.agencies.models import Agency, AgencyKind
from joinedup.people.models import Child, Sex


class Source(models.Model):
    """An agency's extract, as its source file (TOML) describes it."""

    name = models.CharField(max_length=60, unique=True, help_text="The source file's name, e.g. school_census")
    description = models.CharField(max_length=300, blank=True)
    format = models.CharField(max_length=30)
    agency_kind = models.CharField(max_length=20, choices=AgencyKind.choices)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sources",
        help_text="Set when the source file names an agency the reference data holds",
    )
    default_service = models.CharField(
        max_length=30, blank=True, help_text="Service code for involvements the records show"
    )
    sensitive = models.BooleanField(
        default=False, help_text="Records from this source are shielded like a sensitive service's"
    )
    mapping = models.TextField(help_text="The source file as last imported (TOML, `extends` resolved)")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BatchStatus(models.TextChoices):
    IMPORTED = "imported", "Imported"
    # A full extract that would withdraw too much of its source (or holds no records) writes
    # nothing until someone who may confirm it does: a failed transfer must never empty the index.
    HELD = "held", "Held until confirmed"


class ImportBatch(models.Model):
    """One import of one extract: what it changed and what it rejected or, held, what it would do."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="batches")
    status = models.CharField(max_length=10, choices=BatchStatus.choices, default=BatchStatus.IMPORTED)
    held_reason = models.TextField(blank=True, help_text="Why the import was held, in words")
    file_path = models.CharField(max_length=500)
    mapping_path = models.CharField(max_length=500, blank=True, help_text="The source file, read again to confirm")
    sha256 = models.CharField(max_length=64, help_text="Of the files read, in order")
    mapping_sha256 = models.CharField(max_length=64, help_text="Of the source file as imported")
    rejects_path = models.CharField(max_length=500, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0, help_text="Records absent from this (full) extract")
    rejected = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawn_records = models.ManyToManyField(
        "IndexRecord",
        related_name="+",
        blank=True,
        help_text="The records this extract withdrew or, held, would withdraw",
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_undone_at = models.DateTimeField(null=True, blank=True)
    withdrawal_undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name_plural = "import batches"
        indexes = [models.Index(fields=["source", "-started_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True, confirmed_by__isnull=True)
                | Q(confirmed_at__isnull=False, confirmed_by__isnull=False),
                name="import_confirmed_at_and_by_together",
            ),
            models.CheckConstraint(
                condition=Q(withdrawal_undone_at__isnull=True, withdrawal_undone_by__isnull=True)
                | Q(withdrawal_undone_at__isnull=False, withdrawal_undone_by__isnull=False),
                name="import_withdrawal_undone_at_and_by_together",
            ),
            # A held import has changed nothing yet, so it has neither finished nor been undone.
            models.CheckConstraint(
                condition=~Q(status="held")
                | Q(finished_at__isnull=True, confirmed_at__isnull=True, withdrawal_undone_at__isnull=True),
                name="held_import_changed_nothing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.started_at:%Y-%m-%d %H:%M}"


class IndexRecord(models.Model):
    """One record of one source, in the canonical shape (joinedup.index.canonical). Text fields
    are unbounded: an extract holds what the agency typed, and a long address must not fail an
    import on PostgreSQL. `child` and `match_probability` are set by linkage."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="records", db_index=False)
    record_id = models.TextField(help_text="The source's own key for the record")
    forenames = models.TextField(blank=True)
    surname = models.TextField(blank=True)
    former_surname = models.TextField(blank=True, help_text='"|"-separated when there are several')
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, blank=True)
    postcode = models.TextField(blank=True)
    address_line_1 = models.TextField(blank=True)
    address_line_2 = models.TextField(blank=True)
    nhs_number = models.TextField("NHS number", blank=True, help_text="As held; the check digit is not verified")
    upn = models.TextField("UPN", blank=True, help_text="As held; the check letter is not verified")
    la_child_id = models.TextField("LA child ID", blank=True)
    other_id = models.TextField(blank=True)
    service = models.TextField(blank=True, help_text="Service code, as held or the source's default")
    practitioner = models.TextField(blank=True)
    practitioner_contact = models.TextField(blank=True)
    involvement_start = models.DateField(null=True, blank=True)
    involvement_end = models.DateField(null=True, blank=True)
    facts = models.JSONField(default=dict, blank=True)
    row_hash = models.CharField(max_length=32, help_text="Of the canonical values, to tell what changed")
    child = models.ForeignKey(Child, on_delete=models.SET_NULL, null=True, blank=True, related_name="index_records")
    match_probability = models.FloatField(null=True, blank=True)
    first_batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="+", db_index=False)
    last_batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.PROTECT,
        related_name="changed_records",
        db_index=False,
        help_text="The import that last created, changed, withdrew or restored the record",
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True, help_text="Absent from a newer full extract")

    class Meta:
        ordering = ["source", "record_id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "record_id"], name="one_index_record_per_source_key"),
            models.CheckConstraint(
                condition=Q(match_probability__isnull=True) | Q(match_probability__gte=0.0, match_probability__lte=1.0),
                name="index_match_probability_is_a_probability",
            ),
        ]
        indexes = [
            models.Index(fields=["nhs_number"], name="index_record_nhs_number"),
            models.Index(fields=["upn"], name="index_record_upn"),
            models.Index(fields=["la_child_id"], name="index_record_la_child_id"),
            models.Index(fields=["date_of_birth", "surname"], name="index_record_birth_surname"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id}:{self.record_id}"


class LinkageRun(models.Model):
    """One run of the linkage: the model it used, kept so later extracts are linked incrementally
    with the same model, and a pair can be explained later exactly as it was scored."""

    mode = models.CharField(max_length=12, choices=[("full", "Full"), ("incremental", "Incremental")])
    parameters = models.JSONField(help_text="Splink's prior and m/u per comparison level (linkage.model.Parameters)")
    summary = models.JSONField(default=dict)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} linkage at {self.at:%Y-%m-%d %H:%M}"


class ChangeKind(models.TextChoices):
    """What happened to the index's entries (its children), for partner systems that hold them."""

    ENTRY_CREATED = "entry_created", "A new child entered the index"
    RECORDS_LINKED = "records_linked", "Agency records were linked to a child"
    ENTRIES_MERGED = "entries_merged", "Two children were found to be one"
    MERGE_UNDONE = "merge_undone", "A merge was undone"
    RECORDS_SEPARATED = "records_separated", "Records were separated into a child of their own"
    SEPARATION_UNDONE = "separation_undone", "A separation was undone"


class IndexChange(models.Model):
    """One change to the index's entries, in the order made, written only by index.changes. Like
    the audit log it holds ids, not foreign keys: the history outlives what it names."""

    at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=20, choices=ChangeKind.choices)
    child_id = models.BigIntegerField(help_text="The entry changed (for a merge, the one kept)")
    other_child_id = models.BigIntegerField(
        null=True, blank=True, help_text="The entry merged into it, or separated from it"
    )
    record_ids = models.JSONField(default=list, blank=True, help_text="The index records the change moved")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["child_id"]), models.Index(fields=["other_child_id"])]

    def __str__(self) -> str:
        return f"{self.pk}: {self.kind} child {self.child_id}"

"""A job is work started in the browser that runs in the worker (`joinedup db_worker`): an
import of an agency's extract (and the confirmation of one the guard held), a linkage run, a build
of the evidence measures, a return or a research extract to download. django-tasks
queues and runs it; the Job row is what people read: who asked, how far it has got, each attempt
and its error, the result and an import's rejects."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class JobKind(models.TextChoices):
    IMPORT_EXTRACT = "import_extract", "Import an agency's extract"
    CONFIRM_HELD_IMPORT = "confirm_held_import", "Confirm a held import"
    LINK_INDEX = "link_index", "Link the children's index"
    BUILD_MEASURES = "build_measures", "Build the evidence measures"
    MAKE_RETURN = "make_return", "Make a partner return"
    MAKE_RESEARCH_EXTRACT = "make_research_extract", "Make a de-identified extract for research"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Running"
    WAITING_TO_RETRY = "waiting_to_retry", "Waiting to try again"
    SUCCEEDED = "succeeded", "Finished"
    FAILED = "failed", "Failed"


UNFINISHED = [JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.WAITING_TO_RETRY]


class Job(models.Model):
    kind = models.CharField(max_length=30, choices=JobKind.choices)
    parameters = models.JSONField(default=dict, help_text="What was asked for, e.g. the source and the uploaded files")
    dedupe_key = models.CharField(
        max_length=64, help_text="Equal for the same work asked twice: only one such job is unfinished at a time"
    )
    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField()
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    progress_message = models.CharField(max_length=200, blank=True)
    result = models.JSONField(default=dict, blank=True, help_text="What the work did, for the job's page")
    error = models.TextField(blank=True, help_text="Why the last attempt failed, for a person")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Written while the worker runs it: a running job whose beat stopped lost its worker",
    )
    task_result_id = models.CharField(max_length=64, blank=True, help_text="django-tasks' id of the queued run")

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            # A double click, or the same upload from two tabs, finds the job already asked for.
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=Q(status__in=UNFINISHED),
                name="one_unfinished_job_per_dedupe_key",
            ),
            models.CheckConstraint(condition=Q(attempts__lte=F("max_attempts")), name="job_attempts_within_limit"),
            models.CheckConstraint(
                condition=Q(status__in=UNFINISHED, finished_at__isnull=True)
                | (~Q(status__in=UNFINISHED) & Q(finished_at__isnull=False)),
                name="job_finished_at_when_finished",
            ),
        ]
        indexes = [models.Index(fields=["kind", "-submitted_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} (job {self.pk})"

    @property
    def finished(self) -> bool:
        return self.status not in UNFINISHED


class JobAttempt(models.Model):
    """One run of a job in the worker, kept with its error so a retried job shows its history."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="attempt_history")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    succeeded = models.BooleanField(null=True, help_text="Unknown while it runs")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["job", "number"]
        constraints = [models.UniqueConstraint(fields=["job", "number"], name="one_attempt_per_number")]

    def __str__(self) -> str:
        return f"Attempt {self.number} of {self.job}"

"""Decisions people make about the index: whether two records are one child, and the merges and
detachments those decisions cause, kept so each can be undone."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class PairStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for a decision"
    SAME_CHILD = "same_child", "The same child"
    DIFFERENT_CHILDREN = "different_children", "Different children"


class ReviewPair(models.Model):
    """Two records the linkage scored in the uncertain band. A decision is never asked twice:
    the pair is unique, and the linkage obeys it on every later run."""

    record_a = models.ForeignKey("index.IndexRecord", on_delete=models.CASCADE, related_name="+")
    record_b = models.ForeignKey("index.IndexRecord", on_delete=models.CASCADE, related_name="+")
    match_probability = models.FloatField()
    match_weight = models.FloatField()
    comparisons = models.JSONField(default=list, help_text="Each comparison's level and match weight")
    status = models.CharField(max_length=20, choices=PairStatus.choices, default=PairStatus.WAITING, db_index=True)
    raised_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-match_probability", "id"]
        constraints = [
            models.UniqueConstraint(fields=["record_a", "record_b"], name="one_review_per_pair"),
            models.CheckConstraint(condition=Q(record_a__lt=F("record_b")), name="review_pair_in_order"),
            models.CheckConstraint(
                condition=(Q(status=PairStatus.WAITING) & Q(decided_at__isnull=True) & Q(decided_by__isnull=True))
                | (~Q(status=PairStatus.WAITING) & Q(decided_at__isnull=False) & Q(decided_by__isnull=False)),
                name="review_decided_by_someone_at_a_time",
            ),
        ]

    def __str__(self) -> str:
        return f"records {self.record_a_id} and {self.record_b_id}: {self.get_status_display()}"


class ChildMerge(models.Model):
    """Two children found to be one: `merged`'s records and involvements moved to `kept`.
    Undoing it moves exactly those back."""

    kept = models.ForeignKey("people.Child", on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey("people.Child", on_delete=models.PROTECT, related_name="+")
    records_moved = models.JSONField(default=list)
    involvements_moved = models.JSONField(default=list)
    because_of = models.ForeignKey(ReviewPair, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    merged_at = models.DateTimeField(auto_now_add=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(kept=F("merged")), name="a_child_is_not_merged_into_itself"),
            models.CheckConstraint(
                condition=Q(undone_at__isnull=True, undone_by__isnull=True)
                | Q(undone_at__isnull=False, undone_by__isnull=False),
                name="merge_undone_by_someone_at_a_time",
            ),
        ]

    def __str__(self) -> str:
        return f"child {self.merged_id} merged into {self.kept_id}"


class ChildSplit(models.Model):
    """Records found not to be the child they were linked to: moved from `original` to a child
    of their own. Undoing it moves them back."""

    original = models.ForeignKey("people.Child", on_delete=models.PROTECT, related_name="+")
    separated = models.ForeignKey("people.Child", on_delete=models.PROTECT, related_name="+")
    records_moved = models.JSONField(default=list)
    involvements_moved = models.JSONField(default=list)
    because_of = models.ForeignKey(ReviewPair, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    split_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    split_at = models.DateTimeField(auto_now_add=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(undone_at__isnull=True, undone_by__isnull=True)
                | Q(undone_at__isnull=False, undone_by__isnull=False),
                name="split_undone_by_someone_at_a_time",
            ),
        ]

    def __str__(self) -> str:
        return f"records of child {self.original_id} separated into {self.separated_id}"

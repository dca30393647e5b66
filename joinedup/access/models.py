"""Every relationship that gives a practitioner a reason to see a child is one Involvement row,
written by the room that knows it (the authority's register, the index, casework). The policy
reads only this table and the management lines."""

from django.db import models
from django.db.models import F, Q

from joinedup.agencies.models import Service
from joinedup.people.models import Child, Practitioner


class InvolvementKind(models.TextChoices):
    """Later rooms add kinds here and say in policy.GRANTS what each kind allows."""

    ALLOCATED_WORKER = "allocated_worker", "Allocated worker"
    AGENCY_RECORD = "agency_record", "Named on an agency record"
    # Written by joinedup.casework.
    REFERRER = "referrer", "Referrer"
    ASSESSOR = "assessor", "Practitioner carrying out an early help assessment"
    PANEL_MEMBER = "panel_member", "Member of the allocation panel considering the child"
    PANEL_CHAIR = "panel_chair", "Chair of the allocation panel considering the child"
    LEAD_PROFESSIONAL = "lead_professional", "Lead professional"
    TAC_MEMBER = "tac_member", "Member of the team around the child"


class Involvement(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="involvements")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="involvements")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, null=True, blank=True, related_name="involvements")
    kind = models.CharField(max_length=30, choices=InvolvementKind.choices)
    started = models.DateField()
    ended = models.DateField(null=True, blank=True)
    recorded_by = models.CharField(max_length=60, help_text="Which part of joinedup wrote this row, e.g. register")

    class Meta:
        ordering = ["-started"]
        indexes = [models.Index(fields=["practitioner", "child"]), models.Index(fields=["child", "ended"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended__isnull=True) | Q(ended__gte=F("started")), name="involvement_ends_after_it_starts"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practitioner} – {self.get_kind_display()} for child {self.child_id}"

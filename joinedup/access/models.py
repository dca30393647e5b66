"""Every relationship that gives a practitioner a reason to see a child is one Involvement row,
written by the room that knows it (the authority's register, the index, casework). The policy
reads only this table and the management lines."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from joinedup.agencies.models import Agency, Service
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

    @property
    def sensitive_service_id(self) -> int | None:
        """The sensitive service this involvement could reveal: its own, or the practitioner's team's."""
        team = self.practitioner.team if self.practitioner_id else None
        for service in (self.service, team.service if team else None):
            if service is not None and service.sensitive:
                return service.pk
        return None

    def __str__(self) -> str:
        return f"{self.practitioner} – {self.get_kind_display()} for child {self.child_id}"


class ConsentGiver(models.TextChoices):
    PARENT_CARER = "parent_carer", "A parent or carer"
    YOUNG_PERSON = "young_person", "The young person, who is competent to decide"


class ConsentQuerySet(models.QuerySet):
    def in_force(self, on: date):
        """Given by `on`, not withdrawn, and not past the date the family agreed to share until."""
        return self.filter(withdrawn_at__isnull=True, given_on__lte=on).filter(Q(until__isnull=True) | Q(until__gte=on))


class Consent(models.Model):
    """What the family agreed to, with which agencies, until when, who agreed and when; withdrawn
    consent stops sharing at once. Written by casework's consent services, read by the policy."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="consents")
    given_by = models.CharField(max_length=20, choices=ConsentGiver.choices)
    given_by_name = models.CharField(max_length=160)
    given_on = models.DateField()
    until = models.DateField(
        null=True, blank=True, help_text="The family agreed to share until this date; blank means until withdrawn"
    )
    to_assess = models.BooleanField(default=True)
    share_with_all_partners = models.BooleanField(
        default=False, help_text="Agreed to share with every partner agency in the panel and the plan"
    )
    shared_with = models.ManyToManyField(Agency, blank=True, related_name="consents")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.TextField(blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-given_on", "-recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True, withdrawn_by__isnull=True)
                | Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False),
                name="consent_withdrawn_at_and_by_together",
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=F("given_on")), name="consent_ends_after_it_is_given"
            ),
        ]

    @property
    def current(self) -> bool:
        return self.withdrawn_at is None

    def __str__(self) -> str:
        return f"Consent for child {self.child_id} from {self.given_by_name} on {self.given_on:%d/%m/%Y}"


class SharingReview(models.TextChoices):
    UPHELD = "upheld", "Upheld: the sharing continues until its end date"
    ENDED = "ended", "Ended: the sharing stops now"


class SharingWithoutConsentQuerySet(models.QuerySet):
    def in_force(self, on: date):
        """Started by `on`, not past its end date, and not ended by the reviewing manager."""
        return self.filter(shared_on__lte=on, until__gte=on).exclude(review_outcome=SharingReview.ENDED)


class SharingWithoutConsent(models.Model):
    """Information shared without consent because the law allows it (risk of significant harm),
    only with the agencies named and only until the end date. The practitioner's manager reviews
    it, and the family are told unless telling them would put the child at risk."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="sharing_without_consent")
    lawful_reason = models.TextField()
    agencies = models.ManyToManyField(Agency, related_name="+")
    shared_on = models.DateField()
    until = models.DateField()
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    shared_at = models.DateTimeField(auto_now_add=True)
    family_told = models.BooleanField(default=True)
    not_told_because = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_outcome = models.CharField(max_length=10, choices=SharingReview.choices, blank=True)
    review_note = models.TextField(blank=True)

    objects = SharingWithoutConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-shared_at"]
        verbose_name_plural = "sharing without consent"
        constraints = [
            models.CheckConstraint(condition=~Q(lawful_reason=""), name="sharing_without_consent_has_a_reason"),
            models.CheckConstraint(
                condition=Q(until__gte=F("shared_on")), name="sharing_without_consent_ends_after_it_starts"
            ),
            models.CheckConstraint(
                condition=Q(family_told=True) | ~Q(not_told_because=""), name="family_not_told_only_with_a_reason"
            ),
            models.CheckConstraint(
                condition=Q(reviewed_by__isnull=True, reviewed_at__isnull=True, review_outcome="")
                | Q(reviewed_by__isnull=False, reviewed_at__isnull=False) & ~Q(review_outcome=""),
                name="sharing_review_by_at_and_outcome_together",
            ),
        ]

    @property
    def reviewed(self) -> bool:
        return self.reviewed_at is not None

    def __str__(self) -> str:
        return f"Shared without consent for child {self.child_id}"

"""Integrated casework: the family's consent, referrals through the front door, the multi-agency
allocation panel and its decisions, and the notifications that tell people what happened."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from joinedup.agencies.models import Agency, LevelOfNeed, Locality, Service
from joinedup.people.models import Child, Practitioner


class ConsentGiver(models.TextChoices):
    PARENT_CARER = "parent_carer", "A parent or carer"
    YOUNG_PERSON = "young_person", "The young person, who is competent to decide"


class Consent(models.Model):
    """What the family agreed to, who agreed, and when; withdrawn consent stops sharing at once."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="consents")
    given_by = models.CharField(max_length=20, choices=ConsentGiver.choices)
    given_by_name = models.CharField(max_length=160)
    given_on = models.DateField()
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

    class Meta:
        ordering = ["-given_on", "-recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True, withdrawn_by__isnull=True)
                | Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False),
                name="consent_withdrawn_at_and_by_together",
            ),
            models.CheckConstraint(
                condition=Q(to_assess=True) | Q(share_with_all_partners=True), name="consent_agrees_to_something"
            ),
        ]

    @property
    def current(self) -> bool:
        return self.withdrawn_at is None

    def __str__(self) -> str:
        return f"Consent for child {self.child_id} from {self.given_by_name} on {self.given_on:%d/%m/%Y}"


class SharingWithoutConsent(models.Model):
    """Information shared without consent because the law allows it (risk of significant harm).
    The reason is recorded and the practitioner's manager is told."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="sharing_without_consent")
    lawful_reason = models.TextField()
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    shared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-shared_at"]
        verbose_name_plural = "sharing without consent"
        constraints = [
            models.CheckConstraint(condition=~Q(lawful_reason=""), name="sharing_without_consent_has_a_reason")
        ]

    def __str__(self) -> str:
        return f"Shared without consent for child {self.child_id}"


class Route(models.TextChoices):
    """Where the referrer asks the child to go; referrals into and out of early help share one form."""

    EARLY_HELP = "early_help", "Early help, through the allocation panel"
    STEP_UP = "step_up", "Step up to children's social care"
    SIGNPOST = "signpost", "Signpost to universal services"


class PanelCycle(models.IntegerChoices):
    WEEKLY = 7, "Weekly"
    FORTNIGHTLY = 14, "Fortnightly"


class Panel(models.Model):
    """A locality's multi-agency allocation panel."""

    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="panels")
    name = models.CharField(max_length=160)
    cycle_days = models.PositiveSmallIntegerField(choices=PanelCycle.choices, default=PanelCycle.FORTNIGHTLY)
    chair = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="panels_chaired")
    members = models.ManyToManyField(Practitioner, related_name="panels")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PanelMeeting(models.Model):
    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, related_name="meetings")
    held_on = models.DateField()
    minutes = models.TextField(blank=True)

    class Meta:
        ordering = ["-held_on"]
        constraints = [models.UniqueConstraint(fields=["panel", "held_on"], name="one_panel_meeting_a_day")]

    def __str__(self) -> str:
        return f"{self.panel} on {self.held_on:%-d %B %Y}"


class ReferralStatus(models.TextChoices):
    SUBMITTED = "submitted", "Waiting for the panel"
    ON_AGENDA = "on_agenda", "On the panel's agenda"
    DECIDED = "decided", "Decided"
    WITHDRAWN = "withdrawn", "Withdrawn by the referrer"


class PanelDecision(models.TextChoices):
    ALLOCATE = "allocate", "Allocate a lead professional and services"
    STEP_UP = "step_up", "Step up to children's social care"
    STEP_DOWN = "step_down", "Step down or signpost to universal services"
    NO_FURTHER_ACTION = "no_further_action", "No further action"


class Referral(models.Model):
    """A request for help for one child, from any practitioner, with consent or a lawful reason."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="referrals")
    referrer = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="referrals_made")
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="referrals")
    route = models.CharField(max_length=12, choices=Route.choices, default=Route.EARLY_HELP)
    concern = models.TextField()
    level_of_need = models.CharField(max_length=12, choices=LevelOfNeed.choices)
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals")
    sharing_without_consent = models.ForeignKey(
        SharingWithoutConsent, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    submitted_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.SUBMITTED)
    meeting = models.ForeignKey(PanelMeeting, on_delete=models.PROTECT, null=True, blank=True, related_name="agenda")
    decision = models.CharField(max_length=20, choices=PanelDecision.choices, blank=True)
    decision_reasons = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals_decided"
    )
    lead_professional = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals_led"
    )
    services = models.ManyToManyField(Service, blank=True, related_name="referrals")

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["locality", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(consent__isnull=False) | Q(sharing_without_consent__isnull=False),
                name="referral_has_consent_or_a_lawful_reason",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="decided", decided_at__isnull=False, decided_by__isnull=False)
                    & ~Q(decision="")
                    & ~Q(decision_reasons="")
                )
                | Q(~Q(status="decided"), decided_at__isnull=True, decided_by__isnull=True, decision=""),
                name="referral_decision_complete_only_when_decided",
            ),
            models.CheckConstraint(
                condition=~Q(decision="allocate") | Q(lead_professional__isnull=False),
                name="allocation_names_a_lead_professional",
            ),
            models.CheckConstraint(
                condition=Q(decided_at__isnull=True) | Q(decided_at__gte=F("submitted_at")),
                name="referral_decided_after_it_was_made",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["on_agenda", "decided"]) | Q(meeting__isnull=False),
                name="referral_on_agenda_has_a_meeting",
            ),
        ]

    @property
    def days_to_decision(self) -> int | None:
        """Timeliness from referral to panel decision (001 §6)."""
        return (self.decided_at.date() - self.submitted_at.date()).days if self.decided_at else None

    def __str__(self) -> str:
        return f"Referral of child {self.child_id} on {self.submitted_at:%d/%m/%Y}"


class Notification(models.Model):
    """Something a person should know: feedback to a referrer, an allocation, a flag to a manager."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.subject

"""Integrated casework: the family's consent, referrals through the front door, the multi-agency
allocation panel and its decisions, and the notifications that tell people what happened."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from joinedup.access.models import Consent, SharingWithoutConsent
from joinedup.agencies.models import Agency, LevelOfNeed, Locality, Service
from joinedup.people.models import Carer, Child, Practitioner


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
    reviews_due = models.ManyToManyField(
        "Case",
        blank=True,
        related_name="panel_reviews",
        help_text="Open cases whose review falls due by the next meeting",
    )

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
    assessment = models.ForeignKey(
        "Assessment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        help_text="The early help assessment that came with the request for help, if one did",
    )

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
            # An assessment goes to the panel once; if its referral is withdrawn it may be sent again.
            models.UniqueConstraint(
                fields=["assessment"], condition=~Q(status="withdrawn"), name="an_assessment_goes_to_the_panel_once"
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


class ClosureReason(models.TextChoices):
    NEEDS_MET = "needs_met", "Needs met"
    STEPPED_UP = "stepped_up", "Stepped up to children's social care"
    STEPPED_DOWN = "stepped_down", "Stepped down to universal services"
    MOVED_AWAY = "moved_away", "Moved out of the area"
    DECLINED = "declined", "Declined or disengaged"


class Case(models.Model):
    """One child's early help episode, from allocation to closure, led by one lead professional."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="cases")
    referral = models.OneToOneField(Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="case")
    lead_professional = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="cases_led")
    opened_on = models.DateField()
    review_interval_days = models.PositiveSmallIntegerField(
        default=42, help_text="How often the team around the child reviews the plan; six weeks unless agreed"
    )
    closed_on = models.DateField(null=True, blank=True)
    closure_reason = models.CharField(max_length=20, choices=ClosureReason.choices, blank=True)
    needs_met_at = models.CharField(
        "Level at which needs were met", max_length=12, choices=LevelOfNeed.choices, blank=True
    )
    review_overdue_flagged_for = models.DateField(
        null=True, blank=True, help_text="The overdue review date already flagged, so each is flagged once"
    )
    plan_version = models.PositiveIntegerField(
        default=1,
        help_text="Goes up with every change to the plan (its outcomes, actions, reviews and closure); a form "
        "opened at an older version is refused, so two people's changes never overwrite each other",
    )

    class Meta:
        ordering = ["-opened_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"], condition=Q(closed_on__isnull=True), name="one_open_case_per_child"
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True, closure_reason="", needs_met_at="")
                | (Q(closed_on__isnull=False) & ~Q(closure_reason="") & ~Q(needs_met_at="")),
                name="closed_case_has_reason_and_destination",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="case_closes_after_it_opens",
            ),
            models.CheckConstraint(condition=Q(review_interval_days__gte=7), name="reviews_at_least_a_week_apart"),
        ]

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    def __str__(self) -> str:
        return f"Case of child {self.child_id} opened {self.opened_on:%d/%m/%Y}"


class TacMember(models.Model):
    """A practitioner in the team around the child, on behalf of their agency."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tac_members")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="tac_memberships")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["joined_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "practitioner"], name="one_tac_membership_per_practitioner"),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                name="tac_member_leaves_after_joining",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practitioner.name} in the team around child {self.case.child_id}"


class TacMeeting(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tac_meetings")
    held_on = models.DateField()
    attendees = models.ManyToManyField(TacMember, blank=True, related_name="meetings_attended")
    family_attended = models.BooleanField(default=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["held_on"]

    def __str__(self) -> str:
        return f"TAC meeting on {self.held_on:%d/%m/%Y}"


class PlanOutcome(models.Model):
    """A need the family and the team agreed, and the outcome they want, in plain words."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="outcomes")
    need = models.TextField()
    desired_outcome = models.TextField()
    closing_rating = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="At closure: 1 (not achieved) to 4 (fully achieved)"
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closing_rating__isnull=True) | Q(closing_rating__gte=1, closing_rating__lte=4),
                name="closing_rating_one_to_four",
            )
        ]

    def __str__(self) -> str:
        return self.desired_outcome


class PlanAction(models.Model):
    """Who does what, for which agency, by when."""

    outcome = models.ForeignKey(PlanOutcome, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="plan_actions")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)
    overdue_flagged_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.description


class Progress(models.TextChoices):
    WORSE = "worse", "Worse"
    NO_CHANGE = "no_change", "No change yet"
    SOME = "some", "Some progress"
    ACHIEVED = "achieved", "Achieved"


class SdqInformant(models.TextChoices):
    PARENT = "parent", "Parent or carer"
    TEACHER = "teacher", "Teacher"
    SELF = "self", "The young person (11 to 17)"


class Review(models.Model):
    """The team and the family look at the plan together: progress per outcome, the child's and the
    parents' views in their own words, what changed (LARC checklist) and wellbeing scores."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reviews")
    held_on = models.DateField()
    child_views = models.TextField(blank=True)
    parents_views = models.TextField(blank=True)
    what_changed = models.JSONField(default=list, blank=True, help_text="Codes of the LARC checklist items ticked")
    wellbeing = models.JSONField(
        default=dict, blank=True, help_text="The child's answers to joinedup's own wellbeing check, 0 to 10"
    )
    sdq_informant = models.CharField(max_length=8, choices=SdqInformant.choices, blank=True)
    sdq_total = models.PositiveSmallIntegerField("SDQ total difficulties", null=True, blank=True)
    sdq_emotional = models.PositiveSmallIntegerField(null=True, blank=True)
    sdq_conduct = models.PositiveSmallIntegerField(null=True, blank=True)
    sdq_hyperactivity = models.PositiveSmallIntegerField(null=True, blank=True)
    sdq_peer = models.PositiveSmallIntegerField(null=True, blank=True)
    sdq_prosocial = models.PositiveSmallIntegerField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["held_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sdq_total__isnull=True) | Q(sdq_total__lte=40), name="sdq_total_zero_to_forty"
            ),
            models.CheckConstraint(
                condition=Q(sdq_total__isnull=True) | ~Q(sdq_informant=""), name="sdq_score_says_who_completed_it"
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"sdq_{scale}__isnull": True}) | Q(**{f"sdq_{scale}__lte": 10}),
                    name=f"sdq_{scale}_zero_to_ten",
                )
                for scale in ("emotional", "conduct", "hyperactivity", "peer", "prosocial")
            ],
        ]

    def __str__(self) -> str:
        return f"Review on {self.held_on:%d/%m/%Y}"


class OutcomeProgress(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="progress")
    outcome = models.ForeignKey(PlanOutcome, on_delete=models.CASCADE, related_name="progress")
    progress = models.CharField(max_length=10, choices=Progress.choices)
    note = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "outcome"], name="one_progress_per_outcome_a_review")]

    def __str__(self) -> str:
        return f"{self.get_progress_display()}: {self.outcome}"


class FamilyAccount(models.Model):
    """A parent or carer, or a young person, who signs in to see their own plan. Exactly one of
    carer and child is set: a carer sees the plans of children they have parental responsibility
    for; a young person sees their own."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="family_account")
    carer = models.ForeignKey(Carer, on_delete=models.CASCADE, null=True, blank=True, related_name="accounts")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, null=True, blank=True, related_name="accounts")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(carer__isnull=False, child__isnull=True) | Q(carer__isnull=True, child__isnull=False),
                name="family_account_is_a_carer_or_a_young_person",
            )
        ]

    def __str__(self) -> str:
        return f"Family account {self.user_id}"


class FamilyView(models.Model):
    """What the family wants the team to hear at the next review, in their own words."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="family_views")
    account = models.ForeignKey(FamilyAccount, on_delete=models.PROTECT, related_name="views_given")
    text = models.TextField()
    written_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-written_at"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="family_view_says_something")]

    def __str__(self) -> str:
        return f"Family view on case {self.case_id}"


class Assessment(models.Model):
    """The early help assessment (CAF): strengths and needs in three domains, the child's and the
    parents' views in their own words, and the level of need. Saved as a draft until complete.

    It belongs to the child: the practitioner who first sees a need may assess with the family
    before any case exists and send it to the allocation panel with the request for help; a case
    opened by the panel carries it from then on."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="assessments")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="assessments")
    consent = models.ForeignKey(
        Consent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments",
        help_text="The family's consent to assess that it was started under",
    )
    assessor = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="assessments")
    started_at = models.DateTimeField()
    sittings = models.PositiveSmallIntegerField(default=1, help_text="How many times it was opened and saved")
    child_views = models.TextField(blank=True)
    parents_views = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    level_of_need = models.CharField(max_length=12, choices=LevelOfNeed.choices, blank=True)
    version = models.PositiveIntegerField(
        default=1, help_text="Goes up with every save; a form opened at an older version is refused"
    )

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True, level_of_need="")
                | (Q(completed_at__isnull=False) & ~Q(level_of_need="")),
                name="completed_assessment_states_level_of_need",
            ),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True) | Q(completed_at__gte=F("started_at")),
                name="assessment_completed_after_it_started",
            ),
            models.UniqueConstraint(
                fields=["case"], condition=Q(completed_at__isnull=True), name="one_draft_assessment_per_case"
            ),
            # One assessment of a child under way at a time (services.assessment says why); inside
            # a case the constraint above holds it, and the panel's allocation moves a child's
            # assessments onto the new case.
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(completed_at__isnull=True, case__isnull=True),
                name="one_draft_assessment_per_child_before_a_case",
            ),
        ]

    @property
    def minutes_to_complete(self) -> int | None:
        """From first opening to completion: the figure practitioners' complaints were about."""
        if self.completed_at is None:
            return None
        return round((self.completed_at - self.started_at).total_seconds() / 60)

    def __str__(self) -> str:
        return f"Early help assessment for child {self.child_id}"


class AssessmentElement(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="elements")
    code = models.CharField(max_length=40, help_text="An element code from data/assessment_domains.toml")
    strengths = models.TextField(blank=True)
    needs = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "code"], name="one_row_per_assessment_element")]

    def __str__(self) -> str:
        return self.code

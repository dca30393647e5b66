"""The partner API's credentials and webhooks: a token per agency system, with scopes, an expiry
and revocation, acting as one staff account so the access policy sees it as it sees a person;
webhook subscriptions per token, and the log of every delivery attempt."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from joinedup.agencies.models import Agency


class Scope(models.TextChoices):
    REFERRALS_WRITE = "referrals:write", "Make referrals through the front door"
    REFERRALS_READ = "referrals:read", "Read the feedback on the referrals this system made"
    INVOLVEMENT_READ = "involvement:read", "Look up who is involved with a child by NHS number"
    EVENTS_READ = "events:read", "Read the children's index change events"
    WEBHOOKS_MANAGE = "webhooks:manage", "Subscribe to index change events by webhook"


class ApiToken(models.Model):
    """Only a hash of the secret is kept: the token is shown once, when it is issued."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=120, help_text="The agency's system, e.g. 'EMIS Web at Northby surgery'")
    acts_as = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_tokens",
        help_text="The staff account (with a practitioner profile in the agency) the policy sees",
    )
    prefix = models.CharField(max_length=16, unique=True, help_text="The token's public start, to find it")
    secret_hash = models.CharField(max_length=64, help_text="SHA-256 of the whole token, in hex")
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # The rate limit's fixed window: when the current one began and the calls made in it.
    window_started_at = models.DateTimeField(null=True, blank=True)
    window_calls = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["agency__name", "name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")), name="api_token_expires_after_issue")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.agency}), {self.prefix}…"


class WebhookSubscription(models.Model):
    """Where to send a token's events. The secret signs each delivery, so it is kept as given."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100)
    event_types = models.JSONField(default=list, help_text="Change kinds to send; every kind when empty")
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    last_event_id = models.BigIntegerField(
        default=0, help_text="The newest index change already considered for this subscription"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Webhook {self.pk} to {self.url}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent, or sent again after a failure"
    DELIVERED = "delivered", "Delivered"
    GAVE_UP = "gave_up", "Not delivered after every attempt"


class WebhookDelivery(models.Model):
    """One event for one subscription: the delivery log, attempt by attempt."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.BigIntegerField(help_text="The index change sent")
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event_id"], name="one_delivery_per_event"),
            models.CheckConstraint(
                condition=Q(status="delivered", delivered_at__isnull=False)
                | Q(~Q(status="delivered"), delivered_at__isnull=True),
                name="delivered_at_only_when_delivered",
            ),
            models.CheckConstraint(
                condition=~Q(status="pending") | Q(next_attempt_at__isnull=False),
                name="pending_delivery_has_a_next_attempt",
            ),
        ]

    def __str__(self) -> str:
        return f"Event {self.event_id} to webhook {self.subscription_id}: {self.status}"


class RefusedTokenAddress(models.Model):
    """Bad tokens sent from one address, counted as django-axes counts failed sign-ins: enough
    within the window and the address is locked out of the API until the cool-off has passed."""

    ip_address = models.GenericIPAddressField(unique=True)
    failures = models.PositiveIntegerField(default=0)
    first_failure_at = models.DateTimeField()
    last_failure_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.ip_address}: {self.failures} bad tokens"

"""Audit events are written once and never changed: they hold ids and names, not foreign keys,
so deleting a user or a child can never rewrite the history of who looked at them. The manager
refuses updates and deletes here; a trigger refuses them in the database too (migration 0002)."""

from django.db import models


class AuditLogIsAppendOnly(Exception):
    pass


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogIsAppendOnly("Audit events cannot be changed")

    def delete(self):
        raise AuditLogIsAppendOnly("Audit events cannot be deleted")


class AuditEvent(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor_id = models.BigIntegerField(null=True, help_text="User id; null for the system itself")
    actor_username = models.CharField(max_length=150)
    actor_role = models.CharField(max_length=40, blank=True)
    verb = models.CharField(max_length=60, help_text="What happened, e.g. viewed_child, changed_child")
    child_id = models.BigIntegerField(null=True, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    legal_basis = models.CharField(max_length=300, help_text="Why the actor was allowed to do it")
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["child_id", "-at"])]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AuditLogIsAppendOnly("Audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("Audit events cannot be deleted")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.verb} child {self.child_id}"

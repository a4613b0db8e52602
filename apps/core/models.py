from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .registry import Hook

# The ids of the clients whose audit trail a person may read: the tenants app, which owns
# rights, provides it.
audit_readable_clients = Hook("audit_readable_clients")


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class AuditEventQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Events of the clients whose audit trail the user may read.

        Events without a client (logins, account security) are for agency
        admins only.
        """
        if user.is_authenticated and user.is_agency_admin:
            return self
        return self.filter(client_id__in=audit_readable_clients(user))

    def unscoped(self):
        return self.all()


class AuditEvent(models.Model):
    """One row per security-relevant or state-changing action. Never updated."""

    occurred_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who acted, as they were named at the time: survives the user being renamed.
    actor_label = models.CharField(_("actor"), max_length=254)
    client = models.ForeignKey(
        "tenants.Client",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
        db_index=False,  # audit_client_time leads with it
    )
    # Not indexed: the log filters by client and time first; every ingested mention that is
    # assigned writes an event, and each index makes that write dearer.
    action = models.CharField(_("action"), max_length=64)
    target_type = models.CharField(_("object type"), max_length=64, blank=True)
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    target_repr = models.CharField(_("object"), max_length=255, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["client", "-occurred_at"], name="audit_client_time"),
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
        ]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_repr}"


class DeadLetterQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Background work is the agency's: admins only."""
        if user.is_authenticated and user.is_agency_admin:
            return self
        return self.none()


class DeadLetter(models.Model):
    """A task message set aside instead of run: it kept killing its worker, or its arguments
    were no task's. Kept so that an agency admin can see what stopped and run it again."""

    created_at = models.DateTimeField(_("set aside"), auto_now_add=True, db_index=True)
    task_name = models.CharField(_("task"), max_length=200)
    task_id = models.CharField(_("task id"), max_length=64, unique=True)
    # The arguments as sent, when they are small enough to keep (tasks take ids); None otherwise.
    arguments = models.JSONField(_("arguments"), null=True, blank=True)
    arguments_summary = models.CharField(_("arguments"), max_length=500, blank=True)
    reason = models.TextField(_("reason"))
    deliveries = models.PositiveIntegerField(_("deliveries"), default=1)
    retried_at = models.DateTimeField(_("run again"), null=True, blank=True)
    retried_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = DeadLetterQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("task set aside")
        verbose_name_plural = _("tasks set aside")

    def __str__(self) -> str:
        return f"{self.task_name} {self.task_id}"

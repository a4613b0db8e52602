from __future__ import annotations

from datetime import datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from apps.core.crypto import decrypt_json, encrypt_json
from apps.core.models import TimeStampedModel
from apps.tenants.scoping import ClientOwnedQuerySet


class NotificationEvent(models.TextChoices):
    """What other apps notify about. Events not listed here still work: in-app only, e-mail when critical."""

    MENTION_CRITICAL = "mention.critical", _("Critical mention")
    MENTION_ASSIGNED = "mention.assigned", _("Mention assigned to you")
    MENTION_REASSIGNED = "mention.reassigned", _("Mention reassigned")
    MENTION_WAITING = "mention.waiting", _("A high-risk mention waits for a responder")
    MENTION_HANDED_BACK = "mention.handed_back", _("A mention of yours went back to the queue")
    SLA_WARNING = "sla.warning", _("Answer time running out")
    SLA_BREACHED = "sla.breached", _("Answer time exceeded")
    ONCALL_HANDOVER = "oncall.handover", _("On-call handover")
    SOURCE_DISABLED = "source.disabled", _("Listening source switched off")
    NOTE_MENTIONED = "note.mentioned", _("You were mentioned in a note")
    APPROVAL_REQUESTED = "approval.requested", _("An answer waits for your approval")
    APPROVAL_DECIDED = "approval.decided", _("Your answer was approved or sent back")
    APPROVAL_REMINDER = "approval.reminder", _("Reminder: an answer still waits for approval")
    APPROVAL_ESCALATED = "approval.escalated", _("An answer's approval puts its deadline at risk")
    ANSWER_FAILED = "answer.failed", _("An answer could not be published")
    SPIKE_ALERT = "spike.alert", _("A brand's mentions spiked")
    INCIDENT_STEP_LATE = "incident.step_late", _("A step of an incident you have is late")
    INCIDENT_STEP_ESCALATED = "incident.step_escalated", _("A step of your incident is well past due")
    INCIDENT_UPDATE = "incident.update", _("An update on an incident")
    INCIDENT_UPDATE_DUE = "incident.update_due", _("Your incident's next update is due")
    POST_FAILED = "post.failed", _("A scheduled post could not be published")
    CREDENTIALS_OLD = "credentials.old", _("A brand account's credentials are due to be changed")


# Sent to one endpoint from its page; never a person's notification and never subscribed to.
WEBHOOK_TEST_EVENT = "webhook.test"


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("E-mail")


# Everything in the app; e-mail for what needs someone to act soon.
DEFAULT_CHANNELS: dict[str, tuple[str, ...]] = {
    NotificationEvent.MENTION_CRITICAL: (Channel.IN_APP, Channel.EMAIL),
    NotificationEvent.MENTION_ASSIGNED: (Channel.IN_APP, Channel.EMAIL),
    NotificationEvent.MENTION_REASSIGNED: (Channel.IN_APP, Channel.EMAIL),
    NotificationEvent.SLA_WARNING: (Channel.IN_APP, Channel.EMAIL),
    NotificationEvent.SLA_BREACHED: (Channel.IN_APP, Channel.EMAIL),
    NotificationEvent.ONCALL_HANDOVER: (Channel.IN_APP,),
    NotificationEvent.SOURCE_DISABLED: (Channel.IN_APP, Channel.EMAIL),
    NotificationEvent.NOTE_MENTIONED: (Channel.IN_APP, Channel.EMAIL),
    NotificationEvent.APPROVAL_REQUESTED: (Channel.IN_APP, Channel.EMAIL),
    NotificationEvent.APPROVAL_DECIDED: (Channel.IN_APP,),
    NotificationEvent.APPROVAL_REMINDER: (Channel.IN_APP, Channel.EMAIL),
    NotificationEvent.APPROVAL_ESCALATED: (Channel.IN_APP, Channel.EMAIL),
    NotificationEvent.ANSWER_FAILED: (Channel.IN_APP, Channel.EMAIL),
    NotificationEvent.SPIKE_ALERT: (Channel.IN_APP, Channel.EMAIL),
    NotificationEvent.INCIDENT_STEP_LATE: (Channel.IN_APP, Channel.EMAIL),
    NotificationEvent.INCIDENT_STEP_ESCALATED: (Channel.IN_APP, Channel.EMAIL),
    NotificationEvent.INCIDENT_UPDATE: (Channel.IN_APP, Channel.EMAIL),
    NotificationEvent.INCIDENT_UPDATE_DUE: (Channel.IN_APP, Channel.EMAIL),
}


def is_relative_link(url: str) -> bool:
    """A link inside the app: one leading slash, no scheme or host, nothing a browser would read as one."""
    if not url.startswith("/") or any(ch.isspace() or not ch.isprintable() for ch in url):
        return False
    return url_has_allowed_host_and_scheme(url, allowed_hosts=None) and not urlsplit(url).netloc


class EmailState(models.TextChoices):
    NOT_NEEDED = "not_needed", _("No e-mail")
    # Critical: a task sends it at once.
    PENDING = "pending", _("Sending")
    # Waits for the flood window or the end of quiet hours, then goes in one digest.
    HELD = "held", _("Held for digest")
    SENT = "sent", _("E-mailed")


class Notification(models.Model):
    """One thing a person is told about, at one client. Title and body may quote mentions: untrusted text."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    client = models.ForeignKey("tenants.Client", on_delete=models.PROTECT, related_name="notifications")
    event = models.CharField(_("event"), max_length=64)
    critical = models.BooleanField(_("critical"), default=False)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    mention = models.ForeignKey(
        "mentions.Mention", null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    # False when the person chose e-mail only for this event: the row then only carries the e-mail.
    in_app = models.BooleanField(default=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    email_state = models.CharField(
        _("e-mail"), max_length=12, choices=EmailState.choices, default=EmailState.NOT_NEEDED
    )
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    # When a worker took the e-mail to send. The state turns to "sent" only once the mail server
    # took it: a worker that dies in between leaves a claim that lapses, and the e-mail is sent later.
    email_claimed_at = models.DateTimeField(null=True, blank=True)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The bell: a person's unread in-app notifications, counted on every page.
            models.Index(
                fields=["user"], name="notification_unread", condition=models.Q(read_at__isnull=True, in_app=True)
            ),
            models.Index(fields=["user", "-created_at"], name="notification_user_time"),
            # The digest beat: who has e-mail waiting.
            models.Index(
                fields=["user", "created_at"],
                name="notification_email_waiting",
                condition=models.Q(email_state__in=["pending", "held"]),
            ),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.title

    def get_event_display(self) -> str:
        return str(dict(NotificationEvent.choices).get(self.event, self.event))


def default_digest_minutes() -> int:
    return settings.NOTIFICATION_DIGEST_MINUTES


class NotificationSettings(models.Model):
    """A person's choices: channels per event, quiet hours, flood window. Created on first change."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    # {event: ["in_app", "email"]}; an event not listed uses DEFAULT_CHANNELS.
    channels = models.JSONField(_("channels"), default=dict, blank=True)
    quiet_hours_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_hours_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Copenhagen")
    digest_minutes = models.PositiveSmallIntegerField(
        _("at most one e-mail every (minutes)"), default=default_digest_minutes
    )
    # Last e-mail that counted against the flood window (critical ones do not).
    last_email_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return f"Notification settings of {self.user_id}"

    def channels_for(self, event: str, *, critical: bool = False) -> frozenset[str]:
        chosen = self.channels.get(event)
        if chosen is None:
            chosen = DEFAULT_CHANNELS.get(event) or ((Channel.IN_APP, Channel.EMAIL) if critical else (Channel.IN_APP,))
        return frozenset(chosen) & set(Channel.values)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def has_quiet_hours(self) -> bool:
        return self.quiet_hours_start is not None and self.quiet_hours_end is not None

    def in_quiet_hours(self, at: datetime) -> bool:
        """Whether `at` falls in the quiet hours, read on the person's own clock (they may span midnight)."""
        if not self.has_quiet_hours:
            return False
        local: time = at.astimezone(self.zone).time().replace(tzinfo=None)
        start, end = self.quiet_hours_start, self.quiet_hours_end
        if start < end:
            return start <= local < end
        return local >= start or local < end

    def digest_due(self, at: datetime) -> bool:
        """May a non-critical e-mail go now: outside quiet hours and past the flood window."""
        if self.in_quiet_hours(at):
            return False
        return self.last_email_at is None or at >= self.last_email_at + timedelta(minutes=self.digest_minutes)


class WebhookEndpoint(TimeStampedModel):
    """Where a client's events are POSTed (Slack, Teams, a ticket system), signed with a secret."""

    client = models.ForeignKey("tenants.Client", on_delete=models.PROTECT, related_name="webhook_endpoints")
    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(_("address"), max_length=2000)
    secret_encrypted = models.TextField()
    events = ArrayField(
        models.CharField(max_length=64, choices=NotificationEvent.choices),
        default=list,
        blank=True,
        verbose_name=_("events"),
        help_text=_("None chosen: every event."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    # Deleting keeps the row (and its delivery log) but hides it and stops deliveries.
    deleted_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("failed attempts in a row"), default=0)
    # Set when a delivery gave up after its last attempt; cleared by one success or by switching it on.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(
                fields=["client"],
                name="webhook_endpoint_live",
                condition=models.Q(enabled=True, deleted_at__isnull=True),
            ),
        ]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.name

    @property
    def secret(self) -> str:
        return decrypt_json(self.secret_encrypted).get("secret", "")

    def set_secret(self, value: str) -> None:
        self.secret_encrypted = encrypt_json({"secret": value})

    @property
    def masked_url(self) -> str:
        """Scheme and host only: chat webhook addresses carry their credential in the path (or user info)."""
        parts = urlsplit(self.url)
        try:
            port = f":{parts.port}" if parts.port else ""
        except ValueError:
            port = ""
        return f"{parts.scheme}://{parts.hostname}{port}/…" if parts.hostname else "…"

    @property
    def failing(self) -> bool:
        return self.failing_since is not None

    def wants(self, event: str) -> bool:
        return not self.events or event in self.events


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    RETRYING = "retrying", _("Retrying")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event POSTed to one endpoint, with every attempt's outcome: the delivery log."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.PROTECT, related_name="deliveries")
    client = models.ForeignKey("tenants.Client", on_delete=models.PROTECT, related_name="+")
    event = models.CharField(_("event"), max_length=64)
    # Callers may add dates and decimals to the body: stored as the strings they are sent as.
    payload = models.JSONField(_("payload"), encoder=DjangoJSONEncoder)
    status = models.CharField(
        _("status"), max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # Set by the worker that is sending it; a sweeper or duplicate task leaves it alone until then.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last answer"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log"),
            # The sweeper: deliveries still to send whose time has come.
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=models.Q(status__in=["pending", "retrying"]),
            ),
        ]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id}"

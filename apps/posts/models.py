"""Scheduled posts and crisis mode: the brand's own posts at a time, and the holds that stop
them while a brand is in crisis.

A post's text, versions and approval are an answer with no mention (apps.responses, reply
type "post"); the post adds when it goes out, on which of the brand's channels, and its
publishing. A hold covers a client, a brand, or some of a brand's channels: while it is on,
nothing in its scope goes out, and what it stopped waits as held until a person releases it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.tenants.scoping import ClientOwnedQuerySet


class PostState(models.TextChoices):
    DRAFT = "draft", _("Being written or approved")
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    PUBLISHING = "publishing", _("Publishing")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


# A post not yet out: it can be edited, rescheduled or cancelled.
NOT_OUT = (PostState.DRAFT, PostState.SCHEDULED, PostState.HELD, PostState.FAILED)


class ScheduledPost(TimeStampedModel):
    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="+", db_index=False)
    brand = models.ForeignKey("tenants.Brand", on_delete=models.CASCADE, related_name="+", verbose_name=_("brand"))
    answer = models.OneToOneField("responses.Answer", on_delete=models.CASCADE, related_name="post")
    due_at = models.DateTimeField(_("goes out at"))
    state = models.CharField(_("state"), max_length=12, choices=PostState.choices, default=PostState.DRAFT)
    media_links = ArrayField(
        models.URLField(max_length=2000), default=list, blank=True, verbose_name=_("links to media")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Why it waits: the hold that stopped it, or its time passed unpublished (overdue).
    held_by = models.ForeignKey("Hold", null=True, blank=True, on_delete=models.SET_NULL, related_name="held_posts")
    held_at = models.DateTimeField(null=True, blank=True)
    held_reason = models.CharField(max_length=200, blank=True)
    # Scheduled into a scope on hold, knowingly: who confirmed it and when.
    into_hold_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    into_hold_confirmed_at = models.DateTimeField(null=True, blank=True)
    # Publishing: the worker's lease and the attempts, as answers have them.
    claimed_until = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=1000, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["client", "due_at"], name="post_client_due"),
            # The beat's claim: approved posts whose time has come.
            models.Index(fields=["due_at"], name="post_scheduled", condition=Q(state="scheduled")),
            models.Index(fields=["next_attempt_at"], name="post_publishing", condition=Q(state="publishing")),
        ]
        ordering = ["due_at", "id"]
        verbose_name = _("scheduled post")
        verbose_name_plural = _("scheduled posts")

    def __str__(self) -> str:
        return f"post {self.pk} at {self.due_at:%Y-%m-%d %H:%M}"


class PostChannel(models.Model):
    """One of the brand's accounts a post goes out on, and how that went."""

    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="+", db_index=False)
    post = models.ForeignKey(ScheduledPost, on_delete=models.CASCADE, related_name="channels")
    source = models.ForeignKey("listening.Source", on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=500, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    error = models.CharField(max_length=1000, blank=True)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "source"], name="post_channel_once")]
        indexes = [models.Index(fields=["client"], name="post_channel_client")]

    def __str__(self) -> str:
        return f"{self.post_id} on {self.source_id}"


class Hold(TimeStampedModel):
    """Crisis mode: while on, no post in its scope goes out. Scope: the client (no brand), a
    brand (no channels), or some of a brand's channels (`source_ids`)."""

    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="+", db_index=False)
    brand = models.ForeignKey(
        "tenants.Brand", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("brand")
    )
    source_ids = ArrayField(models.BigIntegerField(), default=list, blank=True, verbose_name=_("channels"))
    reason = models.CharField(_("why"), max_length=500)
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"), null=True, blank=True, help_text=_("Empty: until lifted."))
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["client"], name="hold_open", condition=Q(lifted_at__isnull=True))]
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return f"hold {self.pk}: {self.reason[:40]}"

    def is_on(self, at) -> bool:
        return self.lifted_at is None and self.starts_at <= at and (self.ends_at is None or at < self.ends_at)

    def covers(self, *, brand_id: int, source_ids) -> bool:
        """Whether a post of `brand_id` on these channels is in the scope."""
        if self.brand_id is None:
            return True
        if self.brand_id != brand_id:
            return False
        return not self.source_ids or bool(set(self.source_ids) & set(source_ids))


class PublishingGate(models.Model):
    """One row per client: who claims posts to publish shares its lock, who sets a hold takes
    it alone, so a hold and a claim never pass each other (see services.claim_due_posts)."""

    client = models.OneToOneField("tenants.Client", on_delete=models.CASCADE, related_name="+")

    objects = ClientOwnedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"gate of {self.client_id}"


class PublishingLock(TimeStampedModel):
    """ "Secure the accounts": while on, only the incident's publishing person publishes from
    this account through the app; its scheduled posts wait as held."""

    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="+", db_index=False)
    source = models.ForeignKey("listening.Source", on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="+")
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    unlocked_at = models.DateTimeField(null=True, blank=True)
    unlocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source"], condition=Q(unlocked_at__isnull=True), name="publishing_lock_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"lock of {self.source_id}"


class CredentialRotation(models.Model):
    """When a brand account's platform credentials were last changed (recorded by hand: the
    platform does it), and whether the reminder to change them was sent for that date."""

    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="+", db_index=False)
    source = models.OneToOneField("listening.Source", on_delete=models.CASCADE, related_name="+")
    rotated_at = models.DateTimeField(_("credentials last changed"))
    rotated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reminded_at = models.DateTimeField(null=True, blank=True)

    objects = ClientOwnedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.source_id} rotated {self.rotated_at:%Y-%m-%d}"

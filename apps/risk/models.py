from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.mentions.models import RiskLevel
from apps.tenants.scoping import ClientOwnedQuerySet


class RiskPolicy(TimeStampedModel):
    """How a client's mentions are rated and how fast each level must be answered.

    One per client (brand empty) and optionally one per brand, which then wins. Without
    either, the agency defaults in settings.RISK_DEFAULTS apply.
    """

    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="risk_policies")
    brand = models.ForeignKey(
        "tenants.Brand", null=True, blank=True, on_delete=models.CASCADE, related_name="risk_policies"
    )
    weights = models.JSONField(_("factor weights"), default=dict)
    medium_from = models.PositiveSmallIntegerField(_("medium from score"))
    high_from = models.PositiveSmallIntegerField(_("high from score"))
    critical_from = models.PositiveSmallIntegerField(_("critical from score"))
    low_target_minutes = models.PositiveIntegerField(_("low: first answer within (minutes)"))
    medium_target_minutes = models.PositiveIntegerField(_("medium: first answer within (minutes)"))
    high_target_minutes = models.PositiveIntegerField(_("high: first answer within (minutes)"))
    critical_target_minutes = models.PositiveIntegerField(_("critical: first answer within (minutes)"))
    business_hours_levels = ArrayField(
        models.CharField(max_length=12, choices=RiskLevel.choices),
        default=list,
        blank=True,
        verbose_name=_("levels whose clock runs in business hours only"),
    )
    warn_percent = models.PositiveSmallIntegerField(_("warn at % of the target"), default=75)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client"], condition=Q(brand=None), name="risk_policy_one_per_client"),
            models.UniqueConstraint(fields=["brand"], name="risk_policy_one_per_brand"),
            models.CheckConstraint(
                condition=Q(medium_from__lt=models.F("high_from")) & Q(high_from__lt=models.F("critical_from")),
                name="risk_policy_thresholds_in_order",
            ),
        ]
        verbose_name = _("risk policy")
        verbose_name_plural = _("risk policies")

    def __str__(self) -> str:
        return f"{self.client} / {self.brand or _('all brands')}"


class RiskRating(models.Model):
    """One rating of a mention: by the system on arrival or new engagement, or by a person.

    The arrival rating is stored on the mention alone until another rating replaces it
    (`services._rate` then keeps it here first): most mentions are never rated again, and
    a history row for each would be most of what rating costs the ingestion.
    """

    # Ratings are read per mention (rating_mention_time); clients with mentions cannot be deleted.
    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="+", db_index=False)
    mention = models.ForeignKey("mentions.Mention", on_delete=models.CASCADE, related_name="ratings", db_index=False)
    score = models.PositiveSmallIntegerField(_("score"))
    level = models.CharField(_("level"), max_length=12, choices=RiskLevel.choices)
    factors = models.JSONField(_("factors"), default=list)
    # Empty for the system.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_override = models.BooleanField(_("set by a person"), default=False)
    reason = models.TextField(_("reason"), blank=True)
    rated_at = models.DateTimeField(_("rated"))

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-rated_at", "-id"]
        indexes = [models.Index(fields=["mention", "-rated_at"], name="rating_mention_time")]
        constraints = [
            models.CheckConstraint(condition=Q(is_override=False) | ~Q(reason=""), name="rating_override_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.mention_id}: {self.level} ({self.score})"

    @classmethod
    def arrival_of(cls, mention) -> RiskRating:
        """The system's rating on arrival, as the mention holds it while nothing has replaced it (unsaved)."""
        return cls(
            client_id=mention.client_id,
            mention=mention,
            score=mention.risk_score or 0,
            level=mention.risk_level,
            factors=mention.risk_factors,
            rated_at=mention.rated_at,
        )


class ReminderKind(models.TextChoices):
    WARNING = "warning", _("Deadline approaching")
    BREACH = "breach", _("Deadline missed")
    REASSIGNED = "reassigned", _("Reassigned for want of an answer")


class SlaReminder(models.Model):
    """A reminder that was sent. The unique key makes each one go out once, however
    many beat runs or workers reach it: the one whose insert lands sends it."""

    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="+")
    mention = models.ForeignKey("mentions.Mention", on_delete=models.CASCADE, related_name="sla_reminders")
    kind = models.CharField(max_length=12, choices=ReminderKind.choices)
    # The deadline (or assignment time) it was about: a moved deadline gets reminders of its own.
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(auto_now_add=True)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mention", "kind", "due_at"], name="sla_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.mention_id} {self.kind} {self.due_at:%Y-%m-%d %H:%M}"

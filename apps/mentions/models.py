from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.risk.levels import RiskLevel
from apps.tenants.scoping import ClientOwnedQuerySet


class MentionKind(models.TextChoices):
    """The eight kinds of mention, each wanting its own answer (DOMAIN.md)."""

    PRODUCT_CRITICISM = "product_criticism", _("Product criticism")
    PERSONAL_ATTACK = "personal_attack", _("Personal attack")
    CONSTRUCTIVE_FEEDBACK = "constructive_feedback", _("Constructive feedback")
    SERVICE_FAILURE = "service_failure", _("Service failure")
    QUESTION = "question", _("Question about the brand")
    GENERAL_DISSATISFACTION = "general_dissatisfaction", _("General dissatisfaction")
    TROLLING = "trolling", _("Provocation / trolling")
    PRAISE = "praise", _("Praise")


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    NEUTRAL = "neutral", _("Neutral")
    POSITIVE = "positive", _("Positive")


class MentionStatus(models.TextChoices):
    NEW = "new", _("New")


class Mention(models.Model):
    """One thing said about a brand, somewhere. Unique per client, platform and platform id.

    Text is untrusted: stored as plain text and always escaped when shown.
    """

    # Composite indexes lead with client and brand; single-column ones would only slow ingestion.
    client = models.ForeignKey("tenants.Client", on_delete=models.PROTECT, related_name="mentions", db_index=False)
    brand = models.ForeignKey("tenants.Brand", on_delete=models.PROTECT, related_name="mentions", db_index=False)
    source = models.ForeignKey(
        "listening.Source", null=True, blank=True, on_delete=models.SET_NULL, related_name="mentions"
    )
    platform = models.CharField(_("platform"), max_length=32)
    external_id = models.CharField(_("platform id"), max_length=255)
    url = models.URLField(_("link"), max_length=2000, blank=True)
    parent_external_id = models.CharField(_("in reply to"), max_length=255, blank=True)

    author_name = models.CharField(_("author"), max_length=255, blank=True)
    author_handle = models.CharField(_("handle"), max_length=255, blank=True)
    author_url = models.URLField(_("author link"), max_length=2000, blank=True)
    author_followers = models.PositiveIntegerField(_("author reach"), null=True, blank=True)

    title = models.CharField(_("title"), max_length=500, blank=True)
    text = models.TextField(_("text"))
    posted_at = models.DateTimeField(_("posted"))
    ingested_at = models.DateTimeField(_("ingested"), auto_now_add=True)

    language = models.CharField(_("language"), max_length=8, blank=True)
    language_confidence = models.FloatField(null=True, blank=True)
    sentiment = models.CharField(_("sentiment"), max_length=8, choices=Sentiment.choices, blank=True)
    sentiment_score = models.FloatField(null=True, blank=True)
    # Blank when no kind is clear enough, e.g. a neutral news item.
    kind = models.CharField(_("kind"), max_length=32, choices=MentionKind.choices, blank=True)
    topics = ArrayField(models.CharField(max_length=80), default=list, blank=True, verbose_name=_("topics"))
    likes = models.PositiveIntegerField(default=0)
    reposts = models.PositiveIntegerField(default=0)
    replies = models.PositiveIntegerField(default=0)

    # Same normalised text within a client: a cross-posted copy, linked to the first one.
    content_hash = models.CharField(max_length=32, blank=True)
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies")
    status = models.CharField(_("status"), max_length=24, choices=MentionStatus.choices, default=MentionStatus.NEW)
    raw = models.JSONField(_("original payload"), default=dict, blank=True)

    # The current risk rating (its history is risk.RiskRating) and the SLA clock it set.
    risk_score = models.PositiveSmallIntegerField(_("risk score"), null=True, blank=True)
    risk_level = models.CharField(_("risk"), max_length=12, choices=RiskLevel.choices, blank=True)
    risk_factors = models.JSONField(_("risk factors"), default=list, blank=True)
    # Set by a person: the system no longer changes the rating on its own.
    risk_overridden = models.BooleanField(_("rating set by a person"), default=False)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)
    response_due_at = models.DateTimeField(_("first answer due"), null=True, blank=True)
    response_warn_at = models.DateTimeField(_("warn the assignee at"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first answered"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_mentions",
        verbose_name=_("assignee"),
    )
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "platform", "external_id"], name="mention_unique_per_client"),
        ]
        indexes = [
            models.Index(fields=["client", "-posted_at"], name="mention_client_posted"),
            # Cross-post linking asks for the first mention with a hash: (client, hash) in id order.
            models.Index(
                fields=["client", "content_hash", "id"],
                name="mention_client_hash",
                condition=~models.Q(content_hash=""),
            ),
            models.Index(fields=["brand", "-posted_at"], name="mention_brand_posted"),
            # The SLA beat looks only at mentions still waiting for a first answer.
            models.Index(fields=["response_warn_at"], name="mention_sla_warn", condition=Q(first_response_at=None)),
            models.Index(fields=["response_due_at"], name="mention_sla_due", condition=Q(first_response_at=None)),
            # Open work per responder, for least-loaded routing and capacity.
            models.Index(fields=["client", "assignee"], name="mention_open_work", condition=Q(first_response_at=None)),
        ]
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")

    def __str__(self) -> str:
        return f"{self.platform}:{self.external_id}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("mention_detail", args=[self.client.slug, self.pk])

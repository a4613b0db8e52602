from datetime import UTC, datetime

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.tenants.scoping import ClientOwnedQuerySet


class RiskLevel(models.TextChoices):
    """Risk levels, lowest first: the scorer's output, and what SLAs, routing and approvals key on."""

    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


# The levels routing treats as urgent: room is kept for them, and they may not wait unassigned.
URGENT = frozenset({RiskLevel.HIGH, RiskLevel.CRITICAL})


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
    """Where a mention is in its life; the allowed moves are in lifecycle.py."""

    NEW = "new", _("New")
    TRIAGED = "triaged", _("Triaged")
    IN_PROGRESS = "in_progress", _("In progress")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    ANSWERED = "answered", _("Answered")
    RESOLVED = "resolved", _("Resolved")
    NO_RESPONSE_NEEDED = "no_response_needed", _("No response needed")
    TAKEN_PRIVATE = "taken_private", _("Taken private")
    ANSWERED_ELSEWHERE = "answered_elsewhere", _("Answered elsewhere")


class PrivateChannel(models.TextChoices):
    DM = "dm", _("Direct message")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")


OPEN_STATUSES = (
    MentionStatus.NEW,
    MentionStatus.TRIAGED,
    MentionStatus.IN_PROGRESS,
    MentionStatus.AWAITING_APPROVAL,
)
# Waiting for a first answer: its SLA clock runs. Archived mentions and those that need no
# answer wait for nothing.
NEEDS_NO_ANSWER = [MentionStatus.NO_RESPONSE_NEEDED, MentionStatus.ANSWERED_ELSEWHERE, MentionStatus.TAKEN_PRIVATE]
UNANSWERED = Q(first_response_at=None, archived_at=None) & ~Q(status__in=NEEDS_NO_ANSWER)
# A responder's open work: still open, answered or not (a follow-up is work too). Routing
# counts it and "my work" lists it, both through the index with this condition.
OPEN_WORK = Q(archived_at=None, status__in=OPEN_STATUSES)
# What the inbox lists: every index it sorts with leaves archived mentions out.
IN_INBOX = Q(archived_at=None)
# Sort keys of the inbox, shared by its indexes and its queries (the planner matches them
# expression for expression). Unrated mentions sort as the least risky and the latest due.
RISK_KEY = Coalesce(F("risk_score"), Value(-1), output_field=models.IntegerField())
FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)
DUE_KEY = Coalesce(F("response_due_at"), Value(FAR_FUTURE), output_field=models.DateTimeField())


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
    # False when the source gave no time it could be read from: posted_at then holds the arrival
    # time, for ordering only, and pages say the posting time is unknown.
    posted_at_known = models.BooleanField(_("posting time known"), default=True, db_default=True)
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
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    # Why no response is needed, or any note a person gave with the last status change.
    # Database defaults too: the ingestion COPY names only the columns it fills.
    status_reason = models.CharField(_("reason"), max_length=1000, blank=True, default="", db_default="")
    private_channel = models.CharField(
        _("private channel"), max_length=8, choices=PrivateChannel.choices, blank=True, default="", db_default=""
    )
    # Where the answer given elsewhere is (the client replied themselves, another team did).
    answered_elsewhere_url = models.URLField(
        _("answer given elsewhere"), max_length=2000, blank=True, default="", db_default=""
    )
    # Staff archive, never delete; only an agency admin can purge, for legal reasons.
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
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
    # When the leads and whoever is on call were told that nobody could take this urgent mention.
    waiting_alerted_at = models.DateTimeField(_("told nobody had room"), null=True, blank=True)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "platform", "external_id"], name="mention_unique_per_client"),
        ]
        indexes = [
            # The inbox's three sort orders, each with the id as tie-breaker for keyset paging.
            models.Index(fields=["client", "-posted_at", "-id"], name="inbox_newest", condition=IN_INBOX),
            models.Index(F("client"), RISK_KEY.desc(), F("id").desc(), name="inbox_risk", condition=IN_INBOX),
            models.Index(F("client"), DUE_KEY, F("id"), name="inbox_sla", condition=IN_INBOX),
            # Cross-post linking asks for the first mention with a hash: (client, hash) in id order.
            models.Index(
                fields=["client", "content_hash", "id"],
                name="mention_client_hash",
                condition=~models.Q(content_hash=""),
            ),
            models.Index(fields=["brand", "-posted_at"], name="mention_brand_posted"),
            # A spike alert's mentions and the week before them, by arrival (what detection counts).
            models.Index(fields=["brand", "ingested_at"], name="mention_brand_arrived"),
            # The SLA beat looks only at mentions still waiting for a first answer.
            models.Index(fields=["response_warn_at"], name="mention_sla_warn", condition=UNANSWERED),
            models.Index(fields=["response_due_at"], name="mention_sla_due", condition=UNANSWERED),
            # Open work per responder: least-loaded routing, capacity, "my work". The person first:
            # led by the client, the planner took it for a client's filtered inbox and read 20,000 rows.
            models.Index(fields=["assignee", "client"], name="mention_open_work", condition=OPEN_WORK),
            # The mention page: the author's other mentions, and the replies to a post.
            models.Index(
                fields=["client", "author_handle", "-posted_at"],
                name="mention_author",
                condition=IN_INBOX & ~models.Q(author_handle=""),
            ),
            models.Index(
                fields=["client", "platform", "parent_external_id"],
                name="mention_replies",
                condition=~models.Q(parent_external_id=""),
            ),
        ]
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")

    def __str__(self) -> str:
        return f"{self.platform}:{self.external_id}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("mention_detail", args=[self.client.slug, self.pk])


class MentionNote(models.Model):
    """An internal note on a mention: never shown to the author, the platform or the client."""

    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="+", db_index=False)
    mention = models.ForeignKey(Mention, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")

    def __str__(self) -> str:
        return f"note {self.pk} on {self.mention_id}"


class MentionLink(models.Model):
    """Two mentions a person said belong together (one story, one incident). Stored once, low id first."""

    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="+", db_index=False)
    first = models.ForeignKey(Mention, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Mention, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="mention_link_once"),
            models.CheckConstraint(condition=Q(first__lt=models.F("second")), name="mention_link_ordered"),
        ]
        indexes = [models.Index(fields=["client", "first"], name="mention_link_client")]

    def __str__(self) -> str:
        return f"{self.first_id} ~ {self.second_id}"


class SavedView(models.Model):
    """A named inbox filter, personal or shared with everyone who works the client."""

    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="saved_views", db_index=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(_("name"), max_length=80)
    filters = models.JSONField(_("filters"), default=dict)
    shared = models.BooleanField(_("shared with the client team"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["client", "owner", "name"], name="saved_view_name_once")]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")

    def __str__(self) -> str:
        return self.name


class Topic(TimeStampedModel):
    """A theme a brand's mentions are tagged with when any of its keywords appear."""

    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="topics")
    brand = models.ForeignKey(
        "tenants.Brand",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="topics",
        help_text=_("Empty: the topic applies to every brand of the client."),
    )
    name = models.CharField(_("name"), max_length=80)
    keywords = ArrayField(models.CharField(max_length=120), default=list, verbose_name=_("keywords"))
    sensitive = models.BooleanField(_("sensitive"), default=False)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        db_table = "listening_topic"  # the table it had when listening owned it
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["client", "brand", "name"], name="topic_name_per_brand")]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return self.name

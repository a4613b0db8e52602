"""Incidents: one crisis record from the first alert to the last answer."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.tenants.scoping import ClientOwnedQuerySet


class CrisisType(models.Model):
    """The agency's list of kinds of crisis (product failure, data breach, ...), editable."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("offered"), default=True)
    # The built-in kinds' fixed name in code (playbooks.EXTRA), kept when the agency renames one.
    key = models.CharField(max_length=40, blank=True, editable=False)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Severity(models.Model):
    """What severity 1, 2 and 3 mean at the agency, and how often the commander updates."""

    level = models.PositiveSmallIntegerField(_("severity"), unique=True)
    name = models.CharField(_("name"), max_length=40)
    meaning = models.TextField(_("meaning"), blank=True)
    update_every_minutes = models.PositiveIntegerField(_("status update every (minutes)"), default=60)

    class Meta:
        ordering = ["level"]
        constraints = [models.CheckConstraint(condition=Q(level__gte=1, level__lte=3), name="incident_severity_1_3")]

    def __str__(self) -> str:
        return f"{self.level}: {self.name}"


class IncidentStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    CONTAINED = "contained", _("contained")
    RESOLVED = "resolved", _("resolved")
    CLOSED = "closed", _("closed")
    CANCELLED = "cancelled", _("cancelled")


class IncidentQuerySet(ClientOwnedQuerySet):
    def visible_to(self, user):
        """The client's incidents the user may see; a private one only to its members."""
        visible = super().visible_to(user)
        if not user.is_authenticated:
            return visible
        return visible.filter(Q(private=False) | Q(members__user=user)).distinct()


class Incident(TimeStampedModel):
    client = models.ForeignKey("tenants.Client", on_delete=models.PROTECT, related_name="incidents")
    brands = models.ManyToManyField("tenants.Brand", related_name="incidents", verbose_name=_("brands"))
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    crisis_type = models.ForeignKey(CrisisType, on_delete=models.PROTECT, verbose_name=_("kind of crisis"))
    severity = models.PositiveSmallIntegerField(_("severity"), default=2)
    status = models.CharField(_("status"), max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.ACTIVE)
    private = models.BooleanField(_("private: its members only"), default=False)
    spike_alert = models.OneToOneField(
        "detection.SpikeAlert", null=True, blank=True, on_delete=models.SET_NULL, related_name="incident"
    )
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # The moments people ask for, each kept on its own.
    started_at = models.DateTimeField(_("started (first mention)"), null=True, blank=True)
    detected_at = models.DateTimeField(_("detected (alert)"), null=True, blank=True)
    declared_at = models.DateTimeField(_("declared"))
    acknowledged_at = models.DateTimeField(_("acknowledged publicly"), null=True, blank=True)
    contained_at = models.DateTimeField(_("contained"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    next_update_at = models.DateTimeField(_("next update at"), null=True, blank=True)
    update_reminded_at = models.DateTimeField(null=True, blank=True)  # the commander told the update is due, once
    # While it is active, new mentions of its brands that match these are linked and rated high.
    link_terms = ArrayField(models.CharField(max_length=100), default=list, blank=True, verbose_name=_("terms"))
    link_authors = ArrayField(models.CharField(max_length=255), default=list, blank=True, verbose_name=_("authors"))
    link_topics = ArrayField(models.CharField(max_length=80), default=list, blank=True, verbose_name=_("topics"))

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-declared_at", "-id"]
        indexes = [models.Index(fields=["client", "status", "-declared_at"], name="incident_client_status")]
        constraints = [models.CheckConstraint(condition=Q(severity__gte=1, severity__lte=3), name="incident_severity")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("incident_detail", kwargs={"client_slug": self.client.slug, "incident_pk": self.pk})


class IncidentRole(models.TextChoices):
    COMMANDER = "commander", _("commander")
    RESEARCH = "research", _("research")
    PUBLISHING = "publishing", _("publishing")
    ENGAGEMENT = "engagement", _("engagement")
    CLIENT_LIAISON = "client_liaison", _("client liaison")


class IncidentMember(models.Model):
    """A person in one of the incident's roles (one person a role; one may hold several)."""

    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="members")
    role = models.CharField(_("role"), max_length=16, choices=IncidentRole.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="incident_roles")
    since = models.DateTimeField(_("since"), default=timezone.now)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "role"], name="incident_one_person_a_role")]

    def __str__(self) -> str:
        return f"{self.incident}: {self.get_role_display()}"


class LinkReason(models.TextChoices):
    ALERT = "alert", _("counted by the spike alert")
    RULE = "rule", _("matched the incident's rules")
    HAND = "hand", _("linked by hand")


class IncidentMention(models.Model):
    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="+", db_index=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links")
    mention = models.ForeignKey("mentions.Mention", on_delete=models.CASCADE, related_name="incident_links")
    reason = models.CharField(_("why"), max_length=8, choices=LinkReason.choices)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    linked_at = models.DateTimeField(_("linked"), auto_now_add=True)
    # The mention's channel, time and tone, copied when it is linked: the incident page counts
    # 100,000 links by channel, hour and tone from this table and its index alone. None changes
    # after ingestion (a re-rated tone stays as it was when linked).
    platform = models.CharField(max_length=32, blank=True)
    posted_at = models.DateTimeField(null=True)
    sentiment = models.CharField(max_length=8, blank=True)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "mention"], name="incident_mention_once")]
        indexes = [
            models.Index(
                fields=["incident", "platform", "-posted_at"], include=["sentiment"], name="incident_link_lane"
            ),
            models.Index(fields=["incident", "posted_at"], name="incident_link_time"),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id}:{self.mention_id}"


class ConversationCount(models.Model):
    """How many linked mentions of a channel and tone an hour of the incident holds: kept as
    mentions are linked and unlinked (in the same statement), so the incident page reads a few
    hundred rows however many thousand mentions are linked."""

    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="+", db_index=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="counts")
    platform = models.CharField(max_length=32, blank=True)
    hour = models.DateTimeField()
    sentiment = models.CharField(max_length=8, blank=True)
    mentions = models.IntegerField(default=0)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "platform", "hour", "sentiment"], name="incident_count_once"),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.platform} {self.hour:%Y-%m-%d %H}h {self.sentiment}: {self.mentions}"


class TimelineEntry(models.Model):
    """One thing that happened in an incident, automatic or written by hand; internal unless
    marked for the client's people."""

    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="+", db_index=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(_("at"))
    kind = models.CharField(_("kind"), max_length=24)
    text = models.TextField(_("what happened"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    client_visible = models.BooleanField(_("the client's people see it"), default=False)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["incident", "-at"], name="incident_timeline_time")]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.at:%Y-%m-%d %H:%M} {self.kind}"


class SelfCheck(models.TextChoices):
    """Items that tick themselves when what they ask for happens."""

    NONE = "", _("ticked by hand")
    HOLDING_STATEMENT = "holding_statement", _("ticks itself when the holding statement is out")
    POSTS_PAUSED = "posts_paused", _("ticks itself when the brand's scheduled posts are held")
    ACCOUNTS_LOCKED = "accounts_locked", _("ticks itself when publishing from the brand's accounts is locked")


class PlaybookItem(models.Model):
    """One step of the incident's checklist, from the playbook of its kind of crisis."""

    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="+", db_index=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="playbook")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("step"), max_length=200)
    owner_role = models.CharField(_("whose"), max_length=16, choices=IncidentRole.choices)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    self_check = models.CharField(_("ticks itself"), max_length=24, choices=SelfCheck.choices, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reminded_at = models.DateTimeField(null=True, blank=True)  # the owner told it is late, once
    escalated_at = models.DateTimeField(null=True, blank=True)  # the commander told, once

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["due_at"], name="incident_item_late", condition=Q(done_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.title


class StatementKind(models.TextChoices):
    HOLDING = "holding", _("Holding statement")
    FORMAL = "formal", _("Formal statement")


class StatementChannel(models.TextChoices):
    """Where a statement goes: posted by the app from the brand's account, or out by hand."""

    MASTODON = "mastodon", _("Mastodon")
    BLUESKY = "bluesky", _("Bluesky")
    PRESS_RELEASE = "press_release", _("Press release")
    WEBSITE = "website", _("Website")
    VIDEO = "video", _("Video")
    EMAIL = "email", _("E-mail to customers")
    OTHER = "other", _("Elsewhere")


# Channels the app posts on itself (the publishing adapters); the others are sent by hand.
POSTED_CHANNELS = (StatementChannel.MASTODON, StatementChannel.BLUESKY)


class LibraryStatement(TimeStampedModel):
    """A holding statement prepared with the client before any crisis, per language and channel,
    with variables ({brand}, {date}, ...) filled in when it is used. Until `approved_until` its
    text, filled in and unchanged, goes out without asking anyone again."""

    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="+", db_index=False)
    name = models.CharField(_("name"), max_length=80)
    crisis_type = models.ForeignKey(
        CrisisType,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("kind of crisis"),
        help_text=_("Empty: any kind."),
    )
    language = models.CharField(_("language"), max_length=8)
    channel = models.CharField(_("channel"), max_length=16, choices=StatementChannel.choices)
    text = models.TextField(_("text"), max_length=5000)
    approved_until = models.DateField(_("approved until"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "name", "language", "channel"], name="library_statement_unique_name"
            ),
        ]
        ordering = ["name", "language", "channel"]
        verbose_name = _("library statement")
        verbose_name_plural = _("holding-statement library")

    def __str__(self) -> str:
        return f"{self.name} ({self.language}, {self.get_channel_display()})"

    def approved_on(self, day) -> bool:
        return self.approved_until is not None and day <= self.approved_until


class Statement(models.Model):
    """A statement of the incident's: its text, versions and approvals are an answer with no
    mention (the responses workflow), posted on `channel` or sent by hand."""

    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="+", db_index=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="statements")
    answer = models.OneToOneField("responses.Answer", on_delete=models.CASCADE, related_name="statement")
    kind = models.CharField(_("kind"), max_length=8, choices=StatementKind.choices, default=StatementKind.HOLDING)
    channel = models.CharField(_("channel"), max_length=16, choices=StatementChannel.choices)
    from_library = models.ForeignKey(
        LibraryStatement, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["client"], name="incident_statement_client")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"

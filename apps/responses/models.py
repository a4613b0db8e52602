"""Answers to mentions: answers and their versions, saved replies, approval policies and decisions.

A answer is one answer to one mention. Every save is a `AnswerVersion`; approvals are given to
a version, so an edit after approval needs approval again. The policy of the mention's client
chooses the approval steps when a answer is submitted; the steps chosen are kept on the answer
(`steps`), so a later change of policy does not move a answer already under way.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.tenants.scoping import ClientOwnedQuerySet


class ReplyType(models.TextChoices):
    PUBLIC = "public", _("Public reply")
    PRIVATE = "private", _("Private message")
    POST = "post", _("Scheduled post")  # the brand's own post at a time (apps.posts): no mention


class AnswerState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Waiting for approval")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Approval expired")
    PUBLISHING = "publishing", _("Publishing")
    FAILED = "failed", _("Publishing failed")
    PUBLISHED = "published", _("Published")


# States in which the text may still change; a published answer never changes.
EDITABLE = (
    AnswerState.DRAFT,
    AnswerState.PENDING,
    AnswerState.CHANGES_REQUESTED,
    AnswerState.APPROVED,
    AnswerState.EXPIRED,
    AnswerState.FAILED,
)


class ApproverRole(models.TextChoices):
    ACCOUNT_LEAD = "account_lead", _("An account lead of the client")
    CLIENT_APPROVER = "client_approver", _("A client approver")
    PEOPLE = "people", _("Named people")


class StepMode(models.TextChoices):
    ANY = "any", _("Any one of them")
    ALL = "all", _("All of them")


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REQUEST_CHANGES = "request_changes", _("Request changes")
    REJECT = "reject", _("Reject")


class SavedReply(TimeStampedModel):
    """A reply the client's team reuses, per language, with {author}, {brand} and {link} filled in."""

    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="+", db_index=False)
    name = models.CharField(_("name"), max_length=80)
    language = models.CharField(_("language"), max_length=8, blank=True, help_text=_("Empty: any language."))
    kind = models.CharField(_("kind of mention"), max_length=32, blank=True, help_text=_("Empty: any kind."))
    text = models.TextField(_("text"), max_length=5000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "name", "language"], name="saved_reply_unique_name"),
        ]
        ordering = ["name", "language"]
        verbose_name = _("saved reply")
        verbose_name_plural = _("saved replies")

    def __str__(self) -> str:
        return self.name


class ApprovalPolicy(TimeStampedModel):
    """How a client's answers are approved: its rules, reminders and expiry."""

    client = models.OneToOneField("tenants.Client", on_delete=models.CASCADE, related_name="approval_policy")
    allow_self_approval = models.BooleanField(
        _("authors may approve their own answers"), default=False, help_text=_("Off: someone else must approve.")
    )
    remind_after_minutes = models.PositiveIntegerField(_("remind approvers after (minutes)"), default=60)
    expire_after_hours = models.PositiveIntegerField(
        _("approval requests expire after (hours)"), default=0, help_text=_("0: they never expire.")
    )

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("approval policy")
        verbose_name_plural = _("approval policies")


class ApprovalRule(models.Model):
    """Which answers need which steps. The first rule (by position) that matches decides.

    An empty list matches everything. `needs_approval` off: matching answers go out unapproved.
    """

    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="+", db_index=False)
    policy = models.ForeignKey(ApprovalPolicy, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=80)
    risk_levels = ArrayField(models.CharField(max_length=16), default=list, blank=True, verbose_name=_("risk levels"))
    kinds = ArrayField(models.CharField(max_length=32), default=list, blank=True, verbose_name=_("kinds"))
    channels = ArrayField(models.CharField(max_length=32), default=list, blank=True, verbose_name=_("channels"))
    reply_types = ArrayField(models.CharField(max_length=16), default=list, blank=True, verbose_name=_("reply types"))
    needs_approval = models.BooleanField(_("needs approval"), default=True)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["client", "position"], name="approval_rule_client")]
        ordering = ["position", "id"]
        verbose_name = _("approval rule")
        verbose_name_plural = _("approval rules")

    def __str__(self) -> str:
        return self.name


class ApprovalStep(models.Model):
    """One step of a rule: who approves, and whether one of them or all of them must."""

    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="+", db_index=False)
    rule = models.ForeignKey(ApprovalRule, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    approver_role = models.CharField(_("approvers"), max_length=16, choices=ApproverRole.choices)
    people = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("people"))
    mode = models.CharField(_("needs"), max_length=8, choices=StepMode.choices, default=StepMode.ANY)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["client"], name="approval_step_client")]
        ordering = ["position", "id"]
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")

    def __str__(self) -> str:
        return f"{self.rule} #{self.position + 1}"


class Answer(TimeStampedModel):
    """One answer to one mention, from first words to publication; or, with no mention, a
    statement the brand makes on its own (written elsewhere, for example in an incident): it goes
    through the same versions, approvals and publishing, posted from `source` or sent by hand."""

    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="+", db_index=False)
    mention = models.ForeignKey(
        "mentions.Mention", null=True, blank=True, on_delete=models.CASCADE, related_name="answers"
    )
    # A statement's: the account it is posted from (none: sent by hand), what it is and where it was written.
    source = models.ForeignKey("listening.Source", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    subject = models.CharField(_("about"), max_length=200, blank=True)
    subject_url = models.CharField(max_length=500, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reply_type = models.CharField(_("reply type"), max_length=16, choices=ReplyType.choices, default=ReplyType.PUBLIC)
    state = models.CharField(_("state"), max_length=20, choices=AnswerState.choices, default=AnswerState.DRAFT)
    current_version = models.ForeignKey(
        "AnswerVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Chosen at submission: [{"role", "mode", "approvers": [user ids]}], and where the answer is.
    rule_name = models.CharField(max_length=80, blank=True)
    steps = models.JSONField(default=list, blank=True)
    step = models.PositiveSmallIntegerField(default=0)
    step_started_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    approved_version = models.ForeignKey(
        "AnswerVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Publication: through the platform, or recorded as sent by hand.
    published_at = models.DateTimeField(null=True, blank=True)
    published_url = models.URLField(max_length=2000, blank=True)
    published_external_id = models.CharField(max_length=500, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_by_hand = models.BooleanField(default=False)
    publish_attempts = models.PositiveSmallIntegerField(default=0)
    publish_error = models.CharField(max_length=1000, blank=True)
    # While publishing: when the next attempt is due, and the lease of the worker on it.
    publish_next_at = models.DateTimeField(null=True, blank=True)
    publish_claimed_until = models.DateTimeField(null=True, blank=True)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["client", "state"], name="draft_client_state"),
            # Reminders and expiry look only at answers waiting for a decision.
            models.Index(fields=["step_started_at"], name="draft_pending", condition=models.Q(state="pending")),
            models.Index(fields=["publish_next_at"], name="draft_publishing", condition=models.Q(state="publishing")),
        ]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self) -> str:
        if self.is_statement:
            return f"statement {self.pk}: {self.subject}"
        return f"answer {self.pk} of mention {self.mention_id}"

    @property
    def is_statement(self) -> bool:
        """No mention answered: the brand speaks on its own (an incident's statement, a scheduled post)."""
        return self.mention_id is None

    @property
    def kind_label(self) -> str:
        if not self.is_statement:
            return str(_("Answer"))
        return str(_("Scheduled post")) if self.reply_type == ReplyType.POST else str(_("Statement"))

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE

    @property
    def state_label(self) -> str:
        """The state in words; an answer sent by hand is not "published" by the app."""
        if self.state == AnswerState.PUBLISHED and self.sent_by_hand:
            return str(_("Sent by hand"))
        return self.get_state_display()


class AnswerVersion(models.Model):
    """A saved text of a answer. Decisions are given to a version."""

    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="+", db_index=False)
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("text"), max_length=10000)
    language = models.CharField(_("language"), max_length=8, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # What the agency tells the approvers when it submits this version.
    comment = models.TextField(_("comment for the approvers"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["answer", "number"], name="draft_version_unique_number")]
        indexes = [models.Index(fields=["client"], name="draft_version_client")]
        ordering = ["answer", "number"]
        verbose_name = _("answer version")
        verbose_name_plural = _("answer versions")

    def __str__(self) -> str:
        return f"v{self.number}"


class ApprovalDecision(models.Model):
    """An approver's decision on a version at a step, with the comment kept on that version."""

    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="+", db_index=False)
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="decisions")
    version = models.ForeignKey(AnswerVersion, on_delete=models.CASCADE, related_name="decisions")
    step = models.PositiveSmallIntegerField()
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    decided_at = models.DateTimeField(auto_now_add=True)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        constraints = [
            # One decision per person per step of a version: a double click cannot count twice.
            models.UniqueConstraint(fields=["version", "step", "approver"], name="approval_decision_once"),
        ]
        indexes = [models.Index(fields=["client"], name="approval_decision_client")]
        ordering = ["decided_at", "id"]
        verbose_name = _("approval decision")
        verbose_name_plural = _("approval decisions")

    def __str__(self) -> str:
        return f"{self.decision} on {self.version}"

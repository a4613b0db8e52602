from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.crypto import decrypt_json, encrypt_json
from apps.core.models import TimeStampedModel
from apps.tenants.scoping import ClientOwnedQuerySet


class SourceKind(models.TextChoices):
    RSS = "rss", _("RSS / Atom / JSON Feed (incl. Google Alerts)")
    MASTODON = "mastodon", _("Mastodon")
    BLUESKY = "bluesky", _("Bluesky")
    REDDIT = "reddit", _("Reddit")
    YOUTUBE = "youtube", _("YouTube comments")
    WEBHOOK = "webhook", _("Webhook push")
    FILE_IMPORT = "import", _("File import")
    REPLAY = "replay", _("Replay (demo data)")


# Kinds that are polled on a schedule; the others are pushed or uploaded.
POLLED_KINDS = frozenset(
    {SourceKind.RSS, SourceKind.MASTODON, SourceKind.BLUESKY, SourceKind.REDDIT, SourceKind.YOUTUBE, SourceKind.REPLAY}
)


class Source(TimeStampedModel):
    """A brand's channel to watch: where mentions come from, and how it is doing."""

    client = models.ForeignKey("tenants.Client", on_delete=models.PROTECT, related_name="sources")
    brand = models.ForeignKey("tenants.Brand", on_delete=models.PROTECT, related_name="sources")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=SourceKind.choices)
    config = models.JSONField(_("settings"), default=dict, blank=True)
    credentials_encrypted = models.TextField(blank=True)
    poll_interval = models.PositiveIntegerField(
        _("poll every (seconds)"), default=300, validators=[MinValueValidator(30)]
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    # The brand's own page or account: what is said here is said in front of its audience.
    own_channel = models.BooleanField(_("the brand's own channel"), default=False)
    cursor = models.JSONField(default=dict, blank=True)
    # Webhook pushes arrive at /hooks/<webhook_token>/, signed with the secret in credentials.
    webhook_token = models.CharField(max_length=43, unique=True, null=True, blank=True)

    # Health
    next_poll_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(_("last poll"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_detail = models.TextField(_("technical detail of the last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    disabled_reason = models.CharField(_("why disabled"), max_length=255, blank=True)
    last_fetched_count = models.PositiveIntegerField(default=0)
    last_created_count = models.PositiveIntegerField(default=0)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["brand__name", "name"]
        indexes = [
            # The beat claim: enabled sources whose time has come.
            models.Index(fields=["next_poll_at"], name="source_due", condition=models.Q(enabled=True)),
            models.Index(fields=["client", "brand"], name="source_client_brand"),
        ]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def credentials(self) -> dict:
        return decrypt_json(self.credentials_encrypted)

    def set_credentials(self, value: dict) -> None:
        self.credentials_encrypted = encrypt_json(value) if value else ""

    @property
    def is_polled(self) -> bool:
        return self.kind in POLLED_KINDS

    @property
    def require_match(self) -> bool:
        """Keep only mentions matching the brand's query? Pushed and uploaded data were chosen
        for the brand by whoever sent them, so only polled kinds match unless told otherwise."""
        return self.config.get("require_match", self.is_polled)


class BrandQuery(TimeStampedModel):
    """What counts as a mention of a brand, beyond its name, aliases and handles."""

    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="+")
    brand = models.OneToOneField("tenants.Brand", on_delete=models.CASCADE, related_name="query")
    keywords = ArrayField(models.CharField(max_length=120), default=list, blank=True, verbose_name=_("keywords"))
    hashtags = ArrayField(models.CharField(max_length=120), default=list, blank=True, verbose_name=_("hashtags"))
    excluded_words = ArrayField(
        models.CharField(max_length=120), default=list, blank=True, verbose_name=_("excluded words")
    )
    # Optional boolean query: AND, OR, NOT, parentheses and "quoted phrases".
    expression = models.TextField(_("advanced query"), blank=True)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("brand query")
        verbose_name_plural = _("brand queries")

    def __str__(self) -> str:
        return f"Query for {self.brand}"


class PushedBatch(models.Model):
    """What a webhook push delivered, stored before it is answered 202: the worker that ingests
    it is handed this row's id, never the items (a payload in a task message can stop workers)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        DONE = "done", _("Ingested")
        FAILED = "failed", _("Failed")

    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="+", db_index=False)
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="pushed_batches")
    records = models.JSONField(_("records"))
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(_("error"), blank=True)
    created = models.PositiveIntegerField(_("mentions created"), default=0)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["client", "-received_at"], name="pushed_batch_client_time")]
        verbose_name = _("pushed batch")
        verbose_name_plural = _("pushed batches")

    def __str__(self) -> str:
        return f"push {self.pk} to {self.source_id}"


class ImportJob(TimeStampedModel):
    """An uploaded export from another listening tool, ingested row by row."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    client = models.ForeignKey("tenants.Client", on_delete=models.PROTECT, related_name="import_jobs")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="import_jobs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to="imports/%Y/%m/")
    file_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=8)  # csv | json
    mapping = models.JSONField(default=dict)  # our field -> their column
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    bytes_total = models.PositiveBigIntegerField(default=0)
    bytes_done = models.PositiveBigIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    rows_created = models.PositiveIntegerField(default=0)
    rows_bad = models.PositiveIntegerField(default=0)
    # [{"line": 12, "error": "..."}], capped so a broken file cannot bloat the row.
    errors = models.JSONField(default=list, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.file_name

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.DONE or not self.bytes_total:
            return 100 if self.status == self.Status.DONE else 0
        return min(99, int(self.bytes_done * 100 / self.bytes_total))

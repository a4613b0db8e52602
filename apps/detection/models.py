"""What crisis detection keeps: per-brand mention counts by minute (folded into hours later)."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.tenants.scoping import ClientOwnedQuerySet

ALL_CHANNELS = ""  # the channel of a brand's total row


class MentionCount(models.Model):
    """Mentions of a brand that arrived in one minute (or, once folded, one hour), in all
    channels (``channel`` "") and per channel (the platform). Counted by arrival, as the
    detector sees them: a post fetched late counts when it came, not when it was written."""

    brand = models.ForeignKey("tenants.Brand", on_delete=models.CASCADE, related_name="+", db_index=False)
    channel = models.CharField(_("channel"), max_length=32, blank=True)
    start = models.DateTimeField(_("from"))
    minutes = models.PositiveSmallIntegerField(default=1)  # 1, or 60 once folded into an hour
    mentions = models.PositiveIntegerField(default=0)
    negative = models.PositiveIntegerField(default=0)
    reach = models.FloatField(_("reach-weighted"), default=0.0)
    asking = models.PositiveIntegerField(_("asking or demanding an answer"), default=0)
    # 32-bit hashes of the authors' handles: unique authors over any span are their union
    authors = ArrayField(models.IntegerField(), default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "channel", "start"], name="detection_count_brand_channel_start")
        ]

    def __str__(self) -> str:
        return f"{self.brand_id} {self.channel or 'all'} {self.start:%Y-%m-%d %H:%M}: {self.mentions}"


class Metric(models.TextChoices):
    VOLUME = "volume", _("mentions")
    NEGATIVE = "negative", _("negative mentions")
    ASKING = "asking", _("mentions asking for an answer")
    NEGATIVE_SHARE = "negative_share", _("share of negative mentions")


class Sensitivity(models.TextChoices):
    SENSITIVE = "sensitive", _("sensitive")
    BALANCED = "balanced", _("balanced")
    STRICT = "strict", _("strict")


class DetectorState(models.Model):
    """What the detector remembers of one brand's metric between checks (constant size)."""

    brand = models.ForeignKey("tenants.Brand", on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=16, choices=Metric.choices)
    state = models.JSONField(default=dict)
    checked_at = models.DateTimeField(null=True)  # the minute of the last check: one check a minute

    class Meta:
        constraints = [models.UniqueConstraint(fields=["brand", "metric"], name="detection_state_brand_metric")]

    def __str__(self) -> str:
        return f"{self.brand_id} {self.metric}"


class AlertStatus(models.TextChoices):
    OPEN = "open", _("open")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    DISMISSED = "dismissed", _("dismissed as noise")
    INCIDENT = "incident", _("became an incident")


class SpikeAlert(models.Model):
    """A spike a person is told of: one per event (after persistence and cooldown)."""

    client = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="spike_alerts")
    brand = models.ForeignKey("tenants.Brand", on_delete=models.CASCADE, related_name="spike_alerts")
    metric = models.CharField(_("metric"), max_length=16, choices=Metric.choices)
    channel = models.CharField(_("channel"), max_length=32, blank=True)
    # where the window that rose begins (a negative share: where the burn began)
    started_at = models.DateTimeField(_("started"))
    detected_at = models.DateTimeField(_("detected"))
    # in 15 minutes; for the negative share, shares (0 to 1): the usual one and the burn's
    baseline = models.FloatField(_("usual"))
    observed = models.FloatField(_("seen"))
    score = models.FloatField(_("score"))
    status = models.CharField(_("status"), max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN)

    objects = ClientOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-detected_at"]
        indexes = [models.Index(fields=["client", "-detected_at"], name="detection_alert_client_time")]
        constraints = [
            # two beats at once write one alert
            models.UniqueConstraint(fields=["brand", "metric", "channel", "detected_at"], name="detection_alert_once")
        ]

    def __str__(self) -> str:
        return f"{self.brand} {self.get_metric_display()} {self.detected_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("alert_detail", kwargs={"client_slug": self.client.slug, "alert_pk": self.pk})

    @property
    def summary(self) -> str:
        """What was seen against what is usual, in a sentence for people."""
        return alert_summary(self.metric, self.observed, self.baseline)


def alert_summary(metric: str, observed: float, baseline: float) -> str:
    if metric == Metric.NEGATIVE_SHARE:
        return _("%(observed)s%% of mentions negative, where %(baseline)s%% is usual") % {
            "observed": round(100 * observed),
            "baseline": round(100 * baseline),
        }
    return _("%(observed)s %(metric)s in 15 minutes, where about %(baseline)s are usual") % {
        "observed": round(observed),
        "metric": Metric(metric).label,
        "baseline": round(baseline),
    }


class DetectionSettings(models.Model):
    """A brand's spike detection settings; a brand without a row has the agency's defaults."""

    brand = models.OneToOneField("tenants.Brand", on_delete=models.CASCADE, related_name="detection_settings")
    sensitivity = models.CharField(
        _("sensitivity"), max_length=16, choices=Sensitivity.choices, default=Sensitivity.BALANCED
    )
    minimum_volume = models.PositiveIntegerField(_("fewest mentions in 15 minutes to alert"), default=10)
    cooldown_minutes = models.PositiveIntegerField(_("quiet time after an alert (minutes)"), default=360)
    metrics = ArrayField(
        models.CharField(max_length=16, choices=Metric.choices),
        default=list,  # empty: every metric
        blank=True,
        verbose_name=_("metrics watched"),
    )
    muted_until = models.DateTimeField(_("muted until"), null=True, blank=True)

    def __str__(self) -> str:
        return f"spike detection of {self.brand}"


class KnownEvent(models.Model):
    """A launch, campaign or match day: more mentions are expected while it lasts."""

    brand = models.ForeignKey("tenants.Brand", on_delete=models.CASCADE, related_name="known_events")
    name = models.CharField(_("name"), max_length=120)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    expected_factor = models.FloatField(_("times the usual mentions expected"), default=3.0)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="detection_event_ends_after"
            ),
            models.CheckConstraint(
                condition=models.Q(expected_factor__gte=1.0, expected_factor__lte=100.0), name="detection_event_factor"
            ),
        ]

    def __str__(self) -> str:
        return self.name

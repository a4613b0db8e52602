"""What crisis detection keeps: per-brand mention counts by minute (folded into hours later)."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

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

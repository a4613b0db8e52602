"""The risk steps of the ingestion pipeline (registered in RiskConfig.ready())."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Q

from apps.listening.models import Source
from apps.mentions.models import Mention, Topic
from apps.tenants.selectors import schedule_of

from .policy import deadlines, risk_rules_of
from .scoring import Signals, score
from .vocabulary import crisis_words


def signals_of(row, setup: BrandRiskSetup, copies: int = 1) -> Signals:
    """The risk signals of a mention, from a pipeline row or (through its fields) a Mention."""
    if not isinstance(row, dict):
        row = {name: getattr(row, name) for name in _SIGNAL_FIELDS}
    topics, sensitive = row["topics"], setup.sensitive
    words = crisis_words(row["text"], row["language"])
    return Signals(
        row["sentiment"],
        row["sentiment_score"],
        row["author_followers"],
        row["likes"] + row["reposts"] + row["replies"],
        row["posted_at"] if row["posted_at_known"] else None,  # no velocity from an invented age
        row["kind"],
        tuple(topic for topic in topics if topic in sensitive) if topics and sensitive else (),
        row["source_id"] in setup.own_channels,
        words.harm,
        words.serious,
        words.calls,
        copies,
        setup.hour_count,
        setup.usual_hour,
    )


_SIGNAL_FIELDS = (
    "sentiment",
    "sentiment_score",
    "author_followers",
    "likes",
    "reposts",
    "replies",
    "posted_at",
    "posted_at_known",
    "kind",
    "topics",
    "source_id",
    "text",
    "language",
)
COPIES_WINDOW = timedelta(days=1)
VOLUME_WEEK = timedelta(days=7)


def copies_of(client_id: int, hashes: list[str], now: datetime) -> Counter:
    """Stored mentions of the client per content hash, posted in the last day (one query)."""
    hashes = sorted({h for h in hashes if h})
    if not hashes:
        return Counter()
    rows = (
        Mention.objects.unscoped()
        .filter(client_id=client_id, content_hash__in=hashes, posted_at__gte=now - COPIES_WINDOW)
        .values_list("content_hash")
        .annotate(n=Count("id"))
    )
    return Counter(dict(rows))


class BrandRiskSetup:
    """Rules, opening hours, sensitive topics and own channels of one brand, loaded once."""

    def __init__(self, brand) -> None:
        self.rules = risk_rules_of(brand)
        self.schedule = schedule_of(client=brand.client)
        self.sensitive = frozenset(
            Topic.objects.unscoped()
            .filter(Q(brand=brand) | Q(brand=None), client_id=brand.client_id, sensitive=True)
            .values_list("name", flat=True)
        )
        self.own_channels = frozenset(
            Source.objects.unscoped().filter(brand=brand, own_channel=True).values_list("pk", flat=True)
        )
        self.hour_count, self.usual_hour = _volume(brand, datetime.now(UTC))
        self._deadlines: dict = {}

    def deadlines(self, level: str, start: datetime) -> tuple:
        # Rows of one batch share their arrival time: a handful of computations per batch.
        key = (level, start)
        if key not in self._deadlines:
            if len(self._deadlines) > 64:
                self._deadlines.clear()
            self._deadlines[key] = deadlines(self.rules, self.schedule, level, start)
        return self._deadlines[key]


def _volume(brand, now: datetime) -> tuple[int, float]:
    """(mentions posted in the last hour, mean an hour over the week before; at least 1)."""
    hour_ago = now - timedelta(hours=1)
    counts = (
        Mention.objects.unscoped()
        .filter(brand=brand, posted_at__gte=hour_ago - VOLUME_WEEK)
        .aggregate(
            hour=Count("id", filter=Q(posted_at__gte=hour_ago)), week=Count("id", filter=Q(posted_at__lt=hour_ago))
        )
    )
    return counts["hour"], max(counts["week"] / (VOLUME_WEEK / timedelta(hours=1)), 1.0)


def risk_setup(context) -> BrandRiskSetup:
    """The brand's scoring setup, read once per ingestion (shared by new and grown mentions)."""
    setup = context.extras.get("risk")
    if setup is None:
        setup = context.extras["risk"] = BrandRiskSetup(context.brand)
    return setup


def rate_new_mentions(rows: list[dict], context) -> None:
    """Score each new mention and start its SLA clock."""
    setup = risk_setup(context)
    now = datetime.now(UTC)
    hashes = [row["content_hash"] for row in rows]
    copies = copies_of(context.brand.client_id, hashes, now) + Counter(h for h in hashes if h)
    for row in rows:
        rating = score(signals_of(row, setup, copies.get(row["content_hash"], 1)), setup.rules, now)
        row["risk_score"], row["risk_level"], row["risk_factors"] = rating.score, rating.level, rating.factors
        row["rated_at"] = now
        row["response_due_at"], row["response_warn_at"] = setup.deadlines(rating.level, row["ingested_at"])

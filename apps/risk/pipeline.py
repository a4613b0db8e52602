"""The risk steps of the ingestion pipeline (settings.INGEST_STEPS and INGEST_AFTER_INSERT)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db.models import Q

from apps.listening.models import Source, Topic

from .policy import deadlines, rules_for, schedule_for
from .scoring import Signals, score


def signals_of(row, sensitive: frozenset[str], own_channels: frozenset[int]) -> Signals:
    """The risk signals of a mention, from a pipeline row or (through getattr) a Mention."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    return Signals(
        sentiment=get("sentiment"),
        sentiment_score=get("sentiment_score"),
        followers=get("author_followers"),
        engagement=get("likes") + get("reposts") + get("replies"),
        posted_at=get("posted_at"),
        kind=get("kind"),
        sensitive_topics=tuple(topic for topic in get("topics") if topic in sensitive),
        own_channel=get("source_id") in own_channels,
    )


class BrandRiskSetup:
    """Rules, opening hours, sensitive topics and own channels of one brand, loaded once."""

    def __init__(self, brand) -> None:
        self.rules = rules_for(brand)
        self.schedule = schedule_for(brand.client)
        self.sensitive = frozenset(
            Topic.objects.unscoped()
            .filter(Q(brand=brand) | Q(brand=None), client_id=brand.client_id, sensitive=True)
            .values_list("name", flat=True)
        )
        self.own_channels = frozenset(
            Source.objects.unscoped().filter(brand=brand, own_channel=True).values_list("pk", flat=True)
        )
        self._deadlines: dict = {}

    def deadlines(self, level: str, start: datetime) -> tuple:
        # Rows of one batch share their arrival time: a handful of computations per batch.
        key = (level, start)
        if key not in self._deadlines:
            if len(self._deadlines) > 64:
                self._deadlines.clear()
            self._deadlines[key] = deadlines(self.rules, self.schedule, level, start)
        return self._deadlines[key]


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
    for row in rows:
        rating = score(signals_of(row, setup.sensitive, setup.own_channels), setup.rules, now)
        row["risk_score"], row["risk_level"], row["risk_factors"] = rating.score, rating.level, rating.factors
        row["rated_at"] = now
        row["response_due_at"], row["response_warn_at"] = setup.deadlines(rating.level, row["ingested_at"])

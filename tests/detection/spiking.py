"""A brand with a warm baseline and a replay source that jumps to ten times its rate: the live
path of crisis detection, shared by its test and bench/bench_spike_alert_latency.py."""

from __future__ import annotations

from datetime import datetime, timedelta

from apps.detection.models import ALL_CHANNELS, MentionCount, Metric
from apps.detection.services import learn_from_history
from apps.listening.models import SourceKind
from apps.listening.services import source_create
from tests.factories import BrandFactory, UserFactory

PER_MINUTE = 6  # a quiet brand
JUMP = 10  # times its rate


def spiking_brand(client, *, name: str, spike_at_minute: float, now: datetime):
    """A brand whose detector has learnt three days of its usual rate, whose last quarter hour
    of counts is in place, and whose replay source jumps ``spike_at_minute`` after its first
    poll (the source's cursor then says when it started)."""
    brand = BrandFactory(client=client, name=name, languages=["en"])
    minute = now.replace(second=0, microsecond=0)
    usual = 15 * PER_MINUTE
    windows = ((minute - timedelta(minutes=back), usual) for back in range(3 * 24 * 60, 0, -1))
    learn_from_history(brand=brand, metric=Metric.VOLUME, windows=windows)
    MentionCount.objects.bulk_create(
        MentionCount(brand=brand, channel=ALL_CHANNELS, start=minute - timedelta(minutes=back), mentions=PER_MINUTE)
        for back in range(1, 16)
    )
    source, _ = source_create(
        actor=UserFactory(is_agency_admin=True),
        client=client,
        brand=brand,
        kind=SourceKind.REPLAY,
        name=f"{name} replay",
        config={
            "rate_per_minute": PER_MINUTE,
            "languages": ["en"],
            "spike_at_minute": spike_at_minute,
            "spike_minutes": 15,
            "spike_multiplier": JUMP,
            "seed": brand.pk,
        },
        poll_interval=30,
    )
    source.next_poll_at = now
    source.save(update_fields=["next_poll_at"])
    return brand, source


def jumped_at(source) -> datetime:
    source.refresh_from_db()
    return datetime.fromisoformat(source.cursor["started"]) + timedelta(minutes=source.config["spike_at_minute"])

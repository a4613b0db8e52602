"""Mention counts per brand and minute, written with the mentions, folded into hours later."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.detection.models import MentionCount
from apps.detection.rollups import fold_old_minutes, reach_weight
from apps.listening.connectors.base import RawMention
from apps.listening.pipeline import ingest
from tests.factories import BrandFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 10, 15, 30, tzinfo=UTC)


class Clock(datetime):
    """The pipeline's arrival time, set by the test."""

    current = NOW

    @classmethod
    def now(cls, tz=None):
        return cls.current


@pytest.fixture
def clock(monkeypatch):
    from apps.listening import pipeline

    monkeypatch.setattr(pipeline, "datetime", Clock)
    Clock.current = NOW
    return Clock


@pytest.fixture
def brand(client_a):
    return BrandFactory(client=client_a, name="Havbris", languages=["en"])


def post(external_id, text, platform="mastodon", **extra):
    return RawMention(platform=platform, external_id=external_id, text=text, posted_at=NOW, **extra)


BATCH = [
    post("1", "Havbris you ruined my weekend, worst service ever", author_handle="@ann", author_followers=999),
    post("2", "When does the Havbris shop open tomorrow?", author_handle="@bo"),
    post("3", "Havbris, answer us! Terrible service, boycott until you do", author_handle="@ann", platform="bluesky"),
    post("4", "Havbris pilsner tonight, lovely", author_handle="@cy", platform="bluesky"),
]


def counts(brand):
    return {
        row.channel: row
        for row in MentionCount.objects.filter(brand=brand, start=NOW.replace(second=0, microsecond=0), minutes=1)
    }


def test_a_batch_is_counted_per_brand_and_channel_in_one_statement(brand, clock):
    with CaptureQueriesContext(connection) as queries:
        ingest(BATCH, brand=brand)
    upserts = [
        q
        for q in queries.captured_queries
        if q["sql"].startswith(f"\n        INSERT INTO {MentionCount._meta.db_table}")
    ]
    assert len(upserts) == 1
    rows = counts(brand)
    assert set(rows) == {"", "mastodon", "bluesky"}
    total = rows[""]
    assert (total.mentions, total.negative, total.asking, len(total.authors)) == (4, 2, 2, 3)
    assert total.reach == pytest.approx(reach_weight(999) + 3.0)
    assert (rows["mastodon"].mentions, rows["bluesky"].mentions, len(rows["bluesky"].authors)) == (2, 2, 2)


def test_batches_in_the_same_minute_add_up_and_authors_stay_unique(brand, clock):
    ingest(BATCH[:2], brand=brand)
    ingest(BATCH[2:], brand=brand)
    total = counts(brand)[""]
    assert (total.mentions, total.negative, len(total.authors)) == (4, 2, 3)


def test_old_minutes_fold_into_hours(brand, clock):
    old = NOW - timedelta(days=20)
    for minute, batch in ((0, BATCH[:2]), (30, BATCH[2:])):
        clock.current = old.replace(minute=minute)
        ingest(batch, brand=brand)
    clock.current = NOW
    ingest([post("5", "Havbris again", author_handle="@dee")], brand=brand)

    assert fold_old_minutes(NOW) == 3  # the total and the two channels' hours
    hour = MentionCount.objects.get(brand=brand, channel="", minutes=60)
    assert hour.start == old.replace(minute=0, second=0, microsecond=0)
    assert (hour.mentions, hour.negative, hour.asking, len(hour.authors)) == (4, 2, 2, 3)
    assert not MentionCount.objects.filter(minutes=1, start__lt=NOW - timedelta(days=1)).exists()
    assert counts(brand)[""].mentions == 1  # today's minute is kept
    assert fold_old_minutes(NOW) == 0


def test_a_mention_without_a_platform_counts_once(brand, clock):
    ingest([post("x", "Havbris without a platform", platform="")], brand=brand)
    assert {row.channel: row.mentions for row in MentionCount.objects.filter(brand=brand)} == {"": 1}

"""A source back from an outage, a first fetch and an import catch up: what was posted meanwhile
is counted when it was posted, so its arrival all at once is no spike. Late news still counts now."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.detection.models import MentionCount, Metric, SpikeAlert
from apps.detection.services import learn_from_history, run_detector_pass
from apps.listening.connectors.base import RawMention
from apps.listening.pipeline import ingest
from apps.listening.services import catching_up_since
from tests.factories import BrandFactory, SourceFactory

pytestmark = pytest.mark.django_db

PER_MINUTE = 4


def warm(brand, minute):
    rng = random.Random(brand.pk)
    windows = [
        (minute - timedelta(minutes=back), sum(rng.choice((3, 4, 5)) for _ in range(15)))
        for back in range(3 * 24 * 60, 0, -1)
    ]
    learn_from_history(brand=brand, metric=Metric.VOLUME, windows=windows)


def an_hours_backlog(brand, minute):
    """What a source missed in an hour down: the brand's usual four mentions a minute."""
    return [
        RawMention(
            platform="mastodon",
            external_id=f"{brand.pk}-{n}",
            text=f"{brand.name} as usual, post {n}",
            posted_at=minute - timedelta(seconds=15 * n),
        )
        for n in range(60 * PER_MINUTE)
    ]


def test_a_source_back_from_an_hour_down_is_no_spike_and_fills_the_gap(client_a):
    minute = timezone.now().replace(second=0, microsecond=0)
    back, burst = BrandFactory(client=client_a, name="Havbris"), BrandFactory(client=client_a, name="Nordkyst")
    for brand in (back, burst):
        warm(brand, minute)
    ingest(an_hours_backlog(back, minute), brand=back, catching_up_since=minute - timedelta(hours=1))
    ingest(an_hours_backlog(burst, minute), brand=burst)  # the same posts, fetched late without an outage
    run_detector_pass(now=minute + timedelta(minutes=1))
    assert list(SpikeAlert.objects.values_list("brand", flat=True)) == [burst.pk]  # late news counts on arrival
    minutes = MentionCount.objects.filter(brand=back, channel="")
    assert minutes.count() >= 60 and max(minutes.values_list("mentions", flat=True)) <= PER_MINUTE + 1


def test_which_polls_catch_up(client_a):
    now = timezone.now()
    source = SourceFactory(brand=BrandFactory(client=client_a), poll_interval=60, last_success_at=None)
    assert catching_up_since(source=source, now=now).year == 1970  # a first fetch: all of it
    source.last_success_at = now - timedelta(minutes=2)
    assert catching_up_since(source=source, now=now) is None  # polled on time: arrivals are news
    source.last_success_at = now - timedelta(minutes=45)
    assert catching_up_since(source=source, now=now) == source.last_success_at
    source.poll_interval, source.last_success_at = 3600, now - timedelta(minutes=60)
    # a source polled hourly brings an hour at once every time: counted when posted, no lump
    assert catching_up_since(source=source, now=now) == source.last_success_at


def test_posts_dated_in_the_future_count_now_not_in_minutes_to_come(client_a):
    brand = BrandFactory(client=client_a, name="Havbris")
    minute = timezone.now().replace(second=0, microsecond=0)
    skewed = [
        RawMention(platform="x", external_id=str(n), text="Havbris skewed", posted_at=minute + timedelta(hours=2))
        for n in range(5)
    ]
    ingest(skewed, brand=brand, catching_up_since=minute - timedelta(hours=1))
    assert set(MentionCount.objects.filter(brand=brand).values_list("start", flat=True)) <= {
        minute,
        minute + timedelta(minutes=1),
    }


def test_a_push_that_waited_for_a_worker_catches_up(client_a, settings):
    from apps.listening.models import PushedBatch, SourceKind
    from apps.listening.webhooks import ingest_pushed

    brand = BrandFactory(client=client_a, name="Havbris")
    source = SourceFactory(brand=brand, kind=SourceKind.WEBHOOK)
    minute = timezone.now().replace(second=0, microsecond=0)
    posted = minute - timedelta(minutes=50)
    records = [{"id": str(n), "text": "Havbris pushed", "posted_at": posted.isoformat()} for n in range(30)]
    batch = PushedBatch.objects.create(client=client_a, source=source, records=records)
    PushedBatch.objects.filter(pk=batch.pk).update(received_at=posted)  # the worker was down since
    ingest_pushed(batch.pk)
    counted = dict(MentionCount.objects.filter(brand=brand, channel="").values_list("start", "mentions"))
    assert counted == {posted: 30}

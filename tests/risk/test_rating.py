"""Rating on arrival, history, overrides, re-rating on growth, the SLA clock it sets."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.listening.connectors.base import RawMention
from apps.listening.pipeline import ingest
from apps.mentions.models import Mention
from apps.mentions.services import sla_stop
from apps.risk.models import RiskRating
from apps.risk.selectors import ratings_of
from apps.risk.services import mention_override_risk
from tests.factories import BrandFactory, RiskPolicyFactory, SourceFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def brand(client_a):
    return BrandFactory(client=client_a, name="Havbris", languages=["da", "en"])


def angry(external_id="1", **extra):
    return RawMention(
        platform="mastodon",
        external_id=external_id,
        text="Havbris is a disgrace, the delivery never came and nobody answers. Terrible service!",
        author_followers=extra.pop("followers", 200),
        posted_at=extra.pop("posted_at", datetime.now(UTC) - timedelta(hours=2)),
        **extra,
    )


def test_new_mentions_are_rated_with_history_and_a_clock(brand):
    before = timezone.now()
    ingest([angry()], brand=brand)
    mention = Mention.objects.get()
    assert mention.risk_level and mention.risk_score is not None and mention.risk_factors
    [rating] = ratings_of(mention=mention)
    assert (rating.level, rating.score, rating.factors, rating.actor, rating.is_override, rating.rated_at) == (
        mention.risk_level,
        mention.risk_score,
        mention.risk_factors,
        None,
        False,
        mention.rated_at,
    )
    # Kept on the mention alone until another rating replaces it (see the override test).
    assert not RiskRating.objects.filter(mention=mention).exists()
    # No business hours set: every level's clock runs around the clock from arrival.
    target = {"low": 1440, "medium": 180, "high": 60, "critical": 30}[mention.risk_level]
    assert mention.response_due_at - mention.ingested_at == timedelta(minutes=target)
    assert mention.response_warn_at - mention.ingested_at == timedelta(minutes=target * 0.75)
    assert mention.rated_at >= before


def test_brand_policy_wins_over_client_policy(brand, client_a):
    RiskPolicyFactory(client=client_a, medium_from=1, high_from=2, critical_from=3)
    RiskPolicyFactory(client=client_a, brand=brand, medium_from=97, high_from=98, critical_from=99)
    ingest([angry()], brand=brand)
    assert Mention.objects.get().risk_level == "low"


def test_sensitive_topic_and_own_channel_count(brand, client_a):
    TopicFactory(client=client_a, brand=brand, name="recall", keywords=["recall"], sensitive=True)
    own = SourceFactory(brand=brand, own_channel=True)
    ingest(
        [RawMention(platform="facebook", external_id="9", text="Havbris recall: is my bottle safe? Terrible!")],
        brand=brand,
        source_id=own.pk,
    )
    mention = Mention.objects.get(external_id="9")
    factors = {factor["factor"] for factor in mention.risk_factors}
    assert {"sensitive_topic", "own_channel"} <= factors


def test_growing_post_climbs_a_level_and_moves_its_deadline(brand, account_lead):
    ingest([angry(followers=50_000)], brand=brand)
    first = Mention.objects.get()
    ingest([angry(followers=50_000, likes=40_000, reposts=9_000, replies=3_000)], brand=brand)
    grown = Mention.objects.get()
    assert grown.likes == 40_000
    assert grown.risk_score > first.risk_score
    assert grown.risk_level != first.risk_level
    assert grown.response_due_at < first.response_due_at
    assert RiskRating.objects.filter(mention=grown).count() == 2
    event = AuditEvent.objects.get(action="mention.rerated")
    assert (event.actor_label, event.before["risk_level"], event.after["risk_level"]) == (
        "system",
        first.risk_level,
        grown.risk_level,
    )


def test_growth_in_many_batches_reads_the_brands_setup_once(brand, account_lead):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.mentions.models import Topic

    ingest([angry(str(n), followers=50_000) for n in range(6)], brand=brand)
    grown = [angry(str(n), followers=50_000, likes=40_000, reposts=9_000, replies=3_000) for n in range(6)]
    with CaptureQueriesContext(connection) as queries:
        ingest(grown, brand=brand, batch_size=2)  # three batches of grown mentions
    topic_reads = [q for q in queries if f'FROM "{Topic._meta.db_table}"' in q["sql"]]
    # The pipeline's topics and the risk setup's sensitive ones: once each, not once a batch.
    assert len(topic_reads) == 2
    assert RiskRating.objects.count() == 12


def test_a_later_poll_with_more_engagement_re_rates_the_post(brand, httpserver):
    from apps.listening.services import poll_source

    posted = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    post = {
        "uri": "at://did:plc:kunde/app.bsky.feed.post/3kgrowing",
        "author": {"did": "did:plc:kunde", "handle": "kunde.bsky.social", "displayName": "Kunde"},
        "record": {"text": angry().text, "createdAt": posted, "langs": ["en"]},
        "indexedAt": posted,
        "likeCount": 0,
        "repostCount": 0,
        "replyCount": 0,
    }
    search = "/appview/xrpc/app.bsky.feed.searchPosts"
    httpserver.expect_oneshot_request(search).respond_with_json({"posts": [post]})
    httpserver.expect_oneshot_request(search).respond_with_json(
        {"posts": [{**post, "likeCount": 40_000, "repostCount": 9_000, "replyCount": 3_000}]}
    )
    source = SourceFactory(
        brand=brand,
        kind="bluesky",
        config={"base_url": httpserver.url_for("/appview"), "pds_url": "https://pds.invalid", "query": "Havbris"},
    )

    poll_source(source_id=source.pk)
    first = Mention.objects.get()
    poll_source(source_id=source.pk)
    grown = Mention.objects.get()

    assert (grown.likes, grown.reposts, grown.replies) == (40_000, 9_000, 3_000)
    assert grown.risk_score > first.risk_score
    assert list(RiskRating.objects.filter(mention=grown).order_by("pk").values_list("score", flat=True)) == [
        first.risk_score,
        grown.risk_score,
    ]
    httpserver.check_assertions()


def test_override_needs_a_reason_and_is_not_overwritten_by_the_system(brand, responder):
    ingest([angry()], brand=brand)
    mention = Mention.objects.get()
    rated = Mention.objects.get()
    with pytest.raises(ValidationError) as missing:
        mention_override_risk(actor=responder, mention=mention, level="critical", reason=" ")
    assert "reason" in missing.value.message_dict
    mention_override_risk(actor=responder, mention=mention, level="critical", reason="Journalist asked about it")
    mention.refresh_from_db()
    assert (mention.risk_level, mention.risk_overridden) == ("critical", True)
    assert mention.response_due_at - mention.ingested_at == timedelta(minutes=30)
    override = RiskRating.objects.get(is_override=True)
    assert (override.actor, override.reason) == (responder, "Journalist asked about it")
    # The arrival rating it replaced joined the history as it was: the system's, at arrival.
    arrival = RiskRating.objects.get(is_override=False)
    assert (arrival.level, arrival.score, arrival.actor, arrival.rated_at, arrival.factors) == (
        rated.risk_level,
        rated.risk_score,
        None,
        rated.rated_at,
        rated.risk_factors,
    )
    assert [r.pk for r in ratings_of(mention=mention)] == [override.pk, arrival.pk]
    assert AuditEvent.objects.filter(action="mention.rerated", actor=responder).exists()

    ingest([angry(likes=1)], brand=brand)  # new engagement arrives
    mention.refresh_from_db()
    assert (mention.risk_level, mention.likes) == ("critical", 1)
    assert RiskRating.objects.filter(mention=mention).count() == 2


def test_override_needs_the_right_to_work_mentions(brand, analyst, client_viewer):
    ingest([angry()], brand=brand)
    mention = Mention.objects.get()
    for person in (analyst, client_viewer):
        with pytest.raises(PermissionDenied):
            mention_override_risk(actor=person, mention=mention, level="low", reason="no")


def test_first_response_stops_the_clock_once(brand, responder):
    ingest([angry()], brand=brand)
    mention = Mention.objects.get()
    assert sla_stop(actor=responder, mention=mention)
    first = Mention.objects.get().first_response_at
    assert not sla_stop(actor=responder, mention=mention, at=first + timedelta(hours=1))
    assert Mention.objects.get().first_response_at == first
    assert AuditEvent.objects.filter(action="mention.first_response").count() == 1


def test_a_post_of_another_brand_that_grows_is_rated_with_its_own_brand(brand, client_a):
    other = BrandFactory(client=client_a, name="Havbris Outlet", aliases=["Havbris"], languages=["da", "en"])
    own = SourceFactory(brand=other, own_channel=True)
    ingest([angry(followers=50_000)], brand=other, source_id=own.pk)
    first = Mention.objects.get()
    assert "own_channel" in {factor["factor"] for factor in first.risk_factors}
    # The same post comes back, grown, through the other brand's ingestion of this client.
    ingest([angry(followers=50_000, likes=40_000, reposts=9_000, replies=3_000)], brand=brand)
    grown = Mention.objects.get()
    assert grown.risk_score > first.risk_score and grown.brand == other
    assert "own_channel" in {factor["factor"] for factor in grown.risk_factors}

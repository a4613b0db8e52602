"""Mastodon connector against a local server replaying real Mastodon payloads."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from werkzeug import Response

from apps.core.http import FetchError, SafeHttpClient
from apps.listening.connectors import get_connector
from apps.listening.connectors.mastodon import MAX_PAGES, MAX_PARENT_LOOKUPS
from apps.listening.pipeline import ingest
from apps.mentions.models import Mention
from apps.mentions.selectors import conversation_of
from tests.factories import BrandFactory
from tests.listening.platform_fixtures import assert_well_formed, hostile_variants, load_sample

connector = get_connector("mastodon")
TAG_PATH = "/api/v1/timelines/tag/hoot"


@pytest.fixture
def http():
    with SafeHttpClient(allow_private=True) as client:
        yield client


def hashtag_config(httpserver, **changes) -> dict:
    return {"base_url": httpserver.url_for("/").rstrip("/"), "mode": "hashtag", "hashtag": "hoot", **changes}


def public_timeline() -> list[dict]:
    return load_sample("mastodon", "mastodonpy_test_public_tl_response_1.json")


def next_link(httpserver, max_id: str) -> dict:
    url = httpserver.url_for(TAG_PATH)
    return {"Link": f'<{url}?max_id={max_id}>; rel="next", <{url}?min_id=999>; rel="prev"'}


def test_hashtag_timeline_maps_statuses_to_mentions(httpserver, http):
    statuses = load_sample("mastodon", "mastodonpy_test_hashtag_tl_response_1.json")
    httpserver.expect_request(TAG_PATH, method="GET", query_string={"limit": "40"}).respond_with_json(statuses)

    result = connector.fetch(config=hashtag_config(httpserver), credentials={}, cursor={}, http=http)

    [mention] = result.mentions
    assert mention.platform == "mastodon"
    assert mention.external_id == "http://localhost:3000/ap/users/117020566092212359/statuses/117020593741189701"
    assert mention.url == "http://localhost:3000/@mastodonpy_test_2/117020593741189701"
    assert mention.is_html is True
    assert "(hashtag toot)" in mention.text
    # No display name: the handle stands in, completed with the instance's domain.
    assert mention.author_handle == "@mastodonpy_test_2@localhost"
    assert mention.author_name == "mastodonpy_test_2@localhost"
    assert mention.author_url == "http://localhost:3000/@mastodonpy_test_2"
    assert mention.author_followers == 0
    assert mention.posted_at == datetime(2026, 8, 1, 13, 55, 55, 867000, tzinfo=UTC)
    assert mention.language_hint == "ja"
    assert (mention.likes, mention.reposts, mention.replies) == (0, 0, 0)
    assert mention.parent_external_id == ""
    assert mention.raw == statuses[0]
    assert result.cursor["since_id"] == "117020593741189701"
    httpserver.check_assertions()


def test_author_and_counts_come_from_the_status(httpserver, http):
    statuses = load_sample("mastodon", "mastodondart_account_statuses.json")
    statuses[1] = {
        **statuses[1],
        "favourites_count": 12,
        "reblogs_count": 3,
        "replies_count": 2,
        "in_reply_to_id": "109582726254665165",
        "spoiler_text": "brand talk",
    }
    httpserver.expect_request(TAG_PATH).respond_with_json(statuses)

    first, second = connector.fetch(config=hashtag_config(httpserver), credentials={}, cursor={}, http=http).mentions

    assert first.author_name == "Shinya Kato"
    assert first.author_handle == "@shinyakato@localhost"
    assert first.author_followers == 4
    assert first.url == "https://mastodon.world/@shinyakato/109582726254665165"
    assert (second.likes, second.reposts, second.replies) == (12, 3, 2)
    # The parent is named as mentions are keyed: by its URI, not this instance's id.
    assert second.parent_external_id == first.external_id
    assert first.external_id.startswith("https://") and first.external_id.endswith("/109582726254665165")
    assert second.title == "brand talk"
    assert second.posted_at == datetime(2022, 12, 27, 0, 6, 33, 822000, tzinfo=UTC)


def test_pages_back_with_the_link_header_until_a_short_page(httpserver, http):
    statuses = public_timeline()
    httpserver.expect_ordered_request(TAG_PATH, query_string={"limit": "4"}).respond_with_json(
        statuses[:4], headers=next_link(httpserver, statuses[3]["id"])
    )
    httpserver.expect_ordered_request(
        TAG_PATH, query_string={"limit": "4", "max_id": statuses[3]["id"]}
    ).respond_with_json(statuses[4:7])

    result = connector.fetch(config=hashtag_config(httpserver, limit=4), credentials={}, cursor={}, http=http)

    assert [m.raw["id"] for m in result.mentions] == [s["id"] for s in statuses[:7]]
    assert result.cursor["since_id"] == statuses[0]["id"]
    httpserver.check_assertions()
    assert not httpserver.ordered_handlers


def test_without_a_link_header_the_last_id_pages_back(httpserver, http):
    statuses = public_timeline()
    httpserver.expect_ordered_request(TAG_PATH, query_string={"limit": "4"}).respond_with_json(statuses[:4])
    httpserver.expect_ordered_request(
        TAG_PATH, query_string={"limit": "4", "max_id": statuses[3]["id"]}
    ).respond_with_json(statuses[4:])
    httpserver.expect_ordered_request(
        TAG_PATH, query_string={"limit": "4", "max_id": statuses[7]["id"]}
    ).respond_with_json([])

    result = connector.fetch(config=hashtag_config(httpserver, limit=4), credentials={}, cursor={}, http=http)

    assert len(result.mentions) == 8
    httpserver.check_assertions()
    assert not httpserver.ordered_handlers


def test_paging_is_bounded(httpserver, http):
    statuses = public_timeline()
    served = []

    def endless(request):
        # Every page is full and points further back, as a very busy hashtag would.
        page = [
            {**status, "id": str(10**17 - len(served) * 10 - n), "uri": f"{status['uri']}/{len(served)}"}
            for n, status in enumerate(statuses[:2])
        ]
        served.append(page)
        return Response(
            json.dumps(page), content_type="application/json", headers=next_link(httpserver, page[-1]["id"])
        )

    httpserver.expect_request(TAG_PATH).respond_with_handler(endless)

    result = connector.fetch(config=hashtag_config(httpserver, limit=2), credentials={}, cursor={}, http=http)

    assert len(served) == MAX_PAGES
    assert len(result.mentions) == 2 * MAX_PAGES


def test_a_second_poll_with_the_cursor_finds_nothing_new(httpserver, http):
    statuses = public_timeline()
    httpserver.expect_ordered_request(TAG_PATH, query_string={"limit": "40"}).respond_with_json(statuses)
    # The second poll reads back to the oldest status still watched, for their counts. This server
    # ignores since_id, as a stale cache might: the connector still skips what it saw.
    oldest = min((status["id"] for status in statuses), key=lambda status_id: (len(status_id), status_id))
    httpserver.expect_ordered_request(TAG_PATH, query_string={"limit": "40", "since_id": oldest}).respond_with_json(
        statuses
    )

    first = connector.fetch(config=hashtag_config(httpserver), credentials={}, cursor={}, http=http)
    second = connector.fetch(config=hashtag_config(httpserver), credentials={}, cursor=first.cursor, http=http)

    assert len(first.mentions) == 8
    assert second.mentions == []
    assert second.cursor == first.cursor
    httpserver.check_assertions()


def test_reaching_the_cursor_stops_paging(httpserver, http):
    statuses = public_timeline()
    fresh = {**statuses[0], "id": "117020600000000000", "uri": "https://example.social/statuses/new"}
    httpserver.expect_ordered_request(
        TAG_PATH, query_string={"limit": "2", "since_id": statuses[0]["id"]}
    ).respond_with_json([fresh, statuses[0]], headers=next_link(httpserver, statuses[0]["id"]))

    cursor = {"since_id": statuses[0]["id"]}
    result = connector.fetch(config=hashtag_config(httpserver, limit=2), credentials={}, cursor=cursor, http=http)

    assert [m.external_id for m in result.mentions] == ["https://example.social/statuses/new"]
    assert result.cursor["since_id"] == "117020600000000000"
    httpserver.check_assertions()
    assert not httpserver.ordered_handlers


def test_search_sends_the_token_and_pages_from_min_id(httpserver, http):
    statuses = public_timeline()
    httpserver.expect_request(
        "/api/v2/search",
        query_string={"q": "Kate editor", "type": "statuses", "limit": "40", "min_id": "117020574694606796"},
        headers={"Authorization": "Bearer s3cret-token"},
    ).respond_with_json({"accounts": [], "statuses": statuses[:6], "hashtags": []})
    config = {"base_url": httpserver.url_for("/").rstrip("/"), "mode": "search", "query": "Kate editor"}

    result = connector.fetch(
        config=config,
        credentials={"access_token": "s3cret-token"},
        cursor={"since_id": "117020574694606796"},
        http=http,
    )

    assert len(result.mentions) == 6
    assert result.cursor["since_id"] == statuses[0]["id"]
    httpserver.check_assertions()


def test_without_a_token_no_authorization_is_sent(httpserver, http):
    httpserver.expect_request(TAG_PATH).respond_with_json([])

    result = connector.fetch(config=hashtag_config(httpserver), credentials={}, cursor={}, http=http)

    assert result.mentions == [] and result.cursor == {}
    [(request, _response)] = httpserver.log
    assert "Authorization" not in request.headers


def test_a_boost_stands_for_the_boosted_status(httpserver, http):
    original = public_timeline()[1]
    boost = {
        **copy.deepcopy(public_timeline()[0]),
        "id": "117020599999999999",
        "content": "",
        "uri": "http://localhost:3000/users/booster/statuses/1/activity",
        "reblog": original,
    }
    httpserver.expect_request(TAG_PATH).respond_with_json([boost, original])

    result = connector.fetch(config=hashtag_config(httpserver), credentials={}, cursor={}, http=http)

    [mention] = result.mentions  # the boost and the original are one mention
    assert mention.external_id == original["uri"]
    assert mention.text == original["content"]
    assert mention.author_handle == "@admin@localhost"
    assert result.cursor["since_id"] == "117020599999999999"  # timeline position of the boost


def test_rate_limit_gives_retry_after(httpserver, http):
    httpserver.expect_request(TAG_PATH).respond_with_data("slow down", status=429, headers={"Retry-After": "30"})

    with pytest.raises(FetchError) as caught:
        connector.fetch(config=hashtag_config(httpserver), credentials={}, cursor={}, http=http)

    assert caught.value.status == 429
    assert caught.value.retry_after == 30


def test_server_error_is_a_fetch_error(httpserver, http):
    httpserver.expect_request(TAG_PATH).respond_with_data("oops", status=500)

    with pytest.raises(FetchError) as caught:
        connector.fetch(config=hashtag_config(httpserver), credentials={}, cursor={}, http=http)

    assert caught.value.status == 500


@pytest.mark.parametrize(
    ("mode", "body"),
    [
        ("hashtag", b"<html>Maintenance</html>"),
        ("hashtag", b'{"error": "This method requires an authenticated user"}'),
        ("hashtag", b"[" * 100_000 + b"]" * 100_000),
        ("hashtag", b'[{"id": "1", "favourites_count": NaN}]'),
        ("search", b'{"statuses": {"not": "a list"}}'),
        ("search", b"[]"),
    ],
    ids=["html", "object", "deep-nesting", "nan", "statuses-not-a-list", "list-for-search"],
)
def test_garbage_bodies_are_fetch_errors(httpserver, http, mode, body):
    httpserver.expect_request(TAG_PATH if mode == "hashtag" else "/api/v2/search").respond_with_data(
        body, content_type="application/json"
    )
    config = hashtag_config(httpserver, mode=mode, query="brand")

    with pytest.raises(FetchError):
        connector.fetch(config=config, credentials={}, cursor={}, http=http)


def test_hostile_statuses_are_skipped_or_mapped_safely(httpserver, http):
    status = load_sample("mastodon", "mastodonpy_test_hashtag_tl_response_1.json")[0]
    page = list(hostile_variants(status, max_depth=3))
    httpserver.expect_request(TAG_PATH, query_string={"limit": "40"}).respond_with_json(page)
    httpserver.expect_request(TAG_PATH).respond_with_json([])

    result = connector.fetch(config=hashtag_config(httpserver), credentials={}, cursor={"since_id": []}, http=http)

    assert result.mentions
    for mention in result.mentions:
        assert_well_formed(mention)


def test_validate_config_cleans_a_good_config():
    cleaned = connector.validate_config(
        {"base_url": " https://mastodon.social/ ", "mode": "hashtag", "hashtag": "#Hoot"}, {}
    )
    assert cleaned == {"base_url": "https://mastodon.social", "mode": "hashtag", "hashtag": "Hoot", "limit": 40}

    cleaned = connector.validate_config(
        {"base_url": "https://fosstodon.org", "mode": "search", "query": " brand ", "limit": "20"},
        {"access_token": "abc"},
    )
    assert cleaned == {"base_url": "https://fosstodon.org", "mode": "search", "query": "brand", "limit": 20}


@pytest.mark.parametrize(
    ("config", "credentials", "field"),
    [
        ({"base_url": "http://mastodon.social", "mode": "hashtag", "hashtag": "x"}, {}, "base_url"),
        ({"base_url": "mastodon.social", "mode": "hashtag", "hashtag": "x"}, {}, "base_url"),
        ({"base_url": "https://me:pw@mastodon.social", "mode": "hashtag", "hashtag": "x"}, {}, "base_url"),
        ({"mode": "hashtag", "hashtag": "x"}, {}, "base_url"),
        ({"base_url": "https://mastodon.social", "hashtag": "x"}, {}, "mode"),
        ({"base_url": "https://mastodon.social", "mode": "timeline"}, {}, "mode"),
        ({"base_url": "https://mastodon.social", "mode": "hashtag", "hashtag": "two words"}, {}, "hashtag"),
        ({"base_url": "https://mastodon.social", "mode": "hashtag"}, {}, "hashtag"),
        ({"base_url": "https://mastodon.social", "mode": "search", "query": "  "}, {}, "query"),
        ({"base_url": "https://mastodon.social", "mode": "search", "query": "q" * 501}, {}, "query"),
        ({"base_url": "https://mastodon.social", "mode": "search", "query": "q", "limit": 41}, {}, "limit"),
        ({"base_url": "https://mastodon.social", "mode": "search", "query": "q", "limit": "ten"}, {}, "limit"),
        ({"base_url": "https://mastodon.social", "mode": "search", "query": "q"}, {"access_token": 42}, "access_token"),
        (
            {"base_url": "https://mastodon.social", "mode": "search", "query": "q"},
            {"access_token": "abc\ndef"},
            "access_token",
        ),
    ],
)
def test_validate_config_refuses_bad_settings(config, credentials, field):
    with pytest.raises(ValidationError) as caught:
        connector.validate_config(config, credentials)

    assert field in caught.value.message_dict


def test_watched_statuses_are_read_again_and_handed_on_when_they_grow(httpserver, http):
    statuses = public_timeline()
    grown = copy.deepcopy(statuses)
    grown[5]["favourites_count"] += 30
    grown[5]["replies_count"] += 4
    httpserver.expect_ordered_request(TAG_PATH, query_string={"limit": "40"}).respond_with_json(statuses)
    oldest = min((status["id"] for status in statuses), key=lambda status_id: (len(status_id), status_id))
    httpserver.expect_ordered_request(TAG_PATH, query_string={"limit": "40", "since_id": oldest}).respond_with_json(
        grown
    )

    first = connector.fetch(config=hashtag_config(httpserver), credentials={}, cursor={}, http=http)
    second = connector.fetch(config=hashtag_config(httpserver), credentials={}, cursor=first.cursor, http=http)

    assert [(m.likes, m.replies) for m in second.mentions] == [
        (grown[5]["favourites_count"], grown[5]["replies_count"])
    ]
    assert second.cursor["since_id"] == first.cursor["since_id"]
    httpserver.check_assertions()


def _reply_to(status: dict, parent_id: str, number: int) -> dict:
    return {
        **status,
        "id": f"1170205937411897{number:02}",
        "uri": f"https://other.example/users/a/statuses/{number}",
        "url": f"https://other.example/@a/{number}",
        "in_reply_to_id": parent_id,
    }


def test_replies_join_parents_outside_the_page_by_asking_the_instance(httpserver, http):
    [toot, *_] = public_timeline()
    parent = {**toot, "id": "555", "uri": "https://far.example/users/b/statuses/555"}
    replies = [_reply_to(toot, "555", 1), _reply_to(toot, "556", 2), _reply_to(toot, "", 3)]
    replies.append({**_reply_to(toot, "555", 4), "in_reply_to_id": {"$gt": ""}})  # hostile: not an id
    httpserver.expect_request(TAG_PATH).respond_with_json(replies)
    httpserver.expect_request("/api/v1/statuses/555").respond_with_json(parent)
    httpserver.expect_request("/api/v1/statuses/556").respond_with_json({"error": "Record not found"}, status=404)

    mentions = connector.fetch(config=hashtag_config(httpserver), credentials={}, cursor={}, http=http).mentions

    assert [m.parent_external_id for m in mentions] == ["https://far.example/users/b/statuses/555", "", "", ""]
    assert mentions[1].raw["in_reply_to_id"] == "556"  # kept, though the instance would not show it
    asked = [request.path for request, _ in httpserver.log if request.path.startswith("/api/v1/statuses/")]
    assert sorted(asked) == ["/api/v1/statuses/555", "/api/v1/statuses/556"]


def test_parent_lookups_per_poll_are_capped(httpserver, http):
    [toot, *_] = public_timeline()
    replies = [_reply_to(toot, str(900 + n), n) for n in range(MAX_PARENT_LOOKUPS + 5)]
    httpserver.expect_request(TAG_PATH).respond_with_json(replies)
    httpserver.expect_request(re.compile(r"/api/v1/statuses/\d+")).respond_with_json({}, status=404)

    mentions = connector.fetch(config=hashtag_config(httpserver), credentials={}, cursor={}, http=http).mentions

    assert len(mentions) == MAX_PARENT_LOOKUPS + 5
    assert len([r for r, _ in httpserver.log if r.path.startswith("/api/v1/statuses/")]) == MAX_PARENT_LOOKUPS


@pytest.mark.django_db
def test_a_reply_and_its_parent_show_as_one_thread(httpserver, http, client_a, responder):
    """Through the pipeline: the mention page finds the parent and the parent its reply."""
    brand = BrandFactory(client=client_a, name="Havbris")
    [toot, *_] = public_timeline()
    parent = {**toot, "content": "<p>Havbris lost my order</p>"}
    reply = {**_reply_to(toot, toot["id"], 7), "content": "<p>Same here with Havbris</p>"}
    httpserver.expect_request(TAG_PATH).respond_with_json([reply, parent])
    ingest(
        connector.fetch(config=hashtag_config(httpserver), credentials={}, cursor={}, http=http).mentions, brand=brand
    )

    stored_parent = Mention.objects.get(external_id=toot["uri"])
    stored_reply = Mention.objects.get(external_id=reply["uri"])
    assert conversation_of(user=responder, mention=stored_reply) == (stored_parent, [])
    assert conversation_of(user=responder, mention=stored_parent) == (None, [stored_reply])

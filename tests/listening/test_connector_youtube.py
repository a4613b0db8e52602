"""YouTube connector against a local server replaying real commentThreads answers."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from apps.core.http import FetchError, SafeHttpClient
from apps.listening.connectors import get_connector
from apps.listening.connectors.youtube import DEFAULT_API
from tests.listening.platform_fixtures import assert_well_formed, hostile_variants, load_sample

connector = get_connector("youtube")
THREADS = "/youtube/v3/commentThreads"
API_KEY = "AIzaSyD-agency-test-key-0123456789abc"
CREDENTIALS = {"api_key": API_KEY}
VIDEO_ID = "F1UP7wRCPH8"
CHANNEL_ID = "UC_x5XG1OV2P6uZZ5FSM9Ttw"
COMMON_QUERY = {"part": "snippet,replies", "maxResults": "100", "order": "time", "textFormat": "plainText"}
VIDEO_QUERY = {**COMMON_QUERY, "videoId": VIDEO_ID}


@pytest.fixture
def http():
    with SafeHttpClient(allow_private=True) as client:
        yield client


@pytest.fixture
def video_page() -> dict:
    return load_sample("youtube", "pythonyoutube_comment_threads_comment_threads_by_video_paged_1.json")


def config_for(httpserver, **changes) -> dict:
    return {"base_url": httpserver.url_for("/youtube/v3"), "video_id": VIDEO_ID, **changes}


def last_page(page: dict) -> dict:
    return {key: value for key, value in page.items() if key != "nextPageToken"}


def test_video_threads_map_to_mentions(httpserver, http, video_page):
    httpserver.expect_request(
        THREADS, method="GET", query_string=VIDEO_QUERY, headers={"X-Goog-Api-Key": API_KEY}
    ).respond_with_json(last_page(video_page))

    result = connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)

    assert [m.external_id for m in result.mentions] == [item["id"] for item in video_page["items"]]
    first = result.mentions[0]
    assert first.platform == "youtube"
    assert first.external_id == "UgyZ1jqkHKYvi1-ruOZ4AaABAg"
    # textOriginal is the plain text; this sample's textDisplay is the HTML rendering.
    assert first.text == "Google.com"
    assert first.is_html is False
    assert first.url == "https://www.youtube.com/watch?v=F1UP7wRCPH8&lc=UgyZ1jqkHKYvi1-ruOZ4AaABAg"
    assert first.author_name == "himani agarwal"
    assert first.author_handle == ""  # a display name, not an @handle, in this 2019 sample
    assert first.author_url == "http://www.youtube.com/channel/UCzj-CjKYmGlZ7vTL-vOe57A"
    assert first.posted_at == datetime(2019, 11, 26, 15, 51, 44, tzinfo=UTC)
    assert (first.likes, first.replies, first.parent_external_id) == (0, 0, "")
    assert first.raw == video_page["items"][0]
    assert result.mentions[4].replies == 2  # totalReplyCount of the last thread
    # The key travels in a header, never in the URL (which error messages and logs show).
    [(request, _response)] = httpserver.log
    assert "key" not in request.args
    httpserver.check_assertions()


def test_channel_threads_use_the_channel_filter(httpserver, http):
    page = load_sample("youtube", "pythonyoutube_comment_threads_comment_threads_by_channel.json")
    httpserver.expect_request(
        THREADS, query_string={**COMMON_QUERY, "allThreadsRelatedToChannelId": CHANNEL_ID}
    ).respond_with_json(page)
    config = {"base_url": httpserver.url_for("/youtube/v3"), "channel_id": CHANNEL_ID}

    result = connector.fetch(config=config, credentials=CREDENTIALS, cursor={}, http=http)

    hello, praise = result.mentions
    assert (hello.external_id, hello.text, hello.author_name) == ("UgyUBI0HsgL9emxcZpR4AaABAg", "Hello", "DevRagz")
    assert hello.posted_at == datetime(2019, 6, 23, 2, 49, tzinfo=UTC)
    # Comments on the channel itself have no video to link to.
    assert hello.url == "https://www.youtube.com/channel/UC_x5XG1OV2P6uZZ5FSM9Ttw"
    assert praise.text == "exceptional content!"
    httpserver.check_assertions()


def test_page_tokens_are_followed_and_repeated_threads_emitted_once(httpserver, http, video_page):
    token = video_page["nextPageToken"]
    httpserver.expect_oneshot_request(THREADS, query_string=VIDEO_QUERY).respond_with_json(video_page)
    # The recorded second page repeats the first page's threads.
    httpserver.expect_oneshot_request(THREADS, query_string={**VIDEO_QUERY, "pageToken": token}).respond_with_json(
        last_page(video_page)
    )

    result = connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)

    ids = [m.external_id for m in result.mentions]
    assert len(ids) == len(set(ids)) == 5
    assert len(httpserver.log) == 2
    assert not httpserver.oneshot_handlers
    httpserver.check_assertions()


def test_a_page_token_that_repeats_stops_paging(httpserver, http, video_page):
    httpserver.expect_request(THREADS).respond_with_json(video_page)  # always the same token

    connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)

    assert len(httpserver.log) == 2


def test_inline_replies_become_their_own_mentions(httpserver, http, video_page):
    thread = copy.deepcopy(video_page["items"][4])  # totalReplyCount 2
    top_id = thread["id"]
    reply = copy.deepcopy(thread["snippet"]["topLevelComment"])
    reply["id"] = f"{top_id}.9Aa1bB2cC3d"
    reply["snippet"].update(
        parentId=top_id,
        textOriginal="@matrix uduma agreed",
        likeCount=3,
        authorDisplayName="@alphacrisps",
        publishedAt="2019-11-15T08:00:00Z",
    )
    thread["replies"] = {"comments": [reply, "not a comment", {"id": "bad id!"}]}
    httpserver.expect_request(THREADS).respond_with_json({"items": [thread]})

    result = connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)

    top, answer = result.mentions
    assert (top.external_id, top.replies) == (top_id, 2)
    assert answer.external_id == f"{top_id}.9Aa1bB2cC3d"
    assert answer.parent_external_id == top_id
    assert answer.url == f"https://www.youtube.com/watch?v={VIDEO_ID}&lc={top_id}.9Aa1bB2cC3d"
    assert (answer.text, answer.likes, answer.replies) == ("@matrix uduma agreed", 3, 0)
    assert answer.author_handle == "@alphacrisps"
    assert answer.raw == reply


def test_a_second_poll_with_the_cursor_finds_nothing_new(httpserver, http, video_page):
    httpserver.expect_request(THREADS, query_string=VIDEO_QUERY).respond_with_json(last_page(video_page))
    first = connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)

    # Later the API offers a further page too; known threads on the first page stop the poll there.
    httpserver.clear_all_handlers()
    httpserver.expect_request(THREADS, query_string=VIDEO_QUERY).respond_with_json(video_page)
    second = connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor=first.cursor, http=http)

    assert len(first.mentions) == 5
    assert second.mentions == []
    assert len(httpserver.log) == 2
    assert second.cursor == first.cursor


def test_a_new_comment_is_found_on_the_next_poll(httpserver, http, video_page):
    httpserver.expect_oneshot_request(THREADS).respond_with_json(last_page(video_page))
    fresh = copy.deepcopy(video_page["items"][0])
    fresh["id"] = fresh["snippet"]["topLevelComment"]["id"] = "UgzNEWNEWNEWNEWNEWN4AaABAg"
    fresh["snippet"]["topLevelComment"]["snippet"]["publishedAt"] = "2019-11-27T10:00:00Z"
    httpserver.expect_oneshot_request(THREADS).respond_with_json({"items": [fresh, *video_page["items"]]})

    first = connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)
    second = connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor=first.cursor, http=http)

    assert [m.external_id for m in second.mentions] == ["UgzNEWNEWNEWNEWNEWN4AaABAg"]


def test_rate_limit_gives_retry_after(httpserver, http):
    httpserver.expect_request(THREADS).respond_with_json(
        {"error": {"code": 429, "message": "Too many requests"}}, status=429, headers={"Retry-After": "60"}
    )

    with pytest.raises(FetchError) as caught:
        connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)

    assert (caught.value.status, caught.value.retry_after) == (429, 60)


@pytest.mark.parametrize("status", [500, 403])  # 403: quota exceeded or comments disabled
def test_errors_are_fetch_errors_without_the_key(httpserver, http, status):
    httpserver.expect_request(THREADS).respond_with_json({"error": {"code": status}}, status=status)

    with pytest.raises(FetchError) as caught:
        connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)

    assert caught.value.status == status
    assert API_KEY not in str(caught.value)


@pytest.mark.parametrize(
    "body",
    [
        b"<html>sorry</html>",
        b"[]",
        b'{"kind": "youtube#commentThreadListResponse"}',
        b'{"items": {"id": "x"}}',
        b'{"items": [' + b"[" * 50_000 + b"]" * 50_000 + b"]}",
    ],
    ids=["html", "list", "no-items", "items-not-a-list", "deep-nesting"],
)
def test_garbage_bodies_are_fetch_errors(httpserver, http, body):
    httpserver.expect_request(THREADS).respond_with_data(body, content_type="application/json")

    with pytest.raises(FetchError):
        connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)


def test_hostile_threads_are_skipped_or_mapped_safely(httpserver, http, video_page):
    thread = copy.deepcopy(video_page["items"][4])
    reply = copy.deepcopy(thread["snippet"]["topLevelComment"])
    reply["id"] = f"{thread['id']}.reply"
    thread["replies"] = {"comments": [reply]}
    httpserver.expect_request(THREADS).respond_with_json(
        {"items": list(hostile_variants(thread, max_depth=5)), "nextPageToken": ["not", "a", "token"]}
    )

    result = connector.fetch(
        config=config_for(httpserver), credentials=CREDENTIALS, cursor={"seen": "everything"}, http=http
    )

    assert result.mentions
    for mention in result.mentions:
        assert_well_formed(mention)


def test_validate_config_cleans_a_good_config():
    assert connector.validate_config({"video_id": f" {VIDEO_ID} "}, CREDENTIALS) == {
        "base_url": DEFAULT_API,
        "video_id": VIDEO_ID,
    }
    assert connector.validate_config({"channel_id": CHANNEL_ID, "video_id": ""}, CREDENTIALS) == {
        "base_url": DEFAULT_API,
        "channel_id": CHANNEL_ID,
    }


@pytest.mark.parametrize(
    ("config", "credentials", "field"),
    [
        ({}, CREDENTIALS, "channel_id"),
        ({"channel_id": CHANNEL_ID, "video_id": VIDEO_ID}, CREDENTIALS, "video_id"),
        ({"channel_id": "@alphacrisps"}, CREDENTIALS, "channel_id"),
        ({"video_id": "https://youtu.be/F1UP7wRCPH8"}, CREDENTIALS, "video_id"),
        ({"video_id": VIDEO_ID, "base_url": "http://www.googleapis.com/youtube/v3"}, CREDENTIALS, "base_url"),
        ({"video_id": VIDEO_ID}, {}, "api_key"),
        ({"video_id": VIDEO_ID}, {"api_key": "has spaces in it, not a key"}, "api_key"),
    ],
)
def test_validate_config_refuses_bad_settings(config, credentials, field):
    with pytest.raises(ValidationError) as caught:
        connector.validate_config(config, credentials)

    assert field in caught.value.message_dict


def test_a_known_comment_with_more_likes_is_handed_on_again(httpserver, http, video_page):
    page = last_page(video_page)
    httpserver.expect_oneshot_request(THREADS).respond_with_json(page)
    grown = copy.deepcopy(page)
    top = grown["items"][1]["snippet"]["topLevelComment"]
    top["snippet"]["likeCount"] += 40
    httpserver.expect_oneshot_request(THREADS).respond_with_json(grown)

    first = connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)
    second = connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor=first.cursor, http=http)

    assert [(m.external_id, m.likes) for m in second.mentions] == [(top["id"], top["snippet"]["likeCount"])]


def test_an_answer_of_another_resource_type_is_no_healthy_poll(httpserver, http, video_page):
    comments = {**last_page(video_page), "kind": "youtube#commentListResponse"}
    httpserver.expect_request("/youtube/v3/commentThreads").respond_with_json(comments)
    with pytest.raises(FetchError, match="something else than comment threads") as refused:
        connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)
    assert refused.value.detail == "kind: youtube#commentListResponse"

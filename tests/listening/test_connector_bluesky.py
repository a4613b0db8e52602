"""Bluesky connector against a local server replaying a real searchPosts answer."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from apps.core.http import FetchError, SafeHttpClient
from apps.integrations.bluesky import DEFAULT_PDS
from apps.listening.connectors import get_connector
from apps.listening.connectors.bluesky import DEFAULT_APPVIEW, OVERLAP_SECONDS
from tests.listening.platform_fixtures import assert_well_formed, hostile_variants, load_sample

connector = get_connector("bluesky")
APPVIEW_SEARCH = "/appview/xrpc/app.bsky.feed.searchPosts"
PDS_SEARCH = "/pds/xrpc/app.bsky.feed.searchPosts"
CREATE_SESSION = "/pds/xrpc/com.atproto.server.createSession"
FIRST_PAGE = {"q": "redistricting", "limit": "100", "sort": "latest"}
CREDENTIALS = {"identifier": "agency.bsky.social", "app_password": "abcd-efgh-ijkl-mnop"}


@pytest.fixture
def http():
    with SafeHttpClient(allow_private=True) as client:
        yield client


@pytest.fixture
def search_page() -> dict:
    return load_sample("bluesky", "bskyr_f_search_response_1.json")


def config_for(httpserver, **changes) -> dict:
    return {
        "base_url": httpserver.url_for("/appview"),
        "pds_url": httpserver.url_for("/pds"),
        "query": "redistricting",
        "lang": "",
        **changes,
    }


def by_uri(mentions) -> dict:
    return {mention.external_id: mention for mention in mentions}


def test_search_results_map_to_mentions(httpserver, http, search_page):
    page = {"posts": search_page["posts"]}  # no cursor: the only page
    httpserver.expect_request(APPVIEW_SEARCH, method="GET", query_string=FIRST_PAGE).respond_with_json(page)

    result = connector.fetch(config=config_for(httpserver), credentials={}, cursor={}, http=http)

    assert len(result.mentions) == 25
    mentions = by_uri(result.mentions)
    first = result.mentions[0]
    assert first.platform == "bluesky"
    assert first.external_id == "at://did:plc:kkergqgbhb56ptpwj2wenkje/app.bsky.feed.post/3lpk2u6qo222m"
    assert first.url == "https://bsky.app/profile/socpaperbot.bsky.social/post/3lpk2u6qo222m"
    assert first.text.startswith("Ends Versus Means: Public Opinion on Congressional Redistricting")
    assert first.is_html is False
    assert first.author_name == "Sociology papers (journals + SocArXiv)"
    assert first.author_handle == "@socpaperbot.bsky.social"
    assert first.author_url == "https://bsky.app/profile/socpaperbot.bsky.social"
    assert first.author_followers is None  # search results carry no follower counts
    assert first.posted_at == datetime(2025, 5, 19, 17, 10, 9, 561858, tzinfo=UTC)
    assert first.language_hint == ""  # this bot sets no langs
    assert first.raw == page["posts"][0]

    nyhan = mentions["at://did:plc:clxs5bimkdx2zvxzrbs6v3pw/app.bsky.feed.post/3lpjneeyp6c2w"]
    assert (nyhan.likes, nyhan.reposts, nyhan.replies) == (20, 5, 2)
    assert nyhan.language_hint == "en"
    assert nyhan.parent_external_id == ""

    reply = mentions["at://did:plc:7nagdvjqrzaquzk7mueohne5/app.bsky.feed.post/3lpjzka2pzc2l"]
    assert reply.parent_external_id.startswith("at://did:plc:")
    assert reply.parent_external_id == page["posts"][2]["record"]["reply"]["parent"]["uri"]

    # createdAt two seconds after indexing (the author's clock): the post is placed when indexed.
    skewed = mentions["at://did:plc:mhbp4wx4zsjf6537frktqux2/app.bsky.feed.post/3lpikwarowc2o"]
    assert skewed.posted_at == datetime(2025, 5, 19, 2, 52, 17, 916000, tzinfo=UTC)
    offset_form = mentions["at://did:plc:qogyzvlh3vivathu2piavvpv/app.bsky.feed.post/3lpii6nwbyt2m"]
    assert offset_form.posted_at == datetime(2025, 5, 19, 2, 3, 20, 286393, tzinfo=UTC)
    httpserver.check_assertions()


def test_pages_follow_the_api_cursor_until_there_is_none(httpserver, http, search_page):
    posts = search_page["posts"]
    httpserver.expect_ordered_request(APPVIEW_SEARCH, query_string=FIRST_PAGE).respond_with_json(
        {"posts": posts[:13], "cursor": "13"}
    )
    httpserver.expect_ordered_request(APPVIEW_SEARCH, query_string={**FIRST_PAGE, "cursor": "13"}).respond_with_json(
        {"posts": posts[13:]}
    )

    result = connector.fetch(config=config_for(httpserver), credentials={}, cursor={}, http=http)

    assert [m.external_id for m in result.mentions] == [post["uri"] for post in posts]
    httpserver.check_assertions()
    assert not httpserver.ordered_handlers


def test_language_filter_is_passed_on(httpserver, http, search_page):
    httpserver.expect_request(APPVIEW_SEARCH, query_string={**FIRST_PAGE, "lang": "en"}).respond_with_json(
        {"posts": search_page["posts"][:3]}
    )

    result = connector.fetch(config=config_for(httpserver, lang="en"), credentials={}, cursor={}, http=http)

    assert len(result.mentions) == 3
    httpserver.check_assertions()


def test_a_second_poll_with_the_cursor_finds_nothing_new(httpserver, http, search_page):
    # The API hands out a cursor even when nothing new is behind it: paging must stop at known posts.
    httpserver.expect_request(APPVIEW_SEARCH, query_string=FIRST_PAGE).respond_with_json(search_page)
    httpserver.expect_request(APPVIEW_SEARCH, query_string={**FIRST_PAGE, "cursor": "25"}).respond_with_json(
        {"posts": []}
    )

    first = connector.fetch(config=config_for(httpserver), credentials={}, cursor={}, http=http)
    requests_for_first = len(httpserver.log)
    second = connector.fetch(config=config_for(httpserver), credentials={}, cursor=first.cursor, http=http)

    assert len(first.mentions) == 25
    assert second.mentions == []
    assert len(httpserver.log) == requests_for_first + 1  # one page was enough to see nothing is new
    assert second.cursor == first.cursor


def test_a_late_indexed_post_is_still_picked_up(httpserver, http, search_page):
    posts = search_page["posts"]
    httpserver.expect_ordered_request(APPVIEW_SEARCH).respond_with_json({"posts": posts[:2]})
    first = connector.fetch(config=config_for(httpserver), credentials={}, cursor={}, http=http)

    # Search now shows a post a little older than the newest seen, and one from long before.
    newest = datetime(2025, 5, 19, 17, 10, 9, 813000, tzinfo=UTC)
    late = copy.deepcopy(posts[0])
    late["uri"] = late["uri"].replace("3lpk2u6qo222m", "3lpk2late0000")
    late["indexedAt"] = (newest - timedelta(seconds=OVERLAP_SECONDS / 2)).isoformat()
    stale = copy.deepcopy(posts[0])
    stale["uri"] = stale["uri"].replace("3lpk2u6qo222m", "3lpkstale0000")
    stale["indexedAt"] = (newest - timedelta(seconds=OVERLAP_SECONDS * 2)).isoformat()
    httpserver.expect_ordered_request(APPVIEW_SEARCH).respond_with_json({"posts": [posts[0], late, posts[1], stale]})
    second = connector.fetch(config=config_for(httpserver), credentials={}, cursor=first.cursor, http=http)

    assert [m.external_id for m in second.mentions] == [late["uri"]]


def test_app_password_signs_in_on_the_pds_and_reuses_the_session(httpserver, http, search_page):
    httpserver.expect_request(
        CREATE_SESSION,
        method="POST",
        json={"identifier": "agency.bsky.social", "password": "abcd-efgh-ijkl-mnop"},
    ).respond_with_json({"accessJwt": "jwt-one", "refreshJwt": "refresh", "did": "did:plc:agency"})
    httpserver.expect_request(
        PDS_SEARCH, query_string=FIRST_PAGE, headers={"Authorization": "Bearer jwt-one"}
    ).respond_with_json({"posts": search_page["posts"][:2]})

    first = connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)
    connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor=first.cursor, http=http)

    assert len(first.mentions) == 2
    paths = [request.path for request, _response in httpserver.log]
    assert paths == [CREATE_SESSION, PDS_SEARCH, PDS_SEARCH]
    httpserver.check_assertions()


def test_an_expired_session_is_renewed_once(httpserver, http, search_page):
    httpserver.expect_request(CREATE_SESSION, method="POST").respond_with_json({"accessJwt": "jwt-one"})
    httpserver.expect_request(PDS_SEARCH, headers={"Authorization": "Bearer jwt-one"}).respond_with_json({"posts": []})
    connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)

    # Two hours later the remembered token has expired.
    httpserver.clear_all_handlers()
    httpserver.expect_request(CREATE_SESSION, method="POST").respond_with_json({"accessJwt": "jwt-two"})
    httpserver.expect_request(PDS_SEARCH, headers={"Authorization": "Bearer jwt-one"}).respond_with_json(
        {"error": "ExpiredToken", "message": "Token has expired"}, status=400
    )
    httpserver.expect_request(PDS_SEARCH, headers={"Authorization": "Bearer jwt-two"}).respond_with_json(
        {"posts": search_page["posts"][:1]}
    )
    result = connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)

    assert len(result.mentions) == 1
    paths = [request.path for request, _response in httpserver.log]
    assert paths == [CREATE_SESSION, PDS_SEARCH, PDS_SEARCH, CREATE_SESSION, PDS_SEARCH]


def test_an_ordinary_refusal_keeps_the_session(httpserver, http):
    """Only an expired or revoked token signs in again: sign-ins are rate-limited per account."""
    httpserver.expect_request(CREATE_SESSION, method="POST").respond_with_json({"accessJwt": "jwt-one"})
    httpserver.expect_request(PDS_SEARCH).respond_with_json({"posts": []})
    connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)
    httpserver.clear_all_handlers()
    httpserver.expect_request(PDS_SEARCH).respond_with_json(
        {"error": "InvalidRequest", "message": "Error: params must have the property q"}, status=400
    )

    with pytest.raises(FetchError) as caught:
        connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)

    assert caught.value.status == 400
    paths = [request.path for request, _response in httpserver.log]
    assert paths == [CREATE_SESSION, PDS_SEARCH, PDS_SEARCH]


def test_wrong_app_password_is_a_fetch_error(httpserver, http):
    httpserver.expect_request(CREATE_SESSION, method="POST").respond_with_json(
        {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}, status=401
    )

    with pytest.raises(FetchError) as caught:
        connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)

    assert caught.value.status == 401


def test_rate_limit_gives_retry_after(httpserver, http):
    httpserver.expect_request(APPVIEW_SEARCH).respond_with_json(
        {"error": "RateLimitExceeded"}, status=429, headers={"Retry-After": "120"}
    )

    with pytest.raises(FetchError) as caught:
        connector.fetch(config=config_for(httpserver), credentials={}, cursor={}, http=http)

    assert (caught.value.status, caught.value.retry_after) == (429, 120)


def test_server_error_is_a_fetch_error(httpserver, http):
    httpserver.expect_request(APPVIEW_SEARCH).respond_with_data("upstream down", status=500)

    with pytest.raises(FetchError) as caught:
        connector.fetch(config=config_for(httpserver), credentials={}, cursor={}, http=http)

    assert caught.value.status == 500


@pytest.mark.parametrize(
    "body",
    [b"<html>Forbidden</html>", b"[]", b'{"posts": {"uri": "at://x"}}', b'{"cursor": "25"}', b"{" * 50_000],
    ids=["html", "list", "posts-not-a-list", "no-posts", "deep-nesting"],
)
def test_garbage_bodies_are_fetch_errors(httpserver, http, body):
    httpserver.expect_request(APPVIEW_SEARCH).respond_with_data(body, content_type="application/json")

    with pytest.raises(FetchError):
        connector.fetch(config=config_for(httpserver), credentials={}, cursor={}, http=http)


def test_session_answer_without_a_token_is_a_fetch_error(httpserver, http):
    httpserver.expect_request(CREATE_SESSION, method="POST").respond_with_json({"did": "did:plc:x"})

    with pytest.raises(FetchError, match="without an access token"):
        connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)


def test_hostile_posts_are_skipped_or_mapped_safely(httpserver, http, search_page):
    post = search_page["posts"][2]  # a reply with langs, facets and an embed
    posts = list(hostile_variants(post))
    for number, variant in enumerate(posts):
        if isinstance(variant, dict) and isinstance(variant.get("uri"), str):
            variant["uri"] += str(number)  # distinct posts, so every variant is mapped
    httpserver.expect_request(APPVIEW_SEARCH).respond_with_json({"posts": posts, "cursor": {"not": "a string"}})

    result = connector.fetch(
        config=config_for(httpserver), credentials={}, cursor={"seen": {"at://x": "NaN", "y": None}}, http=http
    )

    assert result.mentions
    for mention in result.mentions:
        assert_well_formed(mention)


def test_validate_config_fills_in_defaults():
    cleaned = connector.validate_config({"query": ' "Alpha Crisps" '}, {})

    assert cleaned == {"base_url": DEFAULT_APPVIEW, "pds_url": DEFAULT_PDS, "query": '"Alpha Crisps"', "lang": ""}
    assert connector.validate_config({"query": "x", "lang": "pt-BR"}, CREDENTIALS)["lang"] == "pt-BR"


@pytest.mark.parametrize(
    ("config", "credentials", "field"),
    [
        ({}, {}, "query"),
        ({"query": "x" * 501}, {}, "query"),
        ({"query": "x", "base_url": "http://public.api.bsky.app"}, {}, "base_url"),
        ({"query": "x", "pds_url": "https://bsky.social?x=1"}, {}, "pds_url"),
        ({"query": "x", "lang": "english please"}, {}, "lang"),
        ({"query": "x"}, {"identifier": "agency.bsky.social"}, "app_password"),
        ({"query": "x"}, {"app_password": "abcd-efgh-ijkl-mnop"}, "identifier"),
    ],
)
def test_validate_config_refuses_bad_settings(config, credentials, field):
    with pytest.raises(ValidationError) as caught:
        connector.validate_config(config, credentials)

    assert field in caught.value.message_dict


def test_a_known_post_with_more_engagement_is_handed_on_again_once(httpserver, http, search_page):
    posts = search_page["posts"]
    grown = copy.deepcopy(posts[3])
    grown["likeCount"] += 500
    httpserver.expect_ordered_request(APPVIEW_SEARCH).respond_with_json({"posts": posts[:5]})
    httpserver.expect_ordered_request(APPVIEW_SEARCH).respond_with_json({"posts": [*posts[:3], grown, posts[4]]})
    httpserver.expect_ordered_request(APPVIEW_SEARCH).respond_with_json({"posts": [*posts[:3], grown, posts[4]]})

    first = connector.fetch(config=config_for(httpserver), credentials={}, cursor={}, http=http)
    second = connector.fetch(config=config_for(httpserver), credentials={}, cursor=first.cursor, http=http)
    third = connector.fetch(config=config_for(httpserver), credentials={}, cursor=second.cursor, http=http)

    assert [(m.external_id, m.likes) for m in second.mentions] == [(grown["uri"], grown["likeCount"])]
    assert third.mentions == []  # the same counts again are nothing new


def test_a_cursor_without_counts_does_not_resend_known_posts(httpserver, http, search_page):
    posts = search_page["posts"][:5]
    httpserver.expect_request(APPVIEW_SEARCH).respond_with_json({"posts": posts})
    first = connector.fetch(config=config_for(httpserver), credentials={}, cursor={}, http=http)

    # A cursor written before engagement was remembered: counts are learnt, not taken as growth.
    second = connector.fetch(
        config=config_for(httpserver), credentials={}, cursor={"seen": first.cursor["seen"]}, http=http
    )

    assert second.mentions == []
    assert second.cursor == first.cursor


def test_an_app_password_is_told_apart_without_the_cache_or_network():
    from apps.integrations.bluesky import app_password_of

    assert app_password_of({"identifier": " agency.bsky.social ", "app_password": "pw"}) == (
        "agency.bsky.social",
        "pw",
    )
    for credentials in (None, {}, {"identifier": "agency.bsky.social"}, {"identifier": " ", "app_password": "pw"}):
        assert app_password_of(credentials) is None


def test_post_addresses_name_the_profile_and_record_key():
    from apps.integrations.bluesky import post_url

    uri = "at://did:plc:agency/app.bsky.feed.post/3lpk2u6qo222m"
    assert post_url("did:plc:agency", uri) == "https://bsky.app/profile/did:plc:agency/post/3lpk2u6qo222m"
    assert post_url("agency.bsky.social", uri) == "https://bsky.app/profile/agency.bsky.social/post/3lpk2u6qo222m"
    assert post_url("agency.bsky.social", "at://did:plc:agency/app.bsky.feed.like/3lpk") == ""
    assert post_url("", uri) == ""

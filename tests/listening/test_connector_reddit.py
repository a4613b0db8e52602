"""Reddit connector against a local server replaying real Reddit listings."""

from __future__ import annotations

import base64
import copy
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from apps.core.http import FetchError, SafeHttpClient
from apps.listening.connectors import get_connector
from apps.listening.connectors.reddit import DEFAULT_API, DEFAULT_AUTH
from tests.listening.platform_fixtures import assert_well_formed, hostile_variants, load_sample

connector = get_connector("reddit")
TOKEN_PATH = "/api/v1/access_token"
CREDENTIALS = {"client_id": "agency-app", "client_secret": "app-secret"}
BASIC = "Basic " + base64.b64encode(b"agency-app:app-secret").decode()
SEARCH_QUERY = {"q": "praw oauth search", "sort": "new", "type": "link", "limit": "100", "raw_json": "1"}
LISTING_QUERY = {"limit": "100", "raw_json": "1"}


@pytest.fixture
def http():
    with SafeHttpClient(allow_private=True) as client:
        yield client


@pytest.fixture
def search_listing() -> dict:
    return load_sample("reddit", "praw_search_r_all_listing.json")


@pytest.fixture
def token_endpoint(httpserver):
    """Reddit's token endpoint, which only answers the app's own basic credentials."""
    return httpserver.expect_request(
        TOKEN_PATH, method="POST", data="grant_type=client_credentials", headers={"Authorization": BASIC}
    ).respond_with_json({"access_token": "app-token", "token_type": "bearer", "expires_in": 86400, "scope": "*"})


def config_for(httpserver, **changes) -> dict:
    return {
        "mode": "search",
        "query": "praw oauth search",
        "include_comments": False,
        "base_url": httpserver.url_for("/"),
        "auth_url": httpserver.url_for(TOKEN_PATH),
        **changes,
    }


def listing(children: list, after: str | None = None) -> dict:
    return {"kind": "Listing", "data": {"children": children, "after": after, "before": None, "modhash": ""}}


def subreddit_comments() -> list[dict]:
    """The sample thread's comments as /r/<sub>/comments lists them: flat, without nested replies."""
    thread = load_sample("reddit", "praw_submission_2gmzqe_comments.json")
    flat, pending = [], list(thread[1]["data"]["children"])
    while pending:
        child = pending.pop(0)
        replies = child["data"].get("replies")
        if isinstance(replies, dict):
            pending.extend(replies["data"]["children"])
        flat.append({"kind": child["kind"], "data": {**child["data"], "replies": ""}})
    return sorted(flat, key=lambda child: -child["data"]["created_utc"])


def test_search_listing_maps_to_mentions(httpserver, http, token_endpoint, search_listing):
    httpserver.expect_request(
        "/search", method="GET", query_string=SEARCH_QUERY, headers={"Authorization": "Bearer app-token"}
    ).respond_with_json(search_listing)

    result = connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)

    assert [m.external_id for m in result.mentions] == [
        "t3_3gpbiu",
        "t3_3x4kt2",
        "t3_3b4erh",
        "t3_1qvzkd",
        "t3_3qc02b",
        "t3_4at068",
    ]
    first = result.mentions[0]
    assert first.platform == "reddit"
    assert first.title == "[PRAW][OAuth2Util] Problem using get_banned() : raise Forbidden(_raw=response)"
    assert first.text.startswith("# solved\n\nProblem solved with this:")
    assert first.is_html is False
    assert (
        first.url == "https://www.reddit.com/r/redditdev/comments/3gpbiu/prawoauth2util_problem_using_get_banned_raise/"
    )
    assert (first.author_name, first.author_handle) == ("dClauzel", "u/dClauzel")
    assert first.author_url == "https://www.reddit.com/user/dClauzel/"
    assert first.posted_at == datetime(2015, 8, 12, 9, 8, 34, tzinfo=UTC)
    assert (first.likes, first.replies, first.reposts) == (0, 21, 0)
    assert first.parent_external_id == ""
    assert first.raw == search_listing["data"]["children"][0]["data"]
    japanese = result.mentions[5]
    assert japanese.title.startswith("たびたび話題になる")
    assert japanese.likes == 15
    assert japanese.url.startswith("https://www.reddit.com/r/p18s/comments/4at068/")
    assert "?" not in japanese.url
    assert list(result.cursor) == ["submissions"]
    httpserver.check_assertions()


def test_subreddit_with_comments_reads_both_listings(httpserver, http, token_endpoint):
    thread = load_sample("reddit", "praw_submission_2gmzqe_comments.json")
    httpserver.expect_request("/r/redditdev/new", query_string=LISTING_QUERY).respond_with_json(thread[0])
    httpserver.expect_request("/r/redditdev/comments", query_string=LISTING_QUERY).respond_with_json(
        listing(subreddit_comments())
    )
    config = config_for(httpserver, mode="subreddit", subreddit="redditdev", include_comments=True)

    result = connector.fetch(config=config, credentials=CREDENTIALS, cursor={}, http=http)

    submission, reply, comment = result.mentions
    assert submission.external_id == "t3_2gmzqe"
    assert submission.title == "[PRAW] HTTPS enabled PRAW testing needed"
    assert (
        submission.url == "https://www.reddit.com/r/redditdev/comments/2gmzqe/praw_https_enabled_praw_testing_needed/"
    )
    assert comment.external_id == "t1_cklfmye"
    assert comment.parent_external_id == "t3_2gmzqe"
    assert comment.text.startswith("Quick question: I remember reading about")
    assert comment.title == ""
    assert comment.author_handle == "u/paneer_burrito"
    assert reply.external_id == "t1_cklhv0f"
    assert reply.parent_external_id == "t1_cklfmye"
    # These 2014 comments carry no permalink: the link is built from the thread and comment ids.
    assert reply.url == "https://www.reddit.com/comments/2gmzqe/_/cklhv0f/"
    assert reply.posted_at == datetime(2014, 9, 18, 3, 13, 54, tzinfo=UTC)
    assert set(result.cursor) == {"submissions", "comments"}
    httpserver.check_assertions()


def test_pages_follow_after_until_it_runs_out(httpserver, http, token_endpoint, search_listing):
    children = search_listing["data"]["children"]
    httpserver.expect_oneshot_request("/search", query_string=SEARCH_QUERY).respond_with_json(
        listing(children[:3], after="t3_3b4erh")
    )
    httpserver.expect_oneshot_request("/search", query_string={**SEARCH_QUERY, "after": "t3_3b4erh"}).respond_with_json(
        listing(children[3:])
    )

    result = connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)

    assert len(result.mentions) == 6
    assert [request.query_string.decode() for request, _response in httpserver.log][1:] == [
        "q=praw+oauth+search&sort=new&type=link&limit=100&raw_json=1",
        "q=praw+oauth+search&sort=new&type=link&limit=100&raw_json=1&after=t3_3b4erh",
    ]
    httpserver.check_assertions()
    assert not httpserver.oneshot_handlers


def test_a_second_poll_with_the_cursor_finds_nothing_new(httpserver, http, token_endpoint, search_listing):
    children = search_listing["data"]["children"]
    # Newest first, as sort=new gives; the server keeps offering a next page.
    ordered = sorted(children, key=lambda child: -child["data"]["created_utc"])
    httpserver.expect_request("/search", query_string=SEARCH_QUERY).respond_with_json(listing(ordered, after="t3_x"))
    httpserver.expect_request("/search", query_string={**SEARCH_QUERY, "after": "t3_x"}).respond_with_json(listing([]))

    first = connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)
    searches_before = sum(request.path == "/search" for request, _response in httpserver.log)
    second = connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor=first.cursor, http=http)
    searches_after = sum(request.path == "/search" for request, _response in httpserver.log)

    assert len(first.mentions) == 6
    assert second.mentions == []
    assert searches_after == searches_before + 1  # stopped at the first page of known posts
    assert second.cursor == first.cursor


def test_a_new_submission_is_found_on_the_next_poll(httpserver, http, token_endpoint, search_listing):
    children = search_listing["data"]["children"]
    newest = max(children, key=lambda child: child["data"]["created_utc"])
    fresh = copy.deepcopy(newest)
    fresh["data"].update(id="4zzzzz", name="t3_4zzzzz", created_utc=newest["data"]["created_utc"] + 60)
    httpserver.expect_oneshot_request("/search").respond_with_json(listing(children))
    httpserver.expect_oneshot_request("/search").respond_with_json(listing([fresh, *children]))

    first = connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)
    second = connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor=first.cursor, http=http)

    assert [m.external_id for m in second.mentions] == ["t3_4zzzzz"]


def test_the_token_is_reused_and_renewed_when_refused(httpserver, http, search_listing):
    httpserver.expect_request(TOKEN_PATH, method="POST").respond_with_json(
        {"access_token": "first", "expires_in": 3600}
    )
    httpserver.expect_request("/search", headers={"Authorization": "Bearer first"}).respond_with_json(search_listing)
    connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)
    connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)
    assert [request.path for request, _response in httpserver.log] == [TOKEN_PATH, "/search", "/search"]

    # The app's token is revoked: one new token, then the search goes through.
    httpserver.clear_all_handlers()
    httpserver.expect_request("/search", headers={"Authorization": "Bearer first"}).respond_with_data("", status=401)
    httpserver.expect_request(TOKEN_PATH, method="POST").respond_with_json(
        {"access_token": "second", "expires_in": 3600}
    )
    httpserver.expect_request("/search", headers={"Authorization": "Bearer second"}).respond_with_json(search_listing)
    result = connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)

    assert len(result.mentions) == 6


def test_refused_app_credentials_are_a_fetch_error(httpserver, http):
    httpserver.expect_request(TOKEN_PATH, method="POST").respond_with_json({"message": "Unauthorized"}, status=401)

    with pytest.raises(FetchError) as caught:
        connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)

    assert caught.value.status == 401


def test_a_token_answer_without_a_token_is_a_fetch_error(httpserver, http):
    httpserver.expect_request(TOKEN_PATH, method="POST").respond_with_json({"error": "unsupported_grant_type"})

    with pytest.raises(FetchError, match="unsupported_grant_type"):
        connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)


def test_rate_limit_gives_retry_after(httpserver, http, token_endpoint):
    httpserver.expect_request("/search").respond_with_data(
        "Too Many Requests", status=429, headers={"Retry-After": "7"}
    )

    with pytest.raises(FetchError) as caught:
        connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)

    assert (caught.value.status, caught.value.retry_after) == (429, 7)


def test_server_error_is_a_fetch_error(httpserver, http, token_endpoint):
    httpserver.expect_request("/search").respond_with_data("<h1>all servers busy</h1>", status=503)

    with pytest.raises(FetchError) as caught:
        connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)

    assert caught.value.status == 503


@pytest.mark.parametrize(
    "body",
    [
        b"<!doctype html><title>reddit</title>",
        b"[]",
        b'{"kind": "Listing", "data": {"children": "none"}}',
        b'{"kind": "Listing"}',
        b'{"data": {"children": [' + b"[" * 30_000 + b"]" * 30_000 + b"]}}",
    ],
    ids=["html", "list", "children-not-a-list", "no-data", "deep-nesting"],
)
def test_garbage_bodies_are_fetch_errors(httpserver, http, token_endpoint, body):
    httpserver.expect_request("/search").respond_with_data(body, content_type="application/json")

    with pytest.raises(FetchError):
        connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)


def test_hostile_things_are_skipped_or_mapped_safely(httpserver, http, token_endpoint, search_listing):
    child = copy.deepcopy(search_listing["data"]["children"][0])
    child["data"].update(selftext="Alpha Crisps are great", selftext_html=None)  # keeps the page small
    children = [*hostile_variants(child, max_depth=3), {"kind": "more", "data": {"children": ["abc"]}}]
    httpserver.expect_request("/search").respond_with_json(listing(children, after={"not": "a string"}))

    result = connector.fetch(
        config=config_for(httpserver), credentials=CREDENTIALS, cursor={"submissions": {"seen": []}}, http=http
    )

    assert result.mentions
    for mention in result.mentions:
        assert_well_formed(mention)


def test_validate_config_cleans_a_good_config():
    cleaned = connector.validate_config({"mode": "subreddit", "subreddit": " /r/AskReddit/ "}, CREDENTIALS)
    assert cleaned == {
        "mode": "subreddit",
        "subreddit": "AskReddit",
        "include_comments": False,
        "base_url": DEFAULT_API,
        "auth_url": DEFAULT_AUTH,
    }

    cleaned = connector.validate_config({"mode": "search", "query": ' "alpha crisps" '}, CREDENTIALS)
    assert cleaned["query"] == '"alpha crisps"'


@pytest.mark.parametrize(
    ("config", "credentials", "field"),
    [
        ({"query": "x"}, CREDENTIALS, "mode"),
        ({"mode": "search"}, CREDENTIALS, "query"),
        ({"mode": "search", "query": "x" * 513}, CREDENTIALS, "query"),
        ({"mode": "search", "query": "x", "include_comments": True}, CREDENTIALS, "include_comments"),
        ({"mode": "subreddit", "subreddit": "no spaces"}, CREDENTIALS, "subreddit"),
        ({"mode": "subreddit", "subreddit": "x", "include_comments": "yes"}, CREDENTIALS, "include_comments"),
        ({"mode": "search", "query": "x", "base_url": "http://oauth.reddit.com"}, CREDENTIALS, "base_url"),
        ({"mode": "search", "query": "x", "auth_url": "ftp://www.reddit.com"}, CREDENTIALS, "auth_url"),
        ({"mode": "search", "query": "x"}, {"client_id": "agency-app"}, "client_secret"),
        ({"mode": "search", "query": "x"}, {"client_secret": "s"}, "client_id"),
    ],
)
def test_validate_config_refuses_bad_settings(config, credentials, field):
    with pytest.raises(ValidationError) as caught:
        connector.validate_config(config, credentials)

    assert field in caught.value.message_dict


def test_a_known_submission_with_more_comments_is_handed_on_again(httpserver, http, token_endpoint, search_listing):
    ordered = sorted(search_listing["data"]["children"], key=lambda child: -child["data"]["created_utc"])
    grown = copy.deepcopy(ordered)
    grown[0]["data"]["num_comments"] += 120  # the newest: older ones lie months back, beyond the watch
    httpserver.expect_oneshot_request("/search").respond_with_json(listing(ordered))
    httpserver.expect_oneshot_request("/search").respond_with_json(listing(grown))

    first = connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor={}, http=http)
    second = connector.fetch(config=config_for(httpserver), credentials=CREDENTIALS, cursor=first.cursor, http=http)

    assert [m.replies for m in second.mentions] == [grown[0]["data"]["num_comments"]]
    assert second.mentions[0].external_id == first.mentions[0].external_id

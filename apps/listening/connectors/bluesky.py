"""Bluesky: full-text post search (app.bsky.feed.searchPosts), newest first.

Without credentials the search goes to the configured AppView. With an app password
the connector signs in on the PDS and searches through it: an AppView does not accept
a PDS access token, and the PDS forwards app.bsky calls to its AppView. Bluesky's own
public AppView has refused unauthenticated search since early 2025, so in practice
Bluesky sources need an app password.

The search index lags behind the network a little, so a post can turn up after
newer ones were seen. The cursor therefore remembers the posts of the last
OVERLAP_SECONDS before the newest one and every poll looks that far back. It also
remembers the engagement of recent posts: one that turns up again with more likes,
reposts or replies is handed on again, so its risk can be rated anew.
"""

from __future__ import annotations

import re
import time
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.core.http import FetchError, FetchResponse, SafeHttpClient
from apps.integrations.bluesky import DEFAULT_PDS, Session, post_url
from apps.integrations.payload import as_int, as_mapping, as_text, clean_https_url, parse_time

from .base import FetchResult, RawMention, SeenWindow

PLATFORM = "bluesky"
DEFAULT_APPVIEW = "https://public.api.bsky.app"
SEARCH = "/xrpc/app.bsky.feed.searchPosts"
PAGE_SIZE = 100  # the API's maximum
MAX_PAGES = 5
OVERLAP_SECONDS = 10 * 60
WINDOW = SeenWindow(OVERLAP_SECONDS)
MAX_QUERY_CHARS = 500
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


class BlueskyConnector:
    kind = "bluesky"

    def validate_config(self, config: dict, credentials: dict) -> dict:
        config, credentials = config or {}, credentials or {}
        errors: dict[str, str] = {}
        cleaned = {
            "base_url": clean_https_url(config.get("base_url"), "base_url", errors, DEFAULT_APPVIEW),
            "pds_url": clean_https_url(config.get("pds_url"), "pds_url", errors, DEFAULT_PDS),
            "query": str(config.get("query") or "").strip(),
            "lang": str(config.get("lang") or "").strip(),
        }
        if not cleaned["query"]:
            errors["query"] = _("Enter what to search for.")
        elif len(cleaned["query"]) > MAX_QUERY_CHARS:
            errors["query"] = _("Keep the search under %(max)d characters.") % {"max": MAX_QUERY_CHARS}
        if cleaned["lang"] and not LANGUAGE_TAG.fullmatch(cleaned["lang"]):
            errors["lang"] = _("Enter a language code such as en or pt-BR, or leave it empty.")

        identifier, password = credentials.get("identifier"), credentials.get("app_password")
        if identifier or password:
            if not isinstance(identifier, str) or not identifier.strip():
                errors["identifier"] = _("Enter the account's handle or e-mail to go with the app password.")
            if not isinstance(password, str) or not password.strip():
                errors["app_password"] = _("Enter an app password for the account.")
        if errors:
            raise ValidationError(errors)
        return cleaned

    def fetch(self, *, config: dict, credentials: dict, cursor: dict, http: SafeHttpClient) -> FetchResult:
        query = config.get("query")
        if not isinstance(query, str) or not query.strip():
            raise FetchError("the source has no Bluesky search query")
        session = Session.for_credentials(http, config, credentials)
        service = session.pds_url if session else str(config.get("base_url") or DEFAULT_APPVIEW).rstrip("/")
        params: dict = {"q": query, "limit": PAGE_SIZE, "sort": "latest"}
        if config.get("lang"):
            params["lang"] = str(config["lang"])

        now = time.time()
        recall = WINDOW.open(cursor, now)
        page_cursor = ""
        for _page in range(MAX_PAGES):
            page_params = {**params, "cursor": page_cursor} if page_cursor else params
            document = _get(http, f"{service}{SEARCH}", page_params, session).json()
            posts = document.get("posts") if isinstance(document, dict) else None
            if not isinstance(posts, list):
                raise FetchError("Bluesky search answered without a posts list")

            reached_known = False
            for post in posts:
                uri = as_text(post.get("uri")) if isinstance(post, dict) else ""
                if uri.startswith("at://"):
                    reached_known |= recall.offer(_to_mention(post, uri), _post_stamp(post, now))

            next_cursor = as_text(document.get("cursor"))
            if reached_known or not posts or not next_cursor or next_cursor == page_cursor:
                break
            page_cursor = next_cursor

        return FetchResult(mentions=recall.mentions, cursor=recall.cursor())


def _get(http: SafeHttpClient, url: str, params: dict, session: Session | None) -> FetchResponse:
    if session is None:
        return http.get(url, params=params, headers={"Accept": "application/json"})
    return session.call("GET", url, params=params)


def _to_mention(post: dict, uri: str) -> RawMention:
    record = as_mapping(post.get("record"))
    author = as_mapping(post.get("author"))
    handle = as_text(author.get("handle"))
    did = as_text(author.get("did"))
    parts = uri.split("/")
    profile = handle if handle and handle != "handle.invalid" else did or (parts[2] if len(parts) > 2 else "")
    url = post_url(profile, uri)
    langs = record.get("langs")
    language = next((lang for lang in langs if isinstance(lang, str)), "") if isinstance(langs, list) else ""
    reply = as_mapping(record.get("reply"))
    created, indexed = parse_time(record.get("createdAt")), parse_time(post.get("indexedAt"))
    return RawMention(
        platform=PLATFORM,
        external_id=uri,
        text=as_text(record.get("text")),
        url=url,
        author_name=as_text(author.get("displayName")) or handle,
        author_handle=f"@{handle}" if handle else "",
        author_url=f"https://bsky.app/profile/{quote(profile, safe=':.')}" if profile else "",
        # The author's clock sets createdAt; as Bluesky does, never place a post after it was indexed.
        posted_at=min(created, indexed) if created and indexed else created or indexed,
        likes=as_int(post.get("likeCount")),
        reposts=as_int(post.get("repostCount")),
        replies=as_int(post.get("replyCount")),
        parent_external_id=as_text(as_mapping(reply.get("parent")).get("uri")),
        language_hint=language,
        raw=post,
    )


def _post_stamp(post: dict, now: float) -> float | None:
    moment = parse_time(post.get("indexedAt")) or parse_time(as_mapping(post.get("record")).get("createdAt"))
    # A future-dated post must not hide the posts that follow it.
    return min(moment.timestamp(), now) if moment else None


connector = BlueskyConnector()

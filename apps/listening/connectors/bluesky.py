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

import hashlib
import re
import time
from urllib.parse import quote

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..fetching import FetchResponse, raise_for_status
from .base import (
    FetchError,
    FetchResult,
    RawMention,
    SafeHttpClient,
    SeenWindow,
    as_int,
    as_mapping,
    as_text,
    clean_https_url,
    parse_time,
)

PLATFORM = "bluesky"
DEFAULT_APPVIEW = "https://public.api.bsky.app"
DEFAULT_PDS = "https://bsky.social"
SEARCH = "/xrpc/app.bsky.feed.searchPosts"
CREATE_SESSION = "/xrpc/com.atproto.server.createSession"
PAGE_SIZE = 100  # the API's maximum
MAX_PAGES = 5
OVERLAP_SECONDS = 10 * 60
WINDOW = SeenWindow(OVERLAP_SECONDS)
# Access tokens live about two hours; createSession is rate-limited per account (300 a day),
# so a session is reused across polls rather than opened for each one.
SESSION_CACHE_SECONDS = 30 * 60
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


def app_password_of(credentials) -> tuple[str, str] | None:
    """The (identifier, app password) a source signs in with, or None when it has none: whether
    the app may search through the PDS and post, asked without touching the cache or network."""
    identifier = credentials.get("identifier") if isinstance(credentials, dict) else None
    password = credentials.get("app_password") if isinstance(credentials, dict) else None
    if not (isinstance(identifier, str) and identifier.strip() and isinstance(password, str) and password):
        return None
    return identifier.strip(), password


class Session:
    """An app-password session on the account's PDS, reused between polls through the cache."""

    def __init__(self, http: SafeHttpClient, pds_url: str, identifier: str, password: str):
        self.http, self.pds_url = http, pds_url
        self.identifier, self.password = identifier, password
        secret = f"{pds_url}\n{identifier}\n{password}".encode()
        self.cache_key = f"listening:bluesky:session:{hashlib.sha256(secret).hexdigest()}"
        remembered = cache.get(self.cache_key)
        remembered = remembered if isinstance(remembered, dict) else {}
        self.token, self.did = remembered.get("token", ""), remembered.get("did", "")
        self.from_cache = bool(self.token)

    @classmethod
    def for_credentials(cls, http: SafeHttpClient, config: dict, credentials: dict) -> Session | None:
        """A session for the source's app password, None without one (see `app_password_of`)."""
        login = app_password_of(credentials)
        if login is None:
            return None
        pds_url = str(config.get("pds_url") or DEFAULT_PDS).rstrip("/")
        return cls(http, pds_url, *login)

    def headers(self) -> dict[str, str]:
        if not self.token:
            self.sign_in()
        return {"Authorization": f"Bearer {self.token}"}

    def sign_in(self) -> None:
        response = self.http.post(
            f"{self.pds_url}{CREATE_SESSION}", json_body={"identifier": self.identifier, "password": self.password}
        )
        document = response.json()
        document = document if isinstance(document, dict) else {}
        token, did = as_text(document.get("accessJwt")), as_text(document.get("did"))
        if not token:
            raise FetchError("Bluesky sign-in answered without an access token")
        self.token, self.did, self.from_cache = token, did, False
        cache.set(self.cache_key, {"token": token, "did": did}, SESSION_CACHE_SECONDS)

    def forget(self) -> None:
        cache.delete(self.cache_key)
        self.token, self.did, self.from_cache = "", "", False

    def call(self, method: str, url: str, *, expect_ok: bool = True, **kwargs) -> FetchResponse:
        """A request with the session's token. A remembered token that has expired (a 400 with
        ExpiredToken) or was revoked (401) gets one more sign-in; any other refusal is the
        caller's, so an ordinary 400 never spends one of the account's sign-ins."""

        def send() -> FetchResponse:
            headers = {"Accept": "application/json", **self.headers()}
            return self.http.request(method, url, headers=headers, expect_ok=False, **kwargs)

        response = send()
        if self.from_cache and _token_refused(response):
            self.forget()
            response = send()
        if expect_ok:
            raise_for_status(method, response)
        return response


def _token_refused(response: FetchResponse) -> bool:
    if response.status == 401:
        return True
    return response.status == 400 and xrpc_error(response) in ("ExpiredToken", "InvalidToken")


def xrpc_error(response: FetchResponse) -> str:
    """The `error` name of an XRPC refusal ("RecordNotFound", "ExpiredToken", ...), or ""."""
    try:
        return as_text(as_mapping(response.json()).get("error"))
    except FetchError:
        return ""


def _get(http: SafeHttpClient, url: str, params: dict, session: Session | None) -> FetchResponse:
    if session is None:
        return http.get(url, params=params, headers={"Accept": "application/json"})
    return session.call("GET", url, params=params)


def post_url(profile: str, uri: str) -> str:
    """The bsky.app address of the post at `uri` (at://<did>/app.bsky.feed.post/<rkey>), shown
    under `profile` (a handle or DID); "" when the uri names no post."""
    parts = uri.split("/")
    if not (profile and len(parts) == 5 and parts[:2] == ["at:", ""] and parts[3] == "app.bsky.feed.post" and parts[4]):
        return ""
    return f"https://bsky.app/profile/{quote(profile, safe=':')}/post/{quote(parts[4], safe='')}"


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

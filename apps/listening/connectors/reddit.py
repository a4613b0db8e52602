"""Reddit: new submissions matching a search, or new submissions (and comments) in a subreddit.

Uses an "application only" OAuth token (client_credentials grant), kept in the cache
until shortly before it expires. Listings come newest first and are paged with `after`.
Reddit's search index lags, so each listing's cursor remembers what it saw in the
last OVERLAP_SECONDS before the newest item and every poll looks that far back.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.core.http import FetchError, FetchResponse, SafeHttpClient
from apps.integrations.payload import as_int, as_text, clean_https_url

from .base import FetchResult, RawMention, Recall, SeenWindow

PLATFORM = "reddit"
DEFAULT_API = "https://oauth.reddit.com"
DEFAULT_AUTH = "https://www.reddit.com/api/v1/access_token"
WEB = "https://www.reddit.com"
PAGE_SIZE = 100  # the API's maximum
MAX_PAGES = 5
OVERLAP_SECONDS = 15 * 60
WINDOW = SeenWindow(OVERLAP_SECONDS)
MAX_QUERY_CHARS = 512  # Reddit's own limit for q
SUBREDDIT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]{1,20}$")
FULLNAME = re.compile(r"^t[13]_[a-z0-9]{1,16}$")


class RedditConnector:
    kind = "reddit"

    def validate_config(self, config: dict, credentials: dict) -> dict:
        config, credentials = config or {}, credentials or {}
        errors: dict[str, str] = {}
        cleaned: dict = {
            "base_url": clean_https_url(config.get("base_url"), "base_url", errors, DEFAULT_API),
            "auth_url": clean_https_url(config.get("auth_url"), "auth_url", errors, DEFAULT_AUTH),
        }
        include_comments = config.get("include_comments", False)
        if not isinstance(include_comments, bool):
            errors["include_comments"] = _("Choose yes or no.")

        mode = config.get("mode")
        if mode == "search":
            query = str(config.get("query") or "").strip()
            if not query:
                errors["query"] = _("Enter what to search for.")
            elif len(query) > MAX_QUERY_CHARS:
                errors["query"] = _("Keep the search under %(max)d characters.") % {"max": MAX_QUERY_CHARS}
            if include_comments is True:
                # The API has no search over comments; only a subreddit's comment stream can be followed.
                errors["include_comments"] = _("Comments can only be followed in a subreddit.")
            cleaned.update(mode=mode, query=query, include_comments=False)
        elif mode == "subreddit":
            subreddit = str(config.get("subreddit") or "").strip().strip("/")
            subreddit = subreddit.removeprefix("r/").removeprefix("R/")
            if not SUBREDDIT.fullmatch(subreddit):
                errors["subreddit"] = _("Enter a subreddit name, such as AskReddit or r/AskReddit.")
            cleaned.update(mode=mode, subreddit=subreddit, include_comments=include_comments is True)
        else:
            errors["mode"] = _("Choose search or subreddit.")

        missing = {
            "client_id": _("Enter the app's client ID, shown under its name at reddit.com/prefs/apps."),
            "client_secret": _("Enter the app's secret from reddit.com/prefs/apps."),
        }
        for field, message in missing.items():
            value = credentials.get(field)
            if not isinstance(value, str) or not value.strip():
                errors[field] = message
        if errors:
            raise ValidationError(errors)
        return cleaned

    def fetch(self, *, config: dict, credentials: dict, cursor: dict, http: SafeHttpClient) -> FetchResult:
        base_url = str(config.get("base_url") or DEFAULT_API).rstrip("/")
        mode = config.get("mode")
        if mode == "search" and config.get("query"):
            streams = {
                "submissions": (f"{base_url}/search", {"q": str(config["query"]), "sort": "new", "type": "link"})
            }
        elif mode == "subreddit" and config.get("subreddit"):
            subreddit = f"{base_url}/r/{quote(str(config['subreddit']), safe='')}"
            streams = {"submissions": (f"{subreddit}/new", {})}
            if config.get("include_comments") is True:
                streams["comments"] = (f"{subreddit}/comments", {})
        else:
            raise FetchError("the source settings need a mode with its query or subreddit")

        token = _AppToken.for_credentials(http, str(config.get("auth_url") or DEFAULT_AUTH), credentials)
        cursor = cursor if isinstance(cursor, dict) else {}
        mentions: list[RawMention] = []
        new_cursor: dict = {}
        for stream, (url, params) in streams.items():
            recall = _read_listing(http, token, url, params, WINDOW.open(cursor.get(stream), time.time()))
            mentions.extend(recall.mentions)
            new_cursor[stream] = recall.cursor()
        return FetchResult(mentions=mentions, cursor=new_cursor)


class _AppToken:
    """An application-only OAuth token, shared through the cache by sources with the same app."""

    def __init__(self, http: SafeHttpClient, auth_url: str, client_id: str, client_secret: str):
        self.http, self.auth_url = http, auth_url
        self.basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        digest = hashlib.sha256(f"{auth_url}\n{self.basic}".encode()).hexdigest()
        self.cache_key = f"listening:reddit:token:{digest}"
        self.value = cache.get(self.cache_key) or ""
        self.from_cache = bool(self.value)

    @classmethod
    def for_credentials(cls, http: SafeHttpClient, auth_url: str, credentials: dict) -> _AppToken:
        client_id = credentials.get("client_id") if isinstance(credentials, dict) else None
        client_secret = credentials.get("client_secret") if isinstance(credentials, dict) else None
        if not (isinstance(client_id, str) and client_id and isinstance(client_secret, str) and client_secret):
            raise FetchError("the source has no Reddit app credentials")
        return cls(http, auth_url.rstrip("/"), client_id.strip(), client_secret.strip())

    def headers(self) -> dict[str, str]:
        if not self.value:
            self.request_new()
        return {"Authorization": f"Bearer {self.value}"}

    def request_new(self) -> None:
        response = self.http.post(
            self.auth_url, data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {self.basic}"}
        )
        document = response.json()
        document = document if isinstance(document, dict) else {}
        value = as_text(document.get("access_token"))
        if not value:
            # Reddit answers some refusals with 200 and {"error": ...}.
            reason = str(document.get("error") or "no access_token")[:100]
            raise FetchError(f"Reddit refused the app credentials ({reason})", status=response.status)
        self.value, self.from_cache = value, False
        lifetime = as_int(document.get("expires_in")) or 3600
        # Renew five minutes before Reddit would refuse it.
        cache.set(self.cache_key, value, max(60, min(lifetime - 300, 24 * 3600)))


def _get(http: SafeHttpClient, token: _AppToken, url: str, params: dict) -> FetchResponse:
    try:
        return http.get(url, params=params, headers=token.headers())
    except FetchError as error:
        if not token.from_cache or error.status != 401:
            raise
        # The remembered token was revoked or expired early: get a new one, once.
        cache.delete(token.cache_key)
        token.request_new()
        return http.get(url, params=params, headers=token.headers())


def _read_listing(http: SafeHttpClient, token: _AppToken, url: str, params: dict, recall: Recall) -> Recall:
    """Reads one listing, newest first, into `recall`: new things and known ones that grew."""
    after = ""
    # raw_json=1: text as written, not HTML-escaped (&amp; and friends) as the legacy default is.
    base_params = {**params, "limit": PAGE_SIZE, "raw_json": 1}
    for _page in range(MAX_PAGES):
        document = _get(http, token, url, {**base_params, "after": after} if after else base_params).json()
        data = document.get("data") if isinstance(document, dict) else None
        children = data.get("children") if isinstance(data, dict) else None
        if not isinstance(children, list):
            raise FetchError("Reddit answered something other than a listing")

        reached_known = False
        for child in children:
            kind = child.get("kind") if isinstance(child, dict) else None
            item = child.get("data") if isinstance(child, dict) else None
            if kind not in ("t1", "t3") or not isinstance(item, dict):
                continue  # "more" stubs and other kinds
            mention = _to_mention(kind, item)
            if mention is not None:
                reached_known |= recall.offer(mention, _created_stamp(item, recall.now))

        next_after = as_text(data.get("after"))
        if reached_known or not children or not next_after or next_after == after:
            break
        after = next_after
    return recall


def _to_mention(kind: str, item: dict) -> RawMention | None:
    item_id = as_text(item.get("id"))
    fullname = as_text(item.get("name")) or (f"{kind}_{item_id}" if item_id else "")
    if not FULLNAME.fullmatch(fullname) or not fullname.startswith(f"{kind}_"):
        return None
    author = as_text(item.get("author"))
    known_author = bool(author) and author != "[deleted]"
    is_submission = kind == "t3"
    return RawMention(
        platform=PLATFORM,
        external_id=fullname,
        text=as_text(item.get("selftext" if is_submission else "body")),
        title=as_text(item.get("title")) if is_submission else "",
        url=_permalink(item, fullname),
        author_name=author,
        author_handle=f"u/{author}" if known_author else "",
        author_url=f"{WEB}/user/{quote(author, safe='')}/" if known_author else "",
        posted_at=_from_epoch(item.get("created_utc")),
        likes=as_int(item.get("score")),
        # A crosspost is Reddit's repost.
        reposts=as_int(item.get("num_crossposts")) if is_submission else 0,
        replies=as_int(item.get("num_comments")) if is_submission else 0,
        parent_external_id="" if is_submission else _fullname(item.get("parent_id")),
        raw=item,
    )


def _permalink(item: dict, fullname: str) -> str:
    permalink = as_text(item.get("permalink"))
    if permalink.startswith("/"):
        return WEB + urlsplit(permalink).path  # without tracking queries such as ?ref=search_posts
    link_id = _fullname(item.get("link_id"))
    if fullname.startswith("t1_") and link_id.startswith("t3_"):
        # Older comment payloads have no permalink; this form reaches the comment all the same.
        return f"{WEB}/comments/{link_id[3:]}/_/{fullname[3:]}/"
    return ""


def _fullname(value: object) -> str:
    return value if isinstance(value, str) and FULLNAME.fullmatch(value) else ""


def _from_epoch(value: object) -> datetime | None:
    """Reddit's created_utc: epoch seconds, as a number or (rarely) a numeric string."""
    if isinstance(value, bool):
        return None
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _created_stamp(item: dict, now: float) -> float | None:
    moment = _from_epoch(item.get("created_utc"))
    # A future-dated item must not hide the items that follow it.
    return min(moment.timestamp(), now) if moment else None


connector = RedditConnector()

"""Mastodon and API-compatible servers: statuses under a hashtag, or from full-text search.

Timelines come newest first. Each poll reads back page by page (max_id) until it
reaches the oldest status still watched, at most MAX_PAGES pages, so a poll stays
cheap; a burst bigger than that between two polls loses its oldest statuses.
Statuses of the last WATCH_SECONDS are read again and handed on again when their
favourites, boosts or replies grew, so their risk can be rated anew.
"""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, quote, urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.core.http import FetchError, FetchResponse, SafeHttpClient
from apps.integrations.payload import as_int, as_mapping, as_text, clean_https_url, parse_time

from .base import FetchResult, RawMention, SeenWindow

PLATFORM = "mastodon"
PAGE_SIZE = 40  # the API's maximum for timelines and search
MAX_PAGES = 5
# Parents not in the fetched pages are asked for one by one; a thread-heavy poll stops here
# (the rest keep their parent's local id in raw and stay unthreaded).
MAX_PARENT_LOOKUPS = 20
WATCH_SECONDS = 2 * 3600
# At most two pages of statuses are read again, leaving the rest of a poll for new ones.
WINDOW = SeenWindow(overlap_seconds=0, watch_seconds=WATCH_SECONDS, max_remembered=2 * PAGE_SIZE)
MODES = ("hashtag", "search")
# Mastodon allows letters, digits, underscores and a few joiners in tags; the API accepts any \w.
HASHTAG = re.compile(r"^\w{1,100}$")
MAX_QUERY_CHARS = 500
# It goes into a header: printable ASCII without spaces.
ACCESS_TOKEN = re.compile(r"^[\x21-\x7e]{1,500}$")
_LINK_NEXT = re.compile(r'<([^>]*)>\s*;[^,]*\brel="?next"?', re.IGNORECASE)


class MastodonConnector:
    kind = "mastodon"

    def validate_config(self, config: dict, credentials: dict) -> dict:
        config, credentials = config or {}, credentials or {}
        errors: dict[str, str] = {}
        cleaned: dict = {"base_url": clean_https_url(config.get("base_url"), "base_url", errors)}

        mode = config.get("mode")
        if mode == "hashtag":
            hashtag = str(config.get("hashtag") or "").strip().removeprefix("#")
            if not HASHTAG.fullmatch(hashtag):
                errors["hashtag"] = _("Enter one hashtag: letters, digits and underscores, without spaces.")
            cleaned.update(mode=mode, hashtag=hashtag)
        elif mode == "search":
            query = str(config.get("query") or "").strip()
            if not query:
                errors["query"] = _("Enter what to search for.")
            elif len(query) > MAX_QUERY_CHARS:
                errors["query"] = _("Keep the search under %(max)d characters.") % {"max": MAX_QUERY_CHARS}
            cleaned.update(mode=mode, query=query)
        else:
            errors["mode"] = _("Choose hashtag or search.")

        cleaned["limit"] = _clean_limit(config.get("limit"), errors)

        token = credentials.get("access_token")
        if token not in (None, "") and not (isinstance(token, str) and ACCESS_TOKEN.fullmatch(token.strip())):
            errors["access_token"] = _("Paste the access token exactly as the instance shows it, or leave it out.")
        if errors:
            raise ValidationError(errors)
        return cleaned

    def fetch(self, *, config: dict, credentials: dict, cursor: dict, http: SafeHttpClient) -> FetchResult:
        base_url = str(config.get("base_url") or "").rstrip("/")
        if not base_url:
            raise FetchError("the source has no Mastodon instance address")
        limit = _page_size(config.get("limit"))
        cursor = cursor if isinstance(cursor, dict) else {}
        since_id = _status_id(cursor.get("since_id"))
        recall = WINDOW.open(cursor, time.time())
        # Read back to the oldest status still watched: known statuses come again with their counts.
        lower_bound = min([since_id, *recall.seen] if since_id else recall.seen, key=_id_order, default="")

        mode = config.get("mode")
        if mode == "hashtag" and config.get("hashtag"):
            url = f"{base_url}/api/v1/timelines/tag/{quote(str(config['hashtag']), safe='')}"
            params: dict = {"limit": limit}
            # Timelines take since_id (newest first, above it); min_id would page oldest first.
            if lower_bound:
                params["since_id"] = lower_bound
        elif mode == "search" and config.get("query"):
            url = f"{base_url}/api/v2/search"
            params = {"q": str(config["query"]), "type": "statuses", "limit": limit}
            # Search has no since_id; min_id is its lower bound.
            if lower_bound:
                params["min_id"] = lower_bound
        else:
            raise FetchError("the source settings need a mode with its hashtag or query")

        headers = {"Accept": "application/json"}
        token = credentials.get("access_token") if isinstance(credentials, dict) else None
        if isinstance(token, str) and token.strip():
            headers["Authorization"] = f"Bearer {token.strip()}"

        instance_host = urlsplit(base_url).hostname or ""
        uris: dict[str, str] = {}  # instance-local id -> URI of every status seen
        newest = since_id
        max_id = ""
        for _page in range(MAX_PAGES):
            response = http.get(url, params={**params, "max_id": max_id} if max_id else params, headers=headers)
            statuses = _statuses(response.json(), mode)
            page_ids: list[str] = []
            reached_cursor = False
            for status in statuses:
                status_id = _status_id(status.get("id")) if isinstance(status, dict) else ""
                if not status_id:
                    continue
                _remember_uris(status, uris)
                page_ids.append(status_id)
                if lower_bound and _id_order(status_id) <= _id_order(lower_bound):
                    reached_cursor = True
                    continue
                mention = _to_mention(status, instance_host)
                if mention is None:
                    continue
                if since_id and _id_order(status_id) <= _id_order(since_id):
                    recall.take_known(mention, status_id)
                else:
                    if not newest or _id_order(status_id) > _id_order(newest):
                        newest = status_id
                    recall.take_new(mention, status_id, _status_stamp(status, recall.now))

            if reached_cursor or not page_ids:
                break
            next_max_id = _link_next_max_id(response)
            if not next_max_id:
                if len(statuses) < limit:
                    break  # a short page without a next link is the end
                next_max_id = min(page_ids, key=_id_order)
            # A server that does not move backwards would loop until MAX_PAGES; stop instead.
            if max_id and _id_order(next_max_id) >= _id_order(max_id):
                break
            max_id = next_max_id

        _thread_replies(recall.mentions, uris, base_url, http, headers)
        return FetchResult(mentions=recall.mentions, cursor={"since_id": newest, **recall.cursor()} if newest else {})


def _remember_uris(status: dict, uris: dict[str, str]) -> None:
    for one in (status, status.get("reblog")):
        if isinstance(one, dict) and (local := _status_id(one.get("id"))) and (uri := as_text(one.get("uri"))):
            uris[local] = uri


def _thread_replies(mentions: list[RawMention], uris: dict[str, str], base_url: str, http, headers) -> None:
    """Key each reply's parent by its URI, as mentions are keyed, not by this instance's id.

    A parent outside the fetched pages is read from the instance; one it will not show
    (deleted, private) leaves the reply without a parent rather than under a wrong key.
    """
    lookups = 0
    for mention in mentions:
        local = _status_id(mention.raw.get("in_reply_to_id"))
        if not local:
            continue
        if local not in uris and lookups < MAX_PARENT_LOOKUPS:
            lookups += 1
            try:
                parent = http.get(f"{base_url}/api/v1/statuses/{quote(local, safe='')}", headers=headers).json()
            except FetchError:
                parent = None
            if isinstance(parent, dict) and _status_id(parent.get("id")) == local:
                _remember_uris(parent, uris)
        mention.parent_external_id = uris.get(local, "")


def _to_mention(status: dict, instance_host: str) -> RawMention | None:
    # A boost stands for the boosted status: that is what was said, and by whom.
    original = status["reblog"] if isinstance(status.get("reblog"), dict) else status
    # Ids are per instance; the URI names the status everywhere.
    external_id = as_text(original.get("uri")) or as_text(original.get("url"))
    if not external_id:
        return None
    account = as_mapping(original.get("account"))
    acct = as_text(account.get("acct")) or as_text(account.get("username"))
    if acct and "@" not in acct and instance_host:
        acct = f"{acct}@{instance_host}"  # local accounts come without their domain
    return RawMention(
        platform=PLATFORM,
        external_id=external_id,
        text=as_text(original.get("content")),
        is_html=True,
        # The content warning is what readers see first, like a subject line.
        title=as_text(original.get("spoiler_text")),
        url=as_text(original.get("url")) or as_text(original.get("uri")),
        author_name=as_text(account.get("display_name")) or acct,
        author_handle=f"@{acct}" if acct else "",
        author_url=as_text(account.get("url")),
        author_followers=as_int(account["followers_count"]) if "followers_count" in account else None,
        posted_at=parse_time(original.get("created_at")),
        likes=as_int(original.get("favourites_count")),
        reposts=as_int(original.get("reblogs_count")),
        replies=as_int(original.get("replies_count")),
        # Mastodon names the parent by its instance-local id: fetch() turns it into the URI.
        language_hint=as_text(original.get("language")),
        raw=original,
    )


def _status_stamp(status: dict, now: float) -> float | None:
    moment = parse_time(status.get("created_at"))
    return min(moment.timestamp(), now) if moment else None


def _statuses(document: object, mode: str) -> list:
    if mode == "search":
        statuses = document.get("statuses") if isinstance(document, dict) else None
        if not isinstance(statuses, list):
            raise FetchError("Mastodon search answered without a statuses list")
        return statuses
    if not isinstance(document, list):
        raise FetchError("Mastodon answered something other than a list of statuses")
    return document


def _status_id(value: object) -> str:
    # Ids are strings in the API; a few servers send numbers.
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and 0 < len(value) <= 64 and value.isascii() and value.isalnum():
        return value
    return ""


def _id_order(status_id: str) -> tuple[int, str]:
    # Snowflake ids (Mastodon) and flake ids (Pleroma, Akkoma) sort by length, then by text.
    return len(status_id), status_id


def _link_next_max_id(response: FetchResponse) -> str:
    match = _LINK_NEXT.search(response.headers.get("link", ""))
    if not match:
        return ""
    # Only the max_id is taken from the link: the next request is built here, on the configured instance.
    values = parse_qs(urlsplit(match.group(1)).query).get("max_id") or [""]
    return _status_id(values[0])


def _clean_limit(value: object, errors: dict[str, str]) -> int:
    if value is None or value == "":
        return PAGE_SIZE
    try:
        limit = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        limit = 0
    if isinstance(value, bool | float) or not 1 <= limit <= PAGE_SIZE:
        errors["limit"] = _("Enter a whole number from 1 to %(max)d.") % {"max": PAGE_SIZE}
    return limit


def _page_size(value: object) -> int:
    try:
        size = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return PAGE_SIZE
    return size if 1 <= size <= PAGE_SIZE else PAGE_SIZE


connector = MastodonConnector()

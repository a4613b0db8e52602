"""YouTube: comments on one video, or on everything of one channel (commentThreads).

Each thread gives its top-level comment and the replies YouTube includes inline
(a few per thread; the rest would need comments.list per thread, which costs quota).
Threads come newest first; paging stops at the first thread already seen or older
than the window the cursor remembers. Comments can show up late (held for review,
then published with their original time), so the cursor remembers the comments of
the last OVERLAP_SECONDS before the newest and every poll looks that far back.

The API key goes in the X-Goog-Api-Key header rather than the `key` query parameter,
so it never appears in a URL, and so never in a FetchError message or a log line.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.core.http import FetchError, SafeHttpClient
from apps.integrations.payload import as_int, as_mapping, as_text, clean_https_url, parse_time

from .base import FetchResult, RawMention, SeenWindow

PLATFORM = "youtube"
DEFAULT_API = "https://www.googleapis.com/youtube/v3"
PAGE_SIZE = 100  # the API's maximum
MAX_PAGES = 5
OVERLAP_SECONDS = 30 * 60
WINDOW = SeenWindow(OVERLAP_SECONDS)
CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
COMMENT_ID = re.compile(r"^[A-Za-z0-9_.-]{1,120}$")
API_KEY = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


THREAD_LIST_KIND = "youtube#commentThreadListResponse"


class YouTubeConnector:
    kind = "youtube"

    def validate_config(self, config: dict, credentials: dict) -> dict:
        config, credentials = config or {}, credentials or {}
        errors: dict[str, str] = {}
        cleaned: dict = {"base_url": clean_https_url(config.get("base_url"), "base_url", errors, DEFAULT_API)}
        channel_id = str(config.get("channel_id") or "").strip()
        video_id = str(config.get("video_id") or "").strip()
        if channel_id and video_id:
            errors["video_id"] = _("Enter a channel ID or a video ID, not both.")
        elif channel_id:
            if not CHANNEL_ID.fullmatch(channel_id):
                errors["channel_id"] = _("Enter the channel ID: 24 characters starting with UC.")
            cleaned["channel_id"] = channel_id
        elif video_id:
            if not VIDEO_ID.fullmatch(video_id):
                errors["video_id"] = _("Enter the video ID: the 11 characters after watch?v=.")
            cleaned["video_id"] = video_id
        else:
            errors["channel_id"] = _("Enter a channel ID or a video ID.")

        api_key = credentials.get("api_key")
        if not isinstance(api_key, str) or not API_KEY.fullmatch(api_key.strip()):
            errors["api_key"] = _("Enter a YouTube Data API key from the Google Cloud console.")
        if errors:
            raise ValidationError(errors)
        return cleaned

    def fetch(self, *, config: dict, credentials: dict, cursor: dict, http: SafeHttpClient) -> FetchResult:
        base_url = str(config.get("base_url") or DEFAULT_API).rstrip("/")
        params: dict = {
            "part": "snippet,replies",
            "maxResults": PAGE_SIZE,
            "order": "time",
            "textFormat": "plainText",
        }
        if config.get("video_id"):
            params["videoId"] = str(config["video_id"])
        elif config.get("channel_id"):
            params["allThreadsRelatedToChannelId"] = str(config["channel_id"])
        else:
            raise FetchError("the source has neither a YouTube channel nor a video")
        api_key = credentials.get("api_key") if isinstance(credentials, dict) else None
        if not isinstance(api_key, str) or not api_key.strip():
            raise FetchError("the source has no YouTube API key")
        headers = {"Accept": "application/json", "X-Goog-Api-Key": api_key.strip()}

        now = time.time()
        recall = WINDOW.open(cursor, now)
        page_token = ""
        used_tokens: set[str] = set()
        for _page in range(MAX_PAGES):
            page_params = {**params, "pageToken": page_token} if page_token else params
            document = http.get(f"{base_url}/commentThreads", params=page_params, headers=headers).json()
            threads = document.get("items") if isinstance(document, dict) else None
            kind = document.get("kind") if isinstance(document, dict) else None
            if kind not in (None, THREAD_LIST_KIND):  # e.g. a commentListResponse: a healthy-looking wrong answer
                raise FetchError(
                    "YouTube answered with something else than comment threads", detail=f"kind: {str(kind)[:100]}"
                )
            if not isinstance(threads, list):
                raise FetchError("YouTube answered without a list of comment threads")

            reached_known = False
            for thread in threads:
                for mention, is_top_level in _thread_mentions(thread):
                    known = recall.offer(mention, _stamp(mention, now))
                    # Threads are in time order; a reply's age says nothing about the next thread.
                    reached_known = reached_known or (known and is_top_level)

            used_tokens.add(page_token)
            page_token = as_text(document.get("nextPageToken"))
            if reached_known or not threads or not page_token or page_token in used_tokens:
                break

        return FetchResult(mentions=recall.mentions, cursor=recall.cursor())


def _thread_mentions(thread: object) -> Iterator[tuple[RawMention, bool]]:
    """The thread's top-level comment, then its inline replies, each with whether it is top-level."""
    if not isinstance(thread, dict):
        return
    snippet = as_mapping(thread.get("snippet"))
    top = as_mapping(snippet.get("topLevelComment"))
    top_id = as_text(top.get("id")) or as_text(thread.get("id"))
    context = {"video_id": as_text(snippet.get("videoId")), "channel_id": as_text(snippet.get("channelId"))}
    mention = _to_mention(
        top, top_id, parent_id="", replies=as_int(snippet.get("totalReplyCount")), raw=thread, **context
    )
    if mention is not None:
        yield mention, True
    replies = as_mapping(thread.get("replies")).get("comments")
    for reply in replies if isinstance(replies, list) else ():
        if not isinstance(reply, dict):
            continue
        parent_id = as_text(as_mapping(reply.get("snippet")).get("parentId")) or top_id
        mention = _to_mention(reply, as_text(reply.get("id")), parent_id=parent_id, replies=0, raw=reply, **context)
        if mention is not None:
            yield mention, False


def _to_mention(
    comment: dict, comment_id: str, *, parent_id: str, replies: int, raw: dict, video_id: str, channel_id: str
) -> RawMention | None:
    if not COMMENT_ID.fullmatch(comment_id):
        return None
    snippet = as_mapping(comment.get("snippet"))
    video_id = as_text(snippet.get("videoId")) or video_id
    channel_id = as_text(snippet.get("channelId")) or channel_id
    if VIDEO_ID.fullmatch(video_id):
        url = f"https://www.youtube.com/watch?v={video_id}&lc={comment_id}"
    elif CHANNEL_ID.fullmatch(channel_id):
        url = f"https://www.youtube.com/channel/{channel_id}"  # a comment on the channel itself
    else:
        url = ""
    author = as_text(snippet.get("authorDisplayName"))
    return RawMention(
        platform=PLATFORM,
        external_id=comment_id,
        # textOriginal is only guaranteed to the comment's author; textDisplay is plain text as requested.
        text=as_text(snippet.get("textOriginal")) or as_text(snippet.get("textDisplay")),
        url=url,
        author_name=author,
        # Since 2024 the display name is the @handle for most channels.
        author_handle=author if author.startswith("@") else "",
        author_url=as_text(snippet.get("authorChannelUrl")),
        posted_at=parse_time(snippet.get("publishedAt")),
        likes=as_int(snippet.get("likeCount")),
        replies=replies,
        parent_external_id=parent_id if COMMENT_ID.fullmatch(parent_id) else "",
        raw=raw,
    )


def _stamp(mention: RawMention, now: float) -> float | None:
    # A future-dated comment must not hide the comments that follow it.
    return min(mention.posted_at.timestamp(), now) if mention.posted_at else None


connector = YouTubeConnector()

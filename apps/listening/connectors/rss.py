"""RSS 0.9x/1.0/2.0, Atom and JSON Feed, including Google Alerts feeds.

feedparser only ever gets bytes, never a URL or a string (a string that
looks like a URL makes it fetch); its DOCTYPE handling keeps only flat internal
entities, so entity bombs and external entities never expand. JSON Feed is
parsed here: feedparser does not read it.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import json
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import feedparser
import feedparser.encodings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from apps.core.http import FetchError
from apps.integrations.payload import parse_time

from ..enrichment.text import clean_text
from .base import FetchResult, RawMention

# How many entry ids a cursor remembers, so unchanged feeds yield nothing new.
SEEN_IDS = 500
# What a feed's own entities may expand to, all references counted. Expat refuses such a feed
# and feedparser's loose parser then expanded it: 103 KB on the wire became 100 million
# characters (and 5.8 GB of one worker at 20,000 references).
ENTITY_MAX_CHARS = 1024 * 1024
# Read as feedparser reads them: anywhere in the document (inside a DOCTYPE's subset or not),
# after feedparser's own conversion to UTF-8, references with or without their ";".
_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_GENERAL_ENTITY = re.compile(
    rb"""<!ENTITY\s+([A-Za-z_:][\w.:-]*)\s+(?:"([^"]*)"|'([^']*)'|(?:SYSTEM|PUBLIC)\s+(?:"[^"]*"|'[^']*')"""
    rb"""(?:\s+(?:"[^"]*"|'[^']*'))?)[^>]*>""",
    re.IGNORECASE,
)
_REFERENCE = re.compile(rb"&([A-Za-z_:][\w.:-]*)(?![\w.:-])")


class EntityBomb(FetchError):
    """The feed's entities would expand past ENTITY_MAX_CHARS, or are declared in a way this
    check cannot read (then nothing it cannot size is parsed)."""


def refuse_entity_bombs(content: bytes, content_type: str = "") -> None:
    """EntityBomb when the document's entities, expanded wherever they are used, pass
    ENTITY_MAX_CHARS; sized without expanding anything."""
    headers = {"content-type": content_type} if content_type else {}
    data = feedparser.encodings.convert_to_utf8(headers, content, {})
    declared = len(_DECLARATION.findall(data))
    if not declared:
        return
    found = list(_GENERAL_ENTITY.finditer(data))
    if len(found) != declared:  # a parameter entity, or a declaration of a shape not read here
        raise EntityBomb("the feed declares entities in a way the app does not read")
    definitions = {m.group(1): m.group(2) if m.group(2) is not None else m.group(3) or b"" for m in found}
    sizes: dict[bytes, int] = {}

    def size(name: bytes, seen: frozenset = frozenset()) -> int:
        if name in sizes:
            return sizes[name]
        if name in seen:
            return 0  # a loop expands to nothing more
        value = definitions[name]
        total = len(value)
        for reference in _REFERENCE.finditer(value):
            if reference.group(1) in definitions:
                total += size(reference.group(1), seen | {name})
                if total > ENTITY_MAX_CHARS:
                    break
        sizes[name] = total
        return total

    total = 0
    for reference in _REFERENCE.finditer(data):
        if reference.group(1) in definitions:
            total += size(reference.group(1))
            if total > ENTITY_MAX_CHARS:
                raise EntityBomb(f"the feed defines entities that expand to more than {ENTITY_MAX_CHARS:,} characters")


def unwrap_google_redirect(link: str) -> str:
    """Google Alerts links go through google.com/url?...&url=<the real page>."""
    parsed = urlparse(link)
    if parsed.hostname and parsed.hostname.endswith("google.com") and parsed.path == "/url":
        target = parse_qs(parsed.query).get("url") or parse_qs(parsed.query).get("q")
        if target and target[0].startswith(("http://", "https://")):
            return target[0]
    return link


def _entry_time(entry) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def _entry_id(*candidates: str) -> str:
    for candidate in candidates:
        if candidate and candidate.strip():
            value = candidate.strip()
            # Keep ids bounded and stable: long ones are hashed.
            return value if len(value) <= 200 else hashlib.sha256(value.encode()).hexdigest()
    return ""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest() if text else ""


def _article(entry) -> str:
    """The entry's own text: the longest of its content and summary.

    feedparser files a photo's media:description under content too, so the first content
    of a news item (HuffPost, AP feeds) was the caption, not the article.
    """
    bodies = [str(item.get("value") or "") for item in entry.get("content") or [] if isinstance(item, dict)]
    bodies.append(str(entry.get("summary") or ""))
    return max(bodies, key=lambda body: len(clean_text(body, is_html=True)))


# Markup escaped once more than its feed says: Reddit's RSS wraps self-text as
# "&lt;!-- SC_OFF --&gt;&lt;div class="md"&gt;...", which read as HTML is text with tags in it.
_ESCAPED_MARKUP = re.compile(r"\s*&lt;(?:!--|/?[a-z][a-z0-9]*(?:\s|&gt;|/))", re.IGNORECASE)


def _unescaped_once_more(body: str) -> str:
    body = html.unescape(body) if _ESCAPED_MARKUP.match(body) and "<" not in body[:200] else body
    # Reddit's self-text sits between these markers; after them come "submitted by" and links.
    if body.lstrip().startswith("<!-- SC_OFF -->") and "<!-- SC_ON -->" in body:
        body = body.split("<!-- SC_ON -->", 1)[0]
    return body


def _from_feedparser(content: bytes, content_type: str) -> list[RawMention]:
    refuse_entity_bombs(content, content_type)
    # The charset of the HTTP header comes first, then the document's own, then detection
    # (feedparser's order when it is given the header): koi8-r, Shift-JIS or windows-1255 feeds
    # served with a right header were read as mojibake without it.
    headers = {"content-type": content_type} if content_type else {}
    parsed = feedparser.parse(content, response_headers=headers, sanitize_html=True, resolve_relative_uris=False)
    if not parsed.entries and parsed.bozo and not parsed.get("version"):
        problem = parsed.get("bozo_exception")
        raise FetchError(_not_a_feed(content), detail=f"{type(problem).__name__}: {problem}"[:2000])
    is_alerts = "googlealerts" in (parsed.feed.get("id") or "")
    mentions = []
    for entry in parsed.entries:
        link = unwrap_google_redirect(entry.get("link") or "")
        body = _unescaped_once_more(_article(entry))
        title_type = (entry.get("title_detail") or {}).get("type", "text/plain")
        mentions.append(
            RawMention(
                platform="web",
                external_id=_entry_id(entry.get("id"), link, entry.get("title"), _digest(body)),
                text=body,
                is_html=True,
                title=entry.get("title") or "",
                url=link,
                author_name=entry.get("author") or "",
                posted_at=_entry_time(entry),
                raw={
                    "feed": "google_alerts" if is_alerts else parsed.get("version") or "feed",
                    "title_html": title_type == "text/html",
                    **_plain_entry(entry),
                },
            )
        )
    return mentions


def _not_a_feed(content: bytes) -> str:
    """Why an answer is no feed, in the words of what it is instead."""
    head = content[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not head:
        return _("The address answered with nothing: the answer was empty.")
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:1024]:
        return _("The address answered with a web page, not a feed (a login page or a moved feed?).")
    if b"\x00" in head or head.decode("utf-8", errors="replace").count("\ufffd") > len(head) // 20:
        return _("The address answered with binary data, not a feed.")
    return _("The address answered with something that is not a feed the app can read.")


def _plain_entry(entry) -> dict:
    """The JSON-safe part of a feedparser entry, kept as the raw payload."""
    keep = ("id", "link", "title", "summary", "published", "updated", "author")
    return {key: str(entry.get(key)) for key in keep if entry.get(key)}


def _from_json_feed(document: dict) -> list[RawMention]:
    items = document.get("items")
    if not isinstance(items, list):
        raise FetchError("JSON Feed without an items list")
    mentions = []
    for item in items:
        if not isinstance(item, dict):
            continue
        authors = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
        author = authors[0] if authors and isinstance(authors[0], dict) else {}
        posted = item.get("date_published") or item.get("date_modified")
        html_body = item.get("content_html")
        mentions.append(
            RawMention(
                platform="web",
                external_id=_entry_id(str(item.get("id") or ""), str(item.get("url") or "")),
                text=str(html_body if html_body else item.get("content_text") or item.get("summary") or ""),
                is_html=bool(html_body),
                title=str(item.get("title") or ""),
                url=str(item.get("url") or ""),
                author_name=str(author.get("name") or ""),
                author_url=str(author.get("url") or ""),
                posted_at=parse_time(posted),
                raw=item,
            )
        )
    return mentions


def parse_feed(content: bytes, *, content_type: str = "") -> list[RawMention]:
    head = content[:200].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:  # an empty 200 is no healthy poll
        raise FetchError(_not_a_feed(content))
    if head.startswith(b"{"):
        try:
            document = json.loads(content)
        except ValueError as exc:
            raise FetchError("the feed looks like JSON but is not valid JSON") from exc
        if not isinstance(document, dict) or "jsonfeed.org" not in str(document.get("version", "")):
            raise FetchError("JSON that is not a JSON Feed")
        return _from_json_feed(document)
    return _from_feedparser(content, content_type)


class RssConnector:
    kind = "rss"

    def validate_config(self, config: dict, credentials: dict) -> dict:
        url = str(config.get("url") or "").strip()
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise ValidationError({"url": _("Enter the feed's http(s) address.")}) from None
        return {"url": url}

    def fetch(self, *, config, credentials, cursor, http) -> FetchResult:
        headers = {"Accept": "application/atom+xml, application/rss+xml, application/feed+json, */*;q=0.5"}
        if cursor.get("etag"):
            headers["If-None-Match"] = cursor["etag"]
        if cursor.get("modified"):
            headers["If-Modified-Since"] = cursor["modified"]
        response = http.get(config["url"], headers=headers)
        if response.status == 304:
            return FetchResult([], cursor)
        entries = parse_feed(response.content, content_type=response.headers.get("content-type", ""))
        seen = set(cursor.get("seen", []))
        fresh = [entry for entry in entries if entry.external_id and entry.external_id not in seen]
        remembered = [entry.external_id for entry in entries if entry.external_id][:SEEN_IDS]
        new_cursor = {"seen": remembered + [i for i in cursor.get("seen", []) if i not in remembered]}
        new_cursor["seen"] = new_cursor["seen"][:SEEN_IDS]
        for header, key in (("etag", "etag"), ("last-modified", "modified")):
            if response.headers.get(header):
                new_cursor[key] = response.headers[header]
        return FetchResult(fresh, new_cursor)


connector = RssConnector()

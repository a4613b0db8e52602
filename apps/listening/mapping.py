"""Mentions from other tools: one field vocabulary for webhook pushes and file imports."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime

from .connectors.base import RawMention

# Our field -> what it means. Imports map their columns onto these names.
FIELDS = {
    "id": "the mention's id on its platform (required)",
    "text": "the text (required)",
    "title": "a title, for articles",
    "url": "link to the mention",
    "platform": "where it was said, e.g. twitter, facebook, trustpilot",
    "author_name": "author's name",
    "author_handle": "author's handle",
    "author_url": "link to the author",
    "author_followers": "author's followers (reach)",
    "posted_at": "when it was posted (ISO 8601 or Unix seconds)",
    "likes": "likes or reactions",
    "reposts": "shares or reposts",
    "replies": "replies or comments",
    "language": "language code, e.g. da, nb, pl, de, en",
    "parent_id": "id of the post it answers",
}
REQUIRED = ("id", "text")
COUNT_FIELDS = ("author_followers", "likes", "reposts", "replies")
# Bounds on what a pushed or imported record may hold, so that what is accepted can be stored,
# handed to a worker and read back: nesting (a worker pickles what it is given, and 500 levels
# kill it), values per record, and every string valid Unicode (no lone surrogates).
MAX_DEPTH = 16
MAX_VALUES = 5_000


class BadRecord(ValueError):
    """A record that cannot become a mention; the message says which field and why."""


def parse_when(value) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
        try:
            return datetime.fromtimestamp(float(value), tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise BadRecord(f"posted_at: {value!r} is not a time") from None
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip().replace(" ", "T", 1) if "T" not in value else value.strip())
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise BadRecord(f"posted_at: {str(value)[:40]!r} is not an ISO 8601 time or Unix seconds")


def _count(name: str, value) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(float(str(value).replace(",", "").strip()))
    except (TypeError, ValueError, OverflowError):  # OverflowError: "inf" and "-inf"
        raise BadRecord(f"{name}: {str(value)[:40]!r} is not a number") from None
    if number < 0:
        raise BadRecord(f"{name}: must not be negative")
    return number


def check_untrusted(record: dict) -> None:
    """BadRecord naming the field when the record nests too deep, holds too much, a string that
    is not valid Unicode, or a number that is not finite; nothing when it may be stored as it is."""
    seen = 0
    for field, top in record.items():
        if not isinstance(field, str) or not _valid_text(field):
            raise BadRecord("a field name is not valid text")
        stack = [(top, 1)]
        while stack:
            value, depth = stack.pop()
            seen += 1
            if seen > MAX_VALUES:
                raise BadRecord(f"the record holds more than {MAX_VALUES} values")
            if depth > MAX_DEPTH:
                raise BadRecord(f"{field}: nested more than {MAX_DEPTH} levels deep")
            if isinstance(value, str) and not _valid_text(value):
                raise BadRecord(f"{field}: holds text that is not valid Unicode")
            if isinstance(value, float) and not math.isfinite(value):
                raise BadRecord(f"{field}: holds a number that is not finite")
            if isinstance(value, dict):
                if not all(isinstance(key, str) and _valid_text(key) for key in value):
                    raise BadRecord(f"{field}: a name inside it is not valid text")
                stack.extend((inner, depth + 1) for inner in value.values())
            elif isinstance(value, list):
                stack.extend((inner, depth + 1) for inner in value)


def _valid_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, e.g. JSON's "\ud800"
        return False
    return True


def flatten(item: dict) -> dict:
    """Accept author as a nested object, as many tools send it."""
    flat = dict(item)
    author = flat.pop("author", None)
    if isinstance(author, dict):
        for key in ("name", "handle", "url", "followers"):
            if key in author:
                flat.setdefault(f"author_{key}", author[key])
    elif isinstance(author, str):
        flat.setdefault("author_name", author)
    return flat


def record_to_mention(record: dict, *, default_platform: str) -> RawMention:
    """A RawMention from a record using our field names; raises BadRecord."""
    check_untrusted(record)
    for name in REQUIRED:
        value = record.get(name)
        if value is None or not str(value).strip():
            raise BadRecord(f"{name}: missing")
    counts = {name: _count(name, record.get(name)) for name in COUNT_FIELDS}
    text = lambda name: str(record.get(name) or "").strip()  # noqa: E731
    return RawMention(
        platform=(text("platform") or default_platform).lower()[:32],
        external_id=text("id"),
        text=text("text"),
        title=text("title"),
        url=text("url"),
        author_name=text("author_name"),
        author_handle=text("author_handle"),
        author_url=text("author_url"),
        author_followers=counts["author_followers"],
        posted_at=parse_when(record.get("posted_at")),
        likes=counts["likes"] or 0,
        reposts=counts["reposts"] or 0,
        replies=counts["replies"] or 0,
        parent_external_id=text("parent_id"),
        language_hint=text("language"),
        raw={k: v for k, v in record.items() if isinstance(k, str)},
    )

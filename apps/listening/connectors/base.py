"""What every connector speaks: fetch from a cursor -> normalised mentions + new cursor."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from apps.core.http import SafeHttpClient


@dataclass
class RawMention:
    """A mention as a platform gave it, mapped to our fields but not yet cleaned or enriched."""

    platform: str
    external_id: str
    text: str
    is_html: bool = False
    title: str = ""
    url: str = ""
    author_name: str = ""
    author_handle: str = ""
    author_url: str = ""
    author_followers: int | None = None
    posted_at: datetime | None = None
    likes: int = 0
    reposts: int = 0
    replies: int = 0
    parent_external_id: str = ""
    language_hint: str = ""
    raw: dict = field(default_factory=dict)


@dataclass
class FetchResult:
    mentions: list[RawMention]
    cursor: dict


class Connector(Protocol):
    kind: str

    def validate_config(self, config: dict, credentials: dict) -> dict:
        """Return the cleaned config, or raise django ValidationError with field messages."""

    def fetch(self, *, config: dict, credentials: dict, cursor: dict, http: SafeHttpClient) -> FetchResult:
        """Fetch what is new since `cursor`. Raises FetchError for failures the health records."""


def engagement(mention: RawMention) -> int:
    return mention.likes + mention.reposts + mention.replies


@dataclass(frozen=True)
class SeenWindow:
    """What a cursor remembers: recently seen items with their time and engagement.

    Search indexes lag and moderated comments appear late with their original time, so
    a single "newest seen" would lose them: items of the last `overlap_seconds` before
    the newest are remembered, a re-poll yields nothing new for them and late arrivals
    still count. Items of the last `watch_seconds` are remembered with their engagement,
    so one that turns up again with more of it is handed on again and can be re-rated.
    """

    overlap_seconds: float
    watch_seconds: float = 7 * 24 * 3600
    max_remembered: int = 500

    def open(self, cursor: object, now: float) -> Recall:
        return Recall(self, cursor if isinstance(cursor, dict) else {}, now)

    def load(self, cursor: object) -> dict[str, float]:
        seen = cursor.get("seen") if isinstance(cursor, dict) else None
        if not isinstance(seen, dict):
            return {}
        return {key: float(stamp) for key, stamp in seen.items() if isinstance(key, str) and _is_number(stamp)}

    def floor(self, seen: dict[str, float]) -> float | None:
        """Items from before this were seen already, or are too late to count."""
        if not seen:
            return None
        floor = max(seen.values()) - self.overlap_seconds
        if len(seen) >= self.max_remembered:
            floor = max(floor, min(seen.values()))  # forgotten items must not come back as new
        return floor

    def remember(self, seen: dict[str, float], fresh: dict[str, float | None], now: float) -> dict[str, float]:
        merged = dict(seen)
        newest = max((stamp for stamp in [*seen.values(), *fresh.values()] if stamp is not None), default=now)
        for key, stamp in fresh.items():
            merged[key] = newest if stamp is None else stamp  # undated items are remembered as the newest
        horizon = newest - max(self.overlap_seconds, self.watch_seconds)
        recent = sorted(((stamp, key) for key, stamp in merged.items() if stamp >= horizon), reverse=True)
        return {key: stamp for stamp, key in recent[: self.max_remembered]}


class Recall:
    """One fetch seen through a SeenWindow: new items, known items that grew, and the next cursor."""

    def __init__(self, window: SeenWindow, cursor: dict, now: float):
        self.window, self.now = window, now
        self.seen = window.load(cursor)
        counts = cursor.get("counts")
        counts = counts if isinstance(counts, dict) else {}
        # Cursors from before engagement was remembered have no counts: those items are not re-sent.
        self.counts = {key: int(count) for key, count in counts.items() if key in self.seen and _is_number(count)}
        self.floor = window.floor(self.seen)
        self.mentions: list[RawMention] = []
        self.fresh: dict[str, float | None] = {}
        self.handed_on: set[str] = set()

    def is_known(self, key: str, stamp: float | None) -> bool:
        return key in self.seen or (self.floor is not None and stamp is not None and stamp < self.floor)

    def offer(self, mention: RawMention, stamp: float | None, key: str | None = None) -> bool:
        """Take one item of a page; True when it was known already (the fetch reached old ground)."""
        key = key or mention.external_id
        if self.is_known(key, stamp):
            self.take_known(mention, key)
            return True
        self.take_new(mention, key, stamp)
        return False

    def take_new(self, mention: RawMention, key: str, stamp: float | None) -> None:
        if key not in self.fresh:  # pages can repeat items: each counts once per fetch
            self.fresh[key] = stamp
            self.counts[key] = engagement(mention)
            self._hand_on(mention)

    def take_known(self, mention: RawMention, key: str) -> None:
        if key not in self.seen:
            return  # older than anything watched
        total = engagement(mention)
        if key in self.counts and total > self.counts[key]:
            self._hand_on(mention)
        self.counts[key] = max(total, self.counts.get(key, 0))

    def _hand_on(self, mention: RawMention) -> None:
        if mention.external_id not in self.handed_on:
            self.handed_on.add(mention.external_id)
            self.mentions.append(mention)

    def cursor(self) -> dict:
        seen = self.window.remember(self.seen, self.fresh, self.now)
        return {"seen": seen, "counts": {key: self.counts[key] for key in seen if key in self.counts}}


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)

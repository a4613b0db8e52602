"""Shared helpers for the platform connector tests: sample payloads and checks on mentions."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import datetime

from apps.listening.connectors.base import RawMention
from tests.shared_data import SAMPLES, require_shared

# Values a hostile or broken server might put anywhere in a payload.
HOSTILE_VALUES = (None, True, -7, 2**70, 1.5, "", "not a date", "9999-12-31T23:59:59-23:59", "x" * 300, [], {}, [None])


def load_sample(platform: str, name: str):
    """The JSON body of a sample; recorded cassettes wrap it as {"_request": ..., "response": body}."""
    # Real payloads from public repositories' test data, kept next to the project (../shared).
    path = require_shared(SAMPLES / platform / name)
    document = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(document, dict) and set(document) == {"_request", "response"}:
        return document["response"]
    return document


def hostile_variants(item: dict, *, max_depth: int = 4) -> Iterator[object]:
    """Copies of `item`, each with one field (at any depth) replaced by a hostile value."""
    for path in _paths(item, max_depth):
        for value in HOSTILE_VALUES:
            variant = copy.deepcopy(item)
            target = variant
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
            yield variant
    for value in HOSTILE_VALUES:
        yield value  # the item itself replaced


def _paths(node, depth: int, prefix: tuple = ()) -> Iterator[tuple]:
    if depth == 0:
        return
    if isinstance(node, dict):
        keys = list(node)
    elif isinstance(node, list):
        keys = [0] if node else []  # the first element stands for the rest
    else:
        return
    for key in keys:
        yield (*prefix, key)
        if isinstance(node[key], dict | list):
            yield from _paths(node[key], depth - 1, (*prefix, key))


def assert_well_formed(mention: RawMention) -> None:
    """What the ingestion pipeline relies on, whatever the payload looked like."""
    assert isinstance(mention, RawMention)
    for name in (
        "platform",
        "external_id",
        "text",
        "title",
        "url",
        "author_name",
        "author_handle",
        "author_url",
        "parent_external_id",
        "language_hint",
    ):
        assert isinstance(getattr(mention, name), str), name
    assert mention.external_id
    for name in ("likes", "reposts", "replies"):
        value = getattr(mention, name)
        assert isinstance(value, int) and not isinstance(value, bool) and value >= 0, name
    assert mention.author_followers is None or (
        isinstance(mention.author_followers, int) and mention.author_followers >= 0
    )
    assert mention.posted_at is None or (
        isinstance(mention.posted_at, datetime) and mention.posted_at.utcoffset() is not None
    )
    assert isinstance(mention.raw, dict)
    json.dumps(mention.raw, allow_nan=False)  # storable as jsonb

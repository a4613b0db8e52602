"""Counting mentions into ``MentionCount`` rows as the pipeline stores them: one upsert per batch."""

from __future__ import annotations

import math
import zlib
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import ALL_CHANNELS, MentionCount

ASKING_FACTORS = frozenset({"call_to_action", "awaiting_answer"})
_TABLE = MentionCount._meta.db_table


def author_hash(row: dict) -> int:
    """A signed 32-bit hash of who wrote it (handle, else name): unique authors without storing them."""
    who = (row.get("author_handle") or row.get("author_name") or "").strip().lower()
    return zlib.crc32(who.encode("utf-8")) - 2**31 if who else 0


def reach_weight(followers: int | None) -> float:
    """One for a post, more for a wider audience on a log scale: 1,000 followers count 4, a million 7."""
    return 1.0 + math.log10(1 + followers) if followers else 1.0


def _asks(row: dict) -> bool:
    return row.get("kind") == "question" or any(
        factor.get("factor") in ASKING_FACTORS for factor in row.get("risk_factors") or ()
    )


def count_rows(rows) -> dict[tuple[int, str, datetime], list]:
    """{(brand, channel, minute): [mentions, negative, reach, asking, {authors}]}, with each brand's
    total under the channel ""."""
    counts: dict[tuple, list] = defaultdict(lambda: [0, 0, 0.0, 0, set()])
    for row in rows:
        # by arrival, or in a catch-up by posting time (listening's "_counted_at")
        minute = (row.get("_counted_at") or row["ingested_at"]).replace(second=0, microsecond=0)
        negative = row.get("sentiment") == "negative"
        reach = reach_weight(row.get("author_followers"))
        asks = _asks(row)
        who = author_hash(row)
        for channel in (ALL_CHANNELS, row["platform"]) if row["platform"] else (ALL_CHANNELS,):
            entry = counts[(row["brand_id"], channel, minute)]
            entry[0] += 1
            entry[1] += negative
            entry[2] += reach
            entry[3] += asks
            if who:
                entry[4].add(who)
    return counts


def add_counts(cursor, counts: dict) -> None:
    """Add to the rows (creating them) in one statement; concurrent batches add, never overwrite."""
    if not counts:
        return
    keys = sorted(counts)  # the same order in every writer: no deadlock between two batches
    cursor.execute(
        f"""
        INSERT INTO {_TABLE} (brand_id, channel, start, minutes, mentions, negative, reach, asking, authors)
        SELECT brand_id, channel, start, 1, mentions, negative, reach, asking,
               ARRAY(SELECT DISTINCT unnest(string_to_array(authors, ',')::int[]))
        FROM unnest(%s::bigint[], %s::text[], %s::timestamptz[], %s::int[], %s::int[], %s::float8[],
                    %s::int[], %s::text[])
             AS batch(brand_id, channel, start, mentions, negative, reach, asking, authors)
        ON CONFLICT (brand_id, channel, start) DO UPDATE SET
            mentions = {_TABLE}.mentions + EXCLUDED.mentions,
            negative = {_TABLE}.negative + EXCLUDED.negative,
            reach = {_TABLE}.reach + EXCLUDED.reach,
            asking = {_TABLE}.asking + EXCLUDED.asking,
            authors = ARRAY(SELECT DISTINCT unnest({_TABLE}.authors || EXCLUDED.authors))
        """,
        [
            [key[0] for key in keys],
            [key[1] for key in keys],
            [key[2] for key in keys],
            [counts[key][0] for key in keys],
            [counts[key][1] for key in keys],
            [counts[key][2] for key in keys],
            [counts[key][3] for key in keys],
            [",".join(map(str, sorted(counts[key][4]))) for key in keys],
        ],
    )


def count_new_mentions(cursor, created: dict[int, dict]) -> None:
    """The pipeline's after-insert step: the batch's counts, in the batch's transaction."""
    add_counts(cursor, count_rows(created.values()))


def fold_old_minutes(now: datetime | None = None) -> int:
    """Fold minute rows older than the retention window into hour rows; returns the hour rows written."""
    now = now or timezone.now()
    before = (now - timedelta(days=settings.DETECTION_MINUTES_KEPT_DAYS)).replace(minute=0, second=0, microsecond=0)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH folded AS (
                DELETE FROM {_TABLE} WHERE minutes = 1 AND start < %s
                RETURNING brand_id, channel, date_trunc('hour', start) AS hour, mentions, negative, reach, asking,
                          authors
            ),
            hours AS (
                SELECT brand_id, channel, hour, sum(mentions) AS mentions, sum(negative) AS negative,
                       sum(reach) AS reach, sum(asking) AS asking
                FROM folded GROUP BY brand_id, channel, hour
            ),
            hour_authors AS (
                SELECT brand_id, channel, hour, array_agg(DISTINCT author) AS authors
                FROM folded, unnest(authors) AS author GROUP BY brand_id, channel, hour
            )
            INSERT INTO {_TABLE} (brand_id, channel, start, minutes, mentions, negative, reach, asking, authors)
            SELECT brand_id, channel, hour, 60, mentions, negative, reach, asking, coalesce(authors, '{{}}')
            FROM hours LEFT JOIN hour_authors USING (brand_id, channel, hour)
            ON CONFLICT (brand_id, channel, start) DO UPDATE SET
                minutes = 60,
                mentions = {_TABLE}.mentions + EXCLUDED.mentions,
                negative = {_TABLE}.negative + EXCLUDED.negative,
                reach = {_TABLE}.reach + EXCLUDED.reach,
                asking = {_TABLE}.asking + EXCLUDED.asking,
                authors = ARRAY(SELECT DISTINCT unnest({_TABLE}.authors || EXCLUDED.authors))
            """,
            [before],
        )
        return cursor.rowcount

"""One ingestion pipeline for every door (poll, webhook, import, replay).

normalise -> match the brand -> dedupe -> enrich (language on a thread of its own,
overlapping the previous batch's sentiment, kind, topics) -> later steps (risk,
routing: ingest_steps) -> insert in batches, one transaction each, on a
writer thread: keys already stored are dropped and the rest COPYed straight in (a
staging table with ON CONFLICT DO NOTHING when another writer races), so re-polls
and replays create nothing new -> cross-posted copies linked to the first mention.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice

import orjson
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from psycopg.errors import UniqueViolation

from apps.core.registry import Registry
from apps.mentions.models import Mention, Topic
from apps.tenants.models import Brand

from .connectors.base import RawMention
from .enrichment.kinds import classify_kind, compile_topics, match_topics
from .enrichment.language import candidate_languages, detect_languages
from .enrichment.query import BrandMatcher, fold
from .enrichment.sentiment import get_analyser
from .enrichment.text import clean_text, content_hash
from .models import BrandQuery

# Columns written by the pipeline, in COPY order.
COLUMNS = (
    "client_id",
    "brand_id",
    "source_id",
    "platform",
    "external_id",
    "url",
    "parent_external_id",
    "author_name",
    "author_handle",
    "author_url",
    "author_followers",
    "title",
    "text",
    "posted_at",
    "posted_at_known",
    "ingested_at",
    "language",
    "language_confidence",
    "sentiment",
    "sentiment_score",
    "kind",
    "topics",
    "likes",
    "reposts",
    "replies",
    "content_hash",
    "status",
    "raw",
    "risk_score",
    "risk_level",
    "risk_factors",
    "risk_overridden",
    "rated_at",
    "response_due_at",
    "response_warn_at",
    "assignee_id",
    "assigned_at",
)
# Filled by the later steps (ingest_steps), if any.
_STEP_DEFAULTS = {
    "risk_score": None,
    "risk_level": "",
    "risk_factors": [],
    "risk_overridden": False,
    "rated_at": None,
    "response_due_at": None,
    "response_warn_at": None,
    "assignee_id": None,
    "assigned_at": None,
}
_MAX_COUNT = 2_147_483_647


@dataclass
class IngestResult:
    received: int = 0
    rejected: int = 0  # unusable: no id or no text
    filtered: int = 0  # not about the brand, or an excluded word
    duplicates: int = 0  # already known (same client, platform and id)
    created: int = 0
    # Ids of the mentions created, unless the caller said it needs only the counts
    # (a million-row import must not hold a million ids).
    created_ids: list[int] = field(default_factory=list)

    def add(self, other: IngestResult, keep_ids: bool = True) -> None:
        self.received += other.received
        self.rejected += other.rejected
        self.filtered += other.filtered
        self.duplicates += other.duplicates
        self.created += other.created
        if keep_ids:
            self.created_ids.extend(other.created_ids)


@dataclass
class BrandContext:
    """Everything about a brand the pipeline needs, loaded once per ingestion."""

    brand: Brand
    matcher: BrandMatcher
    languages: frozenset[str]
    topics: list
    # The brand's own names are not opinions: "Super Brugsen" or "United" must not score.
    names: re.Pattern | None = None
    # What later steps (risk, routing) load once per ingestion, under their own key.
    extras: dict = field(default_factory=dict)
    # A catch-up (a source back after an outage, a first fetch, an import): mentions posted
    # since then count for detection at their posting time, not all at once on arrival.
    catching_up_since: datetime | None = None

    @classmethod
    def load(cls, brand: Brand) -> BrandContext:
        query = BrandQuery.objects.unscoped().filter(brand=brand).first()
        matcher = BrandMatcher.build(
            names=[brand.name, *brand.aliases],
            handles=brand.handles,
            keywords=query.keywords if query else (),
            hashtags=query.hashtags if query else (),
            excluded=query.excluded_words if query else (),
            expression=query.expression if query else "",
        )
        topics = Topic.objects.unscoped().filter(Q(brand=brand) | Q(brand__isnull=True), client_id=brand.client_id)
        names = [re.escape(name) for name in sorted({brand.name, *brand.aliases}, key=len, reverse=True) if name]
        names_re = re.compile(r"(?<!\w)(?:" + "|".join(names) + r")(?!\w)", re.IGNORECASE) if names else None
        return cls(brand, matcher, candidate_languages(brand.languages), compile_topics(topics), names_re)


# The later steps of ingestion, filled by the risk and routing apps in their AppConfig.ready():
# ingest_steps (rows, context) edit rows before the insert, in rank order (risk rates, then
# routing assigns by the rating); after_insert (cursor, {id: row} of the mentions created) and
# on_growth (cursor, {id: row}, context) run inside the insert's transaction.
# catching_up_since for a batch that is all catch-up (an import, a source's first fetch).
EVER = datetime(1970, 1, 1, tzinfo=UTC)
OUTAGE = timedelta(minutes=10)  # a poll or a push this late catches up

ingest_steps = Registry("ingest steps")
after_insert = Registry("ingest after insert")
on_growth = Registry("ingest on growth")


def _counted_at(posted_at: datetime | None, now: datetime, catching_up_since: datetime | None) -> datetime:
    """When detection counts the mention: on arrival (a post fetched late is news now), but in
    a catch-up at its posting time, so a source coming back from an outage is no spike."""
    if catching_up_since is None or posted_at is None or posted_at < catching_up_since:
        return now
    return min(posted_at, now)


def _clip(value, limit: int) -> str:
    # PostgreSQL text cannot hold NUL; hostile payloads carry it.
    return str(value or "").replace("\x00", "")[:limit]


def _count(value) -> int:
    return min(max(int(value or 0), 0), _MAX_COUNT)


def normalise(item: RawMention, context: BrandContext, source_id: int | None, now: datetime) -> dict | None:
    text = clean_text(item.text, is_html=item.is_html)
    title = clean_text(item.title, is_html=item.is_html)
    external_id = (item.external_id or "").strip()
    if not external_id or not (text or title):
        return None
    posted_at = item.posted_at or now
    # In UTC, like every other timestamp of the row: a local time in the hour a clock goes
    # back equals its twin an hour apart, and COPY's text cache (_copy_values) would merge them.
    posted_at = posted_at.replace(tzinfo=UTC) if posted_at.tzinfo is None else posted_at.astimezone(UTC)
    followers = item.author_followers
    return {
        "client_id": context.brand.client_id,
        "brand_id": context.brand.pk,
        "source_id": source_id,
        "platform": _clip(item.platform, 32),
        "external_id": _clip(external_id, 255),
        "url": _clip(item.url if (item.url or "").startswith(("http://", "https://")) else "", 2000),
        "parent_external_id": _clip(item.parent_external_id, 255),
        "author_name": _clip(clean_text(item.author_name), 255),
        "author_handle": _clip(clean_text(item.author_handle), 255),
        "author_url": _clip(
            item.author_url if (item.author_url or "").startswith(("http://", "https://")) else "", 2000
        ),
        "author_followers": _count(followers) if followers is not None else None,
        "title": _clip(title, 500),
        "text": text or title,
        "posted_at": min(posted_at, now),
        "posted_at_known": item.posted_at is not None,
        "ingested_at": now,
        "_counted_at": _counted_at(posted_at if item.posted_at else None, now, context.catching_up_since),
        "likes": _count(item.likes),
        "reposts": _count(item.reposts),
        "replies": _count(item.replies),
        "status": "new",
        "raw": item.raw if isinstance(item.raw, dict) else {"value": item.raw},
        "_hint": item.language_hint,
        **_STEP_DEFAULTS,
    }


def _full_text(row: dict) -> str:
    return row["text"] if not row["title"] or row["title"] in row["text"] else f"{row['title']}\n{row['text']}"


def detect(rows: list[dict], context: BrandContext) -> list[tuple[str, float]]:
    """Language and confidence per row, a batch at a time (native code on all cores, off the GIL)."""
    hints = [row.pop("_hint", "") for row in rows]
    return detect_languages([_full_text(row) for row in rows], context.languages, hints)


def enrich(rows: list[dict], context: BrandContext, languages: list[tuple[str, float]]) -> None:
    """Sentiment, kind, topics and a content hash, given each row's language."""
    analyser = get_analyser()
    for row, (language, confidence) in zip(rows, languages, strict=True):
        text = _full_text(row)
        row["language"], row["language_confidence"] = language, confidence
        sentiment = analyser.analyse(context.names.sub(" ", text) if context.names else text, language)
        row["sentiment"], row["sentiment_score"] = sentiment.label, round(sentiment.score, 4)
        folded = row.pop("_folded")
        row["kind"] = classify_kind(text, sentiment.label, folded)
        row["topics"] = match_topics(folded, context.topics)
        row["content_hash"] = content_hash(text)


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def ingest(
    items: Iterable[RawMention],
    *,
    brand: Brand,
    source_id: int | None = None,
    require_match: bool = True,
    batch_size: int | None = None,
    context: BrandContext | None = None,
    keep_ids: bool = True,
    catching_up_since: datetime | None = None,
) -> IngestResult:
    """Take raw mentions of one brand through the pipeline; returns what happened to them.

    ``catching_up_since``: the batch catches up on what was posted since then (see
    BrandContext), so detection counts those mentions at their posting time.

    Outside a transaction, batch k is written by a writer thread (its own connection)
    while batch k+1 is enriched, so the database and the enrichment work at once. Inside
    one, everything stays on the caller's connection: another could not see its rows.
    """
    context = context or BrandContext.load(brand)
    if catching_up_since is not None:
        context = dataclasses.replace(context, catching_up_since=catching_up_since)
    _share_the_interpreter()
    result = IngestResult()
    batches = _batches(items, batch_size or settings.INGEST_BATCH_SIZE)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-language") as detector:
        prepared = _prepared(batches, context, source_id, require_match, detector)
        if connection.in_atomic_block:
            for partial, rows, grown in prepared:
                result.add(_finish(partial, rows, _insert_rows(rows, grown, context)), keep_ids)
            return result
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer") as writer:
            in_flight = None
            try:
                for partial, rows, grown in prepared:
                    if in_flight is not None:
                        result.add(_finish(in_flight[0], in_flight[1], in_flight[2].result()), keep_ids)
                    in_flight = (partial, rows, writer.submit(_insert_rows, rows, grown, context))
                if in_flight is not None:
                    result.add(_finish(in_flight[0], in_flight[1], in_flight[2].result()), keep_ids)
            finally:
                writer.submit(_close_own_connection).result()
    return result


def _share_the_interpreter() -> None:
    """Shorten the interpreter's thread switch interval for this process (once; it stays).

    The writer and the language detector return to Python after every round trip or native
    call, and with the default 5 ms interval each return waits out the enricher's time slice:
    the writer, the pipeline's slowest stage, spent much of a batch waiting for its turn.
    """
    if sys.getswitchinterval() > settings.INGEST_SWITCH_INTERVAL:
        sys.setswitchinterval(settings.INGEST_SWITCH_INTERVAL)


def _prepared(batches, context: BrandContext, source_id, require_match, detector) -> Iterator[tuple]:
    """(partial result, new rows ready to insert, {id: row} of stored mentions that grew) per batch.

    The language of batch k+1 is detected on the detector thread while batch k gets the
    rest of its enrichment: the detector is native code that leaves the GIL, so the two
    overlap on a second core.
    """
    waiting = None
    for batch in batches:
        partial, rows, grown = _gather(batch, context, source_id, require_match)
        languages = detector.submit(detect, rows, context)
        if waiting is not None:
            yield _enriched(*waiting, context)
        waiting = (partial, rows, grown, languages)
    if waiting is not None:
        yield _enriched(*waiting, context)


def _enriched(partial: IngestResult, rows: list[dict], grown: dict, languages, context: BrandContext) -> tuple:
    enrich(rows, context, languages.result())
    for step in ingest_steps:
        step(rows=rows, context=context)
    return partial, rows, grown


def _close_own_connection() -> None:
    # `connection` resolves per thread when called, so this closes the writer's own.
    connection.close()


def _insert_rows(rows: list[dict], grown: dict[int, dict], context: BrandContext) -> list[int]:
    return _insert(rows, grown, context) if rows or grown else []


def _finish(partial: IngestResult, rows: list[dict], created: list[int]) -> IngestResult:
    partial.duplicates += len(rows) - len(created)
    partial.created, partial.created_ids = len(created), created
    return partial


def _gather(
    batch: list[RawMention], context: BrandContext, source_id, require_match
) -> tuple[IngestResult, list[dict], dict[int, dict]]:
    """Normalise, match the brand and drop repeats, within the batch and of what is stored.

    Only new rows go on to be enriched, rated and assigned: a re-sent post must not take a
    responder's turn or capacity. Stored ones that came back with more engagement go to the
    growth step with their new counts.
    """
    result = IngestResult(received=len(batch))
    now = datetime.now(UTC)
    rows: dict[tuple[str, str], dict] = {}
    for item in batch:
        row = normalise(item, context, source_id, now)
        if row is None:
            result.rejected += 1
            continue
        row["_folded"] = fold(f"{row['title']}\n{row['text']}")
        if require_match and not context.matcher.matches_folded(f"{row['_folded']} {fold(row['author_handle'])}"):
            result.filtered += 1
            continue
        key = (row["platform"], row["external_id"])
        if key in rows:
            result.duplicates += 1
            continue
        rows[key] = row
    fresh, grown = _split_known(context.brand.client_id, list(rows.values()))
    result.duplicates += len(rows) - len(fresh)
    return result, fresh, grown


def without_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {without_nul(str(k)): without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_nul(v) for v in value]
    return value


# A raw payload is kept for people to look at, not as the mention's text (cut at _MAX_TEXT):
# past this size its long strings are cut, and past it again only its short top-level fields stay.
RAW_MAX_CHARS = 64 * 1024
RAW_STRING_CHARS = 2000


def _raw_json(value) -> str:
    dumped = json.dumps(value, ensure_ascii=False, default=str)
    if len(dumped) > RAW_MAX_CHARS:
        dumped = _bounded_raw_json(value, len(dumped))
    # jsonb refuses \u0000; the rare payload that has one is cleaned before dumping again.
    return json.dumps(without_nul(json.loads(dumped)), ensure_ascii=False) if "\\u0000" in dumped else dumped


def _bounded_raw_json(value, size: int) -> str:
    note = f"the payload was {size:,} characters; long values were cut to {RAW_STRING_CHARS:,}"
    cut = _cut_strings(value)
    if isinstance(cut, dict):
        cut = {**cut, "_cut": note}
    dumped = json.dumps(cut, ensure_ascii=False, default=str)
    if len(dumped) <= RAW_MAX_CHARS:
        return dumped
    short = (str, int, float, bool)
    kept = (
        {k: v for k, v in cut.items() if isinstance(v, short) and len(str(v)) <= 200} if isinstance(cut, dict) else {}
    )
    kept["_cut"] = f"the payload was {size:,} characters; only its short top-level fields were kept"
    dumped = json.dumps(kept, ensure_ascii=False, default=str)
    return dumped if len(dumped) <= RAW_MAX_CHARS else json.dumps({"_cut": kept["_cut"]})


def _cut_strings(value):
    if isinstance(value, str):
        return value if len(value) <= RAW_STRING_CHARS else value[:RAW_STRING_CHARS] + " …"
    if isinstance(value, dict):
        return {str(k)[:200]: _cut_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cut_strings(v) for v in value]
    return value


_RAW = COLUMNS.index("raw")
_FACTORS = COLUMNS.index("risk_factors")


def _factors_json(factors: list) -> str:
    """The scorer's factors (our own plain lists, dicts, strings and numbers) as compact JSON.

    orjson writes them in 0.3 µs where json took 3 µs a mention; raw payloads keep json
    for its default=str on whatever a platform sends.
    """
    return orjson.dumps(factors).decode()


# Timestamps go to COPY as ISO 8601 text, each distinct one written once per batch
# (arrival, rating and assignment times are the batch's own): psycopg took 2 µs per
# timestamp, and risk and routing add four to every row.
_TIMESTAMPS = tuple(
    index
    for index, column in enumerate(COLUMNS)
    if Mention._meta.get_field(column).get_internal_type() == "DateTimeField"
)


def _copy_values(row: dict, stamps: dict) -> list:
    """The row's values in COLUMNS order, as COPY takes them; `stamps` caches timestamps' text."""
    values = [row[column] for column in COLUMNS]
    values[_RAW] = _raw_json(values[_RAW])
    values[_FACTORS] = _factors_json(values[_FACTORS])
    for index in _TIMESTAMPS:
        value = values[index]
        if value is not None:
            text = stamps.get(value)
            if text is None:
                text = stamps[value] = value.isoformat()
            values[index] = text
    return values


def _insert(fresh: list[dict], grown: dict[int, dict], context: BrandContext) -> list[int]:
    """Store a batch in one transaction; returns the ids of the mentions created.

    Fast path: take ids from the sequence, link copies to the first mention with their
    hash, and COPY straight into the table. If another writer stored one of the same keys
    since `_gather` looked, the unique constraint stops the COPY and the batch goes the
    careful way instead (staging table, ON CONFLICT DO NOTHING).
    """
    with transaction.atomic(), connection.cursor() as cursor:
        if grown:
            _store_growth(cursor, grown, context)
        if not fresh:
            return []
        client_id = fresh[0]["client_id"]
        try:
            with transaction.atomic():
                created = _copy_new(cursor, client_id, fresh)
        except (IntegrityError, UniqueViolation):  # COPY reports psycopg's own error, not Django's
            created = _insert_with_conflicts(cursor, fresh)
        if created:
            for hook in after_insert:
                hook(cursor=cursor, created=created)
        return list(created)


def _split_known(client_id: int, rows: list[dict]) -> tuple[list[dict], dict[int, dict]]:
    """(rows not stored yet, {id: row} of stored mentions that arrived again with more engagement})."""
    if not rows:
        return [], {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT platform, external_id, id, likes + reposts + replies FROM {Mention._meta.db_table} "
            f"WHERE client_id = %s AND (platform, external_id) IN (SELECT * FROM unnest(%s::text[], %s::text[]))",
            [client_id, [row["platform"] for row in rows], [row["external_id"] for row in rows]],
        )
        stored_rows = cursor.fetchall()
    known = {(platform, external_id): (pk, engagement) for platform, external_id, pk, engagement in stored_rows}
    fresh, grown = [], {}
    for row in rows:
        stored = known.get((row["platform"], row["external_id"]))
        if stored is None:
            fresh.append(row)
        elif row["likes"] + row["reposts"] + row["replies"] > stored[1]:
            grown[stored[0]] = row
    return fresh, grown


def _store_growth(cursor, grown: dict[int, dict], context: BrandContext) -> None:
    """New counts for mentions seen again; later steps may re-rate them (a growing post can climb)."""
    ids = list(grown)
    cursor.execute(
        f"UPDATE {Mention._meta.db_table} AS m SET likes = GREATEST(m.likes, n.likes), "
        f"reposts = GREATEST(m.reposts, n.reposts), replies = GREATEST(m.replies, n.replies) "
        f"FROM unnest(%s::bigint[], %s::int[], %s::int[], %s::int[]) AS n(id, likes, reposts, replies) "
        f"WHERE m.id = n.id",
        [ids, *([grown[pk][column] for pk in ids] for column in ("likes", "reposts", "replies"))],
    )
    for hook in on_growth:
        hook(cursor=cursor, grown=grown, context=context)


def _copy_new(cursor, client_id: int, rows: list[dict]) -> dict[int, dict]:
    table = Mention._meta.db_table
    cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(rows)])
    ids = [value for (value,) in cursor.fetchall()]
    hashes = sorted({row["content_hash"] for row in rows if row["content_hash"]})
    cursor.execute(
        f"SELECT content_hash, min(id) FROM {table} WHERE client_id = %s AND content_hash = ANY(%s) "
        f"AND content_hash <> '' GROUP BY content_hash",
        [client_id, hashes],
    )
    first_with_hash = dict(cursor.fetchall())
    columns, stamps = ("id", *COLUMNS, "duplicate_of_id"), {}
    with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for mention_id, row in zip(ids, rows, strict=True):
            original = first_with_hash.setdefault(row["content_hash"], mention_id) if row["content_hash"] else None
            copy.write_row([mention_id, *_copy_values(row, stamps), original if original != mention_id else None])
    return dict(zip(ids, rows, strict=True))


def _insert_with_conflicts(cursor, rows: list[dict]) -> dict[int, dict]:
    table = Mention._meta.db_table
    columns = ", ".join(COLUMNS)
    # Column types only (no id sequence, no constraints); emptied first because the caller's
    # transaction may span several batches.
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS mention_staging ON COMMIT DELETE ROWS AS "
        f"SELECT {columns} FROM {table} WITH NO DATA"
    )
    cursor.execute("DELETE FROM mention_staging")
    stamps = {}
    with cursor.cursor.copy(f"COPY mention_staging ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(_copy_values(row, stamps))
    cursor.execute(
        f"INSERT INTO {table} ({columns}) SELECT {columns} FROM mention_staging "
        f"ON CONFLICT (client_id, platform, external_id) DO NOTHING RETURNING id, platform, external_id"
    )
    by_key = {(row["platform"], row["external_id"]): row for row in rows}
    created = {pk: by_key[platform, external_id] for pk, platform, external_id in cursor.fetchall()}
    if created:
        _link_copies(cursor, table, list(created))
    return created


def _link_copies(cursor, table: str, created: list[int]) -> None:
    """A new mention whose text matches an earlier one of the same client is that one's copy.

    The earliest mention with a hash is always an original (nothing earlier has its hash), so
    the first row of the (client, hash, id) index is the answer: no filter on duplicate_of.
    """
    cursor.execute(
        f"""
        UPDATE {table} AS m SET duplicate_of_id = first.id
        FROM (
            SELECT n.id AS new_id, (
                SELECT o.id FROM {table} o
                WHERE o.client_id = n.client_id AND o.content_hash = n.content_hash AND o.content_hash <> ''
                  AND o.id < n.id
                ORDER BY o.id LIMIT 1
            ) AS id
            FROM {table} n WHERE n.id = ANY(%s) AND n.content_hash <> ''
        ) AS first
        WHERE m.id = first.new_id AND first.id IS NOT NULL
        """,
        [created],
    )

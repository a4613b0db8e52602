"""Writes for listening: sources, their polling and health, brand queries and topics."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from urllib.parse import urlparse

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.audit import changed_fields, only_changed
from apps.core.backoff import backoff_seconds as exponential_backoff
from apps.core.http import FetchError, SafeHttpClient
from apps.core.leases import Lease
from apps.core.redis_client import redis_client
from apps.mentions.models import Topic
from apps.notifications.models import NotificationEvent
from apps.notifications.services import notify
from apps.tenants.models import Brand, Client
from apps.tenants.roles import ClientPerm
from apps.tenants.selectors import account_leads_of
from apps.tenants.services import require_client_perm

from . import events
from .connectors import get_connector
from .connectors.base import FetchResult
from .models import POLLED_KINDS, BrandQuery, ImportJob, PushedBatch, Source, SourceKind
from .pipeline import EVER, OUTAGE, IngestResult, ingest

log = logging.getLogger(__name__)

# A claimed source stays claimed this long at most, even if its worker dies.
POLL_LEASE = Lease(
    claimed_field="claimed_until", due_field="next_poll_at", length=timedelta(minutes=10), due_when_empty=True
)
# A host slot lives this long at most, so a killed worker cannot hold a host forever.
HOST_SLOT_TTL = 15 * 60


def check_brand(*, client: Client, brand: Brand) -> None:
    if brand.client_id != client.pk:
        raise ValidationError({"brand": _("Choose a brand of this client.")})


def _validated_config(kind: str, config: dict, credentials: dict, brand: Brand) -> dict:
    if kind not in SourceKind.values:
        raise ValidationError({"kind": _("Choose a kind of source.")})
    cleaned = get_connector(kind).validate_config(config or {}, credentials or {})
    if "require_match" in (config or {}):
        cleaned["require_match"] = bool(config["require_match"])
    if kind == SourceKind.REPLAY:
        # The generated mentions speak of the brand by its names.
        cleaned["brand_names"] = [brand.name, *brand.aliases[:3]]
    return cleaned


@transaction.atomic
def source_create(
    *,
    actor: User,
    client: Client,
    brand: Brand,
    kind: str,
    name: str,
    config: dict,
    credentials: dict | None = None,
    poll_interval: int = 300,
    enabled: bool = True,
    own_channel: bool = False,
    request: HttpRequest | None = None,
) -> tuple[Source, str | None]:
    """Create a source. For a webhook, also returns its signing secret, shown once."""
    require_client_perm(actor=actor, client=client, codename=ClientPerm.MANAGE)
    check_brand(client=client, brand=brand)
    credentials = dict(credentials or {})
    source = Source(
        client=client,
        brand=brand,
        kind=kind,
        name=(name or "").strip(),
        poll_interval=poll_interval,
        enabled=enabled,
        own_channel=own_channel,
        config=_validated_config(kind, config, credentials, brand),
    )
    secret = None
    if kind == SourceKind.WEBHOOK:
        secret = secrets.token_urlsafe(32)
        credentials = {"secret": secret}
        source.webhook_token = secrets.token_urlsafe(32)
    source.set_credentials(credentials)
    source.next_poll_at = timezone.now() if kind in POLLED_KINDS else None
    source.full_clean()
    source.save()
    events.source_created_event(actor=actor, source=source, request=request)
    return source, secret


@transaction.atomic
def source_update(
    *,
    actor: User,
    source: Source,
    request: HttpRequest | None = None,
    name=None,
    brand: Brand | None = None,
    config=None,
    credentials=None,
    poll_interval=None,
    enabled=None,
    own_channel=None,
) -> Source:
    """Change a source. Credentials left empty keep the stored ones (they are never shown back)."""
    require_client_perm(actor=actor, client=source.client, codename=ClientPerm.MANAGE)
    source = Source.objects.unscoped().select_for_update().get(pk=source.pk)
    before = changed_fields(source, events.SOURCE_FIELDS)
    if brand is not None:
        check_brand(client=source.client, brand=brand)
        source.brand = brand
    if name is not None:
        source.name = name.strip()
    stored_credentials = source.credentials
    merged_credentials = dict(stored_credentials)
    # A webhook's only credential is its signing secret, made by source_create.
    if credentials and source.kind != SourceKind.WEBHOOK:
        merged_credentials.update({k: v for k, v in credentials.items() if v})
    credentials_changed = merged_credentials != stored_credentials
    if credentials_changed:
        source.set_credentials(merged_credentials)
    if config is not None:
        source.config = _validated_config(source.kind, config, merged_credentials, source.brand)
    if poll_interval is not None:
        source.poll_interval = poll_interval
    if own_channel is not None:
        source.own_channel = own_channel
    if enabled is not None and enabled != source.enabled:
        source.enabled = enabled
        if enabled:
            source.consecutive_failures = 0
            source.disabled_reason = ""
            source.next_poll_at = timezone.now() if source.is_polled else None
    source.full_clean()
    source.save()
    before, after = only_changed(before, changed_fields(source, events.SOURCE_FIELDS))
    if after or credentials_changed:
        events.source_updated_event(
            actor=actor,
            source=source,
            request=request,
            before=before,
            after={**after, **({"credentials": "changed"} if credentials_changed else {})},
        )
    return source


@transaction.atomic
def source_poll_now(*, actor: User, source: Source, request: HttpRequest | None = None) -> Source:
    """Poll as soon as a worker is free, whatever the schedule says."""
    require_client_perm(actor=actor, client=source.client, codename=ClientPerm.WORK_MENTIONS)
    if not source.is_polled:
        raise ValidationError(_("This source is not polled: its mentions are pushed or uploaded."))
    if not source.enabled:
        raise ValidationError(_("Enable the source first."))
    source.next_poll_at, source.claimed_until = timezone.now(), None
    Source.objects.unscoped().filter(pk=source.pk).update(
        next_poll_at=source.next_poll_at, claimed_until=source.claimed_until
    )
    events.source_poll_requested_event(actor=actor, source=source, request=request)
    from .tasks import poll_source_task

    transaction.on_commit(lambda: poll_source_task.delay(source.pk))
    return source


def claim_due_sources(*, limit: int = 200) -> list[int]:
    """Claim enabled, due, unclaimed sources; safe when several beats or workers race (SKIP LOCKED)."""
    polled = Source.objects.unscoped().filter(enabled=True, kind__in=POLLED_KINDS)
    return POLL_LEASE.claim_due(polled, timezone.now(), limit=limit)


def source_host(*, source: Source) -> str:
    config = source.config or {}
    address = config.get("url") or config.get("base_url") or ""
    return (urlparse(address).hostname or source.kind).lower()


class HostBusy(Exception):
    """Enough polls are talking to this source's host already; try again shortly."""


@contextmanager
def host_slot(*, host: str) -> Iterator[None]:
    """At most FETCH_PER_HOST_CONCURRENCY polls talk to one host at a time (a counter in Redis)."""
    key = f"varde:fetch-slots:{host}"
    client = redis_client()
    taken = client.incr(key)
    client.expire(key, HOST_SLOT_TTL)
    try:
        yield taken <= settings.FETCH_PER_HOST_CONCURRENCY
    finally:
        client.decr(key)


def poll_source(*, source_id: int, http: SafeHttpClient | None = None) -> IngestResult | None:
    """Fetch what is new for one source, ingest it, and record the source's health.

    Raises HostBusy, keeping the claim, when the source's host has no free slot.
    """
    source = Source.objects.unscoped().select_related("brand").filter(pk=source_id).first()
    if source is None or not source.enabled or not source.is_polled:
        Source.objects.unscoped().filter(pk=source_id).update(claimed_until=None)
        return None
    host = source_host(source=source)
    with host_slot(host=host) as free:
        if not free:
            raise HostBusy(host)
        return _poll(source, http)


def _poll(source: Source, http: SafeHttpClient | None) -> IngestResult | None:
    started = timezone.now()
    try:
        with http or SafeHttpClient() as client:
            fetched: FetchResult = get_connector(source.kind).fetch(
                config=source.config, credentials=source.credentials, cursor=source.cursor or {}, http=client
            )
        result = ingest(
            fetched.mentions,
            brand=source.brand,
            source_id=source.pk,
            require_match=source.require_match,
            catching_up_since=catching_up_since(source=source, now=started),
        )
    except FetchError as exc:
        record_poll_failure(source=source, message=str(exc), detail=exc.detail, retry_after=exc.retry_after, at=started)
        return None
    except SoftTimeLimitExceeded:
        record_poll_failure(
            source=source,
            message=_("The poll took longer than %(s)d seconds and was stopped.")
            % {"s": settings.CELERY_TASK_SOFT_TIME_LIMIT},
            detail="SoftTimeLimitExceeded",
            at=started,
        )
        return None
    except Exception as exc:  # a connector bug or hostile payload must not stop the worker
        log.exception("poll of source %s failed", source.pk)
        message = _("What the source sent could not be stored; the error is logged for the agency's developers.")
        if not isinstance(exc, DatabaseError):
            message = _("The poll stopped on an error of ours; it is logged for the agency's developers.")
        record_poll_failure(source=source, message=message, detail=f"{type(exc).__name__}: {exc}"[:2000], at=started)
        return None
    record_poll_success(
        source=source, cursor=fetched.cursor, fetched=len(fetched.mentions), created=result.created, at=started
    )
    return result


def catching_up_since(*, source: Source, now: datetime) -> datetime | None:
    """Whether this poll catches up: the source's first, or one more than ten minutes after its
    last success (failing polls, a worker down, or a source polled that seldom). Then what was
    posted meanwhile is counted at its posting time, so the lump is no spike; a poll on time
    counts on arrival, which is what detection must see first."""
    if source.last_success_at is None:
        return EVER
    if now - source.last_success_at > OUTAGE:
        return source.last_success_at
    return None


def record_poll_success(*, source: Source, cursor: dict, fetched: int, created: int, at=None) -> None:
    now = at or timezone.now()
    Source.objects.unscoped().filter(pk=source.pk).update(
        cursor=cursor,
        last_polled_at=now,
        last_success_at=now,
        consecutive_failures=0,
        last_error="",
        last_error_detail="",
        next_poll_at=now + timedelta(seconds=source.poll_interval),
        claimed_until=None,
        last_fetched_count=fetched,
        last_created_count=created,
    )


def backoff_seconds(*, failures: int, retry_after: float | None = None) -> float:
    """Exponential with jitter, capped; a server's Retry-After is honoured when longer."""
    return exponential_backoff(
        failures, base=settings.SOURCE_BACKOFF_BASE, cap=settings.SOURCE_BACKOFF_MAX, retry_after=retry_after
    )


@transaction.atomic
def record_poll_failure(
    *, source: Source, message: str, detail: str = "", retry_after: float | None = None, at=None
) -> Source:
    now = at or timezone.now()
    source = Source.objects.unscoped().select_for_update().get(pk=source.pk)
    source.consecutive_failures += 1
    source.last_polled_at = now
    source.last_error = message[:2000]
    source.last_error_detail = detail[:2000]
    source.last_error_at = now
    source.claimed_until = None
    source.next_poll_at = now + timedelta(
        seconds=backoff_seconds(failures=source.consecutive_failures, retry_after=retry_after)
    )
    if source.consecutive_failures >= settings.SOURCE_MAX_FAILURES and source.enabled:
        source.enabled = False
        source.disabled_reason = _("Switched off after %(n)d failed polls in a row.") % {
            "n": source.consecutive_failures
        }
        events.source_disabled_event(actor=None, source=source, reason=source.disabled_reason)
        transaction.on_commit(lambda: _notify_source_disabled(source))
    source.save()
    return source


def _notify_source_disabled(source: Source) -> None:

    notify(
        event=NotificationEvent.SOURCE_DISABLED,
        client=source.client,
        recipients=account_leads_of(client=source.client),
        title=_("Listening stopped: %(source)s") % {"source": source.name},
        body=_(
            "The source %(source)s of %(brand)s failed %(n)d times in a row and was switched off.\n"
            "Last error: %(error)s\n\nFix its settings and enable it again on the Sources page."
        )
        % {
            "source": source.name,
            "brand": source.brand.name,
            "n": source.consecutive_failures,
            "error": source.last_error,
        },
        url=reverse("source_detail", args=[source.client.slug, source.pk]),
    )


def source_test_connection(*, actor: User, source: Source, http: SafeHttpClient | None = None) -> FetchResult:
    """Fetch once without storing anything or moving the cursor: does the configuration work?"""
    require_client_perm(actor=actor, client=source.client, codename=ClientPerm.MANAGE)
    if not source.is_polled:
        raise ValidationError(_("Only polled sources can be tested this way."))
    with http or SafeHttpClient() as client:
        return get_connector(source.kind).fetch(
            config=source.config, credentials=source.credentials, cursor={}, http=client
        )


@transaction.atomic
def brand_query_save(
    *,
    actor: User,
    brand: Brand,
    keywords,
    hashtags,
    excluded_words,
    expression: str,
    request: HttpRequest | None = None,
) -> BrandQuery:
    from .enrichment.query import parse_expression

    require_client_perm(actor=actor, client=brand.client, codename=ClientPerm.MANAGE)
    if expression.strip():
        try:
            parse_expression(expression.strip())
        except ValidationError as exc:
            raise ValidationError({"expression": exc.messages}) from None
    query, _created = (
        BrandQuery.objects.unscoped().select_for_update().get_or_create(brand=brand, defaults={"client": brand.client})
    )
    fields = ["keywords", "hashtags", "excluded_words", "expression"]
    before = changed_fields(query, fields)
    query.keywords, query.hashtags, query.excluded_words = list(keywords), list(hashtags), list(excluded_words)
    query.expression = expression.strip()
    after = changed_fields(query, fields)
    if before != after:
        query.save()
        events.brand_query_updated_event(actor=actor, query=query, before=before, after=after, request=request)
    return query


@transaction.atomic
def topic_save(
    *,
    actor: User,
    client: Client,
    name: str,
    keywords,
    sensitive: bool,
    brand: Brand | None = None,
    request: HttpRequest | None = None,
) -> Topic:
    """Add a topic to a brand, or to every brand of the client when `brand` is None."""
    require_client_perm(actor=actor, client=client, codename=ClientPerm.MANAGE)
    if brand is not None:
        check_brand(client=client, brand=brand)
    if not [k for k in keywords if k.strip()]:
        raise ValidationError({"keywords": _("Give at least one keyword.")})
    topic = Topic(client=client, brand=brand, name=name.strip(), keywords=list(keywords), sensitive=sensitive)
    if Topic.objects.unscoped().filter(client=client, brand=brand, name__iexact=topic.name).exists():
        raise ValidationError({"name": _("This brand already has a topic with this name.")})
    topic.full_clean()
    topic.save()
    events.topic_created_event(actor=actor, topic=topic, request=request)
    return topic


# --- Tasks set aside as poison messages (apps/core/dead_letters.py) ---------------------------


@transaction.atomic
def source_task_set_aside(*, source_id: int, reason: str) -> None:
    """A poll or push of this source was set aside: its health says so, in words."""
    source = Source.objects.unscoped().filter(pk=source_id).first()
    if source is not None:
        record_poll_failure(
            source=source, message=_("Work on this source was set aside. %(reason)s") % {"reason": reason}
        )


def pushed_batch_set_aside(*, batch_id: int, reason: str) -> None:
    batch = PushedBatch.objects.unscoped().filter(pk=batch_id).first()
    if batch is None:
        return
    PushedBatch.objects.unscoped().filter(pk=batch_id).update(status=PushedBatch.Status.FAILED, error=reason)
    source_task_set_aside(source_id=batch.source_id, reason=reason)


def pushed_batch_requeue(*, batch_id: int) -> None:
    PushedBatch.objects.unscoped().filter(pk=batch_id).update(status=PushedBatch.Status.PENDING, error="")


def import_requeue(*, job_id: int) -> None:
    """Ready a failed import to be read again from its first line: rows stored before are
    recognised and not stored twice."""
    ImportJob.objects.unscoped().filter(pk=job_id, status=ImportJob.Status.FAILED).update(
        status=ImportJob.Status.QUEUED, errors=[], finished_at=None
    )


def import_set_aside(*, job_id: int, reason: str) -> None:
    """The import is failed with the reason; the rows read before the worker stopped are kept."""
    ImportJob.objects.unscoped().filter(pk=job_id).exclude(status=ImportJob.Status.DONE).update(
        status=ImportJob.Status.FAILED,
        finished_at=timezone.now(),
        errors=[{"line": 0, "error": _("The import was set aside. %(reason)s") % {"reason": reason}}],
    )

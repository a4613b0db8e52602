"""Webhook push: any tool POSTs JSON mentions to /hooks/<token>/, signed per source.

Signature: header X-Varde-Timestamp (Unix seconds) and X-Varde-Signature
"sha256=" + hex HMAC-SHA256 of "<timestamp>.<raw body>" with the source's
secret. Checked before anything is parsed or stored; stale timestamps are
refused so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.core.signing import sign

from .mapping import BadRecord, flatten, record_to_mention
from .models import PushedBatch, Source, SourceKind
from .pipeline import EVER, OUTAGE, ingest, without_nul

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "HTTP_X_VARDE_SIGNATURE"
TIMESTAMP_HEADER = "HTTP_X_VARDE_TIMESTAMP"
MAX_ITEMS = 1000


def _error(status: int, code: str, detail: str, **extra) -> JsonResponse:
    return JsonResponse({"status": status, "code": code, "detail": detail, **extra}, status=status)


def _signature_ok(source: Source, request, body: bytes) -> bool:
    timestamp = request.META.get(TIMESTAMP_HEADER, "")
    signature = request.META.get(SIGNATURE_HEADER, "")
    # ASCII digits only ("²" is a digit to str.isdigit, not to int()), and no longer than a
    # Unix time in seconds is for centuries.
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return False
    if abs(time.time() - int(timestamp)) > settings.WEBHOOK_MAX_SKEW:
        return False
    secret = source.credentials.get("secret", "")
    return bool(secret) and hmac.compare_digest(sign(secret, timestamp, body), signature)


def parse_push(body: bytes, *, platform: str = "webhook") -> tuple[list[dict], list[dict]]:
    """(good records, [{"index", "error"}]) from a pushed body: one object, a list, or {"mentions": [...]}."""
    try:
        document = json.loads(body)
    except ValueError:
        raise BadRecord("the body is not JSON") from None
    except RecursionError:
        raise BadRecord("the body is nested too deeply") from None
    items = document.get("mentions") if isinstance(document, dict) and "mentions" in document else document
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        raise BadRecord('send a mention object, a list of them, or {"mentions": [...]}')
    if len(items) > MAX_ITEMS:
        raise BadRecord(f"at most {MAX_ITEMS} mentions per request")
    good, bad = [], []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            bad.append({"index": index, "error": "not an object"})
            continue
        record = flatten(item)
        try:
            record_to_mention(record, default_platform=platform)
        except BadRecord as exc:
            bad.append({"index": index, "error": str(exc)})
            continue
        good.append(record)
    return good, bad


@csrf_exempt
@require_POST
def receive_push(request, token: str):
    source = Source.objects.unscoped().filter(webhook_token=token, kind=SourceKind.WEBHOOK).first()
    if source is None:
        return _error(404, "not_found", "No such webhook.")
    body = request.body[: settings.WEBHOOK_MAX_BYTES + 1]
    if len(body) > settings.WEBHOOK_MAX_BYTES:
        return _error(413, "too_large", f"At most {settings.WEBHOOK_MAX_BYTES} bytes per request.")
    if not _signature_ok(source, request, body):
        return _error(401, "bad_signature", "Missing, stale or wrong signature.")
    if not source.enabled:
        return _error(409, "disabled", "This source is switched off.")
    try:
        good, bad = parse_push(body, platform=source.config.get("platform", "webhook"))
    except BadRecord as exc:
        return _error(400, "invalid", str(exc))
    if not good:
        return _error(400, "invalid", "No usable mention in the request.", errors=bad)
    from .tasks import ingest_pushed_batch_task

    with transaction.atomic():
        batch = store_pushed(source_id=source.pk, records=good)
        # robust: a broker that is down must not turn the stored, accepted push into a 500; the
        # sweeper (requeue_pushed_batches_task) sends it later.
        transaction.on_commit(lambda: ingest_pushed_batch_task.delay(batch.pk), robust=True)
    return JsonResponse({"status": 202, "accepted": len(good), "rejected": bad, "batch": batch.pk}, status=202)


def store_pushed(*, source_id: int, records: list[dict]) -> PushedBatch | None:
    source = Source.objects.unscoped().filter(pk=source_id).first()
    if source is None:
        return None
    # jsonb holds no NUL character; hostile senders put it anywhere.
    return PushedBatch.objects.unscoped().create(
        client_id=source.client_id, source=source, records=without_nul(records)
    )


# A stored push still waiting this long lost its message; a running ingestion takes far less.
PUSH_SWEEP_AFTER = timedelta(minutes=5)


def lost_pushed_batches(*, now=None, limit: int = 200) -> list[int]:
    waiting = PushedBatch.objects.unscoped().filter(
        status=PushedBatch.Status.PENDING, received_at__lt=(now or timezone.now()) - PUSH_SWEEP_AFTER
    )
    return list(waiting.order_by("received_at").values_list("id", flat=True)[:limit])


def ingest_pushed(batch_id: int) -> None:
    """Ingest a stored push until it is done. Ingestion creates nothing twice (keys are unique),
    so a message redelivered after a worker died mid-way ingests the rest, and one redelivered
    after success does nothing."""
    batch = PushedBatch.objects.unscoped().select_related("source__brand").filter(pk=batch_id).first()
    if batch is None or batch.status == PushedBatch.Status.DONE:
        return
    try:
        # a push that waited (a worker down, a requeue) catches up: it is no spike when it is in
        late = timezone.now() - batch.received_at > OUTAGE
        created = _ingest_records(batch.source, batch.records, catching_up_since=EVER if late else None)
    except Exception as exc:  # the batch fails visibly; the worker goes on
        log.exception("pushed batch %s failed", batch_id)
        PushedBatch.objects.unscoped().filter(pk=batch_id).update(
            status=PushedBatch.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        return
    PushedBatch.objects.unscoped().filter(pk=batch_id).update(status=PushedBatch.Status.DONE, created=created)


def _ingest_records(source: Source, records: list[dict], catching_up_since=None) -> int:
    mentions = []
    for record in records:
        try:
            mentions.append(record_to_mention(record, default_platform=source.config.get("platform", "webhook")))
        except BadRecord:
            continue  # checked at the door already; a changed payload is skipped, not fatal
    result = ingest(
        mentions,
        brand=source.brand,
        source_id=source.pk,
        require_match=source.require_match,
        catching_up_since=catching_up_since,
    )
    now = timezone.now()
    Source.objects.unscoped().filter(pk=source.pk).update(
        last_success_at=now, last_polled_at=now, last_fetched_count=len(records), last_created_count=result.created
    )
    return result.created

"""POSTing webhook deliveries: signed, through the safe HTTP client, retried with backoff.

Headers: X-Varde-Event, X-Varde-Delivery (id, for the receiver to drop repeats),
X-Varde-Timestamp (Unix seconds) and X-Varde-Signature: "sha256=" + hex HMAC-SHA256 of
"<timestamp>.<body>" with the endpoint's secret, as for pushes into listening.

Each delivery is its own task and claims itself with a conditional UPDATE (a lease in
`claimed_until`), so a duplicated task or the sweeper never sends it twice at once, and a slow
or dead endpoint only ever holds its own deliveries.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.backoff import backoff_seconds
from apps.core.http import FetchError, SafeHttpClient
from apps.core.leases import Lease
from apps.core.signing import sign

from . import events as audit_events
from .models import WEBHOOK_TEST_EVENT, DeliveryStatus, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)
# Longer than one attempt can take (WEBHOOK_TIMEOUT and the database writes around it).
DELIVERY_LEASE = Lease(
    claimed_field="claimed_until", due_field="next_attempt_at", length=timedelta(minutes=5), counter="attempts"
)
# Retries further out than this are left to the sweeper: brokers redeliver long-delayed messages.
COUNTDOWN_MAX = 10 * 60
# Each wait is 4x the previous: 30 s, 2 min, 8 min, 32 min, ...
BACKOFF_FACTOR = 4
RESPONSE_MAX_BYTES = 64 * 1024
USER_AGENT = "VardeWebhooks/1.0"


def _open_deliveries():
    return WebhookDelivery.objects.unscoped().filter(status__in=OPEN_STATUSES)


def _redacted(message: str, endpoint: WebhookEndpoint) -> str:
    # Errors name the address; its path may be a credential (chat webhooks) and responders read the log.
    for whole in (endpoint.url, endpoint.url[:200]):
        message = message.replace(whole, endpoint.masked_url)
    parts = urlsplit(endpoint.url)
    for secret in (parts.path, parts.query, parts.password or "", parts.username or ""):
        if len(secret) > 1:
            message = message.replace(secret, "…")
    return message[:500]


def deliver_webhook(delivery_id: int, *, http: SafeHttpClient | None = None) -> WebhookDelivery | None:
    """Make one attempt if the delivery is due and unclaimed; None when there was nothing to do."""
    if not DELIVERY_LEASE.claim(_open_deliveries(), delivery_id, timezone.now()):
        return None
    delivery = WebhookDelivery.objects.unscoped().select_related("endpoint__client").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.enabled or endpoint.deleted_at is not None:
        return _close(delivery, DeliveryStatus.FAILED, error=_("The endpoint is switched off."))
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Varde-Event": delivery.event,
        "X-Varde-Delivery": str(delivery.pk),
        "X-Varde-Timestamp": timestamp,
        "X-Varde-Signature": sign(endpoint.secret, timestamp, body),
    }
    client = http or SafeHttpClient(
        max_bytes=RESPONSE_MAX_BYTES,
        total_timeout=settings.WEBHOOK_TIMEOUT,
        connect_timeout=settings.WEBHOOK_TIMEOUT,
        read_timeout=settings.WEBHOOK_TIMEOUT,
    )
    try:
        with client:
            # A redirect would carry the signed body to an address nobody configured.
            response = client.request("POST", endpoint.url, content=body, headers=headers, follow_redirects=False)
    except FetchError as exc:
        message = _answered(exc.status) if exc.status else _redacted(str(exc), endpoint)
        return record_delivery_failure(delivery, message, status_code=exc.status, retry_after=exc.retry_after)
    if 200 <= response.status < 300:
        return record_delivery_success(delivery, status_code=response.status)
    return record_delivery_failure(delivery, _answered(response.status), status_code=response.status)


def _answered(status: int) -> str:
    return _("The endpoint answered %(status)d.") % {"status": status}


def _close(delivery: WebhookDelivery, status: str, *, error: str) -> WebhookDelivery:
    WebhookDelivery.objects.unscoped().filter(pk=delivery.pk).update(
        status=status, next_attempt_at=None, claimed_until=None, last_error=error[:500]
    )
    delivery.refresh_from_db()
    return delivery


def record_delivery_success(delivery: WebhookDelivery, *, status_code: int) -> WebhookDelivery:
    now = timezone.now()
    with transaction.atomic():
        WebhookDelivery.objects.unscoped().filter(pk=delivery.pk).update(
            status=DeliveryStatus.DELIVERED,
            delivered_at=now,
            next_attempt_at=None,
            claimed_until=None,
            last_status_code=status_code,
            last_error="",
        )
        WebhookEndpoint.objects.unscoped().filter(pk=delivery.endpoint_id).update(
            consecutive_failures=0, last_success_at=now, last_error=""
        )
        # The conditional UPDATE decides who records the recovery when deliveries succeed at once.
        if delivery.endpoint.failing and (
            WebhookEndpoint.objects.unscoped()
            .filter(pk=delivery.endpoint_id, failing_since__isnull=False)
            .update(failing_since=None)
        ):
            audit_events.webhook_endpoint_recovered_event(endpoint=delivery.endpoint)
    delivery.refresh_from_db()
    return delivery


def retry_delay(attempts: int, retry_after: float | None) -> float:
    """Seconds until the next attempt after `attempts` failed ones; the receiver's Retry-After wins if longer."""
    asked = min(retry_after, settings.WEBHOOK_RETRY_AFTER_MAX) if retry_after else None
    return backoff_seconds(
        attempts,
        base=settings.WEBHOOK_BACKOFF_BASE,
        cap=settings.WEBHOOK_BACKOFF_MAX,
        factor=BACKOFF_FACTOR,
        retry_after=asked,
    )


def record_delivery_failure(
    delivery: WebhookDelivery, error: str, *, status_code: int | None = None, retry_after: float | None = None
) -> WebhookDelivery:
    """Schedule the next attempt, or give up after WEBHOOK_MAX_ATTEMPTS and mark the endpoint failing.

    A test event gets one attempt: the person who sent it is waiting for the answer.
    """
    now = timezone.now()
    is_test = delivery.event == WEBHOOK_TEST_EVENT
    final = is_test or delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS
    delay = None if final else retry_delay(delivery.attempts, retry_after)
    with transaction.atomic():
        WebhookDelivery.objects.unscoped().filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED if final else DeliveryStatus.RETRYING,
            next_attempt_at=None if final else now + timedelta(seconds=delay),
            claimed_until=None,
            last_status_code=status_code,
            last_error=error[:500],
        )
        WebhookEndpoint.objects.unscoped().filter(pk=delivery.endpoint_id).update(
            consecutive_failures=F("consecutive_failures") + 1, last_error=error[:500]
        )
        if final and not is_test:
            became_failing = (
                WebhookEndpoint.objects.unscoped()
                .filter(pk=delivery.endpoint_id, failing_since__isnull=True)
                .update(failing_since=now)
            )
            if became_failing:
                audit_events.webhook_endpoint_failing_event(
                    endpoint=delivery.endpoint, attempts=delivery.attempts, error=error
                )
        if delay is not None and delay <= COUNTDOWN_MAX:
            from .tasks import deliver_webhook_task

            transaction.on_commit(lambda: deliver_webhook_task.apply_async((delivery.pk,), countdown=delay))
    delivery.refresh_from_db()
    return delivery


def lost_webhook_deliveries(*, now=None, limit: int = 500) -> list[int]:
    """Open deliveries whose time has passed with no worker on them: their task was lost or never scheduled."""
    return DELIVERY_LEASE.lost(_open_deliveries(), now or timezone.now(), limit=limit)

"""Writes for notifications: `notify` (what other apps call), reading, settings and webhook endpoints.

Sending happens in tasks after commit: e-mails in emails.py, webhook POSTs in deliveries.py.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from datetime import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.services import model_update
from apps.core.timezones import time_zone_names
from apps.tenants.models import Client
from apps.tenants.roles import ClientPerm
from apps.tenants.services import require_client_perm

from . import events as audit_events
from .deliveries import OPEN_STATUSES
from .models import (
    WEBHOOK_TEST_EVENT,
    Channel,
    DeliveryStatus,
    EmailState,
    Notification,
    NotificationEvent,
    NotificationSettings,
    WebhookDelivery,
    WebhookEndpoint,
    is_relative_link,
)
from .selectors import notifications_for, recipients_who_see

# Long enough for any real message; a runaway caller must not bloat the table or an e-mail.
BODY_MAX_CHARS = 4000
MENTION_TEXT_MAX_CHARS = 2000
DIGEST_MINUTES_RANGE = (1, 240)
URL_MAX_CHARS = 500


def absolute_link(*, url: str) -> str:
    return f"{settings.SITE_URL}{url}" if url else ""


def _slack_escape(text: str) -> str:
    # Slack reads <...> as links and pings (<!channel>); mention text must not be able to do that.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _mention_summary(mention: models.Model) -> dict | None:
    if mention is None:
        return None
    return {
        "id": mention.pk,
        "url": mention.url,
        "platform": mention.platform,
        "brand": mention.brand.name,
        "author": mention.author_handle or mention.author_name,
        "text": mention.text[:MENTION_TEXT_MAX_CHARS],
        "posted_at": mention.posted_at.isoformat() if mention.posted_at else None,
    }


def webhook_payload(
    *,
    event: str,
    client: Client,
    title: str,
    body: str,
    url: str,
    mention: models.Model | None,
    critical: bool,
    extra: dict | None,
) -> dict:
    """Slack-compatible: chat tools show `text`; other receivers read the structured keys."""
    link = absolute_link(url=url)
    text = " — ".join(part for part in (title, body) if part)
    return {
        "text": _slack_escape(f"{text} {link}".strip()),
        "event": event,
        "client": client.slug,
        "critical": critical,
        "url": link,
        "mention": _mention_summary(mention),
        **(extra or {}),
    }


def _queue_webhook_deliveries(*, client: Client, event: str, payload: Callable[[], dict]) -> list[WebhookDelivery]:
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.unscoped().filter(client=client, enabled=True, deleted_at__isnull=True)
        if endpoint.wants(event)
    ]
    if not endpoints:
        return []
    payload = payload()
    now = timezone.now()
    return WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=endpoint, client=client, event=event, payload=payload, next_attempt_at=now)
        for endpoint in endpoints
    )


def _send_after_commit(notifications: list[Notification], digest_user_ids: list[int], deliveries) -> None:
    from .tasks import deliver_webhook_task, send_email_digest_task, send_notification_email_task

    for notification in notifications:
        if notification.email_state == EmailState.PENDING:
            send_notification_email_task.delay(notification.pk)
    for user_id in digest_user_ids:
        send_email_digest_task.delay(user_id)
    for delivery in deliveries:
        deliver_webhook_task.delay(delivery.pk)


def notify(
    *,
    event: str,
    client: Client,
    recipients: Iterable,
    title: str,
    body: str = "",
    url: str = "",
    mention: models.Model | None = None,  # a Mention: mentions sits above notifications
    critical: bool = False,
    payload: dict | None = None,
    webhooks: bool = True,
) -> list[Notification]:
    """Tell people at a client about an event, and the client's webhook endpoints once.

    Recipients who are inactive or cannot see the client are skipped silently. Each person's
    settings choose in-app and/or e-mail for the event. A critical e-mail goes at once, also in
    quiet hours and whatever the flood window says; other e-mails are held and sent in one
    e-mail when the person is outside quiet hours and their last such e-mail is older than their
    window (at once when both already hold). Returns the stored notifications, one per person
    who wants any channel (`in_app` False: e-mail only). Sending happens after commit.

    `url` is a link inside the app ("/c/alpha/..."); `title` and `body` may quote mentions and
    are treated as untrusted text everywhere. `payload` adds keys to the webhook body.
    """
    if url and (not is_relative_link(url) or len(url) > URL_MAX_CHARS):
        raise ValueError("notify(url=...) takes a link inside the app, starting with one slash.")
    if mention is not None and mention.client_id != client.pk:
        raise ValueError("The mention belongs to another client.")
    title = " ".join(title.split())[:255]
    body = body[:BODY_MAX_CHARS]
    now = timezone.now()
    notifications, digest_user_ids = [], []
    for person in recipients_who_see(client=client, recipients=recipients):
        try:
            preferences = person.notification_settings
        except NotificationSettings.DoesNotExist:
            preferences = NotificationSettings(user=person)
        channels = preferences.channels_for(event, critical=critical)
        if not channels:
            continue
        email_state = EmailState.NOT_NEEDED
        if Channel.EMAIL in channels:
            email_state = EmailState.PENDING if critical else EmailState.HELD
            # The digest task decides again under the settings row lock; this only saves a wait.
            if not critical and preferences.digest_due(now):
                digest_user_ids.append(person.pk)
        notifications.append(
            Notification(
                user=person,
                client=client,
                event=event,
                critical=critical,
                title=title,
                body=body,
                url=url,
                mention=mention,
                in_app=Channel.IN_APP in channels,
                email_state=email_state,
            )
        )
    # No savepoint of its own: callers notify per mention inside their transaction, and a failure here
    # fails theirs anyway. Outside one, this still stores the rows and the deliveries together.
    with transaction.atomic(savepoint=False):
        Notification.objects.bulk_create(notifications)
        if not webhooks:  # for the agency's team only: the client's endpoints hear nothing of it
            return notifications
        deliveries = _queue_webhook_deliveries(
            client=client,
            event=event,
            payload=lambda: webhook_payload(
                event=event,
                client=client,
                title=title,
                body=body,
                url=url,
                mention=mention,
                critical=critical,
                extra=payload,
            ),
        )
        transaction.on_commit(lambda: _send_after_commit(notifications, digest_user_ids, deliveries))
    return notifications


# --- Reading ---


def notification_mark_read(*, actor: User, notification: Notification) -> Notification:
    if notification.user_id != actor.pk:
        raise PermissionDenied(_("This is someone else's notification."))
    if notification.read_at is None:
        now = timezone.now()
        notifications_for(user=actor).filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notifications_settle(*, url: str, events: list[str], user_ids: list[int] | None = None) -> int:
    """Mark read the notifications that asked people to act at `url` once the act is done (an
    approval decided): of these events, for these people (None: everyone). Returns how many."""
    unread = Notification.objects.filter(url=url, event__in=events, read_at__isnull=True)
    if user_ids is not None:
        unread = unread.filter(user_id__in=user_ids)
    return unread.update(read_at=timezone.now())


def notifications_mark_all_read(*, actor: User) -> int:
    """Marks every unread notification the person sees in the app read; returns how many."""
    return notifications_for(user=actor).filter(read_at__isnull=True).update(read_at=timezone.now())


# --- Settings ---


def _clean_channels(channels: dict) -> dict[str, list[str]]:
    if not isinstance(channels, dict):
        raise ValidationError({"channels": _("Give the channels per event.")})
    cleaned = {}
    for event, chosen in channels.items():
        if event not in NotificationEvent.values:
            raise ValidationError({"channels": _("Unknown event: %(event)s.") % {"event": str(event)[:64]}})
        if not isinstance(chosen, (list, tuple, set, frozenset)) or not set(chosen) <= set(Channel.values):
            raise ValidationError({"channels": _("Channels are in_app and email.")})
        cleaned[event] = [channel for channel in Channel.values if channel in chosen]
    return cleaned


def locked_notification_settings(*, user_id: int) -> NotificationSettings:
    """The person's settings row, created if missing, locked until the transaction ends."""
    NotificationSettings.objects.get_or_create(user_id=user_id)
    return NotificationSettings.objects.select_for_update().get(user_id=user_id)


@transaction.atomic
def notification_settings_update(
    *,
    actor: User,
    channels: dict[str, list[str]],
    quiet_hours_start: time | None,
    quiet_hours_end: time | None,
    time_zone: str,
    digest_minutes: int,
    request: HttpRequest | None = None,
) -> NotificationSettings:
    """Replace the person's own settings. Channels of events not given keep their current choice."""
    errors = {}
    if time_zone not in time_zone_names():
        errors["time_zone"] = _("Choose a time zone from the list, e.g. Europe/Copenhagen.")
    if (quiet_hours_start is None) != (quiet_hours_end is None):
        missing = "quiet_hours_end" if quiet_hours_end is None else "quiet_hours_start"
        errors[missing] = _("Give both the start and the end of quiet hours, or neither.")
    elif quiet_hours_start is not None and quiet_hours_start == quiet_hours_end:
        errors["quiet_hours_end"] = _("Quiet hours must end at another time than they start.")
    low, high = DIGEST_MINUTES_RANGE
    if not isinstance(digest_minutes, int) or not low <= digest_minutes <= high:
        errors["digest_minutes"] = _("Between %(low)d and %(high)d minutes.") % {"low": low, "high": high}
    if errors:
        raise ValidationError(errors)
    cleaned_channels = _clean_channels(channels)
    preferences = locked_notification_settings(user_id=actor.pk)
    data = {
        "channels": {**preferences.channels, **cleaned_channels},
        "quiet_hours_start": quiet_hours_start,
        "quiet_hours_end": quiet_hours_end,
        "time_zone": time_zone,
        "digest_minutes": digest_minutes,
    }
    changes = model_update(instance=preferences, fields=audit_events.SETTINGS_FIELDS, data=data, clean=False)
    if changes:
        audit_events.notification_settings_updated_event(actor=actor, changes=changes, request=request)
    return preferences


# --- Webhook endpoints ---


def _check_endpoint_url(url: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme == "http" and not settings.WEBHOOK_ALLOW_HTTP:
        raise ValidationError({"url": _("Use an https address: mention text and signatures must not travel in clear.")})
    if scheme not in ("http", "https"):
        raise ValidationError({"url": _("Give an http(s) address.")})


def _clean_events(events: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(events or []))
    unknown = [event for event in chosen if event not in NotificationEvent.values]
    if unknown:
        raise ValidationError({"events": _("Unknown event: %(event)s.") % {"event": str(unknown[0])[:64]}})
    return chosen


def _fail_open_deliveries(endpoint: WebhookEndpoint, reason: str) -> None:
    WebhookDelivery.objects.unscoped().filter(endpoint=endpoint, status__in=OPEN_STATUSES).update(
        status=DeliveryStatus.FAILED, next_attempt_at=None, claimed_until=None, last_error=reason[:500]
    )


@transaction.atomic
def webhook_endpoint_create(
    *,
    actor: User,
    client: Client,
    name: str,
    url: str,
    events: Iterable[str] = (),
    enabled: bool = True,
    request: HttpRequest | None = None,
) -> tuple[WebhookEndpoint, str]:
    """Create an endpoint. Returns it and its signing secret, which is shown this once and stored encrypted."""
    require_client_perm(actor=actor, client=client, codename=ClientPerm.MANAGE)
    endpoint = WebhookEndpoint(
        client=client,
        name=(name or "").strip(),
        url=(url or "").strip(),
        events=_clean_events(events),
        enabled=enabled,
        created_by=actor,
    )
    endpoint.full_clean(exclude=["secret_encrypted"])
    _check_endpoint_url(endpoint.url)
    secret = secrets.token_urlsafe(32)
    endpoint.set_secret(secret)
    endpoint.save()
    audit_events.webhook_endpoint_created_event(actor=actor, endpoint=endpoint, request=request)
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_update(
    *,
    actor: User,
    endpoint: WebhookEndpoint,
    name: str | None = None,
    url: str | None = None,
    events: Iterable[str] | None = None,
    enabled: bool | None = None,
    request: HttpRequest | None = None,
) -> WebhookEndpoint:
    """Change an endpoint. Switching it off fails what is still queued for it; switching it on starts afresh."""
    require_client_perm(actor=actor, client=endpoint.client, codename=ClientPerm.MANAGE)
    endpoint = WebhookEndpoint.objects.unscoped().select_for_update().select_related("client").get(pk=endpoint.pk)
    if endpoint.deleted_at is not None:
        raise ValidationError(_("This endpoint was deleted."))
    before = audit_events.endpoint_snapshot(endpoint)
    old_url = endpoint.url
    if name is not None:
        endpoint.name = name.strip()
    if url is not None:
        endpoint.url = url.strip()
    if events is not None:
        endpoint.events = _clean_events(events)
    if enabled is not None and enabled != endpoint.enabled:
        endpoint.enabled = enabled
        if enabled:
            endpoint.consecutive_failures = 0
            endpoint.failing_since = None
        else:
            _fail_open_deliveries(endpoint, _("The endpoint was switched off."))
    endpoint.full_clean()
    _check_endpoint_url(endpoint.url)
    endpoint.save()
    audit_events.webhook_endpoint_updated_event(
        actor=actor, endpoint=endpoint, before=before, url_changed=endpoint.url != old_url, request=request
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(
    *, actor: User, endpoint: WebhookEndpoint, request: HttpRequest | None = None
) -> WebhookEndpoint:
    """Switch the endpoint off and hide it; its delivery log stays."""
    require_client_perm(actor=actor, client=endpoint.client, codename=ClientPerm.MANAGE)
    endpoint = WebhookEndpoint.objects.unscoped().select_for_update().select_related("client").get(pk=endpoint.pk)
    if endpoint.deleted_at is not None:
        return endpoint
    endpoint.enabled = False
    endpoint.deleted_at = timezone.now()
    endpoint.save(update_fields=["enabled", "deleted_at", "updated_at"])
    _fail_open_deliveries(endpoint, _("The endpoint was deleted."))
    audit_events.webhook_endpoint_deleted_event(actor=actor, endpoint=endpoint, request=request)
    return endpoint


@transaction.atomic
def webhook_endpoint_send_test(
    *, actor: User, endpoint: WebhookEndpoint, request: HttpRequest | None = None
) -> WebhookDelivery:
    """Queue one test event for this endpoint only (one attempt, no retries)."""
    require_client_perm(actor=actor, client=endpoint.client, codename=ClientPerm.MANAGE)
    if endpoint.deleted_at is not None or not endpoint.enabled:
        raise ValidationError(_("Switch the endpoint on first."))
    payload = webhook_payload(
        event=WEBHOOK_TEST_EVENT,
        client=endpoint.client,
        title=_("Test event from %(agency)s") % {"agency": settings.AGENCY_NAME},
        body=_("The endpoint %(name)s receives the events of %(client)s.")
        % {"name": endpoint.name, "client": endpoint.client.name},
        url="",
        mention=None,
        critical=False,
        extra=None,
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        client=endpoint.client,
        event=WEBHOOK_TEST_EVENT,
        payload=payload,
        next_attempt_at=timezone.now(),
    )
    from .tasks import deliver_webhook_task

    transaction.on_commit(lambda: deliver_webhook_task.delay(delivery.pk))
    return delivery

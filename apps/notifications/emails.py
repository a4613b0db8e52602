"""E-mailing notifications: critical ones one by one at once, the rest in digests.

Every send starts with a claim that only one worker can win (a conditional UPDATE, and for
digests the person's settings row locked FOR UPDATE), so a notification is e-mailed at most once
even when tasks are duplicated or two workers race. A failed send puts the claim back.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.tenants.roles import ClientPerm
from apps.tenants.scoping import user_has_client_perm

from .models import EmailState, Notification, NotificationSettings
from .selectors import notification_settings_of
from .services import absolute_link, locked_notification_settings

log = logging.getLogger(__name__)

# A critical e-mail still pending after this long lost its task, or its send failed; the digest
# beat sends it. This is the only retry: one attempt per beat while the mail server is down.
LOST_PENDING_AFTER = timedelta(minutes=2)
# A claim older than this belongs to a worker that died (sends time out after EMAIL_TIMEOUT).
CLAIM_LEASE = timedelta(minutes=2)
# A digest lists this many; the rest are counted with a link to the app.
DIGEST_MAX_LISTED = 50
SUBJECT_MAX_CHARS = 150


class EmailNotSent(Exception):
    """The mail server refused or could not be reached; the claim was put back."""


def _subject(text: str) -> str:
    # Titles may quote mentions: no line breaks (header injection) and a sane length.
    line = " ".join(text.split())
    return line if len(line) <= SUBJECT_MAX_CHARS else line[: SUBJECT_MAX_CHARS - 1] + "…"


def _may_receive(user, notification: Notification) -> bool:
    return bool(user.is_active and user.email and user_has_client_perm(user, notification.client, ClientPerm.VIEW))


def _item(notification: Notification, zone) -> dict:
    return {
        "title": notification.title,
        "body": notification.body,
        "client": notification.client.name,
        "event": notification.get_event_display(),
        "critical": notification.critical,
        "time": timezone.localtime(notification.created_at, zone),
        "link": absolute_link(url=notification.url) or absolute_link(url=reverse("notification_list")),
    }


def _deliver(user, make_subject: Callable[[], str], template: str, context: dict) -> None:
    """Plain-text e-mail in the person's language; nothing in it is ever read as HTML."""
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        text = render_to_string(
            template,
            {
                **context,
                "agency_name": settings.AGENCY_NAME,
                "settings_link": absolute_link(url=reverse("notification_settings")),
            },
        )
        send_mail(_subject(make_subject()), text, None, [user.email])


def send_notification_email(notification_id: int) -> bool:
    """E-mail one (critical) notification now. False when someone else sent it or it is not due."""
    now = timezone.now()
    claim = Notification.objects.unscoped().filter(pk=notification_id, email_claimed_at=now)
    if not _unclaimed(now).filter(pk=notification_id, email_state=EmailState.PENDING).update(email_claimed_at=now):
        return False
    notification = Notification.objects.unscoped().select_related("user", "client").get(pk=notification_id)
    user = notification.user
    if not _may_receive(user, notification):
        claim.update(email_state=EmailState.NOT_NEEDED, email_claimed_at=None)
        return False
    zone = notification_settings_of(user=user).zone
    try:
        _deliver(
            user,
            lambda: _("Critical: %(title)s") % {"title": f"{notification.client.name}: {notification.title}"},
            "notifications/email/notification.txt",
            {"item": _item(notification, zone)},
        )
    except (smtplib.SMTPException, OSError) as exc:
        claim.update(email_claimed_at=None)
        raise EmailNotSent(str(exc)) from exc
    claim.update(email_state=EmailState.SENT, emailed_at=timezone.now(), email_claimed_at=None)
    return True


def _unclaimed(now):
    """Notifications no worker is sending: never claimed, or claimed by one that died."""
    return Notification.objects.unscoped().filter(Q(email_claimed_at=None) | Q(email_claimed_at__lt=now - CLAIM_LEASE))


def send_email_digest(user_id: int, *, now=None) -> int:
    """E-mail everything held for one person, if their quiet hours and flood window allow it now.

    Returns how many notifications went out (0 when not due or nothing is held).
    """
    now = now or timezone.now()
    with transaction.atomic():
        preferences = locked_notification_settings(user_id=user_id)
        if not preferences.digest_due(now):
            return 0
        held = list(
            _unclaimed(now)
            .select_for_update(skip_locked=True, of=("self",))
            .filter(user_id=user_id, email_state=EmailState.HELD)
            .select_related("user", "client")
            .order_by("created_at", "id")
        )
        if not held:
            return 0
        user = held[0].user
        sendable = [n for n in held if _may_receive(user, n)]
        dropped = [n.pk for n in held if n not in sendable]
        if dropped:
            Notification.objects.unscoped().filter(pk__in=dropped).update(email_state=EmailState.NOT_NEEDED)
        if not sendable:
            return 0
        claimed = (
            Notification.objects.unscoped()
            .filter(pk__in=[n.pk for n in sendable], email_state=EmailState.HELD)
            .update(email_claimed_at=now)
        )
        if claimed != len(sendable):  # cannot happen while the rows are locked; never send what was not claimed
            transaction.set_rollback(True)
            return 0
        preferences.last_email_at = now
        preferences.save(update_fields=["last_email_at", "updated_at"])
    claim = Notification.objects.unscoped().filter(pk__in=[n.pk for n in sendable], email_claimed_at=now)
    try:
        _send_digest(user, sendable, preferences)
    except (smtplib.SMTPException, OSError) as exc:
        # Back in the queue; the window just started again, which spaces out the retries.
        claim.update(email_claimed_at=None)
        log.warning("digest e-mail to user %s failed: %s", user_id, exc)
        raise EmailNotSent(str(exc)) from exc
    claim.update(email_state=EmailState.SENT, emailed_at=now, email_claimed_at=None)
    return len(sendable)


def _send_digest(user, notifications: list[Notification], preferences: NotificationSettings) -> None:
    zone = preferences.zone
    if len(notifications) == 1:
        only = notifications[0]
        _deliver(
            user,
            lambda: f"{only.client.name}: {only.title}",
            "notifications/email/notification.txt",
            {"item": _item(only, zone)},
        )
        return
    listed = notifications[:DIGEST_MAX_LISTED]
    _deliver(
        user,
        lambda: (
            ngettext("%(n)d new notification", "%(n)d new notifications", len(notifications))
            % {"n": len(notifications)}
        ),
        "notifications/email/digest.txt",
        {
            "items": [_item(n, zone) for n in listed],
            "total": len(notifications),
            "more": len(notifications) - len(listed),
            "list_link": absolute_link(url=reverse("notification_list")),
        },
    )


def users_with_due_digests(*, now=None) -> list[int]:
    """People with held e-mail whose quiet hours and flood window allow a digest now."""
    now = now or timezone.now()
    waiting = set(
        Notification.objects.unscoped().filter(email_state=EmailState.HELD).values_list("user_id", flat=True).distinct()
    )
    if not waiting:
        return []
    chosen = {s.user_id: s for s in NotificationSettings.objects.filter(user_id__in=waiting)}
    return sorted(
        user_id for user_id in waiting if (chosen.get(user_id) or NotificationSettings(user_id=user_id)).digest_due(now)
    )


def lost_critical_emails(*, now=None) -> list[int]:
    """Critical e-mails claimed by no task for a while (a worker died, a message was lost)."""
    now = now or timezone.now()
    return list(
        _unclaimed(now)
        .filter(email_state=EmailState.PENDING, created_at__lt=now - LOST_PENDING_AFTER)
        .values_list("id", flat=True)[:500]
    )

"""Thin tasks: load by id, call a service. Each claims its work first, so running twice is harmless."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from . import deliveries, emails


@shared_task(acks_late=True, ignore_result=True, time_limit=int(settings.EMAIL_TIMEOUT) + 30)
def send_notification_email_task(notification_id: int) -> None:
    # A refused send stays pending; the digest beat tries it again (lost_critical_emails).
    try:
        emails.send_notification_email(notification_id)
    except emails.EmailNotSent:
        return


@shared_task(acks_late=True, ignore_result=True, time_limit=int(settings.EMAIL_TIMEOUT) + 30)
def send_email_digest_task(user_id: int) -> None:
    # A refused send puts the e-mails back; the digest beat tries again after the window.
    try:
        emails.send_email_digest(user_id)
    except emails.EmailNotSent:
        return


@shared_task(acks_late=True, ignore_result=True)
def send_email_digests_task() -> int:
    """Beat: digests whose quiet hours and flood window have passed, and critical e-mails whose task was lost."""
    user_ids = emails.users_with_due_digests()
    for user_id in user_ids:
        send_email_digest_task.delay(user_id)
    for notification_id in emails.lost_critical_emails():
        send_notification_email_task.delay(notification_id)
    return len(user_ids)


@shared_task(
    acks_late=True,
    ignore_result=True,
    soft_time_limit=int(settings.WEBHOOK_TIMEOUT) + 20,
    time_limit=int(settings.WEBHOOK_TIMEOUT) + 30,
)
def deliver_webhook_task(delivery_id: int) -> None:
    deliveries.deliver_webhook(delivery_id)


@shared_task(acks_late=True, ignore_result=True)
def requeue_webhook_deliveries_task() -> int:
    """Beat: deliveries that are due but that no task is working on (the claim stops doubles)."""
    delivery_ids = deliveries.lost_webhook_deliveries()
    for delivery_id in delivery_ids:
        deliver_webhook_task.delay(delivery_id)
    return len(delivery_ids)

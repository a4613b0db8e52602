import smtplib

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from .backoff import backoff_seconds
from .heartbeat import record_worker_heartbeat


@shared_task(ignore_result=True, acks_late=True)
def record_worker_heartbeat_task() -> None:
    record_worker_heartbeat()


@worker_ready.connect
def _stamp_on_start(**kwargs) -> None:
    record_worker_heartbeat()


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=None)
def send_email_task(self, *, subject: str, body: str, to: list[str], html: str = "", from_email=None) -> None:
    """One e-mail (queued by core.mail.queue_email); retried while the mail server fails."""
    message = EmailMultiAlternatives(subject, body, from_email, to)
    if html:
        message.attach_alternative(html, "text/html")
    try:
        message.send()
    except (OSError, smtplib.SMTPException) as error:
        if self.request.retries + 1 >= settings.EMAIL_MAX_ATTEMPTS:
            raise
        # Capped under the broker's visibility timeout (an hour on Redis): a message held longer
        # would be delivered again and the mail sent twice.
        wait = backoff_seconds(self.request.retries + 1, base=30, cap=1800)
        raise self.retry(exc=error, countdown=wait) from error

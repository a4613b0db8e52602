"""E-mail leaves through a task: a mail server that is down or slow never fails the request that sent it.

The request renders the message and queues it after its transaction commits; the task sends it
and retries with growing waits (EMAIL_MAX_ATTEMPTS) while the server refuses or cannot be reached.
"""

from __future__ import annotations

import logging

from django.db import transaction

log = logging.getLogger(__name__)


def queue_email(*, subject: str, body: str, to: list[str], html: str = "", from_email: str | None = None) -> None:
    """Send after the current transaction commits (at once outside one), through the worker."""
    from .tasks import send_email_task  # core.tasks loads Celery; callers import this module early

    def enqueue() -> None:
        try:
            send_email_task.delay(subject=subject, body=body, to=to, html=html, from_email=from_email)
        except Exception:  # the broker itself is unreachable: the request still succeeds
            log.exception("could not queue an e-mail to %d recipient(s)", len(to))

    transaction.on_commit(enqueue)

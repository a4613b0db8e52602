"""Thin tasks: the work is in `sending` and `reminders`."""

from celery import shared_task
from django.conf import settings

from . import reminders, sending


# Sign-in, lookup and post, each within FETCH_TOTAL_TIMEOUT; well inside the claim's lease.
@shared_task(
    acks_late=True,
    ignore_result=True,
    soft_time_limit=int(settings.FETCH_TOTAL_TIMEOUT) * 3 + 20,
    time_limit=int(settings.FETCH_TOTAL_TIMEOUT) * 3 + 40,
)
def publish_answer_task(answer_id: int) -> None:
    sending.deliver_answer(answer_id)


@shared_task(acks_late=True, ignore_result=True)
def requeue_answers_task() -> int:
    """Beat: answers due to be published that no task is working on (the claim stops doubles)."""
    answer_ids = sending.lost_answers()
    for answer_id in answer_ids:
        publish_answer_task.delay(answer_id)
    return len(answer_ids)


@shared_task(acks_late=True, ignore_result=True)
def chase_approvals_task() -> dict:
    return reminders.chase_approvals()

"""Thin tasks: the work is in services."""

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=50, time_limit=55)
def publish_due_posts_task() -> int:
    """Beat, every few seconds: claim what is due (holds checked in the claim), and send what a
    lost task or a retry left waiting."""
    claimed = services.claim_due_posts()
    for post_id in [*claimed, *services.lost_posts()]:
        publish_post_task.delay(post_id)
    return len(claimed)


@shared_task(
    acks_late=True,
    ignore_result=True,
    soft_time_limit=int(settings.FETCH_TOTAL_TIMEOUT) * 3 * services.MOST_CHANNELS + 20,
    time_limit=int(settings.FETCH_TOTAL_TIMEOUT) * 3 * services.MOST_CHANNELS + 40,
)
def publish_post_task(post_id: int) -> None:
    services.deliver_post(post_id=post_id)


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=50, time_limit=55)
def remind_rotations_task() -> int:
    """Beat, hourly: accounts whose credentials are old tell the account leads, once per date."""
    return services.remind_rotations()

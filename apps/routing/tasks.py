from celery import shared_task

from . import services


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def announce_mentions_task(mention_ids: list[int]) -> None:
    services.announce_mentions(mention_ids=mention_ids)


@shared_task(soft_time_limit=60, time_limit=90)
def reassign_unanswered_task() -> int:
    return services.reassign_unanswered()


@shared_task(soft_time_limit=60, time_limit=90)
def route_waiting_urgent_task() -> int:
    return services.route_waiting_urgent()

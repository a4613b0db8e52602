from celery import shared_task
from celery.signals import worker_ready

from .heartbeat import record_worker_heartbeat


@shared_task(ignore_result=True, acks_late=True)
def record_worker_heartbeat_task() -> None:
    record_worker_heartbeat()


@worker_ready.connect
def _stamp_on_start(**kwargs) -> None:
    record_worker_heartbeat()

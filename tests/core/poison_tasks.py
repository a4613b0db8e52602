"""A task that kills the worker process running it, as a task killed for memory would be, and
one that proves the worker serves.

Loaded only by the worker that tests/core/test_worker_integration.py starts (`--include`)."""

import os
import signal

from celery import shared_task

from apps.core.redis_client import redis_client

STOPS_KEY = "varde:test:worker-stops:{}"
SERVED_KEY = "varde:test:worker-served:{}"


@shared_task(acks_late=True, ignore_result=True)
def stop_own_worker_task(marker: str) -> None:
    redis_client().incr(STOPS_KEY.format(marker))
    os.kill(os.getpid(), signal.SIGKILL)


@shared_task(ignore_result=True)
def note_served_task(marker: str) -> None:
    redis_client().incr(SERVED_KEY.format(marker))

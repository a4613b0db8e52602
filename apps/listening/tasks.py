"""Thin tasks: load by id, call a service. All idempotent (claims and ON CONFLICT)."""

from __future__ import annotations

import random
from contextlib import contextmanager

import redis
from celery import shared_task
from django.conf import settings

from . import services

# A slot key lives this long at most, so a killed worker cannot hold a host forever.
SLOT_TTL = 15 * 60


def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5)


@contextmanager
def host_slot(host: str):
    """At most FETCH_PER_HOST_CONCURRENCY polls talk to one host at a time."""
    key = f"varde:fetch-slots:{host}"
    client = _redis()
    taken = client.incr(key)
    client.expire(key, SLOT_TTL)
    try:
        yield taken <= settings.FETCH_PER_HOST_CONCURRENCY
    finally:
        client.decr(key)


@shared_task(acks_late=True, ignore_result=True)
def poll_due_sources_task() -> int:
    source_ids = services.claim_due_sources()
    for source_id in source_ids:
        poll_source_task.delay(source_id)
    return len(source_ids)


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=20)
def poll_source_task(self, source_id: int) -> None:
    source = services.Source.objects.unscoped().filter(pk=source_id).first()
    if source is None:
        return
    with host_slot(services.source_host(source)) as free:
        if free:
            services.poll_source(source_id)
            return
    raise self.retry(countdown=random.uniform(5, 20))


@shared_task(acks_late=True, ignore_result=True)
def ingest_pushed_mentions_task(source_id: int, items: list[dict]) -> None:
    from .webhooks import ingest_pushed

    ingest_pushed(source_id, items)


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=60 * 60, time_limit=60 * 60 + 60)
def run_import_task(job_id: int) -> None:
    from .imports import run_import

    run_import(job_id)

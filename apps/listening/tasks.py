"""Thin tasks: load by id, call a service. All idempotent (claims and ON CONFLICT)."""

from __future__ import annotations

import random

from celery import shared_task

from apps.core.dead_letters import Owner

from . import services


@shared_task(acks_late=True, ignore_result=True)
def poll_due_sources_task() -> int:
    source_ids = services.claim_due_sources()
    for source_id in source_ids:
        poll_source_task.delay(source_id)
    return len(source_ids)


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=20)
def poll_source_task(self, source_id: int) -> None:
    try:
        services.poll_source(source_id=source_id)
    except services.HostBusy:
        raise self.retry(countdown=random.uniform(5, 20)) from None


@shared_task(acks_late=True, ignore_result=True)
def ingest_pushed_batch_task(batch_id: int) -> None:
    from .webhooks import ingest_pushed

    ingest_pushed(batch_id)


@shared_task(acks_late=True, ignore_result=True)
def requeue_pushed_batches_task() -> int:
    """Pushes still waiting a while after they were stored: their message was lost (a broker
    down at the 202, a worker killed outright). Ingesting twice creates nothing twice."""
    from .webhooks import lost_pushed_batches

    batch_ids = lost_pushed_batches()
    for batch_id in batch_ids:
        ingest_pushed_batch_task.delay(batch_id)
    return len(batch_ids)


@shared_task(acks_late=True, ignore_result=True)
def ingest_pushed_mentions_task(source_id: int, items: list[dict]) -> None:
    """Messages of the release before stored batches, still queued at an upgrade: stored, then
    ingested by id like new pushes. Goes with the next release."""
    from .webhooks import store_pushed

    batch = store_pushed(source_id=source_id, records=items)
    if batch is not None:
        ingest_pushed_batch_task.delay(batch.pk)


@shared_task(bind=True, acks_late=True, ignore_result=True, soft_time_limit=60 * 60, time_limit=60 * 60 + 60)
def run_import_task(self, job_id: int) -> None:
    from .imports import run_import

    # A redelivery after the worker reading the file was killed: the import cannot resume.
    run_import(job_id, after_lost_worker=getattr(self.request, "worker_losses", 0) > 0)


# When a task is set aside as a poison message, the object it works on is marked failed; when
# an agency admin runs it again, the object is readied first.


def _source_set_aside(named: dict, reason: str) -> None:
    services.source_task_set_aside(source_id=named["source_id"], reason=reason)


def _batch_set_aside(named: dict, reason: str) -> None:
    services.pushed_batch_set_aside(batch_id=named["batch_id"], reason=reason)


def _batch_run_again(named: dict) -> None:
    services.pushed_batch_requeue(batch_id=named["batch_id"])


def _import_set_aside(named: dict, reason: str) -> None:
    services.import_set_aside(job_id=named["job_id"], reason=reason)


def _import_run_again(named: dict) -> None:
    services.import_requeue(job_id=named["job_id"])


SET_ASIDE_OWNERS = {
    poll_source_task: Owner(set_aside=_source_set_aside),
    ingest_pushed_mentions_task: Owner(set_aside=_source_set_aside),
    ingest_pushed_batch_task: Owner(set_aside=_batch_set_aside, run_again=_batch_run_again),
    run_import_task: Owner(set_aside=_import_set_aside, run_again=_import_run_again),
}

"""The real wiring: a Celery worker process takes a task from the broker."""

import time
import uuid
import warnings

import pytest
from django.db import connection
from django.urls import reverse

from apps.core.heartbeat import HEARTBEAT_KEY, last_worker_heartbeat
from apps.core.models import DeadLetter
from apps.core.redis_client import redis_client as _redis
from apps.listening.models import PushedBatch, SourceKind
from config.celery import app
from tests.celery_processes import start_celery, wait_for
from tests.core.poison_tasks import SERVED_KEY, STOPS_KEY
from tests.factories import SourceFactory


def _send(name: str, *args, queue: str | None = None) -> str:
    with warnings.catch_warnings():  # eager mode in tests does not apply to send_task, as wanted
        warnings.simplefilter("ignore")
        return app.send_task(name, args=list(args), queue=queue).id


@pytest.mark.integration
@pytest.mark.django_db
def test_worker_runs_a_task_sent_through_the_broker_and_health_sees_it(web):
    _redis().delete(HEARTBEAT_KEY)
    worker = start_celery("worker", "--pool", "solo")
    try:
        # The worker stamps once when ready; clear that, then prove a task travels.
        assert wait_for(lambda: last_worker_heartbeat() is not None), "worker did not start"
        _redis().delete(HEARTBEAT_KEY)
        sent_at = time.time()
        _send("apps.core.tasks.record_worker_heartbeat_task")
        assert wait_for(lambda: (last_worker_heartbeat() or 0) >= sent_at), "task was not run"
        assert web().get(reverse("healthz")).status_code == 200
    finally:
        worker.terminate()
        worker.wait(timeout=20)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_poison_messages_are_set_aside_and_the_worker_goes_on_serving(brand_a):
    """Case 1 and the memory-killed poll of case 6: a message that kills the process running
    it comes back after each loss (acks late, reject on worker lost); a message of the release
    before stored pushes holds an item nested 500 deep, which stopped the whole worker while
    being handed to its pool; a task this release does not know is dropped by Celery. None may
    stop the worker, and each leaves a dead letter.

    The worker reads a queue of its own: no other worker (another test's, a developer's) takes
    these messages, and it takes no one else's."""
    source = SourceFactory(brand=brand_a, kind=SourceKind.WEBHOOK, config={})
    marker, queue = uuid.uuid4().hex, f"test-{uuid.uuid4().hex}"
    deep = "bottom"
    for _ in range(500):
        deep = {"inner": deep}
    worker = start_celery(
        "worker",
        "--pool",
        "prefork",
        "--include",
        "tests.core.poison_tasks",
        "--queues",
        queue,
        DJANGO_SETTINGS_MODULE="tests.worker_settings",
        VARDE_WORKER_DATABASE=connection.settings_dict["NAME"],
        TASK_MAX_WORKER_LOSSES="2",
    )

    def served(times: int) -> bool:
        return int(_redis().get(SERVED_KEY.format(marker)) or 0) >= times

    try:
        _send("tests.core.poison_tasks.note_served_task", marker, queue=queue)
        assert wait_for(lambda: served(1), 60), "worker did not start"
        killer = _send("tests.core.poison_tasks.stop_own_worker_task", marker, queue=queue)
        hostile = _send(
            "apps.listening.tasks.ingest_pushed_mentions_task", source.pk, [{"id": "1", "extra": deep}], queue=queue
        )
        unknown = _send("apps.listening.tasks.task_of_another_release", 1, queue=queue)
        letters = DeadLetter.objects.filter(task_id__in=[killer, hostile, unknown])
        assert wait_for(lambda: letters.count() == 3, 60), list(letters.values_list("task_name", flat=True))

        _send("tests.core.poison_tasks.note_served_task", marker, queue=queue)
        assert wait_for(lambda: served(2)), "the worker stopped serving"
        assert worker.poll() is None

        # Killed more than twice (the limit), then set aside at the next delivery, unrun.
        assert int(_redis().get(STOPS_KEY.format(marker))) == 3
        killed = DeadLetter.objects.get(task_id=killer)
        assert killed.deliveries == 4 and "stopped the worker running it 3 times" in killed.reason
        assert "nested more than" in DeadLetter.objects.get(task_id=hostile).reason
        assert "No task of this name" in DeadLetter.objects.get(task_id=unknown).reason
        source.refresh_from_db()
        assert source.last_error.startswith("Work on this source was set aside. Its arguments are nested")
        assert not PushedBatch.objects.exists()
    finally:
        worker.terminate()
        worker.wait(timeout=20)

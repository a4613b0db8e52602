"""The real wiring: a Celery worker process takes a task from the broker."""

import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
from django.urls import reverse

from apps.core.heartbeat import HEARTBEAT_KEY, last_worker_heartbeat
from apps.core.redis_client import redis_client as _redis
from config.celery import app

ROOT = Path(__file__).resolve().parents[2]


def _wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.integration
@pytest.mark.django_db
def test_worker_runs_a_task_sent_through_the_broker_and_health_sees_it(web):
    _redis().delete(HEARTBEAT_KEY)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DEBUG": "0"}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--concurrency",
            "1",
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        # The worker stamps once when ready; clear that, then prove a task travels.
        assert _wait_for(lambda: last_worker_heartbeat() is not None), "worker did not start"
        _redis().delete(HEARTBEAT_KEY)
        sent_at = time.time()
        with warnings.catch_warnings():  # eager mode in tests does not apply to send_task, as wanted
            warnings.simplefilter("ignore")
            app.send_task("apps.core.tasks.record_worker_heartbeat_task")
        assert _wait_for(lambda: (last_worker_heartbeat() or 0) >= sent_at), "task was not run"
        assert web().get(reverse("healthz")).status_code == 200
    finally:
        worker.terminate()
        worker.wait(timeout=20)

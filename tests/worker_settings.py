"""Settings of the real Celery worker some integration tests start: the development settings,
on the database of the test that started it (named in VARDE_WORKER_DATABASE), and on a queue
of its own where VARDE_WORKER_QUEUE names one (a beat started with these settings sends there)."""

import os

from config.settings.dev import *  # noqa: F403
from config.settings.dev import DATABASES

DATABASES["default"]["NAME"] = os.environ["VARDE_WORKER_DATABASE"]
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("VARDE_WORKER_QUEUE", "celery")

"""Settings of the real Celery worker some integration tests start: the development settings,
on the database of the test that started it (named in VARDE_WORKER_DATABASE)."""

import os

from config.settings.dev import *  # noqa: F403
from config.settings.dev import DATABASES

DATABASES["default"]["NAME"] = os.environ["VARDE_WORKER_DATABASE"]

"""Worker liveness: the worker stamps Redis, /healthz reads the stamp.

Stored in Redis directly (not the Django cache) so every process, web and
worker alike, sees the same value whatever cache backend tests configure.
"""

from __future__ import annotations

import time

from django.conf import settings

from .redis_client import redis_client

HEARTBEAT_KEY = "varde:worker-heartbeat"


def record_worker_heartbeat() -> float:
    now = time.time()
    redis_client().set(HEARTBEAT_KEY, repr(now), ex=settings.WORKER_HEARTBEAT_MAX_AGE * 10)
    return now


def last_worker_heartbeat() -> float | None:
    value = redis_client().get(HEARTBEAT_KEY)
    return float(value) if value else None

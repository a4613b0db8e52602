"""Worker liveness: the worker stamps Redis, /healthz reads the stamp.

Stored in Redis directly (not the Django cache) so every process, web and
worker alike, sees the same value whatever cache backend tests configure.
"""

from __future__ import annotations

import time

import redis
from django.conf import settings

HEARTBEAT_KEY = "varde:worker-heartbeat"


def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def record_worker_heartbeat() -> float:
    now = time.time()
    _redis().set(HEARTBEAT_KEY, repr(now), ex=settings.WORKER_HEARTBEAT_MAX_AGE * 10)
    return now


def last_worker_heartbeat() -> float | None:
    value = _redis().get(HEARTBEAT_KEY)
    return float(value) if value else None

"""The project's one way to talk to Redis directly (beyond cache and broker)."""

import redis
from django.conf import settings


def redis_client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=5)

"""The project's one way to talk to Redis directly (beyond cache and broker)."""

from functools import cache

import redis
from django.conf import settings


@cache
def _client_for(url: str) -> redis.Redis:
    # One connection pool per process and URL: a client per call would open a socket per call
    # (presence renewals come from every open tab). redis-py pools are thread-safe and start
    # afresh in a forked child.
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def redis_client() -> redis.Redis:
    return _client_for(settings.REDIS_URL)

"""The time zones the project accepts, read from tzdata once (a full scan takes milliseconds)."""

from functools import cache
from zoneinfo import available_timezones


@cache
def time_zone_names() -> frozenset[str]:
    return frozenset(available_timezones())

"""Waiting between retries: exponential with jitter, capped, and never shorter than the server asked."""

from __future__ import annotations

import random


def backoff_seconds(
    failures: int, *, base: float, cap: float, factor: float = 2, retry_after: float | None = None
) -> float:
    """base * factor^(failures-1), capped, ±20 % jitter so retries of many items spread out.

    A server's Retry-After wins when it asks for longer.
    """
    delay = min(cap, base * factor ** max(failures - 1, 0))
    delay *= random.uniform(0.8, 1.2)
    return max(delay, retry_after or 0)

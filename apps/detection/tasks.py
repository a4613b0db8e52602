"""Beat tasks of crisis detection."""

from __future__ import annotations

from celery import shared_task

from .rollups import fold_old_minutes


@shared_task(soft_time_limit=300, time_limit=360)
def fold_old_minutes_task() -> int:
    """Keep the rollups compact: minutes older than the retention window become hours."""
    return fold_old_minutes()

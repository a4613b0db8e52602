"""Beat tasks of crisis detection."""

from __future__ import annotations

from celery import shared_task

from .rollups import fold_old_minutes
from .services import announce_spike_alerts, run_detector_pass, run_detector_peek


@shared_task(soft_time_limit=300, time_limit=360)
def fold_old_minutes_task() -> int:
    """Keep the rollups compact: minutes older than the retention window become hours."""
    return fold_old_minutes()


@shared_task(soft_time_limit=50, time_limit=55)
def run_detector_pass_task() -> dict:
    """Every minute: check every active brand for spikes."""
    result = run_detector_pass()
    return {"checked": result.checked, "alerts": result.alerts, "skipped": result.skipped}


@shared_task(soft_time_limit=12, time_limit=14)
def run_detector_peek_task() -> dict:
    """Every 15 seconds: a sharp rise in the minute still filling is told at once."""
    result = run_detector_peek()
    return {"checked": result.checked, "alerts": result.alerts, "skipped": result.skipped}


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def announce_spike_alerts_task(alert_ids: list[int]) -> None:
    announce_spike_alerts(alert_ids=alert_ids)

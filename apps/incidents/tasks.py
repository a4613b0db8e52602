"""Beat tasks of incidents."""

from __future__ import annotations

from celery import shared_task

from .services import remind_late_steps, remind_overdue_updates


@shared_task(soft_time_limit=50, time_limit=55)
def remind_late_steps_task() -> dict:
    """Every minute: the checklist steps that run late and the updates overdue tell their people, once."""
    reminded, escalated = remind_late_steps()
    return {"reminded": reminded, "escalated": escalated, "updates_due": remind_overdue_updates()}

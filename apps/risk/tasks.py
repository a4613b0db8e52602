from celery import shared_task

from . import services


@shared_task(soft_time_limit=60, time_limit=90)
def send_sla_reminders_task() -> dict:
    return services.sla_send_due_reminders()

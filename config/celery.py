"""The Celery application: broker from settings (Redis by default, RabbitMQ works too)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

# Every task checks its message first: poison messages are set aside (apps/core/dead_letters.py).
app = Celery("varde", task_cls="apps.core.dead_letters:GuardedTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Tasks declared idempotent acknowledge after they finish, so a crashed worker's
# message is redelivered; tasks opt in with acks_late=True one by one.
app.conf.task_acks_late = False
app.conf.task_reject_on_worker_lost = True
app.autodiscover_tasks()

"""Checks behind /healthz: database, broker, and a recent worker heartbeat."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True, "ok"
    except Exception as exc:  # any failure is a health finding, not a crash
        return False, type(exc).__name__


def check_broker() -> tuple[bool, str]:
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True, "ok"
    except Exception as exc:
        return False, type(exc).__name__


def check_worker() -> tuple[bool, str]:
    from .heartbeat import last_worker_heartbeat

    try:
        stamp = last_worker_heartbeat()
    except Exception as exc:
        return False, type(exc).__name__
    if stamp is None:
        return False, "no heartbeat"
    age = time.time() - stamp
    if age > settings.WORKER_HEARTBEAT_MAX_AGE:
        return False, f"last heartbeat {int(age)} s ago"
    return True, f"last heartbeat {int(age)} s ago"


def health_report() -> tuple[bool, dict]:
    checks = {"database": check_database(), "broker": check_broker(), "worker": check_worker()}
    healthy = all(ok for ok, _ in checks.values())
    return healthy, {
        "status": "ok" if healthy else "failing",
        "checks": {name: {"ok": ok, "detail": detail} for name, (ok, detail) in checks.items()},
    }

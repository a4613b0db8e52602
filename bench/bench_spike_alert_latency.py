"""From a replay source's jump to ten times its rate to the account lead's spike notification.

Real wiring: a Celery beat polls the replay sources every 30 seconds and runs the detector at
the top of each minute; a worker (two processes, broker as configured) ingests, counts the
minute rollups, checks and notifies. BENCH_SPIKE_RUNS brands (default 20) spike at once, each
at its own moment in the minute (the beat's phase matters); the figure is the p95 of the time
from each jump to its notification.
"""

import os
import statistics
import tempfile
import uuid

from common import p95, report, setup_bench_database

RUNS = int(os.environ.get("BENCH_SPIKE_RUNS", "20"))


def main() -> None:
    setup_bench_database()
    from django.db import connection
    from django.utils import timezone

    from apps.detection.models import SpikeAlert
    from apps.notifications.models import Notification
    from apps.tenants.roles import Role
    from tests.celery_processes import start_celery, stop, wait_for
    from tests.detection.spiking import jumped_at, spiking_brand
    from tests.factories import ClientFactory, MembershipFactory, UserFactory

    client = ClientFactory()
    lead = UserFactory()
    MembershipFactory(user=lead, client=client, role=Role.ACCOUNT_LEAD)
    now = timezone.now()
    spiking = [
        spiking_brand(client, name=f"Brand {number}", spike_at_minute=0.5 + number / RUNS, now=now)
        for number in range(RUNS)
    ]
    queue = f"bench-{uuid.uuid4().hex}"
    env = {
        "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
        "VARDE_WORKER_DATABASE": connection.settings_dict["NAME"],
        "VARDE_WORKER_QUEUE": queue,
    }
    notices = Notification.objects.filter(user=lead, event="spike.alert")
    with tempfile.TemporaryDirectory() as scratch:
        worker = start_celery("worker", "--pool", "prefork", "--concurrency", "2", "--queues", queue, **env)
        beat = start_celery("beat", "--schedule", f"{scratch}/schedule", "--pidfile", f"{scratch}/beat.pid", **env)
        try:
            wait_for(lambda: notices.count() >= RUNS, timeout=600, every=2)
        finally:
            stop(worker, beat)
    told = {}
    for brand, _source in spiking:
        notice = notices.filter(title__startswith=f"{brand.name}: ").order_by("created_at").first()
        if notice and SpikeAlert.objects.filter(brand=brand).exists():
            told[brand.id] = notice.created_at
    latencies = [(told[brand.id] - jumped_at(source)).total_seconds() for brand, source in spiking if brand.id in told]
    missed = RUNS - len(latencies)
    report(
        "spike_alert_latency_p95",
        p95(latencies) if len(latencies) >= 2 else float("nan"),
        "s",
        runs=RUNS,
        missed=missed,
        median_s=round(statistics.median(latencies), 1) if latencies else None,
        max_s=round(max(latencies), 1) if latencies else None,
        goal_s=120,
    )


if __name__ == "__main__":
    main()

"""Shared set-up for benchmarks: Django on a dedicated, throw-away database."""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def setup_bench_database() -> None:
    """Create (or reuse) the `*_bench` database, migrated, and empty it."""
    import django
    from django.conf import settings

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    settings.DATABASES["default"]["TEST"].update(NAME=f"{settings.DATABASES['default']['NAME']}_bench")
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=True)
    call_command("flush", interactive=False, verbosity=0)


def setup_inbox_database() -> None:
    """Create (or reuse) the `*_inbox_bench` database and migrate it, keeping its data.

    The inbox benchmark's million mentions take minutes to load, so unlike the `*_bench`
    database this one is never flushed here: bench/inbox_data.py builds its dataset once.
    """
    import django
    from django.conf import settings

    django.setup()
    from django.db import connection

    settings.DATABASES["default"]["TEST"].update(NAME=f"{settings.DATABASES['default']['NAME']}_inbox_bench")
    # serialize=False: the test runner's snapshot of every row would read the whole dataset.
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=True, serialize=False)


def use_bench_database() -> None:
    """In a helper process: the bench database set up by the parent, as it is."""
    import django
    from django.conf import settings

    django.setup()
    settings.DATABASES["default"]["NAME"] = f"{settings.DATABASES['default']['NAME']}_bench"


def signed_in(user):
    """A Django test client signed in as `user` (its session cookie serves other clients too)."""
    from django.test import Client as HttpClient

    web = HttpClient()
    web.force_login(user)
    return web


def empty_table(model) -> None:
    """TRUNCATE, not delete(): that would load every row as an object first."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {model._meta.db_table} CASCADE")


def peak_rss_mb() -> float:
    """This process's own peak (VmHWM). Unlike ru_maxrss it does not carry a parent's peak across exec."""
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) / 1024


def timed(fn, repeat: int) -> list[float]:
    """Milliseconds per call, after two warm-up calls."""
    fn()
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def count_queries(fn) -> int:
    """How many SQL statements one call runs."""
    from django.db import connection

    calls = []

    def counter(execute, sql, params, many, context):
        calls.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        fn()
    return len(calls)


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18]


def report(
    name: str, value: float, unit: str, baseline: str | None = None, baseline_value: float | None = None, **extra
) -> None:
    line = {"name": name, "value": round(value, 3), "unit": unit}
    if baseline is not None and baseline_value:
        line["baseline"] = baseline
        line["ratio"] = round(value / baseline_value, 3)
    line.update(extra)
    print(json.dumps(line), flush=True)


def ingest_workload(n: int):
    """The ingestion benchmarks' brand (five languages) and n replay mentions of it."""
    from datetime import UTC, datetime

    from apps.listening.replay_data import ReplayPlan, mention_number
    from tests.factories import BrandFactory, ClientFactory

    brand = BrandFactory(
        client=ClientFactory(), name="Havbris", aliases=["Havbrís"], languages=["da", "nb", "pl", "de", "en"]
    )
    plan = ReplayPlan(brand_names=("Havbris",), languages=("da", "nb", "pl", "de", "en"), rate_per_minute=600)
    started = datetime(2026, 1, 1, tzinfo=UTC)
    return brand, [mention_number(number, plan, started) for number in range(n)]

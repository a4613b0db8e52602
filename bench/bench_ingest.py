"""Ingestion through the whole pipeline (no HTTP), one process, against a COPY baseline.

1. N replay mentions (five languages) through normalise -> match -> enrich ->
   insert; the rate is mentions stored per second.
2. The very rows the pipeline stored, COPYed again into the same table (after
   emptying it), in batches of the same size: the baseline.
3. Peak RSS while 1,000,000 mentions stream through in batches
   (BENCH_INGEST_MILLION=0 skips it; BENCH_INGEST_N sets N, default 20,000).
"""

import os
import resource
import time
from datetime import UTC, datetime

from common import report, setup_bench_database

N = int(os.environ.get("BENCH_INGEST_N", "20000"))
MILLION = int(os.environ.get("BENCH_INGEST_MILLION", "1000000"))


def main() -> None:
    setup_bench_database()
    from django.conf import settings
    from django.db import connection

    from apps.listening.pipeline import COLUMNS, BrandContext, ingest
    from apps.listening.replay_data import ReplayPlan, mention_number
    from apps.mentions.models import Mention
    from tests.factories import BrandFactory, ClientFactory

    brand = BrandFactory(
        client=ClientFactory(), name="Havbris", aliases=["Havbrís"], languages=["da", "nb", "pl", "de", "en"]
    )
    plan = ReplayPlan(brand_names=("Havbris",), languages=("da", "nb", "pl", "de", "en"), rate_per_minute=600)
    started = datetime(2026, 1, 1, tzinfo=UTC)
    items = [mention_number(n, plan, started) for n in range(N)]
    context = BrandContext.load(brand)
    ingest(items[:200], brand=brand, context=context)  # warm up caches and the language models
    Mention.objects.all().delete()

    began = time.perf_counter()
    result = ingest(items, brand=brand, context=context)
    pipeline_seconds = time.perf_counter() - began
    assert result.created == N, result
    pipeline_rate = N / pipeline_seconds

    table = Mention._meta.db_table
    columns = ", ".join(COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table}")
        rows = cursor.fetchall()
    Mention.objects.all().delete()
    batch = settings.INGEST_BATCH_SIZE
    began = time.perf_counter()
    for start in range(0, len(rows), batch):
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows[start : start + batch]:
                copy.write_row([_jsonable(value) for value in row])
    copy_seconds = time.perf_counter() - began
    copy_rate = len(rows) / copy_seconds

    report("ingest_rate", pipeline_rate, "mentions/s", n=N)
    report("copy_rate", copy_rate, "rows/s", n=len(rows))
    report("ingest_vs_copy", pipeline_rate, "mentions/s", "COPY of the same rows", copy_rate)

    if MILLION:
        Mention.objects.all().delete()
        stream = (mention_number(n, plan, started) for n in range(MILLION))
        began = time.perf_counter()
        result = ingest(stream, brand=brand, context=context)
        seconds = time.perf_counter() - began
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        report("ingest_million_peak_rss", peak_mb, "MB", n=result.created, seconds=round(seconds, 1))
        report("ingest_million_rate", result.created / seconds, "mentions/s")
        Mention.objects.all().delete()


def _jsonable(value):
    import json

    return json.dumps(value) if isinstance(value, dict) else value


if __name__ == "__main__":
    main()

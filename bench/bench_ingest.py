"""Ingestion through the whole pipeline (no HTTP), one process, against a COPY baseline.

1. N replay mentions (five languages) through normalise -> match -> enrich ->
   insert; the rate is mentions stored per second (BENCH_INGEST_N, default 20,000).
2. The very rows the pipeline stored, COPYed again into the emptied table, in
   batches of the same size: the baseline.
The memory figure for a million mentions is bench_ingest_memory.py.
"""

import os
import time

from common import empty_table, ingest_workload, report, setup_bench_database

N = int(os.environ.get("BENCH_INGEST_N", "20000"))


def main() -> None:
    setup_bench_database()
    from django.conf import settings
    from django.db import connection

    from apps.listening.pipeline import COLUMNS, BrandContext, ingest
    from apps.mentions.models import Mention

    brand, items = ingest_workload(N)
    context = BrandContext.load(brand)
    ingest(items[:200], brand=brand, context=context)  # warm up caches and the language models
    empty_table(Mention)

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
    empty_table(Mention)
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

    empty_table(Mention)


def _jsonable(value):
    import json

    return json.dumps(value) if isinstance(value, dict) else value


if __name__ == "__main__":
    main()

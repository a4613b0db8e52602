"""One detector pass (the beat's minute) over many brands, against the same checks in memory.

BENCH_PASS_BRANDS brands (default 5,000) of 500 clients, each with its metrics' states and a
quarter of an hour of per-minute counts; the figure is the wall time of a pass that reads the
counts, checks every brand's metrics and writes every state back (median of 5 minutes). The
baseline is the checks alone, on states already in memory: what the database adds. Then
`detector_peek`: the look between the checks (every 15 s) at the minute still filling.
"""

import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from common import empty_table, report, setup_bench_database

BRANDS = int(os.environ.get("BENCH_PASS_BRANDS", "5000"))


def main() -> None:
    setup_bench_database()
    from apps.detection.detector import DetectorSettings, DetectorState, ShareState, check, check_share
    from apps.detection.models import DetectorState as StateRow
    from apps.detection.models import MentionCount, Metric
    from apps.detection.services import run_detector_pass, run_detector_peek
    from apps.tenants.models import Brand, Client

    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    clients = Client.objects.bulk_create([Client(name=f"Client {i}", slug=f"client-{i}") for i in range(BRANDS // 10)])
    brands = Brand.objects.bulk_create(
        [Brand(client=clients[i % len(clients)], name=f"Brand {i}", slug=f"brand-{i}") for i in range(BRANDS)]
    )
    rng = random.Random(1)
    counts = [
        MentionCount(
            brand=brand,
            channel="",
            start=now - timedelta(minutes=back),
            mentions=rng.randint(3, 9),
            negative=rng.randint(0, 2),
            asking=rng.randint(0, 1),
        )
        for brand in brands
        for back in range(1, 20)
    ]
    MentionCount.objects.bulk_create(counts, batch_size=5000)
    run_detector_pass(now=now - timedelta(minutes=1))  # creates every brand's states

    seconds = []
    for minute in range(5):
        began = time.perf_counter()
        result = run_detector_pass(now=now + timedelta(minutes=minute))
        seconds.append(time.perf_counter() - began)
        assert result.checked == BRANDS * len(Metric), result

    # the peeks between the minute's checks: every brand's three count metrics, nothing written
    peeks = []
    for second in (15, 30, 45, 15, 30):
        began = time.perf_counter()
        run_detector_peek(now=now + timedelta(minutes=4, seconds=second))
        peeks.append(time.perf_counter() - began)

    rows = list(StateRow.objects.all())
    states = [DetectorState.from_json(row.state) for row in rows if row.metric != Metric.NEGATIVE_SHARE]
    shares = [ShareState.from_json(row.state) for row in rows if row.metric == Metric.NEGATIVE_SHARE]
    began = time.perf_counter()
    for state in states:
        check(state, now + timedelta(minutes=9), 30.0, DetectorSettings())
    for state in shares:
        check_share(state, now + timedelta(minutes=9), 1, 5, DetectorSettings())
    in_memory = time.perf_counter() - began

    report(
        "detector_pass",
        statistics.median(seconds),
        "s",
        "the same checks on states in memory",
        in_memory,
        brands=BRANDS,
        metrics=len(Metric),
    )
    report("detector_peek", statistics.median(peeks), "s", brands=BRANDS, every_s=15)
    for model in (StateRow, MentionCount, Brand, Client):
        empty_table(model)


if __name__ == "__main__":
    main()

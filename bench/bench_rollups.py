"""What writing the per-minute mention counts (crisis detection's rollups) adds to ingestion.

The ingestion benchmark's mentions go through the pipeline with and without detection's
after-insert step, alternating (the order flips each round, as in bench_risk_overhead); the
figure is the median of the rounds' own ratios of the ingestion rate.
"""

import os
import statistics
import time

from common import empty_table, ingest_workload, report, setup_bench_database

N = int(os.environ.get("BENCH_INGEST_N", "20000"))
ROUNDS = int(os.environ.get("BENCH_ROLLUP_ROUNDS", "6"))


def main() -> None:
    setup_bench_database()

    from apps.detection.models import MentionCount
    from apps.listening.pipeline import BrandContext, after_insert, ingest
    from apps.mentions.models import Mention

    brand, items = ingest_workload(N)
    everything = dict(after_insert.items())
    without = {key: entry for key, entry in everything.items() if key != "detection"}

    def rate(with_rollups: bool) -> float:
        with after_insert.replaced(everything if with_rollups else without):
            context = BrandContext.load(brand)
            ingest(items[:200], brand=brand, context=context)
            empty_table(Mention)
            empty_table(MentionCount)
            began = time.perf_counter()
            result = ingest(items, brand=brand, context=context, keep_ids=False)
            seconds = time.perf_counter() - began
            assert result.created == N, result
        if with_rollups:
            counted_rows.append(MentionCount.objects.count())
        return N / seconds

    plain, counted, counted_rows = [], [], []
    for round_number in range(ROUNDS):
        for with_rollups in (False, True) if round_number % 2 == 0 else (True, False):
            (counted if with_rollups else plain).append(rate(with_rollups))
    empty_table(Mention)
    empty_table(MentionCount)
    ratios = [c / p for c, p in zip(counted, plain, strict=True)]
    report(
        "rollup_ingest_rate",
        statistics.median(counted),
        "mentions/s",
        "ingest without the rollups",
        statistics.median(plain),
        cost_percent=round((1 - statistics.median(ratios)) * 100, 1),
        rollup_rows=max(counted_rows),
        n=N,
    )


if __name__ == "__main__":
    main()

"""Peak memory while 1,000,000 replay mentions stream through the pipeline in batches.

Run on its own so the peak belongs to the stream (BENCH_INGEST_MILLION sets the count).
"""

import os
import time
from datetime import UTC, datetime

from common import empty_table, peak_rss_mb, report, setup_bench_database

COUNT = int(os.environ.get("BENCH_INGEST_MILLION", "1000000"))


def main() -> None:
    setup_bench_database()
    from apps.listening.pipeline import BrandContext, ingest
    from apps.listening.replay_data import ReplayPlan, mention_number
    from apps.mentions.models import Mention
    from tests.factories import BrandFactory, ClientFactory

    brand = BrandFactory(client=ClientFactory(), name="Havbris", languages=["da", "nb", "pl", "de", "en"])
    plan = ReplayPlan(brand_names=("Havbris",), languages=("da", "nb", "pl", "de", "en"), rate_per_minute=600)
    started = datetime(2026, 1, 1, tzinfo=UTC)
    before = peak_rss_mb()
    stream = (mention_number(n, plan, started) for n in range(COUNT))
    began = time.perf_counter()
    result = ingest(stream, brand=brand, context=BrandContext.load(brand), keep_ids=False)
    seconds = time.perf_counter() - began
    report(
        "ingest_million_peak_rss",
        peak_rss_mb(),
        "MB",
        n=result.created,
        before_mb=round(before),
        seconds=round(seconds, 1),
    )
    report("ingest_million_rate", result.created / seconds, "mentions/s")
    empty_table(Mention)


if __name__ == "__main__":
    main()

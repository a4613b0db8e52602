"""What risk rating and routing add to ingestion, per mention.

The same N replay mentions (as many as the ingestion benchmark's) go through the
pipeline with no later steps (the ingest_steps and after_insert registries empty) and with
rating, clocks and auto-assignment to five responders. Announcements go to the
broker, as in production, where a worker sends them; the figure is the extra time
per mention.

The two runs alternate, ROUNDS times (the order flips each round), and the figure is
the median of the rounds' own ratios: on a shared two-core machine the speed of the
same run drifts by a third within a minute, and a pair run back to back sees much the
same machine.
"""

import os
import statistics
import time
from datetime import UTC, datetime

from common import empty_table, report, setup_bench_database

N = int(os.environ.get("BENCH_INGEST_N", "20000"))
ROUNDS = int(os.environ.get("BENCH_RISK_ROUNDS", "12"))


def main() -> None:
    setup_bench_database()

    from apps.listening.pipeline import BrandContext, after_insert, ingest, ingest_steps
    from apps.listening.replay_data import ReplayPlan, mention_number
    from apps.mentions.models import Mention
    from apps.routing.models import RoutingMode, RoutingPolicy
    from apps.tenants.roles import Role
    from config.celery import app
    from tests.factories import BrandFactory, ClientFactory, MembershipFactory, TopicFactory, UserFactory

    app.conf.task_always_eager = False
    client = ClientFactory()
    brand = BrandFactory(client=client, name="Havbris", languages=["da", "nb", "pl", "de", "en"])
    TopicFactory(client=client, brand=brand, name="recall", keywords=["tilbagekald", "recall"], sensitive=True)
    RoutingPolicy.objects.create(client=client, mode=RoutingMode.LEAST_OPEN, default_capacity=30000)
    for _ in range(5):
        MembershipFactory(user=UserFactory(), client=client, role=Role.RESPONDER)
    plan = ReplayPlan(brand_names=("Havbris",), languages=("da", "nb", "pl", "de", "en"), rate_per_minute=600)
    started = datetime(2026, 1, 1, tzinfo=UTC)
    items = [mention_number(n, plan, started) for n in range(N)]

    def run(steps: bool) -> float:
        """Seconds per mention of one ingestion of all N into emptied tables."""
        kept = {"steps": dict(ingest_steps.items()), "after": dict(after_insert.items())}
        with (
            ingest_steps.replaced(kept["steps"] if steps else {}),
            after_insert.replaced(kept["after"] if steps else {}),
        ):
            context = BrandContext.load(brand)
            ingest(items[:200], brand=brand, context=context)
            empty_table(Mention)
            began = time.perf_counter()
            result = ingest(items, brand=brand, context=context, keep_ids=False)
            seconds = time.perf_counter() - began
            assert result.created == N, result
        if steps:
            counts["assigned"] = Mention.objects.exclude(assignee=None).count()
        return seconds / N

    plain, full, counts = [], [], {}
    for round_number in range(ROUNDS):
        for steps in (False, True) if round_number % 2 == 0 else (True, False):
            (full if steps else plain).append(run(steps))
    empty_table(Mention)
    app.control.purge()
    added = [f / p - 1 for f, p in zip(full, plain, strict=True)]
    report(
        "risk_routing_time_per_mention",
        statistics.median(full) * 1e6,
        "us/mention",
        "ingest without risk and routing",
        statistics.median(plain) * 1e6,
        added_percent=round(statistics.median(added) * 100, 1),
        added_percent_quartiles=[round(q * 100, 1) for q in statistics.quantiles(added, n=4)[::2]],
        rounds=ROUNDS,
        n=N,
        **counts,
    )


if __name__ == "__main__":
    main()

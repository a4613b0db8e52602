"""What risk rating and routing add to ingestion, per mention.

The same N replay mentions go through the pipeline twice: once with no later steps
(INGEST_STEPS and INGEST_AFTER_INSERT empty), once with rating, clocks, auto-assignment
to five responders and the rating history. Announcements go to the broker, as in
production, where a worker sends them; the figure is the extra time per mention.
"""

import os
import time
from datetime import UTC, datetime

from common import empty_table, report, setup_bench_database

N = int(os.environ.get("BENCH_INGEST_N", "20000"))


def main() -> None:
    setup_bench_database()
    from django.conf import settings
    from django.test import override_settings

    from apps.core.models import AuditEvent
    from apps.listening.pipeline import BrandContext, _hooks, ingest
    from apps.listening.replay_data import ReplayPlan, mention_number
    from apps.mentions.models import Mention
    from apps.risk.models import RiskRating
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
        hooks = {"INGEST_STEPS": [], "INGEST_AFTER_INSERT": []}
        if steps:
            hooks = {"INGEST_STEPS": settings.INGEST_STEPS, "INGEST_AFTER_INSERT": settings.INGEST_AFTER_INSERT}
        with override_settings(**hooks):
            _hooks.cache_clear()
            context = BrandContext.load(brand)
            ingest(items[:200], brand=brand, context=context)
            empty_table(Mention)
            began = time.perf_counter()
            result = ingest(items, brand=brand, context=context, keep_ids=False)
            seconds = time.perf_counter() - began
            assert result.created == N, result
        _hooks.cache_clear()
        return seconds

    plain = min(run(False), run(False))
    full = min(run(True), run(True))
    assigned = Mention.objects.exclude(assignee=None).count()
    rated = RiskRating.objects.count()
    empty_table(Mention)
    empty_table(AuditEvent)
    app.control.purge()
    report(
        "risk_routing_time_per_mention",
        full / N * 1e6,
        "us/mention",
        "ingest without risk and routing",
        plain / N * 1e6,
        added_percent=round((full - plain) / plain * 100, 1),
        assigned=assigned,
        rated=rated,
    )


if __name__ == "__main__":
    main()

"""Incidents: declaring one from an alert of 10,000 mentions, what auto-linking adds to
ingestion while one is active, and the incident page with 100,000 linked mentions.

- incident_declare: the declaration (service and redirect) from an alert whose window holds
  BENCH_DECLARE_N mentions (default 10,000), then its page; the server time of both.
- incident_autolink_overhead: the same replay mentions ingested with and without an active
  incident whose rules match about one in ten, alternating ROUNDS times (the order flips each
  round); the median of the rounds' ratios.
- incident_page_p95: the page of an incident with BENCH_PAGE_LINKS linked mentions (default
  100,000) over six channels, 20 loads after one warm-up; with its query count.
"""

import os
import statistics
import time
from datetime import UTC, datetime, timedelta

from common import empty_table, p95, report, setup_bench_database, signed_in

DECLARE_N = int(os.environ.get("BENCH_DECLARE_N", "10000"))
INGEST_N = int(os.environ.get("BENCH_AUTOLINK_N", "5000"))
ROUNDS = int(os.environ.get("BENCH_AUTOLINK_ROUNDS", "8"))
PAGE_LINKS = int(os.environ.get("BENCH_PAGE_LINKS", "100000"))
CHANNELS = ["x", "facebook", "instagram", "tiktok", "mastodon", "bluesky"]


def bulk_mentions(client, brand, count: int, arrived: datetime, prefix: str) -> None:
    """Rows straight into the table (the pipeline's cost is not what is measured here)."""
    from django.db import connection

    from apps.mentions.models import Mention

    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Mention._meta.db_table} (client_id, brand_id, platform, external_id, url, "
            "parent_external_id, author_name, author_handle, author_url, title, text, posted_at, posted_at_known, "
            "ingested_at, language, sentiment, kind, likes, reposts, replies, content_hash, status, status_reason, "
            "raw, risk_factors, risk_overridden, topics, risk_level) "
            "SELECT %s, %s, (%s::text[])[1 + n %% 6], %s || n, '', '', 'A', '@a' || (n %% 500), '', '', "
            "'the lids leak ' || n, %s - (n || ' seconds')::interval, true, %s, 'en', 'negative', '', 0, 0, 0, '', "
            "'new', '', '{}', '[]', false, '{}', '' FROM generate_series(1, %s) AS n",
            [client.pk, brand.pk, CHANNELS, prefix, arrived, arrived, count],
        )


def main() -> None:
    setup_bench_database()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from apps.incidents.counting import linking_sql
    from apps.incidents.models import ConversationCount, Incident, IncidentMention, TimelineEntry
    from apps.incidents.services import incident_set_rules
    from apps.listening.pipeline import BrandContext, ingest
    from apps.listening.replay_data import ReplayPlan, mention_number
    from apps.mentions.models import Mention
    from apps.tenants.roles import Role
    from tests.factories import (
        BrandFactory,
        ClientFactory,
        CrisisTypeFactory,
        MembershipFactory,
        SpikeAlertFactory,
        UserFactory,
    )

    client = ClientFactory()
    lead = UserFactory()  # a responder: an account lead would be sent to enrol two-factor first
    MembershipFactory(user=lead, client=client, role=Role.RESPONDER)
    brand = BrandFactory(client=client, name="Havbris", languages=["da", "nb", "pl", "de", "en"])
    kind = CrisisTypeFactory()
    web = signed_in(lead)
    # The chart renderer's first chart in a process loads it (some 0.4 s); a server that is up
    # has drawn one already, so that load is not the declaration's.
    from apps.core.charts import svg

    svg({"mark": "bar", "data": {"values": [{"a": 1}]}, "encoding": {"x": {"field": "a", "type": "quantitative"}}})

    # Declaring from an alert of DECLARE_N mentions
    now = timezone.now().replace(second=0, microsecond=0)
    bulk_mentions(client, brand, DECLARE_N, now - timedelta(minutes=5), "declare-")
    alert = SpikeAlertFactory(brand=brand, started_at=now - timedelta(minutes=15), detected_at=now)
    began = time.perf_counter()
    response = web.post(
        f"/c/{client.slug}/incidents/new/",
        {"alert": alert.pk, "title": "Leaking cans", "crisis_type": kind.pk, "severity": 1, "brands": [brand.pk]},
    )
    declared = time.perf_counter() - began
    assert response.status_code == 302, response.status_code
    incident = Incident.objects.get(spike_alert=alert)
    began = time.perf_counter()
    assert web.get(response["Location"]).status_code == 200
    page = time.perf_counter() - began
    report(
        "incident_declare",
        declared + page,
        "s",
        linked=incident.links.count(),
        declare_s=round(declared, 3),
        page_s=round(page, 3),
        goal_s=1.0,
    )

    # What auto-linking adds to ingestion
    incident_set_rules(actor=lead, incident=incident, terms=["lids leak", "#boykot"], authors=[], topics=[])
    plan = ReplayPlan(brand_names=("Havbris",), languages=("da", "nb", "pl", "de", "en"), rate_per_minute=600)
    started = datetime.now(UTC) - timedelta(minutes=10)  # during the incident: history is not linked
    items = [mention_number(n, plan, started, prefix="autolink") for n in range(INGEST_N)]
    for n in range(0, INGEST_N, 10):  # one in ten matches
        items[n].text += " the lids leak"

    def run(active: bool) -> float:
        Incident.objects.filter(pk=incident.pk).update(status="active" if active else "resolved")
        Mention.objects.filter(external_id__startswith="autolink").delete()
        context = BrandContext.load(brand)
        began = time.perf_counter()
        result = ingest(items, brand=brand, context=context, keep_ids=False)
        seconds = time.perf_counter() - began
        assert result.created == INGEST_N, result
        if active:
            linked = IncidentMention.objects.filter(incident=incident, mention__external_id__startswith="autolink")
            assert linked.count() >= INGEST_N // 10, linked.count()
        return seconds

    plain, linking = [], []
    for round_number in range(ROUNDS):
        for active in (False, True) if round_number % 2 == 0 else (True, False):
            (linking if active else plain).append(run(active))
    ratios = [with_ / without - 1 for with_, without in zip(linking, plain, strict=True)]
    report(
        "incident_autolink_overhead",
        round(statistics.median(ratios), 4),
        "ratio",
        without_s=round(statistics.median(plain), 3),
        with_s=round(statistics.median(linking), 3),
        added_percent=round(statistics.median(ratios) * 100, 1),
        rounds=ROUNDS,
        n=INGEST_N,
        goal=0.10,
    )

    # The page with PAGE_LINKS linked mentions over six channels
    Incident.objects.filter(pk=incident.pk).update(status="active")
    bulk_mentions(client, brand, PAGE_LINKS, now - timedelta(hours=2), "page-")
    with connection.cursor() as cursor:
        cursor.execute(
            linking_sql(
                "SELECT %s, %s, id, 'rule', NULL::bigint, now(), platform, posted_at, sentiment "
                f"FROM {Mention._meta.db_table} WHERE external_id LIKE 'page-%%'"
            ),
            [client.pk, incident.pk],
        )
        cursor.execute("ANALYZE")
    url = incident.get_absolute_url()
    web.get(url)
    seconds = []
    for _ in range(20):
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            assert web.get(url).status_code == 200
            seconds.append(time.perf_counter() - began)
    # The conversation's counts (channel x hour x tone) from the links' own columns, side by
    # side with the same counts through the mentions they link.
    from django.db.models import Count
    from django.db.models.functions import Trunc

    from apps.incidents.selectors import conversation_of

    def through_mentions():
        rows = (
            incident.links.annotate(at=Trunc("mention__posted_at", "hour"))
            .values("mention__platform", "at", "mention__sentiment")
            .annotate(n=Count("*"))
            .order_by()
        )
        return list(rows)

    def from_counts():
        return list(ConversationCount.objects.filter(incident=incident).values_list("platform", "hour", "mentions"))

    whole, ours, theirs = [], [], []
    for _ in range(10):
        for runs, measure in (
            (whole, lambda: conversation_of(incident=incident)),
            (ours, from_counts),
            (theirs, through_mentions),
        ):
            began = time.perf_counter()
            measure()
            runs.append(time.perf_counter() - began)
    report(
        "incident_page_p95",
        p95(seconds) * 1000,
        "ms",
        links=incident.links.count(),
        channels=len(CHANNELS),
        queries=len(queries.captured_queries),
        goal_ms=150,
        conversation_ms=round(statistics.median(whole) * 1000, 1),
        counts_kept_ms=round(statistics.median(ours) * 1000, 1),
        counts_through_mentions_ms=round(statistics.median(theirs) * 1000, 1),
    )
    for model in (TimelineEntry, ConversationCount, IncidentMention, Incident, Mention):
        empty_table(model)


if __name__ == "__main__":
    main()

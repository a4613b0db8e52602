import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from apps.core.http import SafeHttpClient
from apps.core.models import AuditEvent
from apps.listening import services
from apps.listening.models import Source
from apps.listening.services import poll_source
from apps.listening.tasks import poll_due_sources_task
from apps.mentions.models import Mention
from tests.factories import SourceFactory

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><guid>a1</guid><title>Alpha Crisps recall?</title>
  <description>Is Alpha Crisps recalling the salted bag?</description></item>
<item><guid>a2</guid><title>Alpha Crisps praised</title>
  <description>Alpha Crisps tastes great, thanks!</description></item>
<item><guid>a3</guid><title>Weather</title><description>Rain tomorrow in Aarhus</description></item>
</channel></rss>"""


@pytest.fixture
def feed_source(brand_a, httpserver):
    httpserver.expect_request("/feed").respond_with_data(FEED, content_type="application/rss+xml")
    return SourceFactory(brand=brand_a, config={"url": httpserver.url_for("/feed")}, next_poll_at=timezone.now())


@pytest.mark.django_db
def test_a_successful_poll_ingests_matching_mentions_and_records_health(feed_source):
    result = services.poll_source(source_id=feed_source.pk)
    feed_source.refresh_from_db()
    assert result.created == 2 and result.filtered == 1  # the weather item is not about the brand
    assert feed_source.consecutive_failures == 0 and feed_source.last_success_at is not None
    assert feed_source.next_poll_at > timezone.now() + timedelta(seconds=250)
    assert (feed_source.last_fetched_count, feed_source.last_created_count) == (3, 2)
    assert services.poll_source(source_id=feed_source.pk).created == 0  # the cursor remembers what it saw
    assert Mention.objects.count() == 2


@pytest.mark.django_db
def test_failures_back_off_and_honour_retry_after(brand_a, httpserver):
    httpserver.expect_request("/down").respond_with_data("boom", status=500)
    httpserver.expect_request("/busy").respond_with_data("later", status=429, headers={"Retry-After": "900"})
    down = SourceFactory(brand=brand_a, config={"url": httpserver.url_for("/down")})
    busy = SourceFactory(brand=brand_a, config={"url": httpserver.url_for("/busy")})
    before = timezone.now()
    services.poll_source(source_id=down.pk)
    services.poll_source(source_id=busy.pk)
    down.refresh_from_db()
    busy.refresh_from_db()
    assert down.consecutive_failures == 1 and "500" in down.last_error
    assert before + timedelta(seconds=40) < down.next_poll_at < before + timedelta(seconds=80)
    assert busy.next_poll_at >= before + timedelta(seconds=899)
    services.poll_source(source_id=down.pk)
    down.refresh_from_db()
    assert down.next_poll_at > before + timedelta(seconds=90)  # doubled


def test_backoff_grows_and_is_capped(settings):
    delays = [services.backoff_seconds(failures=n) for n in range(1, 20)]
    assert delays[0] < delays[3] < delays[6]
    assert max(delays) <= settings.SOURCE_BACKOFF_MAX * 1.2


@pytest.mark.django_db
def test_repeated_failures_switch_the_source_off_and_tell_the_leads(
    brand_a, account_lead, httpserver, settings, django_capture_on_commit_callbacks
):
    settings.SOURCE_MAX_FAILURES = 3
    httpserver.expect_request("/bad").respond_with_data("<<<garbage>>>")
    source = SourceFactory(brand=brand_a, config={"url": httpserver.url_for("/bad")})
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            services.poll_source(source_id=source.pk)
    source.refresh_from_db()
    assert not source.enabled and source.disabled_reason
    assert AuditEvent.objects.filter(action="source.disabled", client=brand_a.client).exists()
    assert mail.outbox and mail.outbox[0].to == [account_lead.email]


@pytest.mark.django_db
def test_one_broken_source_does_not_stop_the_others(feed_source, brand_a, httpserver):
    httpserver.expect_request("/broken").respond_with_data("{]", status=200)
    broken = SourceFactory(brand=brand_a, config={"url": httpserver.url_for("/broken")}, next_poll_at=timezone.now())
    assert poll_due_sources_task() == 2
    broken.refresh_from_db()
    feed_source.refresh_from_db()
    assert broken.consecutive_failures == 1
    assert feed_source.last_created_count == 2


@pytest.mark.django_db
def test_claims_are_exclusive_and_expire(brand_a):
    sources = [SourceFactory(brand=brand_a, next_poll_at=timezone.now()) for _ in range(3)]
    SourceFactory(brand=brand_a, next_poll_at=timezone.now() + timedelta(hours=1))
    SourceFactory(brand=brand_a, enabled=False, next_poll_at=timezone.now())
    first = services.claim_due_sources()
    assert sorted(first) == sorted(s.pk for s in sources)
    assert services.claim_due_sources() == []
    Source.objects.filter(pk__in=first).update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert sorted(services.claim_due_sources()) == sorted(first)


@pytest.mark.django_db(transaction=True)
def test_two_beats_racing_never_claim_the_same_source(brand_a):
    for _ in range(40):
        SourceFactory(brand=brand_a, next_poll_at=timezone.now())
    claimed: list[list[int]] = []
    barrier = threading.Barrier(2)

    def beat():
        barrier.wait()
        claimed.append(services.claim_due_sources(limit=30))
        connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not set(claimed[0]) & set(claimed[1])
    assert len(claimed[0]) + len(claimed[1]) == 40


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_polls_of_one_source_store_each_mention_once(feed_source):
    barrier = threading.Barrier(2)
    results = []

    def poll():
        barrier.wait()
        results.append(services.poll_source(source_id=feed_source.pk))
        connection.close()

    threads = [threading.Thread(target=poll) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Mention.objects.count() == 2
    assert sum(r.created for r in results) == 2


@pytest.mark.django_db
def test_poll_now_is_for_staff_and_audited(web, client_a, feed_source, responder, client_viewer):
    from django.urls import reverse

    url = reverse("source_poll_now", args=[client_a.slug, feed_source.pk])
    assert web(client_viewer).post(url).status_code == 403
    Source.objects.filter(pk=feed_source.pk).update(next_poll_at=timezone.now() + timedelta(hours=1))
    assert web(responder).post(url).status_code == 302
    assert AuditEvent.objects.filter(action="source.poll_requested", actor=responder).exists()


@pytest.mark.django_db
def test_a_busy_host_defers_the_poll_and_keeps_the_claim(feed_source, settings):
    settings.FETCH_PER_HOST_CONCURRENCY = 1
    claimed = services.claim_due_sources()
    assert claimed == [feed_source.pk]
    with services.host_slot(host=services.source_host(source=feed_source)) as free:
        assert free
        with pytest.raises(services.HostBusy):
            services.poll_source(source_id=feed_source.pk)
    feed_source.refresh_from_db()
    assert feed_source.claimed_until is not None and feed_source.last_polled_at is None
    assert services.poll_source(source_id=feed_source.pk).created == 2  # the slot is free again


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "words", "detail"),
    [
        (b"<!DOCTYPE html><html><body><form>Log in</form></body></html>", "a web page, not a feed", "XML"),
        (b"", "the answer was empty", ""),
        (bytes(range(256)) * 20, "binary data, not a feed", ""),
        (
            b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "'
            + b"x" * 100_000
            + b'">]><rss><channel>'
            + b"&big;" * 1_000
            + b"</channel></rss>",
            "entities that expand to more than",
            "",
        ),
    ],
)
def test_health_says_what_the_answer_was_with_the_detail_one_click_away(
    brand_a, httpserver, web, account_lead, body, words, detail
):
    httpserver.expect_request("/odd").respond_with_data(body, content_type="text/html")
    source = SourceFactory(brand=brand_a, config={"url": httpserver.url_for("/odd")})
    poll_source(source_id=source.pk, http=SafeHttpClient(allow_private=True))
    source.refresh_from_db()
    assert words in source.last_error and "Exception" not in source.last_error
    assert detail in source.last_error_detail
    page = web(account_lead).get(reverse("source_detail", args=[brand_a.client.slug, source.pk])).content.decode()
    assert words in page
    assert ("Technical detail" in page) == bool(source.last_error_detail)

"""Outgoing webhooks: signed, retried with backoff, failing endpoints marked, never sent twice."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from werkzeug import Response

from apps.core.http import SafeHttpClient
from apps.core.models import AuditEvent
from apps.notifications.deliveries import deliver_webhook, lost_webhook_deliveries
from apps.notifications.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from apps.notifications.services import notify
from apps.notifications.tasks import requeue_webhook_deliveries_task
from tests.factories import MentionFactory, WebhookDeliveryFactory, WebhookEndpointFactory


def make_due(delivery):
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


def seconds_until_next(delivery) -> float:
    delivery.refresh_from_db()
    return (delivery.next_attempt_at - timezone.now()).total_seconds()


@pytest.mark.django_db
def test_the_payload_is_slack_compatible_and_signed(
    django_capture_on_commit_callbacks, client_a, brand_a, responder, sink
):
    WebhookEndpointFactory(client=client_a, url=sink.url)
    due = timezone.now() + timedelta(minutes=30)
    mention = MentionFactory(brand=brand_a, text="Boycott <!channel> now", url="https://social.example/p/1")
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            event="mention.critical",
            client=client_a,
            recipients=[responder],
            title="Critical: <!channel> boycott",
            body="Risk 91",
            url=f"/c/alpha/mentions/{mention.pk}/",
            mention=mention,
            critical=True,
            payload={"risk_score": 91, "answer_due": due},
        )
    (request,) = sink.received
    assert request["signed"]
    assert request["event"] == "mention.critical"
    body = request["json"]
    assert body["text"] == (
        f"Critical: &lt;!channel&gt; boycott — Risk 91 http://localhost:8000/c/alpha/mentions/{mention.pk}/"
    )
    assert body["event"] == "mention.critical" and body["client"] == "alpha" and body["critical"] is True
    assert body["mention"]["id"] == mention.pk and body["mention"]["url"] == "https://social.example/p/1"
    assert body["mention"]["brand"] == "Alpha Crisps"
    assert body["risk_score"] == 91 and body["answer_due"].startswith(due.strftime("%Y-%m-%dT%H:%M:%S."))
    assert body["url"] == f"http://localhost:8000/c/alpha/mentions/{mention.pk}/"
    delivery = WebhookDelivery.objects.get()
    assert request["delivery"] == str(delivery.pk)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert delivery.endpoint.last_success_at is not None


def test_masked_addresses_keep_scheme_host_and_port_only():
    endpoint = WebhookEndpoint(url="https://bot:pa55@hooks.example.test:8443/services/T/B/k3y?token=abc")
    assert endpoint.masked_url == "https://hooks.example.test:8443/…"


@pytest.mark.django_db
def test_a_wrong_secret_is_refused_by_the_receiver(client_a, sink):
    delivery = WebhookDeliveryFactory(endpoint__client=client_a, endpoint__url=sink.url, endpoint__secret="other")
    deliver_webhook(delivery.pk)
    delivery.refresh_from_db()
    assert not sink.received[0]["signed"]
    assert delivery.status == "retrying" and delivery.last_status_code == 401


@pytest.mark.django_db
def test_server_errors_are_retried_with_growing_waits(client_a, sink):
    sink.answer_with(*[Response("down", status=500)] * 3)
    delivery = WebhookDeliveryFactory(endpoint__client=client_a, endpoint__url=sink.url)
    waits = []
    for _ in range(3):
        deliver_webhook(delivery.pk)
        waits.append(seconds_until_next(delivery))
        make_due(delivery)
    # 30 s, 2 min, 8 min, each with ±20 % jitter.
    for wait, base in zip(waits, (30, 120, 480), strict=True):
        assert base * 0.75 <= wait <= base * 1.25, waits
    deliver_webhook(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 4)
    assert len(sink.received) == 4
    assert delivery.endpoint.consecutive_failures == 0


@pytest.mark.django_db
def test_refused_connections_are_retried_and_the_error_hides_the_address_path(client_a, refused_url):
    delivery = WebhookDeliveryFactory(endpoint__client=client_a, endpoint__url=refused_url)
    deliver_webhook(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "retrying" and delivery.last_status_code is None
    assert delivery.last_error and "secret-path-token" not in delivery.last_error
    assert "secret-path-token" not in delivery.endpoint.last_error
    assert 20 <= seconds_until_next(delivery) <= 40


@pytest.mark.django_db
def test_retry_after_is_honoured(client_a, sink):
    sink.answer_with(Response("slow down", status=429, headers={"Retry-After": "900"}))
    delivery = WebhookDeliveryFactory(endpoint__client=client_a, endpoint__url=sink.url)
    deliver_webhook(delivery.pk)
    assert 890 <= seconds_until_next(delivery) <= 900


@pytest.mark.django_db
def test_an_absurd_retry_after_is_capped(settings, client_a, sink):
    settings.WEBHOOK_RETRY_AFTER_MAX = 3600
    sink.answer_with(Response("go away", status=503, headers={"Retry-After": "99999999"}))
    delivery = WebhookDeliveryFactory(endpoint__client=client_a, endpoint__url=sink.url)
    deliver_webhook(delivery.pk)
    assert seconds_until_next(delivery) <= 3600


@pytest.mark.django_db
def test_redirects_are_not_followed(client_a, sink, httpserver):
    httpserver.expect_request("/elsewhere").respond_with_data("should not be reached")
    sink.answer_with(Response("", status=307, headers={"Location": httpserver.url_for("/elsewhere")}))
    delivery = WebhookDeliveryFactory(endpoint__client=client_a, endpoint__url=sink.url)
    deliver_webhook(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "retrying" and delivery.last_status_code == 307
    assert not [r for r, _ in httpserver.log if r.path == "/elsewhere"]


@pytest.mark.django_db
def test_private_addresses_are_refused_without_the_setting(client_a, sink):
    delivery = WebhookDeliveryFactory(endpoint__client=client_a, endpoint__url=sink.url)
    deliver_webhook(delivery.pk, http=SafeHttpClient(allow_private=False))
    delivery.refresh_from_db()
    assert delivery.status == "retrying" and "non-public" in delivery.last_error
    assert sink.received == []


@pytest.mark.django_db
def test_after_the_last_attempt_the_endpoint_is_failing_and_others_still_deliver(
    settings, django_capture_on_commit_callbacks, client_a, responder, sink, refused_url
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    broken = WebhookEndpointFactory(client=client_a, url=refused_url, name="Broken")
    working = WebhookEndpointFactory(client=client_a, url=sink.url, name="Working")
    with django_capture_on_commit_callbacks(execute=True):
        notify(event="sla.breached", client=client_a, recipients=[responder], title="Answer time exceeded", url="/")
    stuck = WebhookDelivery.objects.get(endpoint=broken)
    assert WebhookDelivery.objects.get(endpoint=working).status == "delivered"
    for _ in range(2):
        make_due(stuck)
        deliver_webhook(stuck.pk)
    stuck.refresh_from_db()
    broken.refresh_from_db()
    assert (stuck.status, stuck.attempts, stuck.next_attempt_at) == ("failed", 3, None)
    assert broken.failing and broken.failing_since and broken.consecutive_failures == 3
    assert AuditEvent.objects.filter(action="webhook_endpoint.failing", target_id=str(broken.pk)).count() == 1

    # The failing endpoint keeps its own deliveries; the next event still reaches the working one.
    with django_capture_on_commit_callbacks(execute=True):
        notify(event="sla.breached", client=client_a, recipients=[responder], title="Again", url="/")
    assert WebhookDelivery.objects.filter(endpoint=working, status="delivered").count() == 2
    assert len(sink.received) == 2

    # One success clears the failing mark.
    broken.url = sink.url
    broken.save()
    fresh = WebhookDelivery.objects.filter(endpoint=broken, status="retrying").get()
    make_due(fresh)
    deliver_webhook(fresh.pk)
    broken.refresh_from_db()
    assert not broken.failing and broken.consecutive_failures == 0
    recovered = AuditEvent.objects.get(action="webhook_endpoint.recovered", target_id=str(broken.pk))
    assert recovered.actor is None and recovered.client == client_a
    # Further successes record nothing more.
    later = WebhookDeliveryFactory(endpoint=broken, client=client_a)
    deliver_webhook(later.pk)
    assert AuditEvent.objects.filter(action="webhook_endpoint.recovered").count() == 1


@pytest.mark.django_db
def test_a_switched_off_endpoint_gets_nothing(client_a, sink):
    delivery = WebhookDeliveryFactory(endpoint__client=client_a, endpoint__url=sink.url, endpoint__enabled=False)
    deliver_webhook(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "failed" and sink.received == []


# --- The sweeper and the claim ---


@pytest.mark.django_db
def test_the_sweeper_requeues_lost_deliveries_and_never_sends_twice(client_a, sink):
    lost = WebhookDeliveryFactory(
        endpoint__client=client_a, endpoint__url=sink.url, next_attempt_at=timezone.now() - timedelta(minutes=5)
    )
    in_hand = WebhookDeliveryFactory(
        endpoint=lost.endpoint,
        client=client_a,
        next_attempt_at=timezone.now() - timedelta(minutes=5),
        claimed_until=timezone.now() + timedelta(minutes=4),
    )
    just_due = WebhookDeliveryFactory(endpoint=lost.endpoint, client=client_a, next_attempt_at=timezone.now())
    later = WebhookDeliveryFactory(
        endpoint=lost.endpoint, client=client_a, next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    assert lost_webhook_deliveries() == [lost.pk]
    assert requeue_webhook_deliveries_task.delay().get() == 1
    assert requeue_webhook_deliveries_task.delay().get() == 0
    assert [r["delivery"] for r in sink.received] == [str(lost.pk)]
    # A duplicate task for a delivery another worker holds, or one not yet due, does nothing.
    assert deliver_webhook(in_hand.pk) is None
    assert deliver_webhook(later.pk) is None
    assert deliver_webhook(lost.pk) is None
    assert len(sink.received) == 1
    assert WebhookDelivery.objects.get(pk=just_due.pk).status == "pending"


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_delivery_post_it_once(client_a, sink):
    sink.delay = 0.3
    delivery = WebhookDeliveryFactory(endpoint__client=client_a, endpoint__url=sink.url)
    start = threading.Barrier(3)
    results = []

    def worker():
        start.wait()
        try:
            results.append(deliver_webhook(delivery.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(sink.received) == 1
    assert sum(result is not None for result in results) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 1)


@pytest.mark.django_db
def test_a_test_event_gets_one_attempt_and_does_not_mark_the_endpoint_failing(
    django_capture_on_commit_callbacks, client_a, account_lead, refused_url
):
    from apps.notifications.services import webhook_endpoint_send_test

    endpoint = WebhookEndpointFactory(client=client_a, url=refused_url)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_endpoint_send_test(actor=account_lead, endpoint=endpoint)
    delivery.refresh_from_db()
    endpoint.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.event) == ("failed", 1, "webhook.test")
    assert endpoint.consecutive_failures == 1 and not endpoint.failing

"""API: the caller's own notifications and settings; a client's webhook endpoints and deliveries."""

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.notifications.models import NotificationSettings, WebhookEndpoint
from tests.factories import NotificationFactory, WebhookDeliveryFactory, WebhookEndpointFactory

# --- Notifications ---


@pytest.mark.django_db
def test_the_caller_lists_and_reads_their_own(api, client_a, client_b, responder, analyst):
    mine = NotificationFactory(user=responder, client=client_a, title="Mine")
    read = NotificationFactory(user=responder, client=client_a, read_at=timezone.now())
    NotificationFactory(user=responder, client=client_a, in_app=False)
    NotificationFactory(user=responder, client=client_b)
    NotificationFactory(user=analyst, client=client_a)
    http = api(responder)
    listed = http.get(reverse("api:notification-list")).json()
    assert [n["id"] for n in listed["results"]] == [read.pk, mine.pk]
    unread = http.get(reverse("api:notification-list"), {"unread": "true"}).json()
    assert [n["id"] for n in unread["results"]] == [mine.pk]

    answer = http.post(reverse("api:notification-read", args=[mine.pk]))
    assert answer.status_code == 200 and answer.json()["read_at"]
    NotificationFactory(user=responder, client=client_a)
    assert http.post(reverse("api:notification-read-all")).json() == {"marked": 1}
    assert http.get(reverse("api:notification-list"), {"unread": "true"}).json()["count"] == 0


@pytest.mark.django_db
def test_notifications_need_authentication(api):
    for name in ("api:notification-list", "api:notification-settings"):
        assert api().get(reverse(name)).status_code in (401, 403)
    assert api().post(reverse("api:notification-read-all")).status_code in (401, 403)


# --- Settings ---


@pytest.mark.django_db
def test_settings_start_with_defaults_and_are_replaced_with_put(api, responder):
    http = api(responder)
    defaults = http.get(reverse("api:notification-settings")).json()
    assert defaults["channels"]["mention.critical"] == ["email", "in_app"]
    assert defaults["channels"]["oncall.handover"] == ["in_app"]
    assert defaults["time_zone"] == "Europe/Copenhagen" and defaults["digest_minutes"] == 5
    assert not NotificationSettings.objects.exists()  # reading creates nothing

    answer = http.put(
        reverse("api:notification-settings"),
        {
            "channels": {"oncall.handover": ["in_app", "email"]},
            "quiet_hours_start": "23:00",
            "quiet_hours_end": "06:30",
            "time_zone": "Europe/Warsaw",
            "digest_minutes": 15,
        },
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["channels"]["oncall.handover"] == ["email", "in_app"]
    assert body["quiet_hours_start"] == "23:00:00" and body["time_zone"] == "Europe/Warsaw"
    assert NotificationSettings.objects.get(user=responder).digest_minutes == 15


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"time_zone": "Europe/Atlantis"}, "time_zone"),
        ({"quiet_hours_end": None}, "quiet_hours_end"),
        ({"quiet_hours_end": "23:00"}, "quiet_hours_end"),
        ({"channels": {"mention.exploded": ["email"]}}, "channels"),
        ({"channels": {"mention.critical": ["pigeon"]}}, "channels"),
        ({"digest_minutes": 0}, "digest_minutes"),
    ],
)
def test_bad_settings_answer_400_by_field(api, responder, changes, field):
    data = {
        "channels": {},
        "quiet_hours_start": "23:00",
        "quiet_hours_end": "06:30",
        "time_zone": "Europe/Oslo",
        "digest_minutes": 5,
        **changes,
    }
    answer = api(responder).put(reverse("api:notification-settings"), data, format="json")
    assert answer.status_code == 400
    assert field in answer.json()["errors"]


# --- Webhook endpoints ---


def endpoints_url(client):
    return reverse("api:webhook-endpoint-list", args=[client.pk])


@pytest.mark.django_db
def test_a_lead_manages_endpoints_and_sees_the_secret_once(api, client_a, account_lead):
    http = api(account_lead)
    created = http.post(
        endpoints_url(client_a),
        {"name": "Slack", "url": "https://hooks.example.test/services/T/B/k3y", "events": ["sla.breached"]},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    endpoint = WebhookEndpoint.objects.get()
    assert body["secret"] == endpoint.secret and len(body["secret"]) > 30
    detail = reverse("api:webhook-endpoint-detail", args=[client_a.pk, endpoint.pk])
    shown = http.get(detail).json()
    assert "secret" not in shown or not shown["secret"]
    assert shown["url"] == "https://hooks.example.test/services/T/B/k3y"

    changed = http.patch(detail, {"events": [], "enabled": False}, format="json")
    assert changed.status_code == 200 and changed.json()["enabled"] is False
    assert http.post(reverse("api:webhook-endpoint-test", args=[client_a.pk, endpoint.pk])).status_code == 400
    assert http.delete(detail).status_code == 204
    assert http.get(detail).status_code == 404
    actions = set(AuditEvent.objects.filter(client=client_a).values_list("action", flat=True))
    assert {"webhook_endpoint.created", "webhook_endpoint.updated", "webhook_endpoint.deleted"} <= actions


@pytest.mark.django_db
def test_bad_endpoints_answer_400(api, client_a, account_lead):
    http = api(account_lead)
    for data, field in (
        ({"name": "x", "url": "ftp://files.example.test/"}, "url"),
        ({"name": "x", "url": "https://ok.example.test/", "events": ["nope"]}, "events"),
        ({"url": "https://ok.example.test/"}, "name"),
    ):
        answer = http.post(endpoints_url(client_a), data, format="json")
        assert answer.status_code == 400 and field in answer.json()["errors"], answer.json()
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
def test_test_event_is_queued(api, client_a, account_lead, sink, django_capture_on_commit_callbacks):
    endpoint = WebhookEndpointFactory(client=client_a, url=sink.url)
    with django_capture_on_commit_callbacks(execute=True):
        answer = api(account_lead).post(reverse("api:webhook-endpoint-test", args=[client_a.pk, endpoint.pk]))
    assert answer.status_code == 202 and answer.json()["event"] == "webhook.test"
    assert len(sink.received) == 1


@pytest.mark.django_db
def test_responders_read_masked_endpoints_and_may_not_write(api, client_a, responder, client_viewer):
    endpoint = WebhookEndpointFactory(client=client_a, url="https://hooks.example.test/services/T/B/k3y")
    http = api(responder)
    listed = http.get(endpoints_url(client_a)).json()["results"]
    assert listed[0]["url"] == "https://hooks.example.test/…"
    detail = reverse("api:webhook-endpoint-detail", args=[client_a.pk, endpoint.pk])
    assert http.patch(detail, {"enabled": False}, format="json").status_code == 403
    assert http.delete(detail).status_code == 403
    assert http.post(endpoints_url(client_a), {"name": "x", "url": "https://x.test/"}, format="json").status_code == 403
    assert http.post(reverse("api:webhook-endpoint-test", args=[client_a.pk, endpoint.pk])).status_code == 403
    assert api(client_viewer).get(endpoints_url(client_a)).status_code == 403
    endpoint.refresh_from_db()
    assert endpoint.enabled


@pytest.mark.django_db
def test_outsiders_get_404(api, client_a, outsider_lead):
    endpoint = WebhookEndpointFactory(client=client_a)
    delivery = WebhookDeliveryFactory(endpoint=endpoint, client=client_a)
    http = api(outsider_lead)
    assert http.get(endpoints_url(client_a)).status_code == 404
    assert http.get(reverse("api:webhook-endpoint-detail", args=[client_a.pk, endpoint.pk])).status_code == 404
    assert http.get(reverse("api:webhook-delivery-detail", args=[client_a.pk, delivery.pk])).status_code == 404


@pytest.mark.django_db
def test_the_delivery_log_is_filtered_by_endpoint_and_status(api, client_a, client_b, responder):
    first = WebhookEndpointFactory(client=client_a)
    second = WebhookEndpointFactory(client=client_a)
    failed = WebhookDeliveryFactory(endpoint=first, client=client_a, status="failed", attempts=6)
    WebhookDeliveryFactory(endpoint=second, client=client_a)
    WebhookDeliveryFactory(endpoint__client=client_b)
    http = api(responder)
    url = reverse("api:webhook-delivery-list", args=[client_a.pk])
    assert http.get(url).json()["count"] == 2
    by_endpoint = http.get(url, {"endpoint": first.pk}).json()["results"]
    assert [d["id"] for d in by_endpoint] == [failed.pk] and by_endpoint[0]["attempts"] == 6
    assert http.get(url, {"status": "failed"}).json()["count"] == 1

"""The bell, the list, settings and the client's webhook pages."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.notifications.models import NotificationSettings, WebhookDelivery, WebhookEndpoint
from tests.factories import NotificationFactory, UserFactory, WebhookDeliveryFactory, WebhookEndpointFactory

# --- Bell and list ---


@pytest.mark.django_db
def test_the_bell_counts_the_persons_unread_notifications_of_clients_they_see(
    web, client_a, client_b, responder, analyst
):
    NotificationFactory.create_batch(3, user=responder, client=client_a)
    NotificationFactory(user=responder, client=client_a, read_at=timezone.now())
    NotificationFactory(user=responder, client=client_a, in_app=False)
    NotificationFactory(user=responder, client=client_b)  # no longer visible to them
    NotificationFactory(user=analyst, client=client_a)
    page = web(responder).get(reverse("client_detail", args=[client_a.slug]))
    assert b'id="notification-bell"' in page.content
    assert b'hx-trigger="every 30s"' in page.content
    badge = web(responder).get(reverse("notification_badge"))
    assert badge.status_code == 200
    assert b'<span class="count">3<' in badge.content
    assert web().get(reverse("notification_badge")).status_code == 204


@pytest.mark.django_db
def test_the_bell_counts_are_capped(web, client_a, responder):
    NotificationFactory.create_batch(101, user=responder, client=client_a)
    assert b"99+" in web(responder).get(reverse("notification_badge")).content


@pytest.mark.django_db
def test_the_bell_query_is_cheap(web, client_a, responder, django_assert_max_num_queries):
    NotificationFactory.create_batch(5, user=responder, client=client_a)
    http = web(responder)
    http.get(reverse("notification_badge"))
    # Session, user, MFA policy, the person's rights, and the count.
    with django_assert_max_num_queries(5):
        http.get(reverse("notification_badge"))


@pytest.mark.django_db
def test_the_bells_polling_does_not_keep_an_idle_session_alive(web, client_a, responder):
    http = web(responder)
    http.get(reverse("notification_list"))
    session = Session.objects.get()
    Session.objects.filter(pk=session.pk).update(expire_date=session.expire_date - timedelta(hours=1))
    before = Session.objects.get().expire_date
    assert http.get(reverse("notification_badge")).status_code == 200
    assert Session.objects.get().expire_date == before
    http.get(reverse("notification_list"))  # a real page view is activity
    assert Session.objects.get().expire_date > before


@pytest.mark.django_db
def test_the_list_is_newest_first_paginated_and_marks_unread(web, client_a, responder):
    old = NotificationFactory(user=responder, client=client_a, title="Oldest of all")
    for n in range(26):
        NotificationFactory(user=responder, client=client_a, title=f"Item {n}", read_at=timezone.now())
    newest = NotificationFactory(user=responder, client=client_a, title="Newest <b>untrusted</b>")
    http = web(responder)
    first = http.get(reverse("notification_list"))
    assert first.status_code == 200
    items = list(first.context["notifications"])
    assert items[0] == newest and old not in items and len(items) == 25
    assert b"Newest &lt;b&gt;untrusted&lt;/b&gt;" in first.content
    assert b'class="notification unread"' in first.content
    second = http.get(reverse("notification_list") + "?page=2")
    assert old in list(second.context["notifications"])


@pytest.mark.django_db
def test_opening_marks_read_and_follows_the_link(web, client_a, responder):
    notification = NotificationFactory(user=responder, client=client_a, url="/c/alpha/sources/")
    response = web(responder).post(reverse("notification_open", args=[notification.pk]))
    assert response.status_code == 302 and response["Location"] == "/c/alpha/sources/"
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.django_db
def test_someone_elses_notification_answers_404(web, api, client_a, responder, analyst):
    theirs = NotificationFactory(user=analyst, client=client_a)
    assert web(responder).post(reverse("notification_open", args=[theirs.pk])).status_code == 404
    assert api(responder).get(reverse("api:notification-detail", args=[theirs.pk])).status_code == 404
    assert api(responder).post(reverse("api:notification-read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_mark_all_read_touches_only_the_persons_own(web, client_a, responder, analyst):
    NotificationFactory.create_batch(2, user=responder, client=client_a)
    theirs = NotificationFactory(user=analyst, client=client_a)
    response = web(responder).post(reverse("notification_read_all"))
    assert response.status_code == 302
    assert not responder.notifications.filter(read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_notification_pages_need_sign_in(web):
    for name in ("notification_list", "notification_settings"):
        response = web().get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert web().post(reverse("notification_read_all")).status_code == 302


# --- Settings ---


def settings_form(**changes):
    data = {
        "quiet_hours_start": "22:00",
        "quiet_hours_end": "07:00",
        "time_zone": "Europe/Oslo",
        "digest_minutes": "10",
        "mention_critical__in_app": "on",
        "mention_critical__email": "on",
        "oncall_handover__email": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.django_db
def test_settings_are_saved(web, responder):
    http = web(responder)
    assert http.get(reverse("notification_settings")).status_code == 200
    response = http.post(reverse("notification_settings"), settings_form())
    assert response.status_code == 302
    saved = NotificationSettings.objects.get(user=responder)
    assert saved.time_zone == "Europe/Oslo" and saved.digest_minutes == 10
    assert str(saved.quiet_hours_start) == "22:00:00" and str(saved.quiet_hours_end) == "07:00:00"
    assert saved.channels["mention.critical"] == ["in_app", "email"]
    assert saved.channels["oncall.handover"] == ["email"]
    assert saved.channels["sla.warning"] == []
    assert AuditEvent.objects.filter(action="notification_settings.updated", actor=responder).exists()
    # Only what changed is recorded, and saving the same again records nothing.
    http.post(reverse("notification_settings"), settings_form(digest_minutes="15"))
    changed = AuditEvent.objects.filter(action="notification_settings.updated").order_by("id").last()
    assert (changed.before, changed.after) == ({"digest_minutes": 10}, {"digest_minutes": 15})
    http.post(reverse("notification_settings"), settings_form(digest_minutes="15"))
    assert AuditEvent.objects.filter(action="notification_settings.updated").count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"quiet_hours_end": ""}, "quiet_hours_end"),
        ({"quiet_hours_start": ""}, "quiet_hours_start"),
        ({"quiet_hours_end": "22:00"}, "quiet_hours_end"),
        ({"quiet_hours_start": "25:61"}, "quiet_hours_start"),
        ({"digest_minutes": "0"}, "digest_minutes"),
        ({"digest_minutes": "many"}, "digest_minutes"),
    ],
)
def test_bad_settings_are_field_errors(web, responder, changes, field):
    response = web(responder).post(reverse("notification_settings"), settings_form(**changes))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not NotificationSettings.objects.filter(user=responder).exists()


# --- Webhook pages ---


def endpoint_form(**changes):
    data = {"name": "Slack #alpha", "url": "https://hooks.example.test/services/T1/B1/abcd", "enabled": "on"}
    data.update(changes)
    return data


@pytest.mark.django_db
def test_a_lead_creates_a_webhook_and_sees_the_secret_once(web, client_a, account_lead):
    http = web(account_lead)
    response = http.post(
        reverse("webhook_create", args=[client_a.slug]), {**endpoint_form(), "events": ["mention.critical"]}
    )
    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["mention.critical"] and endpoint.created_by == account_lead
    secret = endpoint.secret
    assert secret and secret not in endpoint.secret_encrypted
    first = http.get(response["Location"])
    assert secret.encode() in first.content
    assert secret.encode() not in http.get(response["Location"]).content
    event = AuditEvent.objects.get(action="webhook_endpoint.created")
    assert "abcd" not in str(event.after) and event.client == client_a


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["ftp://hooks.example.test/x", "not an address", "http://hooks.example.test/plain"], ids=str
)
def test_bad_webhook_addresses_are_field_errors(settings, web, client_a, account_lead, url):
    settings.WEBHOOK_ALLOW_HTTP = False
    response = web(account_lead).post(reverse("webhook_create", args=[client_a.slug]), endpoint_form(url=url))
    assert response.status_code == 400
    assert "url" in response.context["form"].errors
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
def test_a_lead_edits_switches_off_and_deletes(web, client_a, account_lead):
    endpoint = WebhookEndpointFactory(client=client_a)
    queued = WebhookDeliveryFactory(endpoint=endpoint, client=client_a)
    http = web(account_lead)
    detail = reverse("webhook_detail", args=[client_a.slug, endpoint.pk])
    response = http.post(detail, {"name": "Teams", "url": "https://hooks.example.test/teams/new", "events": []})
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.name, endpoint.enabled) == ("Teams", False)
    queued.refresh_from_db()
    assert queued.status == "failed"
    updated = AuditEvent.objects.get(action="webhook_endpoint.updated")
    assert updated.after["enabled"] is False and "new path" in updated.after["url"]

    assert http.post(reverse("webhook_delete", args=[client_a.slug, endpoint.pk])).status_code == 302
    assert AuditEvent.objects.filter(action="webhook_endpoint.deleted").exists()
    assert list(http.get(reverse("webhook_list", args=[client_a.slug])).context["endpoints"]) == []
    assert http.get(detail).status_code == 404
    assert WebhookDelivery.objects.filter(pk=queued.pk).exists()  # the log stays


@pytest.mark.django_db
def test_send_test_posts_to_the_endpoint(web, client_a, account_lead, sink, django_capture_on_commit_callbacks):
    endpoint = WebhookEndpointFactory(client=client_a, url=sink.url)
    with django_capture_on_commit_callbacks(execute=True):
        response = web(account_lead).post(reverse("webhook_test", args=[client_a.slug, endpoint.pk]))
    assert response.status_code == 302
    assert [r["event"] for r in sink.received] == ["webhook.test"] and sink.received[0]["signed"]
    log = web(account_lead).get(reverse("webhook_detail", args=[client_a.slug, endpoint.pk]), HTTP_HX_REQUEST="true")
    assert b'id="delivery-log"' in log.content and b"<html" not in log.content
    assert b"Delivered" in log.content


@pytest.mark.django_db
def test_responders_see_health_but_not_addresses_and_change_nothing(web, client_a, responder):
    endpoint = WebhookEndpointFactory(client=client_a, url="https://hooks.example.test/services/T9/B9/tok3n")
    http = web(responder)
    listing = http.get(reverse("webhook_list", args=[client_a.slug]))
    detail = http.get(reverse("webhook_detail", args=[client_a.slug, endpoint.pk]))
    for page in (listing, detail):
        assert page.status_code == 200
        assert b"tok3n" not in page.content and b"hooks.example.test" in page.content
    assert b"Send a test event" not in detail.content
    assert http.get(reverse("webhook_create", args=[client_a.slug])).status_code == 403
    for name in ("webhook_detail", "webhook_test", "webhook_delete"):
        assert http.post(reverse(name, args=[client_a.slug, endpoint.pk]), endpoint_form()).status_code == 403
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.deleted_at is None and not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_client_people_and_outsiders_do_not_reach_webhooks(web, client_a, client_viewer, outsider_lead):
    assert web(client_viewer).get(reverse("webhook_list", args=[client_a.slug])).status_code == 403
    assert web(outsider_lead).get(reverse("webhook_list", args=[client_a.slug])).status_code == 404
    assert web(UserFactory()).get(reverse("webhook_list", args=[client_a.slug])).status_code == 404


def test_switching_a_failing_endpoint_back_on_is_audited_as_recovered(client_a, account_lead):
    from apps.notifications.services import webhook_endpoint_update

    endpoint = WebhookEndpointFactory(client=client_a, enabled=False, failing_since=timezone.now())
    webhook_endpoint_update(actor=account_lead, endpoint=endpoint, enabled=True)
    event = AuditEvent.objects.get(action="webhook_endpoint.updated")
    assert event.before == {"enabled": False, "failing": True}
    assert event.after == {"enabled": True, "failing": False}

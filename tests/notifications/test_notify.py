"""notify(): who is told, through which channel, and when e-mails go out."""

import threading
import time as clock
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.notifications import emails
from apps.notifications.models import (
    EmailState,
    Notification,
    NotificationSettings,
    WebhookDelivery,
)
from apps.notifications.selectors import notifications_for, unread_count
from apps.notifications.services import notify
from apps.notifications.tasks import send_email_digests_task
from apps.tenants.models import ClientUserObjectPermission, Membership
from apps.tenants.scoping import user_has_client_perm
from tests.factories import MentionFactory, NotificationFactory, UserFactory, WebhookEndpointFactory


def tell(on_commit, *, event="mention.assigned", critical=False, **kwargs):
    """notify() with its after-commit sending run, as in production."""
    kwargs.setdefault("title", "Mention assigned to you")
    kwargs.setdefault("url", "/c/alpha/")
    with on_commit(execute=True):
        return notify(event=event, critical=critical, **kwargs)


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def quiet_now(user, *, zone="Europe/Copenhagen"):
    """Quiet hours for `user` from an hour ago until an hour from now, on their clock."""
    local = timezone.now().astimezone(ZoneInfo(zone))
    return NotificationSettings.objects.create(
        user=user,
        time_zone=zone,
        quiet_hours_start=(local - timedelta(hours=1)).time().replace(second=0, microsecond=0),
        quiet_hours_end=(local + timedelta(hours=1)).time().replace(second=0, microsecond=0),
    )


# --- Who is told ---


@pytest.mark.django_db
def test_only_active_people_who_can_see_the_client_are_notified(
    on_commit, client_a, responder, client_viewer, outsider_lead, agency_admin
):
    gone = UserFactory(is_active=False)
    Membership.objects.create(user=gone, client=client_a, role="responder")
    stranger = UserFactory()
    created = tell(
        on_commit,
        client=client_a,
        recipients=[responder, responder, client_viewer, outsider_lead, gone, stranger, agency_admin],
    )
    assert sorted(n.user_id for n in created) == sorted([responder.pk, client_viewer.pk, agency_admin.pk])
    assert not Notification.objects.filter(user__in=[outsider_lead, gone, stranger]).exists()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([responder.email, client_viewer.email, agency_admin.email])


@pytest.mark.django_db
def test_who_is_told_follows_the_scoping_rule_also_at_an_inactive_client(
    on_commit, client_a, responder, client_viewer, agency_admin
):
    people = [responder, client_viewer, agency_admin]
    client_a.is_active = False
    client_a.save()
    for person in people:
        person.refresh_from_db()  # no rights cached from before
    expected = sorted(p.pk for p in people if user_has_client_perm(p, client_a, "view_client"))
    assert expected == [agency_admin.pk]
    assert [n.user_id for n in tell(on_commit, client=client_a, recipients=people)] == expected


@pytest.mark.django_db
def test_notify_costs_the_same_few_queries_for_one_person_or_many(
    client_a, brand_a, responder, analyst, account_lead, client_viewer, agency_admin, outsider_lead
):
    """It runs for every mention of an ingested batch: no query per recipient."""
    WebhookEndpointFactory(client=client_a)
    NotificationSettings.objects.create(user=analyst, channels={"mention.assigned": ["email"]})
    mention = MentionFactory(brand=brand_a)
    many = [responder, analyst, account_lead, client_viewer, agency_admin, outsider_lead]
    counts = []
    for recipients in ([responder], many):
        with CaptureQueriesContext(connection) as queries:
            notify(
                event="mention.assigned", client=client_a, recipients=recipients, title="x", url="/", mention=mention
            )
        counts.append(len(queries))
    # The people with their settings, the notifications, the endpoints, the deliveries.
    assert counts == [4, 4]


@pytest.mark.django_db
def test_rights_are_read_fresh_not_from_a_stale_user_object(on_commit, client_a, responder):

    assert user_has_client_perm(responder, client_a, "view_client")  # caches the rights on the object
    ClientUserObjectPermission.objects.filter(user=responder).delete()
    assert tell(on_commit, client=client_a, recipients=[responder]) == []


# --- Channels ---


@pytest.mark.django_db
def test_defaults_email_assignments_and_keep_handovers_in_the_app(on_commit, client_a, responder):
    (assigned,) = tell(on_commit, client=client_a, recipients=[responder], event="mention.assigned")
    (handover,) = tell(
        on_commit, client=client_a, recipients=[responder], event="oncall.handover", title="You are on call"
    )
    assigned.refresh_from_db()
    handover.refresh_from_db()
    assert assigned.in_app and assigned.email_state == EmailState.SENT
    assert handover.in_app and handover.email_state == EmailState.NOT_NEEDED
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_unknown_events_are_in_app_only_unless_critical(on_commit, client_a, responder):
    (quiet,) = tell(on_commit, client=client_a, recipients=[responder], event="report.ready", title="Report ready")
    (loud,) = tell(
        on_commit, client=client_a, recipients=[responder], event="incident.opened", critical=True, title="Crisis"
    )
    assert quiet.email_state == EmailState.NOT_NEEDED
    loud.refresh_from_db()
    assert loud.email_state == EmailState.SENT


@pytest.mark.django_db
def test_personal_channel_choices_decide(on_commit, client_a, responder, analyst):
    NotificationSettings.objects.create(user=responder, channels={"mention.assigned": ["email"]})
    NotificationSettings.objects.create(user=analyst, channels={"mention.assigned": []})
    created = tell(on_commit, client=client_a, recipients=[responder, analyst])
    assert [(n.user_id, n.in_app) for n in created] == [(responder.pk, False)]
    assert len(mail.outbox) == 1
    # E-mail-only rows carry the e-mail; they never reach the bell or the list.
    assert unread_count(user=responder) == 0 and not notifications_for(user=responder).exists()


# --- Quiet hours and flood control ---


@pytest.mark.parametrize(
    ("local", "quiet"),
    [("23:30", True), ("02:00", True), ("06:59", True), ("07:00", False), ("12:00", False), ("21:59", False)],
)
def test_quiet_hours_span_midnight_on_the_persons_clock(local, quiet):
    preferences = NotificationSettings(
        time_zone="America/New_York", quiet_hours_start=time(22, 0), quiet_hours_end=time(7, 0)
    )
    hour, minute = map(int, local.split(":"))
    at = datetime(2026, 3, 2, hour, minute, tzinfo=ZoneInfo("America/New_York")).astimezone(UTC)
    assert preferences.in_quiet_hours(at) is quiet


def test_quiet_hours_within_a_day():
    preferences = NotificationSettings(time_zone="Europe/Warsaw", quiet_hours_start=time(12), quiet_hours_end=time(13))
    assert preferences.in_quiet_hours(datetime(2026, 7, 1, 10, 30, tzinfo=UTC))  # 12:30 in Warsaw (CEST)
    assert not preferences.in_quiet_hours(datetime(2026, 7, 1, 11, 0, tzinfo=UTC))


@pytest.mark.django_db
def test_quiet_hours_hold_ordinary_emails_but_critical_ones_go_at_once(on_commit, client_a, responder):
    quiet_now(responder)
    (held,) = tell(on_commit, client=client_a, recipients=[responder], event="sla.warning", title="Answer due soon")
    (critical,) = tell(
        on_commit,
        client=client_a,
        recipients=[responder],
        event="mention.critical",
        critical=True,
        title="Boycott call",
    )
    held.refresh_from_db()
    critical.refresh_from_db()
    assert held.email_state == EmailState.HELD
    assert critical.email_state == EmailState.SENT
    assert len(mail.outbox) == 1 and "Boycott call" in mail.outbox[0].subject
    assert "Critical" in mail.outbox[0].subject

    # Nothing goes while quiet hours last; after they end, the held one comes as the digest.
    assert emails.users_with_due_digests() == []
    after = timezone.now() + timedelta(hours=2)
    assert emails.users_with_due_digests(now=after) == [responder.pk]
    assert emails.send_email_digest(responder.pk, now=after) == 1
    assert len(mail.outbox) == 2 and "Answer due soon" in mail.outbox[1].subject


@pytest.mark.django_db
def test_at_most_one_email_per_window_and_the_rest_in_one_digest(on_commit, client_a, responder):
    for n in range(4):
        tell(on_commit, client=client_a, recipients=[responder], title=f"Mention {n} assigned to you", body=f"Text {n}")
    assert len(mail.outbox) == 1
    assert "Mention 0 assigned" in mail.outbox[0].subject
    assert Notification.objects.filter(email_state=EmailState.HELD).count() == 3

    # The beat does nothing inside the window ...
    send_email_digests_task.delay()
    assert len(mail.outbox) == 1
    # ... and sends one digest with everything held once it has passed.
    NotificationSettings.objects.filter(user=responder).update(last_email_at=timezone.now() - timedelta(minutes=6))
    with on_commit(execute=True):
        send_email_digests_task.delay()
    assert len(mail.outbox) == 2
    digest = mail.outbox[1]
    assert digest.subject == "3 new notifications"
    for n in (1, 2, 3):
        assert f"Mention {n} assigned to you" in digest.body and f"Text {n}" in digest.body
    assert "http://localhost:8000/c/alpha/" in digest.body
    assert "/notifications/settings/" in digest.body
    assert not Notification.objects.filter(email_state=EmailState.HELD).exists()
    send_email_digests_task.delay()
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_critical_emails_do_not_count_against_the_window(on_commit, client_a, responder):
    tell(on_commit, client=client_a, recipients=[responder], event="mention.critical", critical=True)
    tell(on_commit, client=client_a, recipients=[responder], event="mention.critical", critical=True)
    tell(on_commit, client=client_a, recipients=[responder])
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_emails_are_plain_text_with_untrusted_text_unchanged(on_commit, client_a, responder):
    tell(
        on_commit,
        client=client_a,
        recipients=[responder],
        event="mention.critical",
        critical=True,
        title="Shop <b>burns</b>\r\nBcc: victim@example.test",
        body='<script>alert("x")</script> & more',
    )
    message = mail.outbox[0]
    assert "\n" not in message.subject and "\r" not in message.subject
    assert '<script>alert("x")</script> & more' in message.body
    assert "&lt;" not in message.body
    assert message.alternatives == []
    assert message.to == [responder.email]


@pytest.mark.django_db
def test_a_person_who_lost_access_before_the_digest_gets_nothing(on_commit, client_a, responder):
    NotificationSettings.objects.create(user=responder, last_email_at=timezone.now())
    tell(on_commit, client=client_a, recipients=[responder])
    ClientUserObjectPermission.objects.filter(user=responder).delete()
    assert emails.send_email_digest(responder.pk, now=timezone.now() + timedelta(minutes=10)) == 0
    assert mail.outbox == []
    assert Notification.objects.get().email_state == EmailState.NOT_NEEDED


# --- Claims: nothing is e-mailed twice ---


@pytest.mark.django_db
def test_the_critical_email_claim_is_conditional(client_a, responder):
    notification = NotificationFactory(user=responder, client=client_a, critical=True, email_state=EmailState.PENDING)
    assert emails.send_notification_email(notification.pk) is True
    assert emails.send_notification_email(notification.pk) is False
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_lost_critical_email_is_sent_by_the_beat_once(client_a, responder):
    notification = NotificationFactory(user=responder, client=client_a, critical=True, email_state=EmailState.PENDING)
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    send_email_digests_task.delay()
    send_email_digests_task.delay()
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_critical_email_the_mail_server_refuses_stays_pending_for_the_beat(
    settings, client_a, responder, refused_url
):
    from apps.notifications.tasks import send_notification_email_task

    notification = NotificationFactory(user=responder, client=client_a, critical=True, email_state=EmailState.PENDING)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", int(refused_url.split(":")[2].split("/")[0])
    send_notification_email_task.delay(notification.pk)  # refused: no retry chain of its own
    notification.refresh_from_db()
    assert (notification.email_state, notification.email_claimed_at) == (EmailState.PENDING, None)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    send_email_digests_task.delay()
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_critical_email_claimed_by_a_worker_that_died_is_sent_once_the_claim_lapses(client_a, responder):
    notification = NotificationFactory(user=responder, client=client_a, critical=True, email_state=EmailState.PENDING)
    now = timezone.now()
    Notification.objects.filter(pk=notification.pk).update(
        created_at=now - timedelta(minutes=10), email_claimed_at=now - timedelta(minutes=1)
    )
    send_email_digests_task.delay()  # a worker still holds it: not sent twice
    assert mail.outbox == []
    Notification.objects.filter(pk=notification.pk).update(email_claimed_at=now - timedelta(minutes=5))
    send_email_digests_task.delay()  # that worker died before the mail server took it
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.email_state == EmailState.SENT and notification.emailed_at is not None


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_person_send_one_email(client_a, responder):
    """Both notify() calls commit and start a digest task; the settings row lock lets one send."""
    start = threading.Barrier(2)
    errors = []

    def worker(n):
        try:
            start.wait()
            notify(event="mention.assigned", client=client_a, recipients=[responder], title=f"Mention {n}", url="/")
        except Exception as exc:  # reported below; a thread cannot fail the test itself
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(mail.outbox) == 1
    states = sorted(Notification.objects.values_list("email_state", flat=True))
    assert states in (["held", "sent"], ["sent", "sent"])


@pytest.mark.django_db(transaction=True)
def test_two_digest_workers_racing_send_one_email(client_a, responder):
    for _ in range(3):
        NotificationFactory(user=responder, client=client_a, email_state=EmailState.HELD)
    start = threading.Barrier(2)
    results = []

    def worker():
        start.wait()
        try:
            results.append(emails.send_email_digest(responder.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 3]
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_digest_waits_for_the_settings_row_lock(client_a, responder):
    """While another worker holds the person's settings row, a digest waits, then sees the new window."""
    NotificationFactory(user=responder, client=client_a, email_state=EmailState.HELD)
    NotificationSettings.objects.create(user=responder)
    locked, release, results = threading.Event(), threading.Event(), []

    def other_worker():
        try:
            with transaction.atomic():
                NotificationSettings.objects.select_for_update().get(user=responder)
                locked.set()
                release.wait(5)
                NotificationSettings.objects.filter(user=responder).update(last_email_at=timezone.now())
        finally:
            connection.close()

    def digest():
        locked.wait(5)
        try:
            results.append(emails.send_email_digest(responder.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=other_worker), threading.Thread(target=digest)]
    for thread in threads:
        thread.start()
    clock.sleep(0.3)
    assert results == [] and mail.outbox == []  # still waiting for the lock
    release.set()
    for thread in threads:
        thread.join()
    assert results == [0] and mail.outbox == []
    assert Notification.objects.get().email_state == EmailState.HELD


# --- Arguments and webhooks ---


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "/\t/evil.example", "javascript:alert(1)", "c/a"],
)
def test_links_must_stay_inside_the_app(client_a, responder, url):
    with pytest.raises(ValueError):
        notify(event="mention.assigned", client=client_a, recipients=[responder], title="x", url=url)


@pytest.mark.django_db
def test_a_mention_of_another_client_is_refused(client_a, client_b, responder, brand_b):
    with pytest.raises(ValueError):
        notify(
            event="mention.critical",
            client=client_a,
            recipients=[responder],
            title="x",
            mention=MentionFactory(brand=brand_b),
        )


@pytest.mark.django_db
def test_webhooks_get_one_delivery_per_event_not_per_recipient(
    on_commit, client_a, client_b, responder, analyst, client_viewer, sink
):
    everything = WebhookEndpointFactory(client=client_a, url=sink.url)
    WebhookEndpointFactory(client=client_a, url=sink.url, events=["sla.breached"])
    WebhookEndpointFactory(client=client_a, url=sink.url, enabled=False)
    WebhookEndpointFactory(client=client_b, url=sink.url)
    tell(
        on_commit,
        client=client_a,
        recipients=[responder, analyst, client_viewer],
        event="mention.critical",
        critical=True,
    )
    assert list(WebhookDelivery.objects.values_list("endpoint_id", "status")) == [(everything.pk, "delivered")]
    assert len(sink.received) == 1

    # No recipient at all: the client's systems still hear of it.
    tell(on_commit, client=client_a, recipients=[], event="sla.breached")
    assert WebhookDelivery.objects.filter(event="sla.breached").count() == 2

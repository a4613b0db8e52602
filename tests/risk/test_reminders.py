"""SLA warnings and breaches: sent once, to the right people, even when beat runs race."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.notifications.models import Notification
from apps.risk.models import SlaReminder
from apps.risk.services import sla_send_due_reminders
from tests.factories import MentionFactory, OnCallShiftFactory


def waiting_mention(brand, assignee=None, *, warn_ago=None, due_in=timedelta(minutes=10), level="high"):
    now = timezone.now()
    return MentionFactory(
        brand=brand,
        assignee=assignee,
        risk_level=level,
        risk_score=60,
        response_warn_at=now - (warn_ago or timedelta(minutes=1)),
        response_due_at=now + due_in,
    )


@pytest.mark.django_db
def test_warning_goes_to_the_assignee_once(brand_a, responder):
    mention = waiting_mention(brand_a, responder)
    assert sla_send_due_reminders()["warnings"] == 1
    assert sla_send_due_reminders()["warnings"] == 0
    assert list(Notification.objects.values_list("user", "event", "mention")) == [
        (responder.pk, "sla.warning", mention.pk)
    ]


@pytest.mark.django_db
def test_the_warning_says_the_deadline_in_the_clients_time(brand_a, responder):
    from zoneinfo import ZoneInfo

    brand_a.client.timezone = "America/New_York"
    brand_a.client.save()
    mention = waiting_mention(brand_a, responder)
    sla_send_due_reminders()
    local = mention.response_due_at.astimezone(ZoneInfo("America/New_York"))
    assert Notification.objects.get(event="sla.warning").title == f"Answer due at {local:%H:%M}"


@pytest.mark.django_db
def test_unassigned_warning_goes_to_the_account_lead(brand_a, account_lead):
    waiting_mention(brand_a)
    sla_send_due_reminders()
    assert list(Notification.objects.values_list("user", flat=True)) == [account_lead.pk]


@pytest.mark.django_db
def test_breach_escalates_to_lead_on_call_and_assignee(brand_a, client_a, account_lead, responder):
    from apps.tenants.roles import Role
    from tests.conftest import _member

    night = _member(client_a, Role.RESPONDER, "night@example.test")
    OnCallShiftFactory(client=client_a, user=night)
    mention = waiting_mention(brand_a, responder, due_in=timedelta(minutes=-1))
    sent = sla_send_due_reminders()
    assert sent == {"warnings": 0, "breaches": 1}
    told = set(Notification.objects.filter(event="sla.breached").values_list("user", flat=True))
    assert told == {account_lead.pk, night.pk, responder.pk}
    assert Notification.objects.filter(event="sla.breached", critical=True).count() == 3  # high level
    assert AuditEvent.objects.get(action="mention.sla_breached").target_id == str(mention.pk)
    assert sla_send_due_reminders() == {"warnings": 0, "breaches": 0}


@pytest.mark.django_db
def test_answered_mentions_get_no_reminders(brand_a, responder):
    mention = waiting_mention(brand_a, responder, due_in=timedelta(minutes=-1))
    mention.first_response_at = timezone.now()
    mention.save()
    assert sla_send_due_reminders() == {"warnings": 0, "breaches": 0}


@pytest.mark.django_db
def test_a_moved_deadline_gets_its_own_reminders(brand_a, responder):
    mention = waiting_mention(brand_a, responder)
    sla_send_due_reminders()
    assert sla_send_due_reminders()["warnings"] == 0
    # The level changed and the clock moved: the new deadline is warned about in its turn.
    mention.response_due_at += timedelta(hours=2)
    mention.save()
    assert sla_send_due_reminders()["warnings"] == 1
    assert SlaReminder.objects.count() == 2
    assert Notification.objects.filter(event="sla.warning", user=responder).count() == 2


@pytest.mark.django_db(transaction=True)
def test_racing_beat_runs_send_each_reminder_once(brand_a, responder):
    mentions = [waiting_mention(brand_a, responder) for _ in range(5)]
    mentions += [waiting_mention(brand_a, responder, due_in=timedelta(minutes=-2)) for _ in range(5)]
    barrier = threading.Barrier(4)
    errors = []

    def beat():
        try:
            barrier.wait()
            sla_send_due_reminders()
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert SlaReminder.objects.count() == 10
    assert Notification.objects.filter(event="sla.warning", user=responder).count() == 5
    assert Notification.objects.filter(event="sla.breached", user=responder).count() == 5

"""Auto-assignment: fairness, capacity, who is on duty; manual and timed reassignment."""

from collections import Counter
from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.listening.connectors.base import RawMention
from apps.listening.pipeline import ingest
from apps.mentions.models import Mention
from apps.mentions.selectors import timeline_of
from apps.routing.models import RoutingMode
from apps.routing.services import mention_assign, reassign_unanswered
from apps.tenants.roles import Role
from tests.factories import (
    BrandFactory,
    BusinessHoursBlockFactory,
    MembershipFactory,
    MentionFactory,
    OnCallShiftFactory,
    RoutingPolicyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def brand(client_a):
    return BrandFactory(client=client_a, name="Havbris", languages=["da", "en"])


def responders(client, count, **user_fields):
    people = []
    for n in range(count):
        user = UserFactory(email=f"r{n}-{client.slug}@example.test", **user_fields)
        MembershipFactory(user=user, client=client, role=Role.RESPONDER)
        people.append(user)
    return people


def arrive(brand, count, start=0):
    items = [
        RawMention(platform="x", external_id=str(start + n), text=f"Havbris nummer {start + n}") for n in range(count)
    ]
    ingest(items, brand=brand)


def test_round_robin_is_fair_across_batches(brand, client_a):
    RoutingPolicyFactory(client=client_a, mode=RoutingMode.ROUND_ROBIN)
    people = responders(client_a, 3)
    arrive(brand, 4)
    arrive(brand, 5, start=100)
    counts = Counter(Mention.objects.values_list("assignee_id", flat=True))
    assert counts == {people[0].pk: 3, people[1].pk: 3, people[2].pk: 3}


def test_the_assignment_on_arrival_is_kept_on_the_mention_and_shown_in_its_timeline(brand, client_a, account_lead):
    RoutingPolicyFactory(client=client_a, mode=RoutingMode.ROUND_ROBIN)
    first, second = responders(client_a, 2)
    arrive(brand, 1)
    mention = Mention.objects.get()
    assert (mention.assignee, mention.assigned_at is not None) == (first, True)
    # Part of the arrival, like the first rating: the trail records what changes after.
    assert not AuditEvent.objects.filter(action="mention.assigned").exists()
    [arrival] = timeline_of(mention=mention)
    assert (arrival.actor_label, arrival.action, arrival.occurred_at) == (
        "system",
        "mention.assigned",
        mention.ingested_at,
    )
    assert (arrival.before, arrival.after) == ({"assignee_id": None}, {"assignee_id": first.pk})

    mention_assign(actor=account_lead, mention=mention, assignee=second)
    mention_assign(actor=account_lead, mention=mention, assignee=first)
    later, handed_on, arrival = timeline_of(mention=mention)
    assert (later.actor_label, handed_on.after, arrival.after) == (
        account_lead.email,
        {"assignee_id": second.pk},
        {"assignee_id": first.pk},
    )
    assert arrival.actor_label == "system" and arrival.pk is None


def test_a_mention_that_arrived_unassigned_has_no_arrival_assignment(brand, client_a, account_lead):
    arrive(brand, 1)  # no responder yet
    mention = Mention.objects.get()
    assert mention.assignee is None and timeline_of(mention=mention) == []
    [responder] = responders(client_a, 1)
    mention_assign(actor=account_lead, mention=mention, assignee=responder)
    assert [event.actor_label for event in timeline_of(mention=mention)] == [account_lead.email]


def test_a_re_sent_post_takes_nobody_s_turn(brand, client_a):
    RoutingPolicyFactory(client=client_a, mode=RoutingMode.ROUND_ROBIN)
    first, second = responders(client_a, 2)
    arrive(brand, 1)  # mention 0 goes to the first responder
    arrive(brand, 2)  # mention 0 again (nothing new), then mention 1: the second responder's turn
    assert dict(Mention.objects.values_list("external_id", "assignee_id")) == {"0": first.pk, "1": second.pk}


def test_capacity_is_respected_and_the_rest_waits(brand, client_a):
    RoutingPolicyFactory(client=client_a, mode=RoutingMode.ROUND_ROBIN, default_capacity=2, high_risk_reserve=0)
    first, second = responders(client_a, 2)
    first.memberships.update(capacity=1)
    arrive(brand, 5)
    counts = Counter(Mention.objects.values_list("assignee_id", flat=True))
    assert counts == {first.pk: 1, second.pk: 2, None: 2}


def test_least_open_work_goes_to_the_least_busy(brand, client_a):
    RoutingPolicyFactory(client=client_a, mode=RoutingMode.LEAST_OPEN)
    busy, free = responders(client_a, 2)
    MentionFactory.create_batch(3, brand=brand, assignee=busy)
    # Reopened for a follow-up after their first answer: still work.
    MentionFactory.create_batch(3, brand=brand, assignee=busy, status="in_progress", first_response_at=timezone.now())
    MentionFactory(brand=brand, assignee=busy, status="answered", first_response_at=timezone.now())
    MentionFactory(brand=brand, assignee=busy, status="resolved", first_response_at=timezone.now())
    MentionFactory(brand=brand, assignee=busy, archived_at=timezone.now())
    arrive(brand, 5)
    new = Mention.objects.filter(external_id__in=[str(n) for n in range(5)])
    counts = Counter(new.values_list("assignee_id", flat=True))
    assert counts == {free.pk: 5}  # busy has six open mentions


def test_only_available_people_get_work(brand, client_a):
    RoutingPolicyFactory(client=client_a, mode=RoutingMode.ROUND_ROBIN)
    (available,) = responders(client_a, 1)
    away = UserFactory(email="away@example.test", availability="away")
    MembershipFactory(user=away, client=client_a, role=Role.RESPONDER)
    arrive(brand, 3)
    assert set(Mention.objects.values_list("assignee_id", flat=True)) == {available.pk}


def test_out_of_hours_only_the_on_call_responder_gets_work(brand, client_a):
    RoutingPolicyFactory(client=client_a, mode=RoutingMode.ROUND_ROBIN)
    now = timezone.localtime(timezone.now(), timezone=ZoneInfo(client_a.timezone))
    # Open only on a weekday that is not today: now is out of hours.
    BusinessHoursBlockFactory(client=client_a, weekday=(now.weekday() + 3) % 7, opens=time(9), closes=time(17))
    day_person, night_person = responders(client_a, 2)
    OnCallShiftFactory(client=client_a, user=night_person)
    arrive(brand, 3)
    assert set(Mention.objects.values_list("assignee_id", flat=True)) == {night_person.pk}
    assert not Mention.objects.filter(assignee=day_person).exists()


def test_agency_wide_on_call_covers_a_client_without_its_own_shift(brand, client_a):
    RoutingPolicyFactory(client=client_a, mode=RoutingMode.ROUND_ROBIN)
    now = timezone.localtime(timezone.now(), timezone=ZoneInfo(client_a.timezone))
    BusinessHoursBlockFactory(client=client_a, weekday=(now.weekday() + 3) % 7)
    _, night_person = responders(client_a, 2)
    OnCallShiftFactory(client=None, user=night_person)
    arrive(brand, 2)
    assert set(Mention.objects.values_list("assignee_id", flat=True)) == {night_person.pk}


def test_routing_off_assigns_nobody(brand, client_a):
    RoutingPolicyFactory(client=client_a, mode=RoutingMode.OFF)
    responders(client_a, 2)
    arrive(brand, 3)
    assert set(Mention.objects.values_list("assignee_id", flat=True)) == {None}


def test_reassignment_goes_round_in_turn_like_new_mentions(brand, client_a):
    from apps.notifications.models import Notification

    RoutingPolicyFactory(client=client_a, mode=RoutingMode.ROUND_ROBIN, reassign_after_minutes=30)
    slow, first, second = responders(client_a, 3)
    late = timezone.now() - timedelta(minutes=45)
    one = MentionFactory(brand=brand, assignee=slow, assigned_at=late)
    assert reassign_unanswered() == 1
    MentionFactory(brand=brand, assignee=slow, assigned_at=late)
    assert reassign_unanswered() == 1
    # The second run goes on after the first one's choice instead of starting over.
    assignees = set(Mention.objects.filter(assigned_at__gt=late).values_list("assignee_id", flat=True))
    assert assignees == {first.pk, second.pk}
    one.refresh_from_db()
    assert Notification.objects.filter(event="mention.reassigned", user=one.assignee, mention=one).exists()


def test_manual_reassignment_is_audited_and_checked(brand, client_a, account_lead, responder, analyst):
    mention = MentionFactory(brand=brand)
    mention_assign(actor=account_lead, mention=mention, assignee=responder)
    event = AuditEvent.objects.get(action="mention.assigned", actor=account_lead)
    assert event.after == {"assignee_id": responder.pk}
    with pytest.raises(ValidationError):
        mention_assign(actor=account_lead, mention=mention, assignee=analyst)  # does not work mentions


def test_unanswered_mentions_move_on_after_the_set_time(brand, client_a):
    RoutingPolicyFactory(client=client_a, mode=RoutingMode.LEAST_OPEN, reassign_after_minutes=30)
    slow, other = responders(client_a, 2)
    stale = MentionFactory(brand=brand, assignee=slow, assigned_at=timezone.now() - timedelta(minutes=45))
    fresh = MentionFactory(brand=brand, assignee=slow, assigned_at=timezone.now() - timedelta(minutes=5))
    assert reassign_unanswered() == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.assignee, fresh.assignee) == (other, slow)
    assert reassign_unanswered() == 0  # the clock starts again for the new assignee
    assert AuditEvent.objects.get(action="mention.assigned", actor=None).after["reason"] == "no answer in time"

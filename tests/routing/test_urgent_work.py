"""Issue 16, point 3: high-risk work starved while responders were full of earlier, lesser work.

Room is kept for high and critical mentions, they are given out first, lesser work nobody has
started goes back to the queue to make room (recorded, its assignee told), and an urgent mention
that still finds nobody after a few minutes alerts the account leads and whoever is on call.
"""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.listening.connectors.base import RawMention
from apps.listening.pipeline import ingest
from apps.mentions.models import Mention
from apps.notifications.models import Notification
from apps.routing.models import RoutingMode
from apps.routing.services import route_waiting_urgent
from tests.factories import (
    BrandFactory,
    MentionFactory,
    OnCallShiftFactory,
    RiskPolicyFactory,
    RoutingPolicyFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

CALM = "Havbris is nice"
ALARMING = "Havbris recall: is my bottle safe? Terrible! Awful, I am furious"


@pytest.fixture
def brand(client_a):
    brand = BrandFactory(client=client_a, name="Havbris", languages=["da", "en"])
    RiskPolicyFactory(client=client_a, medium_from=30, high_from=40, critical_from=95)
    TopicFactory(client=client_a, brand=brand, name="recall", keywords=["recall"], sensitive=True)
    return brand


def arrive(brand, texts, start=0):
    ingest(
        [RawMention(platform="x", external_id=str(start + n), text=text) for n, text in enumerate(texts)], brand=brand
    )


def test_room_is_kept_for_urgent_work_and_urgent_work_is_given_first(brand, client_a, responder):
    RoutingPolicyFactory(client=client_a, mode=RoutingMode.ROUND_ROBIN, default_capacity=4, high_risk_reserve=2)

    # Lesser work in arrival order: it fills the responder only up to two below the capacity.
    arrive(brand, [CALM, CALM, CALM])
    assert Counter(Mention.objects.values_list("assignee_id", flat=True)) == {responder.pk: 2, None: 1}

    # A batch whose calm mention came first: the alarming ones still get the kept room.
    arrive(brand, [CALM, ALARMING, ALARMING], start=10)
    urgent = Mention.objects.filter(external_id__in=["11", "12"])
    assert {m.risk_level for m in urgent} == {"high"}
    assert {m.assignee_id for m in urgent} == {responder.pk}
    assert Mention.objects.get(external_id="10").assignee_id is None


def test_urgent_work_makes_room_by_handing_back_unstarted_lesser_work(brand, client_a, responder, account_lead):
    """The starting state the new user found: a responder full of low work, urgent work waiting."""
    RoutingPolicyFactory(client=client_a, mode=RoutingMode.ROUND_ROBIN, default_capacity=4, high_risk_reserve=0)
    started = MentionFactory(brand=brand, risk_level="low", assignee=responder, status="in_progress")
    lesser = [MentionFactory(brand=brand, risk_level="medium", assignee=responder) for _ in range(3)]
    long_ago = timezone.now() - timedelta(minutes=30)
    waiting = [MentionFactory(brand=brand, risk_level="high") for _ in range(4)]
    critical = MentionFactory(brand=brand, risk_level="critical")
    Mention.objects.filter(pk__in=[m.pk for m in [*waiting, critical]]).update(ingested_at=long_ago)

    assert route_waiting_urgent() == 3

    mine = Mention.objects.filter(assignee=responder)
    assert set(mine.values_list("risk_level", flat=True)) == {"low", "high", "critical"}
    assert mine.count() == 4 and started in mine and critical in mine  # critical first; started work stays
    assert not Mention.objects.filter(pk__in=[m.pk for m in lesser], assignee__isnull=False).exists()
    handed_back = AuditEvent.objects.filter(action="mention.assigned", after__assignee_id=None)
    assert handed_back.count() == 3
    assert handed_back.first().after["reason"].startswith("back to the queue to make room for a")
    assert Notification.objects.filter(user=responder, event="mention.handed_back").count() == 3

    # Two high ones still find nobody, half an hour after arriving: the lead is told, once each.
    alerts = Notification.objects.filter(user=account_lead, event="mention.waiting")
    assert alerts.count() == 2 and all(alert.critical for alert in alerts)
    assert "waits for a responder" in alerts.first().title
    route_waiting_urgent()
    assert alerts.count() == 2


def test_a_fresh_urgent_mention_is_not_alerted_and_on_call_people_are(brand, client_a, account_lead, analyst):
    RoutingPolicyFactory(client=client_a, mode=RoutingMode.OFF)
    now = timezone.now()
    OnCallShiftFactory(
        client=client_a, user=analyst, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1)
    )
    fresh = MentionFactory(brand=brand, risk_level="critical")
    old = MentionFactory(brand=brand, risk_level="high")
    Mention.objects.filter(pk=old.pk).update(ingested_at=now - timedelta(minutes=6))

    route_waiting_urgent(now=now)

    told = Notification.objects.filter(event="mention.waiting")
    assert sorted(told.values_list("user__email", flat=True)) == sorted([account_lead.email, analyst.email])
    assert set(told.values_list("mention_id", flat=True)) == {old.pk}
    assert Mention.objects.get(pk=old.pk).waiting_alerted_at is not None
    assert Mention.objects.get(pk=fresh.pk).waiting_alerted_at is None


def test_the_reserve_is_set_on_the_rules_page_and_refused_when_it_leaves_no_room(web, account_lead, client_a):
    from django.urls import reverse

    page = reverse("response_rules", args=[client_a.slug])
    data = {"section": "routing", "mode": "least_open", "default_capacity": 10, "reassign_after_minutes": ""}
    refused = web(account_lead).post(page, {**data, "high_risk_reserve": 10})
    assert refused.status_code == 400 and "one less than the open mentions per responder" in refused.content.decode()
    assert web(account_lead).post(page, {**data, "high_risk_reserve": 4}).status_code == 302
    assert client_a.routing_policy.high_risk_reserve == 4


def test_no_work_is_handed_back_where_that_would_not_make_room(brand, client_a, responder, account_lead):
    """Hand assignments put the responder over capacity: freeing one still leaves no room."""
    RoutingPolicyFactory(client=client_a, mode=RoutingMode.ROUND_ROBIN, default_capacity=2, high_risk_reserve=0)
    for _ in range(4):
        MentionFactory(brand=brand, risk_level="low", assignee=responder)
    urgent = MentionFactory(brand=brand, risk_level="high")

    for _ in range(2):
        assert route_waiting_urgent() == 0

    assert Mention.objects.filter(assignee=responder).count() == 4
    assert not Notification.objects.filter(event="mention.handed_back").exists()
    assert Mention.objects.get(pk=urgent.pk).assignee_id is None


def test_a_small_teams_policy_saves_unchanged_with_its_reserve_lowered(api, account_lead, client_a):
    RoutingPolicyFactory(client=client_a, default_capacity=5, high_risk_reserve=3)
    url = f"/api/v1/clients/{client_a.pk}/routing-policy/"
    saved = api(account_lead).put(url, {"mode": "least_open", "default_capacity": 2}, format="json")
    assert saved.status_code == 200 and saved.json()["high_risk_reserve"] == 1

"""The response-rules page: policy, hours and routing forms, field errors, never a 500."""

import pytest
from django.urls import reverse

from apps.risk.models import RiskPolicy
from apps.routing.models import RoutingPolicy
from apps.tenants.models import BusinessHoursBlock, Holiday

pytestmark = pytest.mark.django_db


def page(client):
    return reverse("response_rules", args=[client.slug])


def policy_post(**changes):
    data = {
        "section": "policy",
        "medium_from": 25,
        "high_from": 50,
        "critical_from": 80,
        "critical_target_minutes": 20,
        "high_target_minutes": 60,
        "medium_target_minutes": 180,
        "low_target_minutes": 1440,
        "business_hours_levels": ["low"],
        "warn_percent": 70,
        **{f"weight_{f}": 10 for f in ("negative_tone", "reach", "velocity", "sensitive_topic", "kind")},
        **{f"weight_{f}": 20 for f in ("crisis_words", "call_to_action", "copies", "volume")},
        "weight_own_channel": 5,
        "weight_awaiting_answer": 5,
    }
    data.update(changes)
    return data


def test_defaults_are_shown_until_a_policy_is_saved(web, account_lead, client_a):
    session = web(account_lead)
    assert "agency's default risk policy" in session.get(page(client_a)).content.decode()
    assert session.post(page(client_a), policy_post()).status_code == 302
    policy = RiskPolicy.objects.get(client=client_a)
    assert (policy.critical_from, policy.critical_target_minutes, policy.weights["reach"]) == (80, 20, 10.0)


def test_thresholds_out_of_order_come_back_as_field_errors(web, account_lead, client_a):
    response = web(account_lead).post(page(client_a), policy_post(high_from=90, low_target_minutes=-1))
    assert response.status_code == 400
    assert "Thresholds must rise" in response.content.decode()
    assert not RiskPolicy.objects.exists()


def test_hours_are_read_from_lines_and_bad_lines_named(web, account_lead, client_a):
    session = web(account_lead)
    bad = {"section": "hours", "timezone": "Europe/Oslo", "blocks": "mon 09:00-17:00\nsometimes", "holidays": ""}
    response = session.post(page(client_a), bad)
    assert response.status_code == 400 and "Line 2" in response.content.decode()
    overlap = {"section": "hours", "timezone": "Europe/Oslo", "blocks": "mon 09:00-13:00\nmon 12:00-17:00"}
    assert "must not overlap" in session.post(page(client_a), overlap).content.decode()
    good = {
        "section": "hours",
        "timezone": "Europe/Oslo",
        "blocks": "Monday 08:00-16:00\ntue 08:00-16:00",
        "holidays": "2026-12-24 Julaften",
    }
    assert session.post(page(client_a), good).status_code == 302
    assert BusinessHoursBlock.objects.filter(client=client_a).count() == 2
    assert Holiday.objects.get(client=client_a).name == "Julaften"
    assert "mon 08:00-16:00" in session.get(page(client_a)).content.decode()


def test_routing_settings_from_the_page(web, account_lead, responder, client_a):
    data = {"section": "routing", "mode": "round_robin", "default_capacity": 10, "reassign_after_minutes": ""}
    assert web(responder).post(page(client_a), data).status_code == 403
    assert web(account_lead).post(page(client_a), data).status_code == 302
    assert RoutingPolicy.objects.get(client=client_a).mode == "round_robin"


def test_capacity_per_responder_is_set_audited_and_used_by_routing(web, account_lead, responder, client_a):
    from apps.core.models import AuditEvent
    from apps.routing.selectors import on_duty_responders, routing_policy_of
    from apps.tenants.models import Membership

    membership = Membership.objects.get(user=responder, client=client_a)
    session = web(account_lead)
    # The capacity form is part of the page, not of its <title>.
    head, body = session.get(page(client_a)).content.decode().split("</title>", 1)
    assert "Capacity per responder" not in head and f'name="capacity_{membership.pk}"' in body
    refused = session.post(page(client_a), {"section": "capacity", f"capacity_{membership.pk}": "0"})
    assert refused.status_code == 400
    assert session.post(page(client_a), {"section": "capacity", f"capacity_{membership.pk}": "4"}).status_code == 302
    membership.refresh_from_db()
    assert membership.capacity == 4
    event = AuditEvent.objects.get(action="membership.capacity_changed")
    assert (event.actor, event.before, event.after) == (account_lead, {"capacity": None}, {"capacity": 4})
    from django.utils import timezone

    policy = routing_policy_of(client=client_a)
    capacities = {
        r.user_id: r.capacity
        for r in on_duty_responders(client=client_a, at=timezone.now(), open_now=True, policy=policy)
    }
    assert capacities[responder.pk] == 4


def test_only_managers_set_capacities(web, responder, client_a):
    from apps.tenants.models import Membership

    membership = Membership.objects.get(user=responder, client=client_a)
    answer = web(responder).post(page(client_a), {"section": "capacity", f"capacity_{membership.pk}": "2"})
    assert answer.status_code == 403
    membership.refresh_from_db()
    assert membership.capacity is None

"""Policies and opening hours: bad ones refused with field errors, good ones used and audited."""

from datetime import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.core.models import AuditEvent
from apps.risk.models import RiskPolicy
from apps.risk.policy import risk_rules_of
from apps.risk.services import risk_policy_save
from apps.tenants.models import BusinessHoursBlock, Holiday
from apps.tenants.selectors import schedule_of
from apps.tenants.services import business_hours_save

pytestmark = pytest.mark.django_db

GOOD = {
    "weights": {"reach": 40},
    "medium_from": 20,
    "high_from": 50,
    "critical_from": 80,
    "low_target_minutes": 600,
    "medium_target_minutes": 120,
    "high_target_minutes": 45,
    "critical_target_minutes": 15,
    "business_hours_levels": ["low"],
    "warn_percent": 80,
}


def errors_of(call):
    with pytest.raises(ValidationError) as refused:
        call()
    return refused.value.message_dict


def test_thresholds_out_of_order_and_bad_targets_are_field_errors(client_a, account_lead):
    bad = {**GOOD, "high_from": 90, "critical_target_minutes": -5, "warn_percent": 100, "weights": {"luck": 3}}
    errors = errors_of(lambda: risk_policy_save(actor=account_lead, client=client_a, data=bad))
    assert set(errors) == {"high_from", "critical_target_minutes", "warn_percent", "weights"}
    assert not RiskPolicy.objects.exists()


def test_client_policy_then_brand_override_are_used(client_a, brand_a, account_lead):
    risk_policy_save(actor=account_lead, client=client_a, data=GOOD)
    rules = risk_rules_of(brand_a)
    assert (rules.medium_from, rules.weights["reach"], rules.warn_share) == (20, 40.0, 0.8)
    assert rules.targets["critical"].total_seconds() == 15 * 60
    risk_policy_save(actor=account_lead, client=client_a, brand=brand_a, data={**GOOD, "critical_from": 95})
    assert risk_rules_of(brand_a).critical_from == 95
    assert AuditEvent.objects.filter(action="risk_policy.saved", actor=account_lead).count() == 2


def test_policies_need_the_right_to_manage(client_a, responder, brand_b, account_lead):
    with pytest.raises(PermissionDenied):
        risk_policy_save(actor=responder, client=client_a, data=GOOD)
    with pytest.raises(PermissionDenied):  # a brand of another client
        risk_policy_save(actor=account_lead, client=client_a, brand=brand_b, data=GOOD)


def test_overlapping_or_backwards_blocks_and_unknown_zone_are_refused(client_a, account_lead):
    overlapping = [(0, time(9), time(13)), (0, time(12), time(17))]
    errors = errors_of(
        lambda: business_hours_save(
            actor=account_lead, client=client_a, timezone_name="Mars/Olympus", blocks=overlapping, holidays=[]
        )
    )
    assert set(errors) == {"timezone", "blocks"}
    backwards = [(1, time(17), time(9))]
    errors = errors_of(
        lambda: business_hours_save(
            actor=account_lead, client=client_a, timezone_name="Europe/Oslo", blocks=backwards, holidays=[]
        )
    )
    assert set(errors) == {"blocks"}
    assert not BusinessHoursBlock.objects.exists()


def test_business_hours_replace_the_old_ones(client_a, account_lead):
    from datetime import date

    blocks = [(0, time(8), time(12)), (0, time(13), time(16)), (5, time(20), time(0))]
    business_hours_save(
        actor=account_lead,
        client=client_a,
        timezone_name="Europe/Warsaw",
        blocks=blocks,
        holidays=[(date(2026, 12, 25), "Christmas")],
    )
    business_hours_save(
        actor=account_lead, client=client_a, timezone_name="Europe/Warsaw", blocks=blocks[:1], holidays=[]
    )
    schedule = schedule_of(client=client_a)
    assert (str(schedule.tz), schedule.blocks, schedule.holidays) == (
        "Europe/Warsaw",
        {0: ((time(8), time(12)),)},
        frozenset(),
    )
    assert not Holiday.objects.exists()
    event = AuditEvent.objects.filter(action="business_hours.saved").first()
    assert event.before["blocks"] == ["0 08:00-12:00", "0 13:00-16:00", "5 20:00-00:00"]

"""The rules and opening hours that apply to a brand, from its policy or the agency's defaults."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from apps.mentions.models import RiskLevel
from apps.tenants.hours import Schedule, due_at

from .models import RiskPolicy
from .scoring import Rules


def default_rules() -> Rules:
    defaults = settings.RISK_DEFAULTS
    return Rules(
        weights=dict(defaults["weights"]),
        medium_from=defaults["medium_from"],
        high_from=defaults["high_from"],
        critical_from=defaults["critical_from"],
        targets={level: timedelta(minutes=minutes) for level, minutes in defaults["target_minutes"].items()},
        business_hours_levels=frozenset(defaults["business_hours_levels"]),
        warn_share=defaults["warn_percent"] / 100,
    )


def rules_from(policy: RiskPolicy) -> Rules:
    defaults = settings.RISK_DEFAULTS["weights"]
    return Rules(
        weights={factor: float(policy.weights.get(factor, weight)) for factor, weight in defaults.items()},
        medium_from=policy.medium_from,
        high_from=policy.high_from,
        critical_from=policy.critical_from,
        targets={level: timedelta(minutes=getattr(policy, f"{level}_target_minutes")) for level in RiskLevel.values},
        business_hours_levels=frozenset(policy.business_hours_levels),
        warn_share=policy.warn_percent / 100,
    )


def risk_policy_of(brand) -> RiskPolicy | None:
    """The brand's own policy, else its client's, else None (agency defaults)."""
    policies = {p.brand_id: p for p in RiskPolicy.objects.unscoped().filter(client_id=brand.client_id)}
    return policies.get(brand.pk) or policies.get(None)


def risk_rules_of(brand) -> Rules:
    policy = risk_policy_of(brand)
    return rules_from(policy) if policy else default_rules()


def deadlines(rules: Rules, schedule: Schedule, level: str, start) -> tuple:
    """(first answer due, warn the assignee at) for a mention of `level` that arrived at `start`."""

    target = rules.targets[level]
    business_hours = level in rules.business_hours_levels
    due = due_at(start, target, business_hours=business_hours, schedule=schedule)
    warn = due_at(start, target * rules.warn_share, business_hours=business_hours, schedule=schedule)
    return due, warn

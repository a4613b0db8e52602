"""The scorer: a 0-100 risk score and level from factors that can be explained.

Each factor yields a strength between 0 and 1; the policy's weight for it turns that
into points. The score is the sum of points, capped to 0..100, and the level is the
highest threshold the score reaches. Pure functions: the pipeline calls them for
thousands of rows a second, the services for one mention at a time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from apps.mentions.ratings import (
    KIND,
    NEGATIVE_TONE,
    OWN_CHANNEL,
    QUESTION_UNANSWERED,
    REACH,
    SENSITIVE_TOPIC,
    VELOCITY,
    RiskLevel,
)

# How much each kind of mention weighs, as a share of the kind factor. Praise counts
# against the risk: a happy customer is not a crisis in the making.
KIND_STRENGTH = {
    "service_failure": 1.0,
    "personal_attack": 1.0,
    "product_criticism": 0.8,
    "general_dissatisfaction": 0.5,
    "trolling": 0.4,
    "question": 0.3,
    "constructive_feedback": 0.2,
    "praise": -0.5,
}
# Followers on a log scale: 10 count for little, a million is full strength.
REACH_FULL = 1_000_000
# Reactions, reposts and replies per hour; 1,000 an hour is full strength.
VELOCITY_FULL = 1_000
# A post younger than this is treated as this old: three likes in the first minute
# are not 180 an hour.
VELOCITY_MIN_AGE = timedelta(minutes=15)


@dataclass(frozen=True)
class Rules:
    """What a risk policy says, in the form the scorer and the SLA clock use."""

    weights: dict[str, float]
    medium_from: int
    high_from: int
    critical_from: int
    targets: dict[str, timedelta]  # first-response target per level
    business_hours_levels: frozenset[str]  # levels whose clock runs only in business hours
    warn_share: float  # share of the target after which the assignee is warned

    def level_for(self, score: int) -> str:
        if score >= self.critical_from:
            return RiskLevel.CRITICAL
        if score >= self.high_from:
            return RiskLevel.HIGH
        if score >= self.medium_from:
            return RiskLevel.MEDIUM
        return RiskLevel.LOW


@dataclass(slots=True)
class Signals:
    """What is known about a mention that bears on its risk."""

    sentiment: str = ""
    sentiment_score: float | None = None
    followers: int | None = None
    engagement: int = 0
    posted_at: datetime | None = None
    kind: str = ""
    sensitive_topics: tuple[str, ...] = ()
    own_channel: bool = False


@dataclass(slots=True)
class Rating:
    score: int
    level: str
    factors: list[dict] = field(default_factory=list)  # [{"factor", "points", "detail"}], largest first


def score(signals: Signals, rules: Rules, now: datetime) -> Rating:
    """Runs for every new mention: plain appends, no generator or per-factor objects."""
    weights, factors = rules.weights, []
    if signals.sentiment == "negative":
        _add(factors, weights, NEGATIVE_TONE, min(1.0, max(0.5, abs(signals.sentiment_score or 0.5))), {})
    if signals.followers:
        strength = min(1.0, math.log10(signals.followers + 1) / _LOG_REACH_FULL)
        _add(factors, weights, REACH, strength, {"followers": signals.followers})
    if signals.engagement and signals.posted_at is not None:
        age = max(now - signals.posted_at, VELOCITY_MIN_AGE)
        per_hour = signals.engagement / (age.total_seconds() / 3600)
        strength = min(1.0, math.log10(per_hour + 1) / _LOG_VELOCITY_FULL)
        _add(factors, weights, VELOCITY, strength, {"per_hour": round(per_hour)})
    if signals.sensitive_topics:
        _add(factors, weights, SENSITIVE_TOPIC, 1.0, {"topics": list(signals.sensitive_topics)})
    kind_strength = KIND_STRENGTH.get(signals.kind)
    if kind_strength is not None:
        _add(factors, weights, KIND, kind_strength, {"kind": signals.kind})
    if signals.own_channel:
        _add(factors, weights, OWN_CHANNEL, 1.0, {})
    if signals.kind == "question":
        _add(factors, weights, QUESTION_UNANSWERED, 1.0, {})
    if len(factors) > 1:
        factors.sort(key=_largest_first)
    # Summed largest first, as ratings have always been: a float sum in another order can
    # round to the other side of .5.
    total = min(max(round(sum(factor["points"] for factor in factors)), 0), 100)
    return Rating(total, rules.level_for(total), factors)


_LOG_REACH_FULL = math.log10(REACH_FULL)
_LOG_VELOCITY_FULL = math.log10(VELOCITY_FULL)


def _add(factors: list, weights: dict, code: str, strength: float, detail: dict) -> None:
    points = round(weights.get(code, 0) * strength, 1)
    if points:
        factors.append({"factor": code, "points": points, "detail": detail})


def _largest_first(factor: dict) -> float:
    return -abs(factor["points"])

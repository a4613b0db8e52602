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
    CALL_TO_ACTION,
    COPIES,
    CRISIS_WORDS,
    KIND,
    NEGATIVE_TONE,
    OWN_CHANNEL,
    QUESTION_UNANSWERED,
    REACH,
    SENSITIVE_TOPIC,
    VELOCITY,
    VOLUME,
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
# Crisis words: a term of harm (killed, injured, fire, explosion) starts at 0.7 of the weight,
# a serious one (recall, fraud, strike, leak) at 0.45; each further term adds 0.15. With the
# default weight 55, "two killed, five injured" rates high on its words alone, one word of
# harm with a negative tone too, while "recall" alone stays low.
HARM_STRENGTH = 0.7
SERIOUS_STRENGTH = 0.45
FURTHER_TERM_STRENGTH = 0.15
# Copies of the same words (a pasted complaint, a campaign): three in a day count, thirty are
# full strength, on a log scale.
COPIES_FROM = 3
COPIES_FULL = 30
# The brand's mentions in the last hour against its usual hour: from twice the usual (and at
# least VOLUME_MIN_COUNT mentions), full strength at ten times.
VOLUME_FROM = 2.0
VOLUME_FULL = 10.0
VOLUME_MIN_COUNT = 10


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
    harm_words: tuple[str, ...] = ()
    serious_words: tuple[str, ...] = ()
    calls: tuple[str, ...] = ()
    copies: int = 1  # posts with the same words in the last day, this one included
    hour_count: int = 0  # the brand's mentions in the last hour
    usual_hour: float | None = None  # its mean hourly mentions over the week before


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
    if signals.harm_words or signals.serious_words:
        terms = [*signals.harm_words, *signals.serious_words]
        base = HARM_STRENGTH if signals.harm_words else SERIOUS_STRENGTH
        strength = min(1.0, base + FURTHER_TERM_STRENGTH * (len(terms) - 1))
        _add(factors, weights, CRISIS_WORDS, strength, {"terms": terms, "harm": bool(signals.harm_words)})
    if signals.calls:
        _add(factors, weights, CALL_TO_ACTION, 1.0, {"terms": list(signals.calls)})
    if signals.copies >= COPIES_FROM:
        strength = min(1.0, math.log10(signals.copies) / _LOG_COPIES_FULL)
        _add(factors, weights, COPIES, strength, {"count": signals.copies})
    if signals.hour_count >= VOLUME_MIN_COUNT and signals.usual_hour:
        ratio = signals.hour_count / signals.usual_hour
        if ratio >= VOLUME_FROM:
            strength = min(1.0, math.log10(ratio) / _LOG_VOLUME_FULL)
            _add(factors, weights, VOLUME, strength, {"ratio": round(ratio, 1), "count": signals.hour_count})
    if len(factors) > 1:
        factors.sort(key=_largest_first)
    # Summed largest first, as ratings have always been: a float sum in another order can
    # round to the other side of .5.
    total = min(max(round(sum(factor["points"] for factor in factors)), 0), 100)
    return Rating(total, rules.level_for(total), factors)


_LOG_REACH_FULL = math.log10(REACH_FULL)
_LOG_VELOCITY_FULL = math.log10(VELOCITY_FULL)
_LOG_COPIES_FULL = math.log10(COPIES_FULL)
_LOG_VOLUME_FULL = math.log10(VOLUME_FULL)


def _add(factors: list, weights: dict, code: str, strength: float, detail: dict) -> None:
    points = round(weights.get(code, 0) * strength, 1)
    if points:
        factors.append({"factor": code, "points": points, "detail": detail})


def _largest_first(factor: dict) -> float:
    return -abs(factor["points"])

"""The scorer's factors, levels and explanations."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from apps.mentions.ratings import explain
from apps.risk.policy import default_rules
from apps.risk.scoring import Signals, score

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def factors_of(rating):
    return {factor["factor"]: factor["points"] for factor in rating.factors}


def test_quiet_neutral_mention_is_low_and_says_why():
    rating = score(Signals(sentiment="neutral"), default_rules(), NOW)
    assert (rating.score, rating.level, rating.factors) == (0, "low", [])
    assert "nothing points to a risk" in explain(rating.level, rating.score, rating.factors)


def test_each_signal_adds_its_weighted_points():
    rules = default_rules()
    angry = Signals(sentiment="negative", sentiment_score=-0.9, kind="service_failure")
    rating = score(angry, rules, NOW)
    assert factors_of(rating) == {
        "negative_tone": rules.weights["negative_tone"] * 0.9,
        "kind": rules.weights["kind"] * 1.0,
    }
    louder = score(replace(angry, followers=250_000), rules, NOW)
    assert louder.score > rating.score


def test_reach_grows_on_a_log_scale():
    rules = default_rules()
    small = factors_of(score(Signals(followers=100), rules, NOW))["reach"]
    big = factors_of(score(Signals(followers=1_000_000), rules, NOW))["reach"]
    assert big == rules.weights["reach"]
    assert round(small, 1) == round(rules.weights["reach"] / 3, 1)  # 10^2 of 10^6


def test_velocity_is_engagement_per_hour_since_posting():
    rules = default_rules()
    fast = score(Signals(engagement=600, posted_at=NOW - timedelta(hours=1)), rules, NOW)
    slow = score(Signals(engagement=600, posted_at=NOW - timedelta(days=5)), rules, NOW)
    assert factors_of(fast)["velocity"] > factors_of(slow)["velocity"]
    assert fast.factors[0]["detail"] == {"per_hour": 600}


def test_praise_lowers_the_score_and_questions_wait_for_an_answer():
    rules = default_rules()
    praise = score(Signals(sentiment="positive", kind="praise", followers=50_000), rules, NOW)
    assert factors_of(praise)["kind"] < 0
    question = score(Signals(kind="question"), rules, NOW)
    assert set(factors_of(question)) == {"kind", "awaiting_answer"}


def test_a_crisis_in_the_making_is_critical_and_explained_in_words():
    signals = Signals(
        sentiment="negative",
        sentiment_score=-0.8,
        followers=120_000,
        engagement=900,
        posted_at=NOW - timedelta(hours=1),
        kind="service_failure",
        sensitive_topics=("recall",),
        own_channel=True,
    )
    rating = score(signals, default_rules(), NOW)
    assert rating.level == "critical"
    text = explain(rating.level, rating.score, rating.factors)
    assert text.startswith(f"critical ({rating.score}) because ")
    for words in ("negative", "120,000 followers", "sensitive topic recall", "service failure", "own channel"):
        assert words in text


def test_levels_follow_the_thresholds():
    rules = default_rules()
    assert [rules.level_for(s) for s in (0, 29, 30, 54, 55, 74, 75, 100)] == [
        "low",
        "low",
        "medium",
        "medium",
        "high",
        "high",
        "critical",
        "critical",
    ]

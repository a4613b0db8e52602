"""A mention's risk rating as its row holds it: the order of the levels, the factor codes, the rating in words.

The scorer (risk) writes these fields; the inbox, the mention page, the API and every later app
read them, so they live with the Mention row.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import MentionKind, RiskLevel

LEVEL_ORDER = {level: rank for rank, level in enumerate(RiskLevel.values)}


# The factors of a rating, as stored in `Mention.risk_factors` and `RiskRating.factors`.
NEGATIVE_TONE = "negative_tone"
REACH = "reach"
VELOCITY = "velocity"
SENSITIVE_TOPIC = "sensitive_topic"
KIND = "kind"
OWN_CHANNEL = "own_channel"
QUESTION_UNANSWERED = "awaiting_answer"
# Signals that exist without reach or engagement data (imported and pushed mentions).
CRISIS_WORDS = "crisis_words"
CALL_TO_ACTION = "call_to_action"
COPIES = "copies"
VOLUME = "volume"
INCIDENT = "incident"  # it matches an active incident's rules (set by the incidents app)
FACTORS = (
    NEGATIVE_TONE,
    REACH,
    VELOCITY,
    SENSITIVE_TOPIC,
    KIND,
    OWN_CHANNEL,
    QUESTION_UNANSWERED,
    CRISIS_WORDS,
    CALL_TO_ACTION,
    COPIES,
    VOLUME,
)  # weighted by the risk policy; INCIDENT is not: it lifts a match to high whatever the weights


def describe_factor(factor: dict) -> str:
    """One factor in words, e.g. "the author reaches 120,000 followers (+17)"."""
    detail = factor.get("detail") or {}
    code = factor.get("factor")
    if code == NEGATIVE_TONE:
        words = _("the tone is negative")
    elif code == REACH:
        followers = int(detail.get("followers", 0))
        words = ngettext(
            "the author reaches %(count)s follower", "the author reaches %(count)s followers", followers
        ) % {"count": f"{followers:,}"}
    elif code == VELOCITY:
        words = _("it gathers %(count)s reactions an hour") % {"count": f"{int(detail.get('per_hour', 0)):,}"}
    elif code == SENSITIVE_TOPIC:
        words = _("it touches the sensitive topic %(topics)s") % {"topics": ", ".join(detail.get("topics", []))}
    elif code == KIND:
        kind = detail.get("kind", "")
        label = MentionKind(kind).label if kind in MentionKind.values else kind
        words = _("it is %(kind)s") % {"kind": str(label).lower()}
    elif code == OWN_CHANNEL:
        words = _("it is on the brand's own channel")
    elif code == QUESTION_UNANSWERED:
        words = _("a question is waiting for an answer")
    elif code == CRISIS_WORDS:
        terms = ", ".join(f"\u201c{term.rstrip('*')}\u201d" for term in detail.get("terms", []))
        if detail.get("harm"):
            words = _("it speaks of people harmed or a disaster: %(terms)s") % {"terms": terms}
        else:
            words = _("it speaks of a serious matter: %(terms)s") % {"terms": terms}
    elif code == CALL_TO_ACTION:
        terms = ", ".join(f"\u201c{term.rstrip('*')}\u201d" for term in detail.get("terms", []))
        words = _("it calls on others or on the brand: %(terms)s") % {"terms": terms}
    elif code == COPIES:
        words = _("%(count)s posts with the same words in the last day") % {"count": f"{int(detail.get('count', 0)):,}"}
    elif code == VOLUME:
        words = _("the brand gets %(ratio)s times its usual mentions an hour (%(count)s in the last hour)") % {
            "ratio": f"{float(detail.get('ratio', 0)):.1f}",
            "count": f"{int(detail.get('count', 0)):,}",
        }
    elif code == INCIDENT:
        title = detail.get("title")
        words = (
            _("it matches the active incident “%(title)s”") % {"title": title}
            if title
            else _("it matches an active incident")
        )
    else:
        words = str(code)
    points = factor.get("points", 0)
    return f"{words} ({'+' if points >= 0 else ''}{points:g})"


def explain(level: str, score_value: int | None, factors: list[dict]) -> str:
    """The whole rating in one sentence: "critical (82) because ..., ... and ..."."""
    label = str(RiskLevel(level).label).lower() if level in RiskLevel.values else level
    reasons = [describe_factor(factor) for factor in factors if factor.get("points", 0) > 0]
    if not reasons:
        return _("%(level)s (%(score)s): nothing points to a risk") % {"level": label, "score": score_value}
    listed = (
        reasons[0]
        if len(reasons) == 1
        else _("%(first)s and %(last)s")
        % {
            "first": ", ".join(reasons[:-1]),
            "last": reasons[-1],
        }
    )
    return _("%(level)s (%(score)s) because %(reasons)s") % {"level": label, "score": score_value, "reasons": listed}

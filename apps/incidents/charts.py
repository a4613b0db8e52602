"""The incident page's charts (drawn by apps.core.charts): the conversation by channel over
time, a lane each, and its tone over time."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from .selectors import Conversation

TONE_COLOURS = {"negative": "#b00020", "neutral": "#8a8a8a", "positive": "#1b7f3b", "unknown": "#c8c8c8"}
FORMATS = {"hour": "%H:%M", "day": "%d %b"}


def _points(conversation: Conversation) -> list[dict]:
    return [{**row, "at": timezone.localtime(row["at"]).strftime("%Y-%m-%dT%H:%M:%S")} for row in conversation.counts]


def _time_axis(conversation: Conversation) -> dict:
    title = _("Posted (per hour)") if conversation.bucket == "hour" else _("Posted (per day)")
    unit = "yearmonthdatehours" if conversation.bucket == "hour" else "yearmonthdate"
    return {
        "field": "at",
        "type": "temporal",
        "timeUnit": unit,
        "title": title,
        "axis": {"format": FORMATS[conversation.bucket], "labelAngle": 0, "tickCount": 8},
    }


def lanes_spec(conversation: Conversation) -> dict:
    """A row per channel (the lanes shown, busiest first): mentions per hour or day."""
    channels = [lane.channel for lane in conversation.lanes]
    return {
        "width": 640,
        "height": 44,
        "data": {"values": [point for point in _points(conversation) if point["channel"] in channels]},
        "mark": {"type": "bar", "color": "#3558a8"},
        "encoding": {
            "x": _time_axis(conversation),
            "y": {"aggregate": "sum", "field": "mentions", "type": "quantitative", "title": None},
            "row": {"field": "channel", "type": "nominal", "title": None, "sort": channels},
        },
    }


def tone_spec(conversation: Conversation) -> dict:
    """All channels together: mentions per hour or day by tone, stacked."""
    tones = list(TONE_COLOURS)
    return {
        "width": 640,
        "height": 160,
        "data": {"values": _points(conversation)},
        "mark": "bar",
        "encoding": {
            "x": _time_axis(conversation),
            "y": {"aggregate": "sum", "field": "mentions", "type": "quantitative", "title": _("Mentions")},
            "color": {
                "field": "tone",
                "type": "nominal",
                "title": _("Tone"),
                "scale": {"domain": tones, "range": [TONE_COLOURS[tone] for tone in tones]},
            },
        },
    }

"""Showing mentions: untrusted text with safe outbound links, SLA time left, compact numbers."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()

# Only http(s) links become links; everything else stays text.
_URL = re.compile(r"https?://[^\s<>\"'\u200b-\u200f\u202a-\u202e\u2066-\u2069]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""


@register.filter
def safe_links(text: str) -> str:
    """Escape a mention's text and turn its web addresses into outbound links that leak nothing.

    rel=noopener/noreferrer: the other site gets no handle on this tab and no referrer;
    nofollow/ugc: the agency does not vouch for it.
    """
    parts, last = [], 0
    for match in _URL.finditer(text or ""):
        url = match.group(0).rstrip(_TRAILING)
        start, end = match.start(), match.start() + len(url)
        parts.append(escape(text[last:start]))
        parts.append(
            format_html(
                '<a href="{}" rel="noopener noreferrer nofollow ugc" target="_blank" class="outbound">{}</a>', url, url
            )
        )
        last = end
    parts.append(escape((text or "")[last:]))
    return mark_safe("".join(str(part) for part in parts).replace("\n", "<br>"))  # noqa: S308 - every part escaped


@register.simple_tag
def sla_state(mention, now) -> str:
    """ "stopped" (answered), "late", "near" (past the warning share), "ok", or "" (no clock)."""
    if mention.first_response_at:
        return "stopped"
    if not mention.response_due_at:
        return ""
    if now >= mention.response_due_at:
        return "late"
    if mention.response_warn_at and now >= mention.response_warn_at:
        return "near"
    return "ok"


@register.simple_tag
def sla_left(mention, now) -> str:
    """Time left to the first-answer deadline ("42 min", "3 h 5 min"), or how late it is."""
    if mention.first_response_at or not mention.response_due_at:
        return ""
    seconds = (mention.response_due_at - now).total_seconds()
    words = _duration(abs(seconds))
    return words if seconds >= 0 else _("%(time)s late") % {"time": words}


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return _("%(m)d min") % {"m": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes} if minutes else _("%(h)d h") % {"h": hours}
    return _("%(d)d d") % {"d": hours // 24}


@register.filter
def compact(number) -> str:
    """12345 -> 12.3k: reach and counts at a glance."""
    if number is None:
        return "—"
    number = int(number)
    for limit, suffix in ((1_000_000, "M"), (1_000, "k")):
        if number >= limit:
            return f"{number / limit:.1f}".rstrip("0").rstrip(".") + suffix
    return str(number)


@register.filter
def age(moment, now) -> str:
    if moment is None:
        return ""
    return _duration(max((now - moment).total_seconds(), 0))


@register.filter
def as_query(filters: dict) -> str:
    """A saved view's filters as the inbox's query string."""
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, value in (filters or {}).items():
        if isinstance(value, list):
            query.setlist(key, [str(item) for item in value])
        elif value is True:
            query[key] = "on"
        else:
            query[key] = str(value)
    return query.urlencode()

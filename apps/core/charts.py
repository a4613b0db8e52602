"""Charts: one Vega-Lite spec per chart, drawn to SVG on the server (vl-convert), so the same
chart shows on a page, in a PDF and in an e-mail, with no script in the browser."""

from __future__ import annotations

import hashlib
import json
import logging

import vl_convert
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
# Labels people can read at the size pages show charts.
CONFIG = {"font": "system-ui, sans-serif", "axis": {"labelFontSize": 12, "titleFontSize": 12}, "view": {"stroke": None}}
log = logging.getLogger(__name__)
# Drawing takes some 30 ms; the same data draws the same chart, so a page many people reload
# during a crisis draws it once (the key is the whole spec with its data).
DRAWN_FOR_SECONDS = 10 * 60


def svg(spec: dict) -> SafeString | None:
    """The chart as an inline SVG element, or None where it cannot be drawn (the page says so
    and shows the rest); text in the data is escaped by the renderer."""
    document = json.dumps({"$schema": SCHEMA, "config": CONFIG, **spec}, default=str, sort_keys=True)
    key = "chart:" + hashlib.sha256(document.encode()).hexdigest()
    drawn = _cached(key)
    if drawn is None:
        try:
            drawn = vl_convert.vegalite_to_svg(document)
        except Exception:  # a chart must never take its page down
            log.exception("chart not drawn")
            return None
        _keep(key, drawn)
    return mark_safe(drawn)  # noqa: S308 (vl-convert writes SVG and escapes every text it draws)


def _cached(key: str) -> str | None:
    """What was drawn for this data; None when it was not, or the cache is away (then drawn anyway)."""
    try:
        return cache.get(key)
    except Exception:
        log.warning("chart cache unavailable", exc_info=True)
        return None


def _keep(key: str, drawn: str) -> None:
    try:
        cache.set(key, drawn, DRAWN_FOR_SECONDS)
    except Exception:
        log.warning("chart cache unavailable", exc_info=True)

"""Charts: one Vega-Lite spec per chart, drawn to SVG on the server (vl-convert), so the same
chart shows on a page, in a PDF and in an e-mail, with no script in the browser."""

from __future__ import annotations

import json
import logging

import vl_convert
from django.utils.safestring import SafeString, mark_safe

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
# Labels people can read at the size pages show charts.
CONFIG = {"font": "system-ui, sans-serif", "axis": {"labelFontSize": 12, "titleFontSize": 12}, "view": {"stroke": None}}
log = logging.getLogger(__name__)


def svg(spec: dict) -> SafeString | None:
    """The chart as an inline SVG element, or None where it cannot be drawn (the page says so
    and shows the rest); text in the data is escaped by the renderer."""
    try:
        drawn = vl_convert.vegalite_to_svg(json.dumps({"$schema": SCHEMA, "config": CONFIG, **spec}, default=str))
    except Exception:  # a chart must never take its page down
        log.exception("chart not drawn")
        return None
    return mark_safe(drawn)  # noqa: S308 (vl-convert writes SVG and escapes every text it draws)

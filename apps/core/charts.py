"""Charts: one Vega-Lite spec per chart, drawn to SVG on the server (vl-convert), so the same
chart shows on a page, in a PDF and in an e-mail, with no script in the browser."""

from __future__ import annotations

import json

import vl_convert
from django.utils.safestring import SafeString, mark_safe

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"


def svg(spec: dict) -> SafeString:
    """The chart as an inline SVG element; text in the data is escaped by the renderer."""
    drawn = vl_convert.vegalite_to_svg(json.dumps({"$schema": SCHEMA, **spec}, default=str))
    return mark_safe(drawn)  # noqa: S308 (vl-convert writes SVG and escapes every text it draws)

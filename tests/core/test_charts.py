"""Charts drawn on the server: an SVG in the page, with whatever text the data holds escaped."""

from apps.core.charts import svg


def test_a_chart_is_svg_and_escapes_the_text_it_draws():
    drawn = svg(
        {
            "data": {"values": [{"channel": "<script>alert(1)</script>", "mentions": 3}]},
            "mark": "bar",
            "encoding": {
                "x": {"field": "channel", "type": "nominal"},
                "y": {"field": "mentions", "type": "quantitative"},
            },
        }
    )
    assert drawn.startswith("<svg") and "<script>" not in drawn and "&lt;script&gt;" in drawn


def test_a_spec_the_renderer_refuses_is_no_chart_not_an_error():
    assert svg({"mark": "no-such-mark"}) is None

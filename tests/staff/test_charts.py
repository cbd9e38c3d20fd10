"""The dashboard's server-drawn SVG bar charts."""

import re

from staff.charts import bar_chart


def _chart(values, **overrides):
    options = {
        "chart_id": "7-signatures",
        "values": values,
        "labels": [f"2026-11-{i + 1:02d}: {v}" for i, v in enumerate(values)],
        "title": "Signatures per day",
        "description": "Three days.",
        "max_label": str(max(values, default=0)),
        "bar_class": "bar",
    }
    return str(bar_chart(**{**options, **overrides}))


def test_the_tallest_bar_fills_the_plot_and_others_scale_to_it():
    svg = _chart([10, 5, 0], height=140, padding=20)
    heights = [float(h) for h in re.findall(r'<rect[^>]* height="([\d.]+)"', svg)]
    assert heights == [100.0, 50.0]  # the zero day draws no bar


def test_the_chart_is_labelled_for_assistive_technology():
    svg = _chart([1, 2])
    assert svg.startswith('<svg role="img" aria-labelledby="chart-7-signatures-title ')
    assert '<title id="chart-7-signatures-title">Signatures per day</title>' in svg
    assert '<desc id="chart-7-signatures-desc">Three days.</desc>' in svg
    assert "<title>2026-11-02: 2</title>" in svg


def test_an_all_zero_series_draws_only_the_axis():
    svg = _chart([0, 0, 0])
    assert "<rect" not in svg and "<line" in svg


def test_text_from_staff_is_escaped():
    svg = _chart([1], title='<script>alert("x")</script>')
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg

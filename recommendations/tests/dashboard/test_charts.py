"""The server-drawn SVG charts: no script or inline style (the CSP), labels escaped, one step
curve per treatment with its censoring ticks."""

from __future__ import annotations

import re

from clinical.outcomes import kaplan_meier
from recommendations.dashboard import charts


def test_survival_chart_draws_the_steps_and_the_censoring():
    steps = kaplan_meier([(30, True), (60, False), (90, True)])
    svg = str(charts.survival_chart("Survival", [("cEBRT", steps)]))
    assert "<script" not in svg and "style=" not in svg
    points = re.search(r'<polyline class="chart-step chart-series-0" points="([^"]+)"', svg)
    ys = [float(p.split(",")[1]) for p in points.group(1).split()]
    # From 100 % (y 12) down to 2/3 at 30 days, flat through the censoring, 0 % (y 200) at 90.
    assert ys[0] == 12.0 and ys[-1] == 200.0
    assert round(ys[2], 1) == round(12 + 188 * (1 - 2 / 3), 1)
    assert svg.count('class="chart-step chart-series-0" x1=') == 1  # one censoring tick


def test_bar_chart_escapes_labels_and_shows_missing_values():
    svg = str(charts.bar_chart("Bars", [("A <b>", 0.5), ("B", None)], share=True))
    assert "A &lt;b&gt;" in svg and "50%" in svg and "—" in svg
    assert "style=" not in svg

"""Charts drawn on the server as plain SVG: no script, no inline style (the strict Content
Security Policy holds), colours from classes in app.css. Each chart has a title and a
description for screen readers, and the page shows the same figures in a table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from clinical.outcomes import SurvivalStep

WIDTH = 560
ROW = 26
LEFT = 190
DAYS_PER_MONTH = 30.4375


def _svg(width: int, height: int, title: str, body: list[str]) -> SafeString:
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" width="100%" role="img" aria-label="{}">'
        "<title>{}</title>{}</svg>",
        width,
        height,
        title,
        title,
        mark_safe("".join(body)),  # noqa: S308 - every piece below is built with escape()
    )


def bar_chart(title: str, rows: Sequence[tuple[str, float | None]], *, share: bool) -> SafeString:
    """Horizontal bars, one per (label, value); values are shares (0–1, shown as %) or counts."""
    top = max([v for _, v in rows if v is not None] + [1.0 if share else 1])
    plot = WIDTH - LEFT - 60
    body = []
    for i, (label, value) in enumerate(rows):
        y = 8 + i * ROW
        body.append(
            f'<text class="chart-label" x="{LEFT - 8}" y="{y + 15}" text-anchor="end">'
            f"{escape(label)}</text>"
        )
        if value is None:
            body.append(f'<text class="chart-value" x="{LEFT}" y="{y + 15}">—</text>')
            continue
        length = plot * (value / top) if top else 0
        shown = f"{value * 100:.0f}%" if share else f"{value:g}"
        body.append(
            f'<rect class="chart-bar" x="{LEFT}" y="{y + 3}" width="{length:.1f}" '
            f'height="{ROW - 8}"/>'
            f'<text class="chart-value" x="{LEFT + length + 6:.1f}" y="{y + 15}">{shown}</text>'
        )
    return _svg(WIDTH, 16 + ROW * max(len(rows), 1), title, body)


def line_chart(title: str, points: Sequence[tuple[str, float | None]], *, unit: str) -> SafeString:
    """A line through (label, value) points in order, e.g. a median by month."""
    height, left, bottom, top_pad = 220, 50, 40, 12
    known = [v for _, v in points if v is not None]
    top = max(known + [1.0])
    plot_w, plot_h = WIDTH - left - 20, height - bottom - top_pad
    step = plot_w / max(len(points) - 1, 1)
    body = [
        f'<line class="chart-axis" x1="{left}" y1="{top_pad + plot_h}" '
        f'x2="{left + plot_w}" y2="{top_pad + plot_h}"/>',
        f'<text class="chart-label" x="{left - 6}" y="{top_pad + 4}" text-anchor="end">'
        f"{top:g}</text>",
        f'<text class="chart-label" x="{left - 6}" y="{top_pad + plot_h}" '
        'text-anchor="end">0</text>',
        f'<text class="chart-label" x="4" y="{top_pad + plot_h / 2:.0f}">{escape(unit)}</text>',
    ]
    coords = []
    for i, (label, value) in enumerate(points):
        x = left + i * step
        body.append(
            f'<text class="chart-label" x="{x:.1f}" y="{height - 14}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
        if value is not None:
            y = top_pad + plot_h * (1 - value / top)
            coords.append(f"{x:.1f},{y:.1f}")
            body.append(f'<circle class="chart-point" cx="{x:.1f}" cy="{y:.1f}" r="3"/>')
    if len(coords) > 1:
        body.insert(0, f'<polyline class="chart-line" points="{" ".join(coords)}"/>')
    return _svg(WIDTH, height, title, body)


def survival_chart(title: str, curves: Sequence[tuple[str, Sequence[SurvivalStep]]]) -> SafeString:
    """Kaplan–Meier step curves (one per treatment), survival 0–100 % against months; a tick
    marks each censoring."""
    height, left, bottom, top_pad = 260, 50, 60, 12
    plot_w, plot_h = WIDTH - left - 20, height - bottom - top_pad
    last = max([s.time for _, steps in curves for s in steps] + [DAYS_PER_MONTH])
    months = max(int(last / DAYS_PER_MONTH + 0.999), 1)

    def x(days: float) -> float:
        return left + plot_w * days / (months * DAYS_PER_MONTH)

    def y(survival: float) -> float:
        return top_pad + plot_h * (1 - survival)

    body = [
        f'<line class="chart-axis" x1="{left}" y1="{y(0)}" x2="{left + plot_w}" y2="{y(0)}"/>',
        f'<line class="chart-axis" x1="{left}" y1="{y(0)}" x2="{left}" y2="{y(1)}"/>',
        f'<text class="chart-label" x="{left - 6}" y="{y(1) + 4}" text-anchor="end">100%</text>',
        f'<text class="chart-label" x="{left - 6}" y="{y(0.5) + 4}" text-anchor="end">50%</text>',
        f'<text class="chart-label" x="{left - 6}" y="{y(0)}" text-anchor="end">0%</text>',
        f'<text class="chart-label" x="{left + plot_w}" y="{y(0) + 16}" text-anchor="end">'
        f"{months} months</text>",
    ]
    legend_y = height - 14
    for number, (label, steps) in enumerate(curves):
        series = f"chart-series-{number % 5}"
        points = [f"{x(0):.1f},{y(1):.1f}"]
        survival = 1.0
        for step in steps:
            points.append(f"{x(step.time):.1f},{y(survival):.1f}")
            survival = step.survival
            points.append(f"{x(step.time):.1f},{y(survival):.1f}")
            if step.censored:
                body.append(
                    f'<line class="chart-step {series}" x1="{x(step.time):.1f}" '
                    f'y1="{y(survival) - 4:.1f}" x2="{x(step.time):.1f}" '
                    f'y2="{y(survival) + 4:.1f}"/>'
                )
        if steps:
            body.append(f'<polyline class="chart-step {series}" points="{" ".join(points)}"/>')
        lx = left + number * 100
        body.append(
            f'<rect class="chart-key {series}" x="{lx}" y="{legend_y - 9}" width="10" height="10"/>'
            f'<text class="chart-label" x="{lx + 14}" y="{legend_y}">{escape(label)}</text>'
        )
    return _svg(WIDTH, height, title, body)

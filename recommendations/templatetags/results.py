"""How the results page writes a figure: shares as percentages, times with their unit."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def figure_value(value, unit: str = "share") -> str:
    if value is None or value == "":
        return "—"
    if unit == "share":
        return f"{float(value) * 100:.0f}%"
    if unit in ("days", "hours"):
        return f"{float(value):.1f} {unit}"
    return f"{float(value):g}"


@register.filter
def months(days) -> str:
    return "—" if days is None else f"{float(days) / 30.4375:.1f}"

"""The case page's board story: each signed plan and each re-discussion sent back from one, so
the case's history reads as one story (the case page lives in `cases`, which cannot import
recommendations: the template asks for it here)."""

from __future__ import annotations

from django import template

from recommendations.decisions.selectors import case_rediscussions, case_signed_plans

register = template.Library()


@register.inclusion_tag("recommendations/_case_board_story.html")
def case_board_story(case) -> dict:
    """Two queries, whatever the case's history."""
    plans = case_signed_plans(case)
    return {
        "case": case,
        "plans": plans,
        "latest_plan": plans[-1] if plans else None,
        "rediscussions": case_rediscussions(case),
    }

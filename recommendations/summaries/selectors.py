"""Reads of pre-meeting summaries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import OuterRef, Subquery

from recommendations.models import PreMeetingSummary


def latest_summaries(item_ids: Iterable[int], *, content: bool = True) -> dict[int, Any]:
    """agenda item id -> its latest summary, in one query."""
    newest = (
        PreMeetingSummary.objects.filter(agenda_item=OuterRef("agenda_item"))
        .order_by("-version")
        .values("version")[:1]
    )
    qs = PreMeetingSummary.objects.filter(
        agenda_item_id__in=list(item_ids), version=Subquery(newest)
    )
    if not content:
        qs = qs.defer("content", "inputs")
    return {summary.agenda_item_id: summary for summary in qs}

"""Celery tasks that ask for summaries to be prepared. Each receives ids only, loads, checks state,
and calls `recommendations.summaries.services`.

- `prepare_meeting_summaries`: a meeting's whole agenda (fans out batches of items);
- `prepare_due_meetings`: the beat, at each meeting's opinion deadline;
- `reclaim_stuck_preparations`: the beat, every minute, for items a dead worker left "running";
- `refresh_case_summaries`: sent on commit, by name, by the writes below this package that change
  what a summary is built from (`cases.services`, `opinions.services`): they may not import it.

The tasks that prepare summaries are `preparation.prepare_summary_batch` and
`preparation.prepare_agenda_item_summary` (one item). All are safe to run
twice: preparing the same inputs again stores no second version.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from recommendations.summaries.preparation import MAX_RETRIES, RETRY_BASE_SECONDS
from recommendations.summaries.selectors import (
    TASK_SOFT_TIME_LIMIT,
    TASK_TIME_LIMIT,
    meetings_due_for_preparation,
)
from recommendations.summaries.services import (
    meeting_prepare_enqueue,
    preparations_reclaim_stuck,
    summaries_refresh_for_case,
)
from scheduling.models import Meeting
from scheduling.rules import INACTIVE_MEETING_STATUSES
from tumorboard.errors import ApplicationError

logger = logging.getLogger(__name__)


def _queue_of(task) -> str | None:
    """The queue this task came from, so the items of a meeting are prepared on the same one."""
    info = task.request.delivery_info or {}
    return info.get("routing_key") or None


@shared_task(
    bind=True,
    name="recommendations.summaries.tasks.prepare_meeting_summaries",
    acks_late=True,
    soft_time_limit=TASK_SOFT_TIME_LIMIT,
    time_limit=TASK_TIME_LIMIT,
)
def prepare_meeting_summaries(self, meeting_id: int) -> int:
    """Queue the meeting's agenda items, in batches; returns how many items were queued."""
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None or meeting.status in INACTIVE_MEETING_STATUSES:
        return 0
    if not meeting.agenda_items.exists():
        return 0
    return meeting_prepare_enqueue(meeting=meeting, by=None, queue=_queue_of(self))


@shared_task(
    name="recommendations.summaries.tasks.prepare_due_meetings",
    acks_late=True,
    soft_time_limit=TASK_SOFT_TIME_LIMIT,
    time_limit=TASK_TIME_LIMIT,
)
def prepare_due_meetings() -> int:
    """Beat: prepare every meeting whose opinion deadline has passed. Returns items queued."""
    queued = 0
    for meeting, items in meetings_due_for_preparation():
        try:
            meeting_prepare_enqueue(meeting=meeting, by=None, items=items)
        except ApplicationError:  # closed or cancelled since it was listed: nothing to do
            logger.info("meeting %s no longer open; not prepared", meeting.uuid)
            continue
        queued += len(items)
    if queued:
        logger.info("opinion deadline: %d agenda items queued for summary preparation", queued)
    return queued


@shared_task(
    name="recommendations.summaries.tasks.refresh_case_summaries",
    acks_late=True,
    soft_time_limit=TASK_SOFT_TIME_LIMIT,
    time_limit=TASK_TIME_LIMIT,
    autoretry_for=(OperationalError,),
    retry_backoff=RETRY_BASE_SECONDS,
    max_retries=MAX_RETRIES,
)
def refresh_case_summaries(case_id: int) -> int:
    """The case changed (its data, lesions, prior treatments, or an opinion on it): queue its
    prepared summaries for regeneration after the debounce delay. Returns how many items."""
    return len(summaries_refresh_for_case(case_id))


@shared_task(
    bind=True,
    name="recommendations.summaries.tasks.reclaim_stuck_preparations",
    acks_late=True,
    soft_time_limit=TASK_SOFT_TIME_LIMIT,
    time_limit=TASK_TIME_LIMIT,
)
def reclaim_stuck_preparations(self) -> int:
    """Beat: queue again the items whose preparation outlived its lease. Returns how many."""
    return len(preparations_reclaim_stuck(queue=_queue_of(self)))

"""Celery tasks for pre-meeting summaries. Each receives ids only, loads, checks state, and calls
`recommendations.summaries.services`.

Safe to run twice (the same inputs make no second version) and safe to kill half-way: a summary
is written in one transaction, and with acks_late + reject_on_worker_lost (settings) a message
whose worker died is delivered again and the next run completes the work. Failure reasons stored
for coordinators name the kind of failure only, never patient data.
"""

from __future__ import annotations

import contextlib
import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError

from recommendations.summaries import services as summaries
from scheduling.models import AgendaItem, Meeting
from tumorboard.errors import ApplicationError

logger = logging.getLogger(__name__)

SOFT_TIME_LIMIT = summaries.TASK_SOFT_TIME_LIMIT
TIME_LIMIT = summaries.TASK_TIME_LIMIT
MAX_RETRIES = 3
RETRY_BASE_SECONDS = 5  # 5 s, 10 s, 20 s


def _queue_of(task) -> str | None:
    """The queue this task came from, so the items of a meeting are prepared on the same one."""
    info = task.request.delivery_info or {}
    return info.get("routing_key") or None


@shared_task(
    bind=True,
    name="recommendations.summaries.tasks.prepare_agenda_item_summary",
    acks_late=True,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
    max_retries=MAX_RETRIES,
)
def prepare_agenda_item_summary(self, agenda_item_id: int) -> str:
    """Prepare one agenda item's summary. Returns what happened, for the worker log."""
    try:
        if not summaries.preparation_start(agenda_item_id):
            return "skipped: nothing to prepare"
        summary = summaries.summary_prepare(agenda_item_id)
    except AgendaItem.DoesNotExist:
        return "skipped: the agenda item was removed"
    except SoftTimeLimitExceeded:
        summaries.preparation_fail(
            agenda_item_id, f"Timed out after {SOFT_TIME_LIMIT} seconds. Retry to try again."
        )
        logger.error("summary of agenda item %s timed out", agenda_item_id)
        return "failed: timed out"
    except OperationalError as exc:
        if self.request.retries < self.max_retries:
            countdown = RETRY_BASE_SECONDS * 2**self.request.retries
            # The database may still be away; then the retry records the outcome.
            with contextlib.suppress(OperationalError):
                summaries.preparation_requeue(
                    agenda_item_id,
                    f"Database unavailable; retrying (attempt {self.request.retries + 2}).",
                )
            raise self.retry(exc=exc, countdown=countdown) from exc
        summaries.preparation_fail(
            agenda_item_id,
            f"Database unavailable after {MAX_RETRIES + 1} attempts. Retry when it is back.",
        )
        logger.error("summary of agenda item %s: database unavailable, gave up", agenda_item_id)
        return "failed: database unavailable"
    except Exception as exc:
        # The exception's message may quote clinical data: record and log its kind only.
        kind = exc.__class__.__name__
        summaries.preparation_fail(
            agenda_item_id, f"Could not build the summary ({kind}). Retry, or report it."
        )
        logger.error("summary of agenda item %s failed: %s", agenda_item_id, kind)
        return f"failed: {kind}"
    return f"prepared: version {summary.version}"


@shared_task(
    bind=True,
    name="recommendations.summaries.tasks.prepare_meeting_summaries",
    acks_late=True,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
)
def prepare_meeting_summaries(self, meeting_id: int) -> int:
    """Queue one task per agenda item of the meeting; returns how many were queued."""
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None or meeting.status in summaries.INACTIVE_MEETING_STATUSES:
        return 0
    if not meeting.agenda_items.exists():
        return 0
    progress = summaries.meeting_prepare_request(meeting=meeting, by=None, queue=_queue_of(self))
    return progress.total


@shared_task(
    name="recommendations.summaries.tasks.prepare_due_meetings",
    acks_late=True,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
)
def prepare_due_meetings() -> int:
    """Beat: prepare every meeting whose opinion deadline has passed. Returns items queued."""
    queued = 0
    for meeting, items in summaries.meetings_due_for_preparation():
        try:
            summaries.meeting_prepare_request(meeting=meeting, by=None, items=items)
        except ApplicationError:  # closed or cancelled since it was listed: nothing to do
            logger.info("meeting %s no longer open; not prepared", meeting.uuid)
            continue
        queued += len(items)
    if queued:
        logger.info("opinion deadline: %d agenda items queued for summary preparation", queued)
    return queued

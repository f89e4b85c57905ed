"""Preparing one agenda item's summary: the Celery task a worker runs, and the writes it makes.

`summary_prepare` is the only write of a summary: one transaction, with the item's preparation row
locked, so a worker killed half-way leaves no partial summary and the next run completes the work.
The same inputs never make a second version (a task run twice stores one). The other writes here
record where the item's preparation stands while the worker holds it (running, done, failed, back
to queued for a retry).

The task receives an id only, claims the work with a conditional UPDATE, and is safe to run twice
and safe to kill: with acks_late + reject_on_worker_lost (settings) a message whose worker died is
delivered again. Failure reasons stored for coordinators name the kind of failure only, never
patient data.

Asking for preparation (a coordinator, the opinion deadline, a changed case) is in services.py,
which enqueues this task; the tasks that ask are in tasks.py.
"""

from __future__ import annotations

import contextlib
import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError, transaction
from django.db.models import F, Max
from django.utils import timezone

from recommendations.models import PreMeetingSummary, SummaryPreparation
from recommendations.summaries.build import inputs_fingerprint, summary_build, summary_inputs
from recommendations.summaries.selectors import (
    TASK_SOFT_TIME_LIMIT,
    TASK_TIME_LIMIT,
    load_agenda_items,
    summary_needs_preparing,
)
from scheduling.models import AgendaItem

logger = logging.getLogger(__name__)

MAX_RETRIES = 3
RETRY_BASE_SECONDS = 5  # 5 s, 10 s, 20 s


# --- the writes ----------------------------------------------------------------------------------


def _preparation_finish(preparation_id: int) -> None:
    SummaryPreparation.objects.filter(pk=preparation_id).update(
        status=SummaryPreparation.Status.DONE, error="", finished_at=timezone.now()
    )


def summary_prepare(agenda_item_id: int) -> PreMeetingSummary:
    """Build and store the item's summary; return the existing version when inputs are unchanged.

    One transaction with the item's preparation row locked: concurrent runs for one item take
    turns, a failure anywhere leaves nothing written, and the version numbers stay consecutive.
    Raises AgendaItem.DoesNotExist when the item has gone.
    """
    with transaction.atomic():
        # Lock first, then read the inputs: a run that waited for another reads what that run
        # read or newer, so it never stores an older state as a newer version.
        preparation, _ = SummaryPreparation.objects.select_for_update().get_or_create(
            agenda_item_id=agenda_item_id
        )
        loaded = load_agenda_items([agenda_item_id])
        if not loaded:  # the row just created (if any) goes with the rollback
            raise AgendaItem.DoesNotExist(f"agenda item {agenda_item_id} does not exist")
        item = loaded[0]
        inputs = summary_inputs(item)
        fingerprint = inputs_fingerprint(inputs)
        summary = PreMeetingSummary.objects.filter(
            agenda_item_id=agenda_item_id, inputs_fingerprint=fingerprint
        ).first()
        if summary is None:
            content = summary_build(item)
            last = PreMeetingSummary.objects.filter(agenda_item_id=agenda_item_id).aggregate(
                last=Max("version")
            )["last"]
            summary = PreMeetingSummary.objects.create(
                agenda_item_id=agenda_item_id,
                version=(last or 0) + 1,
                content=content,
                inputs=inputs,
                inputs_fingerprint=fingerprint,
            )
        _preparation_finish(preparation.pk)
    return summary


def preparation_start(agenda_item_id: int) -> bool:
    """Claim the item's preparation for this run (status -> running); False: nothing to do.

    A done item is claimed only when its summary is stale; queued, failed and running items
    (a redelivered message after a killed worker) are claimed as they are.
    """
    if not AgendaItem.objects.filter(pk=agenda_item_id).exists():
        return False
    SummaryPreparation.objects.get_or_create(agenda_item_id=agenda_item_id)
    claim = {
        "status": SummaryPreparation.Status.RUNNING,
        "started_at": timezone.now(),
        "attempts": F("attempts") + 1,
    }
    claimed = (
        SummaryPreparation.objects.filter(agenda_item_id=agenda_item_id)
        .exclude(status=SummaryPreparation.Status.DONE)
        .update(**claim)
    )
    if claimed:
        return True
    if not summary_needs_preparing(agenda_item_id):
        return False
    return bool(
        SummaryPreparation.objects.filter(
            agenda_item_id=agenda_item_id, status=SummaryPreparation.Status.DONE
        ).update(**claim)
    )


def preparation_fail(agenda_item_id: int, reason: str) -> None:
    """Record why preparing failed; `reason` is for coordinators and must not carry patient data."""
    SummaryPreparation.objects.filter(agenda_item_id=agenda_item_id).update(
        status=SummaryPreparation.Status.FAILED,
        error=reason[:500],
        finished_at=timezone.now(),
    )


def preparation_requeue(agenda_item_id: int, reason: str) -> None:
    """Back to queued (a retry is coming), keeping the reason visible meanwhile."""
    SummaryPreparation.objects.filter(agenda_item_id=agenda_item_id).update(
        status=SummaryPreparation.Status.QUEUED, error=reason[:500]
    )


# --- the task ------------------------------------------------------------------------------------


# The name predates this module and is kept: messages already queued, the worker logs and
# operators' `celery call` refer to it.
@shared_task(
    bind=True,
    name="recommendations.summaries.tasks.prepare_agenda_item_summary",
    acks_late=True,
    soft_time_limit=TASK_SOFT_TIME_LIMIT,
    time_limit=TASK_TIME_LIMIT,
    max_retries=MAX_RETRIES,
)
def prepare_agenda_item_summary(self, agenda_item_id: int) -> str:
    """Prepare one agenda item's summary. Returns what happened, for the worker log."""
    try:
        if not preparation_start(agenda_item_id):
            return "skipped: nothing to prepare"
        summary = summary_prepare(agenda_item_id)
    except AgendaItem.DoesNotExist:
        return "skipped: the agenda item was removed"
    except SoftTimeLimitExceeded:
        preparation_fail(
            agenda_item_id, f"Timed out after {TASK_SOFT_TIME_LIMIT} seconds. Retry to try again."
        )
        logger.error("summary of agenda item %s timed out", agenda_item_id)
        return "failed: timed out"
    except OperationalError as exc:
        if self.request.retries < self.max_retries:
            countdown = RETRY_BASE_SECONDS * 2**self.request.retries
            # The database may still be away; then the retry records the outcome.
            with contextlib.suppress(OperationalError):
                preparation_requeue(
                    agenda_item_id,
                    f"Database unavailable; retrying (attempt {self.request.retries + 2}).",
                )
            raise self.retry(exc=exc, countdown=countdown) from exc
        preparation_fail(
            agenda_item_id,
            f"Database unavailable after {MAX_RETRIES + 1} attempts. Retry when it is back.",
        )
        logger.error("summary of agenda item %s: database unavailable, gave up", agenda_item_id)
        return "failed: database unavailable"
    except Exception as exc:
        # The exception's message may quote clinical data: record and log its kind only.
        kind = exc.__class__.__name__
        preparation_fail(
            agenda_item_id, f"Could not build the summary ({kind}). Retry, or report it."
        )
        logger.error("summary of agenda item %s failed: %s", agenda_item_id, kind)
        return f"failed: {kind}"
    return f"prepared: version {summary.version}"

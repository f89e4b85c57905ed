"""Asking for pre-meeting summaries to be prepared: by a coordinator, at the opinion deadline, or
after a change to what a summary is built from.

Each write here records the items' preparation as queued and, once the transaction commits,
enqueues the preparation tasks: a meeting's agenda in batches of `settings.SUMMARY_BATCH_SIZE`
items (`preparation.prepare_summary_batch`), a single item on its own
(`preparation.prepare_agenda_item_summary`). If the broker refuses a task the change still stands
and its items are shown as failed ("could not be queued"), so a coordinator can retry them.

After a change (a case, its lesions or prior treatments, an opinion), `summaries_refresh_for_case`
queues the affected items again with a delay; the task does nothing when the summary is already
fresh by then, so several changes within the delay make one new version. The writes below this
package (cases, opinions) ask for it by sending the task `tasks.refresh_case_summaries` on commit.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from recommendations.models import SummaryPreparation
from recommendations.summaries.preparation import (
    prepare_agenda_item_summary,
    prepare_summary_batch,
)
from recommendations.summaries.selectors import (
    PreparationProgress,
    meeting_preparation_progress,
    preparation_interrupted,
)
from scheduling.access import can_coordinate
from scheduling.models import AgendaItem, Meeting
from scheduling.rules import INACTIVE_MEETING_STATUSES
from tumorboard.errors import ApplicationError, ConflictError
from tumorboard.queue import enqueue_on_commit

logger = logging.getLogger(__name__)

# Changes within this many seconds of each other make one new version.
DEBOUNCE_SECONDS = 60


def _options(*, countdown: int | None, queue: str | None) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if countdown:
        options["countdown"] = countdown
    if queue:
        options["queue"] = queue
    return options


def _enqueue(agenda_item_ids: list[int], *, countdown: int | None = None, queue=None) -> None:
    """Send one task per item once the transaction commits (ids only)."""
    for agenda_item_id in agenda_item_ids:
        enqueue_on_commit(
            prepare_agenda_item_summary,
            args=[agenda_item_id],
            on_failure=partial(_record_not_queued, [agenda_item_id]),
            **_options(countdown=countdown, queue=queue),
        )


def _enqueue_batches(agenda_item_ids: list[int], *, queue: str | None = None) -> int:
    """Send the items in batches of SUMMARY_BATCH_SIZE once the transaction commits (ids only);
    returns the number of tasks."""
    size = settings.SUMMARY_BATCH_SIZE
    batches = [agenda_item_ids[i : i + size] for i in range(0, len(agenda_item_ids), size)]
    for batch in batches:
        enqueue_on_commit(
            prepare_summary_batch,
            args=[batch],
            on_failure=partial(_record_not_queued, batch),
            **_options(countdown=None, queue=queue),
        )
    return len(batches)


def _record_not_queued(agenda_item_ids: list[int]) -> None:
    """The broker refused the task: show the items as failed, so a coordinator can retry them."""
    SummaryPreparation.objects.filter(
        agenda_item_id__in=agenda_item_ids, status=SummaryPreparation.Status.QUEUED
    ).update(
        status=SummaryPreparation.Status.FAILED,
        error="Could not be queued: the task service was unavailable. Retry when it is back.",
        finished_at=timezone.now(),
    )


def _request(items: list[AgendaItem], *, now: dt.datetime) -> None:
    """Create or reset the items' preparation rows to queued, in one statement."""
    SummaryPreparation.objects.bulk_create(
        [
            SummaryPreparation(
                agenda_item=item,
                status=SummaryPreparation.Status.QUEUED,
                error="",
                attempts=0,
                requested_at=now,
                started_at=None,
                finished_at=None,
            )
            for item in items
        ],
        update_conflicts=True,
        unique_fields=["agenda_item"],
        update_fields=["status", "error", "attempts", "requested_at", "started_at", "finished_at"],
    )


def _check_actor(by: AbstractBaseUser | None, meeting: Meeting) -> None:
    """Preparing is for the board's coordinators and chairs; None is the schedule itself."""
    if by is not None and not can_coordinate(by, meeting.board):
        raise PermissionDenied("Only the board's coordinators and chairs prepare summaries.")


def _check_open(meeting: Meeting) -> None:
    if meeting.status in INACTIVE_MEETING_STATUSES:
        raise ApplicationError(
            f"This meeting is {meeting.get_status_display().lower()}; "
            "its summaries can no longer be prepared."
        )


@transaction.atomic
def meeting_prepare_enqueue(
    *,
    meeting: Meeting,
    by: AbstractBaseUser | None,
    items: list[AgendaItem] | None = None,
    queue: str | None = None,
) -> int:
    """Queue the preparation of every item on the meeting's agenda (or of `items`), in batches;
    returns the number of items queued.

    `by` is who asked (None: the opinion-deadline schedule). Items already prepared are queued
    again: their batch stores no new version unless the inputs changed.
    """
    meeting = Meeting.objects.select_for_update().select_related("board").get(pk=meeting.pk)
    _check_actor(by, meeting)
    _check_open(meeting)
    if items is None:
        items = list(meeting.agenda_items.order_by("position"))
    if not items:
        raise ApplicationError("The agenda is empty: there is nothing to prepare.")
    _request(items, now=timezone.now())
    tasks = _enqueue_batches([item.pk for item in items], queue=queue)
    logger.info(
        "summary preparation requested for meeting %s: %d items in %d tasks (by user %s)",
        meeting.uuid,
        len(items),
        tasks,
        getattr(by, "pk", None),
    )
    return len(items)


def meeting_prepare_request(
    *,
    meeting: Meeting,
    by: AbstractBaseUser | None,
    items: list[AgendaItem] | None = None,
    queue: str | None = None,
) -> PreparationProgress:
    """`meeting_prepare_enqueue`, answered with how the meeting's preparation stands (for the
    coordinator who asked).

    Not one transaction on purpose: the tasks are sent when the write commits, and items whose
    task the broker refused are marked failed then; the answer is read after that, so it never
    says "queued" for an item that is not.
    """
    meeting_prepare_enqueue(meeting=meeting, by=by, items=items, queue=queue)
    return meeting_preparation_progress(meeting)


@transaction.atomic
def preparation_retry(
    *, agenda_item: AgendaItem, by: AbstractBaseUser | None, queue: str | None = None
) -> SummaryPreparation:
    """Queue a failed (or interrupted, or never requested) item's preparation again."""
    _check_actor(by, agenda_item.meeting)
    _check_open(agenda_item.meeting)
    preparation, created = SummaryPreparation.objects.select_for_update().get_or_create(
        agenda_item=agenda_item
    )
    if not (
        created
        or preparation.status == SummaryPreparation.Status.FAILED
        or preparation_interrupted(preparation, timezone.now())
    ):
        raise ConflictError(
            f"This item's preparation is {preparation.get_status_display().lower()}; "
            "only a failed preparation can be retried."
        )
    preparation.status = SummaryPreparation.Status.QUEUED
    preparation.error = ""
    preparation.requested_at = timezone.now()
    preparation.started_at = None
    preparation.finished_at = None
    preparation.save(update_fields=["status", "error", "requested_at", "started_at", "finished_at"])
    _enqueue([agenda_item.pk], queue=queue)
    logger.info(
        "summary preparation retried for agenda item %s (by user %s)",
        agenda_item.pk,
        getattr(by, "pk", None),
    )
    return preparation


@transaction.atomic
def summary_mark_stale_and_schedule(
    *, case_id: int | None = None, agenda_item_id: int | None = None
) -> list[int]:
    """After a change: queue regeneration of the affected items' summaries, after a delay.

    Only items whose preparation was already requested are touched (the others are prepared at
    the opinion deadline anyway), and only on meetings still planned or in progress. The delayed
    task skips an item whose summary is fresh by then, so a burst of changes makes one version.
    Returns the ids of the items scheduled.
    """
    if (case_id is None) == (agenda_item_id is None):
        raise ValueError("Give exactly one of case_id and agenda_item_id.")
    items = AgendaItem.objects.filter(preparation__isnull=False).exclude(
        meeting__status__in=INACTIVE_MEETING_STATUSES
    )
    if case_id is not None:
        items = items.filter(case_id=case_id, is_open=True)
    else:
        items = items.filter(pk=agenda_item_id)
    ids = list(items.values_list("pk", flat=True))
    if ids:
        SummaryPreparation.objects.filter(agenda_item_id__in=ids).exclude(
            status=SummaryPreparation.Status.RUNNING
        ).update(status=SummaryPreparation.Status.QUEUED, error="", requested_at=timezone.now())
        _enqueue(ids, countdown=DEBOUNCE_SECONDS)
    return ids


RECLAIMED = "The worker preparing it stopped; it is being prepared again."


@transaction.atomic
def preparations_reclaim_stuck(
    *, now: dt.datetime | None = None, queue: str | None = None
) -> list[int]:
    """Queue again the items still "running" SUMMARY_PREPARATION_LEASE_SECONDS after their claim
    (their worker died; the broker would redeliver its message only after the visibility
    timeout); returns the agenda items reclaimed.

    Each item is taken back by a conditional UPDATE naming the claim it saw (its start time and
    attempt), so of two reclaimers, or a reclaimer and a run that claimed it meanwhile, one wins:
    an item is reclaimed and re-sent once. Preparing stays exactly-once whatever finishes last:
    a version is stored under its inputs' fingerprint (unique), so a late original run and the
    new one store one version between them.
    """
    now = now or timezone.now()
    lease = dt.timedelta(seconds=settings.SUMMARY_PREPARATION_LEASE_SECONDS)
    running = SummaryPreparation.Status.RUNNING
    stuck = SummaryPreparation.objects.filter(status=running, started_at__lt=now - lease)
    reclaimed = []
    for agenda_item_id, started_at, attempts in stuck.order_by("agenda_item_id").values_list(
        "agenda_item_id", "started_at", "attempts"
    ):
        taken = SummaryPreparation.objects.filter(
            agenda_item_id=agenda_item_id, status=running, started_at=started_at, attempts=attempts
        ).update(status=SummaryPreparation.Status.QUEUED, error=RECLAIMED, requested_at=now)
        if taken == 1:
            reclaimed.append(agenda_item_id)
    if reclaimed:
        _enqueue(reclaimed, queue=queue)
        logger.warning("summary preparation reclaimed from a stopped worker: items %s", reclaimed)
    return reclaimed


def summaries_refresh_for_case(case_id: int) -> list[int]:
    """After any change to a case, its lesions or prior treatments, or an opinion on it (the task
    `tasks.refresh_case_summaries` calls it; those writes send that task on commit)."""
    return summary_mark_stale_and_schedule(case_id=case_id)

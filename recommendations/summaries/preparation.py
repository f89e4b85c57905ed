"""Preparing agenda items' summaries: the Celery tasks a worker runs, and the writes they make.

`summaries_prepare` is the only write of summaries: one transaction for a batch of agenda items,
with their preparation rows locked (in id order, so overlapping batches take turns and never
deadlock), so a worker killed half-way leaves no partial summary and the next run completes the
work. It loads the whole batch in a constant number of queries, builds only the items with no
summary from their current inputs (a fingerprint names the inputs), and stores the new versions
in one INSERT: the same inputs never make a second version, and a batch run again, or after a
crash, builds only what is missing or stale. `summary_prepare` is the same for one item. The
other writes here record where preparation stands while a worker holds it (running, done,
failed, back to queued for a retry).

The tasks receive ids only, claim the work with a conditional UPDATE, and are safe to run twice
and safe to kill: with acks_late + reject_on_worker_lost (settings) a message whose worker died is
delivered again, and an item still "running" past its lease (SUMMARY_PREPARATION_LEASE_SECONDS) is
queued again by beat before that (`services.preparations_reclaim_stuck`); each run names its claim
by its start time, so a late failure of the first run leaves the item to the run that took it over.
`prepare_summary_batch` prepares a batch (a meeting's agenda is sent as batches
of `settings.SUMMARY_BATCH_SIZE`); `prepare_agenda_item_summary` one item (a retry, a refresh
after a change). Failure reasons stored for coordinators name the kind of failure only, never
patient data.

Asking for preparation (a coordinator, the opinion deadline, a changed case) is in services.py,
which enqueues these tasks; the tasks that ask are in tasks.py.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError, transaction
from django.db.models import (
    Case,
    DateTimeField,
    F,
    Max,
    PositiveSmallIntegerField,
    Q,
    Value,
    When,
)
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
DONE = SummaryPreparation.Status.DONE


# --- the writes ----------------------------------------------------------------------------------


@dataclass
class BatchOutcome:
    """What `summaries_prepare` did with each agenda item of a batch."""

    summaries: dict[int, PreMeetingSummary] = field(default_factory=dict)  # current, new or kept
    built: set[int] = field(default_factory=set)  # items given a new version
    failed: dict[int, str] = field(default_factory=dict)  # item -> the kind of failure
    missing: set[int] = field(default_factory=set)  # items that no longer exist


def _existing_items(agenda_item_ids: Iterable[int]) -> list[int]:
    ids = set(agenda_item_ids)
    return sorted(AgendaItem.objects.filter(pk__in=ids).values_list("pk", flat=True))


def _ensure_preparations(agenda_item_ids: list[int]) -> None:
    """A preparation row (queued) for each item that has none, in one statement."""
    SummaryPreparation.objects.bulk_create(
        [SummaryPreparation(agenda_item_id=pk) for pk in agenda_item_ids], ignore_conflicts=True
    )


def _preparations_finish(agenda_item_ids: list[int], *, reclaimed: set[int]) -> None:
    """Mark the items done; `reclaimed`: done items rebuilt because stale (a new attempt)."""
    if not agenda_item_ids:
        return
    now = timezone.now()
    fields: dict[str, Any] = {"status": DONE, "error": "", "finished_at": now}
    if reclaimed:
        again = Q(agenda_item_id__in=reclaimed)
        fields["attempts"] = Case(
            When(again, then=F("attempts") + 1),
            default=F("attempts"),
            output_field=PositiveSmallIntegerField(),
        )
        fields["started_at"] = Case(
            When(again, then=Value(now)), default=F("started_at"), output_field=DateTimeField()
        )
    SummaryPreparation.objects.filter(agenda_item_id__in=agenda_item_ids).update(**fields)


def _build_failure(kind: str) -> str:
    return f"Could not build the summary ({kind}). Retry, or report it."


def summaries_prepare(
    agenda_item_ids: Iterable[int], *, isolate_failures: bool = True
) -> BatchOutcome:
    """Build and store the summaries of these agenda items whose inputs have no summary yet.

    One transaction with the items' preparation rows locked, and a constant number of queries
    whatever the number of items: concurrent runs take turns, a database failure anywhere leaves
    nothing written, and version numbers stay consecutive. With `isolate_failures` an item whose
    summary cannot be built is recorded as failed (its kind only) and the others are stored;
    without, the exception propagates and nothing is written.
    """
    requested = set(agenda_item_ids)
    outcome = BatchOutcome()
    with transaction.atomic():
        ids = _existing_items(requested)
        outcome.missing = requested - set(ids)
        if not ids:
            return outcome
        _ensure_preparations(ids)
        # Lock first, then read the inputs: a run that waited for another reads what that run
        # read or newer, so it never stores an older state as a newer version.
        status = dict(
            SummaryPreparation.objects.select_for_update()
            .filter(agenda_item_id__in=ids)
            .order_by("agenda_item_id")
            .values_list("agenda_item_id", "status")
        )
        ids = sorted(status)  # an item deleted meanwhile took its preparation row with it
        outcome.missing = requested - set(ids)
        items = load_agenda_items(ids)
        inputs = {item.pk: summary_inputs(item) for item in items}
        fingerprints = {pk: inputs_fingerprint(value) for pk, value in inputs.items()}
        kept = {
            summary.agenda_item_id: summary
            for summary in PreMeetingSummary.objects.filter(
                agenda_item_id__in=ids, inputs_fingerprint__in=set(fingerprints.values())
            ).defer("content", "inputs")
            if summary.inputs_fingerprint == fingerprints[summary.agenda_item_id]
        }
        outcome.summaries.update(kept)
        to_build = [item for item in items if item.pk not in kept]
        last = (
            dict(
                PreMeetingSummary.objects.filter(agenda_item_id__in=[item.pk for item in to_build])
                .values("agenda_item_id")
                .annotate(last=Max("version"))
                .values_list("agenda_item_id", "last")
            )
            if to_build
            else {}
        )
        new = []
        for item in to_build:
            try:
                content = summary_build(item)
            except SoftTimeLimitExceeded:
                raise
            except Exception as exc:
                if not isolate_failures:
                    raise
                # The exception's message may quote clinical data: record and log its kind only.
                outcome.failed[item.pk] = exc.__class__.__name__
                logger.error(
                    "summary of agenda item %s failed: %s", item.pk, outcome.failed[item.pk]
                )
                continue
            new.append(
                PreMeetingSummary(
                    agenda_item_id=item.pk,
                    # An expression keeps Django's plain VALUES insert: its UNNEST insert
                    # (5.2) has psycopg escape each JSON document in Python, ~10x slower.
                    version=Value(last.get(item.pk, 0) + 1),
                    content=content,
                    inputs=inputs[item.pk],
                    inputs_fingerprint=fingerprints[item.pk],
                )
            )
        for summary in PreMeetingSummary.objects.bulk_create(new):
            summary.version = last.get(summary.agenda_item_id, 0) + 1  # not the expression
            outcome.summaries[summary.agenda_item_id] = summary
            outcome.built.add(summary.agenda_item_id)
        # Items done and fresh are left as they are; the rest are done now.
        _preparations_finish(
            [
                pk
                for pk in ids
                if pk not in outcome.failed and (status[pk] != DONE or pk in outcome.built)
            ],
            reclaimed={pk for pk in outcome.built if status[pk] == DONE},
        )
        by_kind = defaultdict(list)
        for pk, kind in outcome.failed.items():
            by_kind[kind].append(pk)
        for kind, failed_ids in by_kind.items():
            preparations_fail(failed_ids, _build_failure(kind), including_done=True)
    return outcome


def summary_prepare(agenda_item_id: int) -> PreMeetingSummary:
    """Build and store one item's summary; return the existing version when inputs are unchanged.

    `summaries_prepare` for one item, letting a failure propagate (nothing is written).
    Raises AgendaItem.DoesNotExist when the item has gone.
    """
    outcome = summaries_prepare([agenda_item_id], isolate_failures=False)
    if agenda_item_id in outcome.missing:
        raise AgendaItem.DoesNotExist(f"agenda item {agenda_item_id} does not exist")
    return outcome.summaries[agenda_item_id]


def _claim(at: dt.datetime) -> dict:
    """A claim is named by its start time: the run's writes of failure leave a row another run
    has claimed since (see `preparations_fail`)."""
    return {
        "status": SummaryPreparation.Status.RUNNING,
        "started_at": at,
        "attempts": F("attempts") + 1,
    }


def preparation_start(agenda_item_id: int, *, at: dt.datetime | None = None) -> bool:
    """Claim the item's preparation for this run (status -> running); False: nothing to do.

    A done item is claimed only when its summary is stale; queued, failed and running items
    (a redelivered message after a killed worker) are claimed as they are.
    """
    at = at or timezone.now()
    if not AgendaItem.objects.filter(pk=agenda_item_id).exists():
        return False
    SummaryPreparation.objects.get_or_create(agenda_item_id=agenda_item_id)
    claimed = (
        SummaryPreparation.objects.filter(agenda_item_id=agenda_item_id)
        .exclude(status=DONE)
        .update(**_claim(at))
    )
    if claimed:
        return True
    if not summary_needs_preparing(agenda_item_id):
        return False
    return bool(
        SummaryPreparation.objects.filter(agenda_item_id=agenda_item_id, status=DONE).update(
            **_claim(at)
        )
    )


def preparations_start(
    agenda_item_ids: Iterable[int], *, at: dt.datetime | None = None
) -> list[int]:
    """Claim a batch for this run (not done -> running), in three statements; returns the items
    that still exist. Done items are not claimed: `summaries_prepare` rebuilds those found stale.
    """
    at = at or timezone.now()
    ids = _existing_items(agenda_item_ids)
    if ids:
        _ensure_preparations(ids)
        SummaryPreparation.objects.filter(agenda_item_id__in=ids).exclude(status=DONE).update(
            **_claim(at)
        )
    return ids


def preparations_fail(
    agenda_item_ids: Iterable[int],
    reason: str,
    *,
    including_done: bool = False,
    claimed_at: dt.datetime | None = None,
) -> None:
    """Record why preparing failed; items already done are left so unless `including_done` (a
    stale summary that could not be rebuilt). `reason` is for coordinators and must not carry
    patient data.

    `claimed_at`: the failing run's claim. An item another run has claimed since (its lease ran
    out and it was reclaimed, then claimed again) is that run's: a late failure leaves it be.
    """
    preparations = SummaryPreparation.objects.filter(agenda_item_id__in=list(agenda_item_ids))
    if not including_done:
        preparations = preparations.exclude(status=DONE)
    if claimed_at is not None:
        preparations = preparations.exclude(
            Q(status=SummaryPreparation.Status.RUNNING) & ~Q(started_at=claimed_at)
        )
    preparations.update(
        status=SummaryPreparation.Status.FAILED,
        error=reason[:500],
        finished_at=timezone.now(),
    )


def preparations_requeue(agenda_item_ids: Iterable[int], reason: str) -> None:
    """Back to queued (a retry is coming), keeping the reason visible meanwhile."""
    SummaryPreparation.objects.filter(agenda_item_id__in=list(agenda_item_ids)).exclude(
        status=DONE
    ).update(status=SummaryPreparation.Status.QUEUED, error=reason[:500])


# --- the tasks ----------------------------------------------------------------------------------


def _retry_or_give_up(task, exc: OperationalError, ids: list[int], claimed_at: dt.datetime) -> str:
    """The database went away: queue the items again and retry, with a backoff, a few times."""
    if task.request.retries < task.max_retries:
        countdown = RETRY_BASE_SECONDS * 2**task.request.retries
        # The database may still be away; then the retry records the outcome.
        with contextlib.suppress(OperationalError):
            preparations_requeue(
                ids, f"Database unavailable; retrying (attempt {task.request.retries + 2})."
            )
        raise task.retry(exc=exc, countdown=countdown) from exc
    preparations_fail(
        ids,
        f"Database unavailable after {MAX_RETRIES + 1} attempts. Retry when it is back.",
        claimed_at=claimed_at,
    )
    logger.error("summaries of agenda items %s: database unavailable, gave up", ids)
    return "failed: database unavailable"


def _timed_out(ids: list[int], claimed_at: dt.datetime) -> str:
    preparations_fail(
        ids,
        f"Timed out after {TASK_SOFT_TIME_LIMIT} seconds. Retry to try again.",
        claimed_at=claimed_at,
    )
    logger.error("summaries of agenda items %s timed out", ids)
    return "failed: timed out"


def _failed(ids: list[int], exc: Exception, claimed_at: dt.datetime) -> str:
    # The exception's message may quote clinical data: record and log its kind only.
    kind = exc.__class__.__name__
    preparations_fail(ids, _build_failure(kind), claimed_at=claimed_at)
    logger.error("summaries of agenda items %s failed: %s", ids, kind)
    return f"failed: {kind}"


@shared_task(
    bind=True,
    name="recommendations.summaries.tasks.prepare_summary_batch",
    acks_late=True,
    soft_time_limit=TASK_SOFT_TIME_LIMIT,
    time_limit=TASK_TIME_LIMIT,
    max_retries=MAX_RETRIES,
)
def prepare_summary_batch(self, agenda_item_ids: list[int]) -> str:
    """Prepare a batch of agenda items' summaries. Returns what happened, for the worker log."""
    ids = sorted(set(agenda_item_ids))
    claimed_at = timezone.now()
    try:
        if not preparations_start(ids, at=claimed_at):
            return "skipped: the agenda items were removed"
        outcome = summaries_prepare(ids)
    except SoftTimeLimitExceeded:
        return _timed_out(ids, claimed_at)
    except OperationalError as exc:
        return _retry_or_give_up(self, exc, ids, claimed_at)
    except Exception as exc:
        return _failed(ids, exc, claimed_at)
    unchanged = len(outcome.summaries) - len(outcome.built)
    return (
        f"prepared: {len(outcome.built)} new, {unchanged} unchanged, "
        f"{len(outcome.failed)} failed, {len(outcome.missing)} removed"
    )


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
    claimed_at = timezone.now()
    try:
        if not preparation_start(agenda_item_id, at=claimed_at):
            return "skipped: nothing to prepare"
        summary = summary_prepare(agenda_item_id)
    except AgendaItem.DoesNotExist:
        return "skipped: the agenda item was removed"
    except SoftTimeLimitExceeded:
        return _timed_out([agenda_item_id], claimed_at)
    except OperationalError as exc:
        return _retry_or_give_up(self, exc, [agenda_item_id], claimed_at)
    except Exception as exc:
        return _failed([agenda_item_id], exc, claimed_at)
    return f"prepared: version {summary.version}"

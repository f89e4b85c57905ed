"""Preparing one item's summary: versions, idempotency, a failure half-way, query counts; and the
task a worker runs (eagerly here): claims, bounded retries, failures recorded without data."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError, connection, connections
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recommendations.models import Opinion, PreMeetingSummary, SummaryPreparation
from recommendations.summaries import preparation
from recommendations.summaries.build import summary_build
from recommendations.summaries.preparation import (
    MAX_RETRIES,
    prepare_agenda_item_summary,
    prepare_summary_batch,
    summary_prepare,
)
from recommendations.summaries.selectors import summary_is_stale
from recommendations.summaries.services import preparation_retry
from scheduling.models import AgendaItem
from tests.agendas import agenda, give_opinion
from tumorboard.celery import app

pytestmark = pytest.mark.django_db


# --- writing a summary: versions, idempotency, a failure half-way ------------------------------


def test_preparing_twice_with_the_same_inputs_makes_one_version(cast):
    meeting, (item,) = agenda(cast.board)
    first = summary_prepare(item.pk)
    second = summary_prepare(item.pk)
    assert first.pk == second.pk
    assert PreMeetingSummary.objects.filter(agenda_item=item).count() == 1
    assert SummaryPreparation.objects.get(agenda_item=item).status == "done"


def test_a_changed_opinion_makes_the_summary_stale_and_the_next_run_a_new_version(cast):
    meeting, (item,) = agenda(cast.board)
    opinion = give_opinion(item, cast.surgeon, ["separation_surgery"])
    v1 = summary_prepare(item.pk)
    assert summary_is_stale(item) is False

    opinion.options = ["no_surgery"]
    opinion.revision += 1
    opinion.save()
    assert summary_is_stale(item) is True

    v2 = summary_prepare(item.pk)
    assert (v1.version, v2.version) == (1, 2)
    assert v2.content["opinions"][0]["options"][0]["value"] == "no_surgery"
    assert v2.inputs["opinions"][str(opinion.pk)]["revision"] == 2
    assert summary_is_stale(item) is False


def test_a_failure_half_way_leaves_no_summary_and_a_retry_completes(cast, monkeypatch):
    meeting, (item,) = agenda(cast.board)

    def crash(agenda_item_ids, *, reclaimed):
        # The summary row has been inserted by now: the failure must take it back.
        assert PreMeetingSummary.objects.filter(agenda_item=item).count() == 1
        raise RuntimeError("worker lost")

    monkeypatch.setattr(preparation, "_preparations_finish", crash)
    with pytest.raises(RuntimeError):
        summary_prepare(item.pk)
    assert PreMeetingSummary.objects.filter(agenda_item=item).count() == 0

    monkeypatch.undo()
    summary = summary_prepare(item.pk)
    assert summary.version == 1
    assert PreMeetingSummary.objects.filter(agenda_item=item).count() == 1


def test_preparing_a_removed_item_raises_and_writes_nothing(cast):
    with pytest.raises(AgendaItem.DoesNotExist):
        summary_prepare(987654)
    assert SummaryPreparation.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_for_one_item_store_one_version(cast):
    meeting, (item,) = agenda(cast.board)
    give_opinion(item, cast.surgeon, ["separation_surgery"])
    barrier = threading.Barrier(4)
    versions, errors = [], []

    def prepare():
        try:
            barrier.wait(timeout=10)
            versions.append(summary_prepare(item.pk).version)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=prepare) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert versions == [1, 1, 1, 1]
    assert PreMeetingSummary.objects.filter(agenda_item=item).count() == 1


# --- query counts ------------------------------------------------------------------------------


def _queries_to_prepare(item_ids) -> int:
    with CaptureQueriesContext(connection) as queries:
        for pk in item_ids:
            summary_prepare(pk)
    return len(queries)


def test_queries_per_summary_do_not_grow_with_the_number_of_opinions(cast):
    meeting, (one, five) = agenda(cast.board, 2)
    give_opinion(one, cast.surgeon, ["separation_surgery"])
    for user in [cast.chair, *cast.specialists.values()]:
        give_opinion(five, user, [])
    assert Opinion.objects.filter(case=five.case).count() == 6

    assert _queries_to_prepare([one.pk]) == _queries_to_prepare([five.pk])


def test_queries_to_prepare_a_meeting_grow_by_a_constant_per_item(cast):
    small, small_items = agenda(cast.board, 2)
    large, large_items = agenda(cast.board, 8)
    for item in [*small_items, *large_items]:
        give_opinion(item, cast.surgeon, ["separation_surgery"])

    two = _queries_to_prepare([item.pk for item in small_items])
    eight = _queries_to_prepare([item.pk for item in large_items])
    assert eight == 4 * two
    assert two / 2 <= 15  # per summary, creating its preparation row on the way


# --- the task (run eagerly here): claims, retries, failures recorded without data --------------


def run(agenda_item_id) -> str:
    return prepare_agenda_item_summary.apply(args=[agenda_item_id]).get()


def preparation_of(item) -> SummaryPreparation:
    return SummaryPreparation.objects.get(agenda_item=item)


def test_the_task_prepares_the_summary_and_records_progress(cast):
    meeting, (item,) = agenda(cast.board)
    assert run(item.pk) == "prepared: version 1"
    prep = preparation_of(item)
    assert (prep.status, prep.attempts, prep.error) == ("done", 1, "")
    assert prep.started_at is not None and prep.finished_at >= prep.started_at


def test_a_task_run_twice_makes_one_version(cast):
    meeting, (item,) = agenda(cast.board)
    assert run(item.pk) == "prepared: version 1"
    assert run(item.pk) == "skipped: nothing to prepare"
    assert PreMeetingSummary.objects.filter(agenda_item=item).count() == 1
    assert preparation_of(item).attempts == 1


def test_a_queued_item_whose_summary_is_fresh_stores_no_new_version(cast):
    meeting, (item,) = agenda(cast.board)
    run(item.pk)
    SummaryPreparation.objects.filter(agenda_item=item).update(status="queued")
    assert run(item.pk) == "prepared: version 1"
    assert PreMeetingSummary.objects.filter(agenda_item=item).count() == 1


def test_a_done_item_with_changed_inputs_is_prepared_again(cast):
    meeting, (item,) = agenda(cast.board)
    run(item.pk)
    give_opinion(item, cast.surgeon, ["no_surgery"])
    assert run(item.pk) == "prepared: version 2"
    assert preparation_of(item).attempts == 2


def test_a_removed_agenda_item_is_skipped(cast):
    assert run(987654) == "skipped: nothing to prepare"
    assert SummaryPreparation.objects.count() == 0


def test_a_failure_is_recorded_without_patient_data_and_a_retry_completes(
    cast, monkeypatch, django_capture_on_commit_callbacks
):
    meeting, (item,) = agenda(cast.board)
    mrn = item.case.patient.mrn

    def broken(agenda_item):
        raise ValueError(f"cannot summarise patient {mrn}")

    monkeypatch.setattr(preparation, "summary_build", broken)
    assert run(item.pk) == "failed: ValueError"
    prep = preparation_of(item)
    assert prep.status == "failed"
    assert prep.error == "Could not build the summary (ValueError). Retry, or report it."
    assert mrn not in prep.error
    assert PreMeetingSummary.objects.count() == 0

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        preparation_retry(agenda_item=item, by=cast.coordinator)
    assert preparation_of(item).status == "done"
    assert PreMeetingSummary.objects.filter(agenda_item=item).count() == 1


@pytest.fixture
def eager_retries(monkeypatch):
    """Eager apply() runs retries in turn only when errors are not propagated."""
    monkeypatch.setitem(app.conf, "task_eager_propagates", False)


def test_the_database_going_away_is_retried_then_succeeds(cast, monkeypatch, eager_retries):
    meeting, (item,) = agenda(cast.board)
    real = summary_prepare
    calls = []

    def flaky(agenda_item_id):
        calls.append(agenda_item_id)
        if len(calls) <= 2:
            raise OperationalError("connection lost")
        return real(agenda_item_id)

    monkeypatch.setattr(preparation, "summary_prepare", flaky)
    result = prepare_agenda_item_summary.apply(args=[item.pk])
    assert len(calls) == 3
    assert preparation_of(item).status == "done"
    assert preparation_of(item).attempts == 3
    assert result.get() == "prepared: version 1"


def test_retries_are_bounded_and_the_last_failure_is_recorded(cast, monkeypatch, eager_retries):
    meeting, (item,) = agenda(cast.board)
    calls = []

    def down(agenda_item_id):
        calls.append(agenda_item_id)
        raise OperationalError("connection refused")

    monkeypatch.setattr(preparation, "summary_prepare", down)
    result = prepare_agenda_item_summary.apply(args=[item.pk])
    assert result.get() == "failed: database unavailable"
    assert len(calls) == MAX_RETRIES + 1
    prep = preparation_of(item)
    assert prep.status == "failed"
    assert prep.error.startswith("Database unavailable after 4 attempts")


def test_a_time_out_is_recorded(cast, monkeypatch):
    meeting, (item,) = agenda(cast.board)

    def slow(agenda_item):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(preparation, "summary_build", slow)
    assert run(item.pk) == "failed: timed out"
    assert preparation_of(item).error.startswith("Timed out after 60 seconds")
    assert PreMeetingSummary.objects.count() == 0


def test_a_redelivered_task_reclaims_a_running_item(cast):
    # A worker killed mid-task leaves the row "running"; the redelivered message completes it.
    meeting, (item,) = agenda(cast.board)
    SummaryPreparation.objects.create(agenda_item=item, status="running", attempts=1)
    assert run(item.pk) == "prepared: version 1"
    assert preparation_of(item).attempts == 2


def test_the_tasks_have_time_limits_late_acks_and_bounded_retries():
    task = prepare_agenda_item_summary
    assert task.acks_late is True
    assert (task.soft_time_limit, task.time_limit) == (60, 90)
    assert task.max_retries == 3
    assert app.conf.task_reject_on_worker_lost is True


# --- a batch of items: constant queries, idempotent, resumable, failures kept apart -----------


def run_batch(items) -> str:
    return prepare_summary_batch.apply(args=[[item.pk for item in items]]).get()


def _queries_for_batch(items) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert run_batch(items).startswith(f"prepared: {len(items)} new")
    return len(queries)


def test_queries_per_batch_do_not_grow_with_its_size(cast):
    small_meeting, small = agenda(cast.board, 5)
    large_meeting, large = agenda(cast.board, 20)
    for item in [*small, *large]:
        give_opinion(item, cast.surgeon, ["separation_surgery"])
    for item in large[:3]:  # more opinions on some cases: still prefetched
        give_opinion(item, cast.specialists["radiation_oncology"], ["cebrt"], regimen="8 Gy x 1")

    five, twenty = _queries_for_batch(small), _queries_for_batch(large)
    assert five == twenty
    assert twenty <= 17  # 15 per item before batching
    assert PreMeetingSummary.objects.filter(agenda_item__in=large).count() == 20


def test_a_batch_run_twice_makes_one_version_of_each(cast):
    meeting, items = agenda(cast.board, 4)
    assert run_batch(items) == "prepared: 4 new, 0 unchanged, 0 failed, 0 removed"
    assert run_batch(items) == "prepared: 0 new, 4 unchanged, 0 failed, 0 removed"
    assert (
        sorted(
            PreMeetingSummary.objects.filter(agenda_item__in=items).values_list(
                "version", flat=True
            )
        )
        == [1] * 4
    )
    assert (
        sorted(
            SummaryPreparation.objects.filter(agenda_item__in=items).values_list(
                "status", "attempts"
            )
        )
        == [("done", 1)] * 4
    )


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs, no handler catches it."""


def test_a_batch_killed_half_way_writes_nothing_and_a_rerun_builds_only_what_is_missing(
    cast, monkeypatch
):
    meeting, items = agenda(cast.board, 5)
    summary_prepare(items[0].pk)  # prepared by an earlier batch
    summary_prepare(items[1].pk)
    SummaryPreparation.objects.filter(agenda_item__in=items).update(status="queued")
    built = []

    def dies_on_the_second(item):
        built.append(item.pk)
        if len(built) == 2:
            raise WorkerKilled()
        return summary_build(item)

    monkeypatch.setattr(preparation, "summary_build", dies_on_the_second)
    with pytest.raises(WorkerKilled):
        run_batch(items)
    assert built == [items[2].pk, items[3].pk]  # the prepared ones were not built again
    assert set(
        PreMeetingSummary.objects.filter(agenda_item__in=items).values_list(
            "agenda_item_id", flat=True
        )
    ) == {items[0].pk, items[1].pk}  # nothing of the killed batch was kept
    assert set(
        SummaryPreparation.objects.filter(agenda_item__in=items).values_list("status", flat=True)
    ) == {"running"}

    # The message is delivered again: only the three missing summaries are built.
    built.clear()
    monkeypatch.setattr(
        preparation, "summary_build", lambda item: built.append(item.pk) or summary_build(item)
    )
    assert run_batch(items) == "prepared: 3 new, 2 unchanged, 0 failed, 0 removed"
    assert built == [item.pk for item in items[2:]]
    assert (
        sorted(
            PreMeetingSummary.objects.filter(agenda_item__in=items).values_list(
                "version", flat=True
            )
        )
        == [1] * 5
    )
    assert set(
        SummaryPreparation.objects.filter(agenda_item__in=items).values_list("status", flat=True)
    ) == {"done"}


def test_a_case_that_cannot_be_summarised_fails_alone_without_patient_data(cast, monkeypatch):
    meeting, items = agenda(cast.board, 3)
    broken_item = items[1]
    mrn = broken_item.case.patient.mrn

    def build(item):
        if item.pk == broken_item.pk:
            raise ValueError(f"cannot summarise patient {mrn}")
        return summary_build(item)

    monkeypatch.setattr(preparation, "summary_build", build)
    assert run_batch(items) == "prepared: 2 new, 0 unchanged, 1 failed, 0 removed"
    broken = preparation_of(broken_item)
    assert (broken.status, broken.error) == (
        "failed",
        "Could not build the summary (ValueError). Retry, or report it.",
    )
    assert [preparation_of(item).status for item in items] == ["done", "failed", "done"]
    assert not PreMeetingSummary.objects.filter(agenda_item=broken_item).exists()


def test_a_batch_rebuilds_a_stale_item_and_skips_removed_ones(cast):
    meeting, items = agenda(cast.board, 2)
    run_batch(items)
    give_opinion(items[0], cast.surgeon, ["no_surgery"])
    removed = items[1].pk
    items[1].delete()
    assert run_batch([items[0]]) == "prepared: 1 new, 0 unchanged, 0 failed, 0 removed"
    assert preparation_of(items[0]).attempts == 2
    assert prepare_summary_batch.apply(args=[[items[0].pk, removed]]).get() == (
        "prepared: 0 new, 1 unchanged, 0 failed, 1 removed"
    )
    assert prepare_summary_batch.apply(args=[[removed]]).get() == (
        "skipped: the agenda items were removed"
    )


def test_a_stale_summary_that_cannot_be_rebuilt_is_shown_failed(cast, monkeypatch):
    meeting, items = agenda(cast.board, 2)
    run_batch(items)
    give_opinion(items[0], cast.surgeon, ["no_surgery"])

    def broken(item):
        raise ValueError("no")

    monkeypatch.setattr(preparation, "summary_build", broken)
    assert run_batch(items) == "prepared: 0 new, 1 unchanged, 1 failed, 0 removed"
    assert [preparation_of(item).status for item in items] == ["failed", "done"]
    assert summary_is_stale(items[0]) is True


# --- a run that outlived its lease ---------------------------------------------------------------


@pytest.mark.parametrize("task", ["one", "batch"])
def test_a_late_failure_leaves_an_item_another_run_claimed_since(cast, monkeypatch, task):
    """The run's lease ran out while it was stuck, the item was reclaimed and claimed by another
    run; when the first run then fails, the item stays the other run's (not "failed")."""
    meeting, (item,) = agenda(cast.board, 1)
    later = timezone.now() + dt.timedelta(minutes=5)

    def stuck_then_failing(*args, **kwargs):
        SummaryPreparation.objects.filter(agenda_item=item).update(
            status=SummaryPreparation.Status.RUNNING, started_at=later, attempts=F("attempts") + 1
        )
        raise RuntimeError("the late run fails")

    monkeypatch.setattr(preparation, "summary_prepare", stuck_then_failing)
    monkeypatch.setattr(preparation, "summaries_prepare", stuck_then_failing)
    if task == "one":
        result = preparation.prepare_agenda_item_summary.apply(args=[item.pk]).get()
    else:
        result = preparation.prepare_summary_batch.apply(args=[[item.pk]]).get()
    assert result == "failed: RuntimeError"
    row = SummaryPreparation.objects.get(agenda_item=item)
    assert (row.status, row.error, row.started_at, row.attempts) == ("running", "", later, 2)


def test_a_failure_is_recorded_on_the_run_s_own_claim(cast):
    meeting, (item,) = agenda(cast.board, 1)
    claimed_at = timezone.now()
    SummaryPreparation.objects.create(
        agenda_item=item, status=SummaryPreparation.Status.RUNNING, started_at=claimed_at
    )
    preparation.preparations_fail([item.pk], "x", claimed_at=claimed_at - dt.timedelta(seconds=1))
    assert SummaryPreparation.objects.get(agenda_item=item).status == "running"
    preparation.preparations_fail([item.pk], "x", claimed_at=claimed_at)
    assert SummaryPreparation.objects.get(agenda_item=item).status == "failed"

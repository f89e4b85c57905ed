"""Summary tasks (run eagerly here): idempotent, bounded retries, failures recorded without data."""

from __future__ import annotations

import datetime as dt

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError
from django.utils import timezone

from recommendations.models import PreMeetingSummary, SummaryPreparation
from recommendations.summaries import services as summaries
from recommendations.summaries import tasks
from recommendations.tests.summaries.test_services import agenda, give_opinion
from tests.factories import MeetingFactory
from tumorboard.celery import app

pytestmark = pytest.mark.django_db


def run(agenda_item_id) -> str:
    return tasks.prepare_agenda_item_summary.apply(args=[agenda_item_id]).get()


def preparation(item) -> SummaryPreparation:
    return SummaryPreparation.objects.get(agenda_item=item)


def test_the_task_prepares_the_summary_and_records_progress(cast):
    meeting, (item,) = agenda(cast.board)
    assert run(item.pk) == "prepared: version 1"
    prep = preparation(item)
    assert (prep.status, prep.attempts, prep.error) == ("done", 1, "")
    assert prep.started_at is not None and prep.finished_at >= prep.started_at


def test_a_task_run_twice_makes_one_version(cast):
    meeting, (item,) = agenda(cast.board)
    assert run(item.pk) == "prepared: version 1"
    assert run(item.pk) == "skipped: nothing to prepare"
    assert PreMeetingSummary.objects.filter(agenda_item=item).count() == 1
    assert preparation(item).attempts == 1


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
    assert preparation(item).attempts == 2


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

    monkeypatch.setattr(summaries, "summary_build", broken)
    assert run(item.pk) == "failed: ValueError"
    prep = preparation(item)
    assert prep.status == "failed"
    assert prep.error == "Could not build the summary (ValueError). Retry, or report it."
    assert mrn not in prep.error
    assert PreMeetingSummary.objects.count() == 0

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        summaries.preparation_retry(agenda_item=item, by=cast.coordinator)
    assert preparation(item).status == "done"
    assert PreMeetingSummary.objects.filter(agenda_item=item).count() == 1


@pytest.fixture
def eager_retries(monkeypatch):
    """Eager apply() runs retries in turn only when errors are not propagated."""
    monkeypatch.setitem(app.conf, "task_eager_propagates", False)


def test_the_database_going_away_is_retried_then_succeeds(cast, monkeypatch, eager_retries):
    meeting, (item,) = agenda(cast.board)
    real = summaries.summary_prepare
    calls = []

    def flaky(agenda_item_id):
        calls.append(agenda_item_id)
        if len(calls) <= 2:
            raise OperationalError("connection lost")
        return real(agenda_item_id)

    monkeypatch.setattr(summaries, "summary_prepare", flaky)
    result = tasks.prepare_agenda_item_summary.apply(args=[item.pk])
    assert len(calls) == 3
    assert preparation(item).status == "done"
    assert preparation(item).attempts == 3
    assert result.get() == "prepared: version 1"


def test_retries_are_bounded_and_the_last_failure_is_recorded(cast, monkeypatch, eager_retries):
    meeting, (item,) = agenda(cast.board)
    calls = []

    def down(agenda_item_id):
        calls.append(agenda_item_id)
        raise OperationalError("connection refused")

    monkeypatch.setattr(summaries, "summary_prepare", down)
    result = tasks.prepare_agenda_item_summary.apply(args=[item.pk])
    assert result.get() == "failed: database unavailable"
    assert len(calls) == tasks.MAX_RETRIES + 1
    prep = preparation(item)
    assert prep.status == "failed"
    assert prep.error.startswith("Database unavailable after 4 attempts")


def test_a_time_out_is_recorded(cast, monkeypatch):
    meeting, (item,) = agenda(cast.board)

    def slow(agenda_item):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(summaries, "summary_build", slow)
    assert run(item.pk) == "failed: timed out"
    assert preparation(item).error.startswith("Timed out after 60 seconds")
    assert PreMeetingSummary.objects.count() == 0


def test_a_redelivered_task_reclaims_a_running_item(cast):
    # A worker killed mid-task leaves the row "running"; the redelivered message completes it.
    meeting, (item,) = agenda(cast.board)
    SummaryPreparation.objects.create(agenda_item=item, status="running", attempts=1)
    assert run(item.pk) == "prepared: version 1"
    assert preparation(item).attempts == 2


def test_the_tasks_have_time_limits_late_acks_and_bounded_retries():
    task = tasks.prepare_agenda_item_summary
    assert task.acks_late is True
    assert (task.soft_time_limit, task.time_limit) == (60, 90)
    assert task.max_retries == 3
    assert app.conf.task_reject_on_worker_lost is True


def test_the_meeting_task_prepares_every_item(cast, django_capture_on_commit_callbacks):
    meeting, items = agenda(cast.board, 3)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert tasks.prepare_meeting_summaries.apply(args=[meeting.pk]).get() == 3
    assert len(callbacks) == 3
    progress = summaries.meeting_preparation_progress(meeting)
    assert (progress.prepared, progress.total) == (3, 3)


def test_the_meeting_task_ignores_a_cancelled_meeting(cast):
    meeting, items = agenda(cast.board, 1)
    meeting.status = "cancelled"
    meeting.save()
    assert tasks.prepare_meeting_summaries.apply(args=[meeting.pk]).get() == 0
    assert SummaryPreparation.objects.count() == 0


def test_beat_prepares_meetings_at_their_opinion_deadline(cast, django_capture_on_commit_callbacks):
    now = timezone.now()
    due, due_items = agenda(
        cast.board,
        2,
        meeting=MeetingFactory(board=cast.board, starts_at=now + dt.timedelta(hours=2)),
    )
    later, later_items = agenda(
        cast.board,
        1,
        meeting=MeetingFactory(board=cast.board, starts_at=now + dt.timedelta(days=3)),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.prepare_due_meetings.apply().get() == 2
    assert PreMeetingSummary.objects.filter(agenda_item__meeting=due).count() == 2
    assert PreMeetingSummary.objects.filter(agenda_item__meeting=later).count() == 0
    # The next beat finds nothing new to do.
    assert tasks.prepare_due_meetings.apply().get() == 0


def test_the_beat_schedule_runs_the_deadline_task():
    entries = [entry["task"] for entry in app.conf.beat_schedule.values()]
    assert "recommendations.summaries.tasks.prepare_due_meetings" in entries

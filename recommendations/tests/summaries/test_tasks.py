"""The tasks that ask for preparation (run eagerly): a meeting's agenda, the opinion deadline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from recommendations.models import PreMeetingSummary, SummaryPreparation
from recommendations.summaries.selectors import meeting_preparation_progress
from recommendations.summaries.tasks import (
    prepare_due_meetings,
    prepare_meeting_summaries,
)
from recommendations.tests.summaries.agendas import agenda
from tests.factories import MeetingFactory
from tumorboard.celery import app

pytestmark = pytest.mark.django_db


# --- a meeting's agenda, and the opinion deadline ----------------------------------------------


def test_the_meeting_task_prepares_every_item(cast, django_capture_on_commit_callbacks):
    meeting, items = agenda(cast.board, 3)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert prepare_meeting_summaries.apply(args=[meeting.pk]).get() == 3
    assert len(callbacks) == 3
    progress = meeting_preparation_progress(meeting)
    assert (progress.prepared, progress.total) == (3, 3)


def test_the_meeting_task_ignores_a_cancelled_meeting(cast):
    meeting, items = agenda(cast.board, 1)
    meeting.status = "cancelled"
    meeting.save()
    assert prepare_meeting_summaries.apply(args=[meeting.pk]).get() == 0
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
        assert prepare_due_meetings.apply().get() == 2
    assert PreMeetingSummary.objects.filter(agenda_item__meeting=due).count() == 2
    assert PreMeetingSummary.objects.filter(agenda_item__meeting=later).count() == 0
    # The next beat finds nothing new to do.
    assert prepare_due_meetings.apply().get() == 0


def test_the_beat_schedule_runs_the_deadline_task():
    entries = [entry["task"] for entry in app.conf.beat_schedule.values()]
    assert "recommendations.summaries.tasks.prepare_due_meetings" in entries

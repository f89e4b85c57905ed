"""The worklist selectors of scheduling: ready cases without a meeting, upcoming meetings and
the chair's meetings to run, each scoped to the user's boards and duties."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from scheduling.access import boards_chaired_by
from scheduling.models import Meeting
from scheduling.selectors import (
    meetings_to_run,
    ready_cases_without_meeting,
    upcoming_board_meetings,
)
from scheduling.tests.helpers import ready_case
from tests.factories import AgendaItemFactory, MeetingFactory

pytestmark = pytest.mark.django_db


def _meeting(board, hours, **fields):
    start = timezone.now() + dt.timedelta(hours=hours)
    return MeetingFactory(
        board=board, starts_at=start, ends_at=start + dt.timedelta(hours=1), **fields
    )


def test_ready_cases_without_meeting_for_the_boards_coordinators(cast, meeting):
    waiting = ready_case(cast.board)
    on_agenda = ready_case(cast.board)
    AgendaItemFactory(meeting=meeting, case=on_agenda)
    ready_case(cast.other_board)
    shown = ready_cases_without_meeting(user=cast.coordinator)
    assert (shown.rows, shown.count) == ([waiting], 1)
    assert ready_cases_without_meeting(user=cast.chair).rows == [waiting]
    assert ready_cases_without_meeting(user=cast.surgeon).count == 0  # a member, no coordinator
    assert ready_cases_without_meeting(user=cast.patient_user).count == 0
    more = ready_case(cast.board)
    limited = ready_cases_without_meeting(user=cast.coordinator, limit=1)
    assert (limited.rows, limited.count, limited.more) == ([waiting], 2, 1)
    assert more not in limited.rows


def test_upcoming_meetings_and_meetings_to_run(cast, meeting):
    running = _meeting(cast.board, -3, status=Meeting.Status.IN_PROGRESS)  # ran over
    over = _meeting(cast.board, -3)  # planned, never run: past
    _meeting(cast.board, 30, status=Meeting.Status.CANCELLED)
    _meeting(cast.board, -50, status=Meeting.Status.CLOSED)
    _meeting(cast.other_board, 20)
    AgendaItemFactory(meeting=meeting)
    upcoming = upcoming_board_meetings(user=cast.coordinator)
    assert upcoming.rows == [meeting] and upcoming.rows[0].n_cases == 1
    to_run = meetings_to_run(user=cast.chair)
    assert to_run.rows == [running, meeting]
    assert over not in to_run.rows
    assert meetings_to_run(user=cast.coordinator).count == 0  # not the chair
    assert upcoming_board_meetings(user=cast.surgeon).count == 0


def test_boards_chaired_by(cast, admin_user):
    assert list(boards_chaired_by(cast.chair)) == [cast.board]
    assert not boards_chaired_by(cast.coordinator).exists()
    assert not boards_chaired_by(cast.patient_user).exists()
    assert boards_chaired_by(admin_user).count() == 2

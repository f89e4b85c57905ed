"""Standing schedules of a board and the meetings they generate."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from tumorboard.errors import ApplicationError
from tumorboard.services import save_validated

from .. import recurrence as rec
from ..models import Board, BoardSchedule, Meeting
from ..rules import board_today, overlapping_meetings
from .common import check_duration, require_coordinator

# Meetings are generated at most this far ahead, whatever `until` a caller asks for.
GENERATE_AT_MOST = dt.timedelta(days=366)


@transaction.atomic
def board_schedule_create(
    *,
    board: Board,
    recurrence: str,
    local_start_time: dt.time,
    duration_minutes: int,
    starts_on: dt.date,
    location: str = "",
    video_link: str = "",
    by: AbstractBaseUser,
) -> BoardSchedule:
    """Record a standing schedule, e.g. recurrence "FREQ=WEEKLY;BYDAY=TU" at 07:30 for 60 minutes.

    `recurrence` is an RRULE without DTSTART (see scheduling.recurrence); it is stored normalised.
    Refused, on the named field: an invalid rule or one that produces no meeting within a year
    (`recurrence`), a duration outside 5–480 minutes (`duration_minutes`), a board time zone that
    does not exist (`board`). Meetings are made by `meetings_generate`, not here. Only the
    board's coordinators and chair (PermissionDenied).
    """
    require_coordinator(by, board)
    text = rec.normalise_recurrence(recurrence)
    rec.board_zone(board.time_zone)
    check_duration(duration_minutes)
    if not isinstance(starts_on, dt.date) or isinstance(starts_on, dt.datetime):
        raise ApplicationError("Give the first day.", fields={"starts_on": ["Give a date."]})
    if not isinstance(local_start_time, dt.time):
        raise ApplicationError(
            "Give the start time.", fields={"local_start_time": ["Give a time of day."]}
        )
    first = rec.first_occurrence(
        recurrence=text,
        starts_on=starts_on,
        local_start_time=local_start_time,
        time_zone=board.time_zone,
    )
    if first is None:
        raise ApplicationError(
            "The recurrence rule is not valid.",
            fields={
                "recurrence": [
                    f"The rule produces no meeting within a year from {starts_on:%d %b %Y}."
                ]
            },
        )
    schedule = BoardSchedule(
        board=board,
        recurrence=text,
        local_start_time=local_start_time,
        duration_minutes=duration_minutes,
        starts_on=starts_on,
        location=location,
        video_link=video_link,
        active=True,
    )
    save_validated(schedule, by=by, creating=True)
    return schedule


@transaction.atomic
def meetings_generate(
    *, schedule: BoardSchedule, until: dt.date, by: AbstractBaseUser | None = None
) -> list[Meeting]:
    """Create the schedule's meetings that start from now up to and including the local date
    `until` (at most a year ahead); returns the meetings created, earliest first.

    Idempotent: a start that already has a meeting of the board (in any status, so a cancelled
    occurrence is not brought back) is skipped, and so is a start that would overlap another
    meeting of the board that is not cancelled. Past occurrences are never created. An inactive
    schedule creates nothing. `by` is None for the beat task; a person must coordinate the board
    (PermissionDenied).
    """
    if by is not None:
        require_coordinator(by, schedule.board_id)
    board = Board.objects.select_for_update().get(pk=schedule.board_id)
    schedule = BoardSchedule.objects.get(pk=schedule.pk)
    if not schedule.active:
        return []
    if not isinstance(until, dt.date) or isinstance(until, dt.datetime):
        raise ApplicationError("Give the last day.", fields={"until": ["Give a date."]})
    if until - board_today(board) > GENERATE_AT_MOST:
        raise ApplicationError(
            "Meetings are generated at most a year ahead.",
            fields={"until": ["Choose a date within a year from today."]},
        )
    starts = rec.occurrences(
        recurrence=schedule.recurrence,
        starts_on=schedule.starts_on,
        local_start_time=schedule.local_start_time,
        time_zone=board.time_zone,
        after=timezone.now(),
        until=until,
    )
    taken = set(
        Meeting.objects.filter(board=board, starts_at__in=starts).values_list(
            "starts_at", flat=True
        )
    )
    created = []
    length = dt.timedelta(minutes=schedule.duration_minutes)
    for starts_at in starts:
        if starts_at in taken:
            continue
        if overlapping_meetings(starts_at=starts_at, ends_at=starts_at + length, board=board):
            continue
        meeting = Meeting(
            board=board,
            starts_at=starts_at,
            ends_at=starts_at + length,
            kind=Meeting.Kind.REGULAR,
            schedule=schedule,
            location=schedule.location,
            video_link=schedule.video_link,
            status=Meeting.Status.PLANNED,
        )
        save_validated(meeting, by=by, creating=True)
        created.append(meeting)
    return created

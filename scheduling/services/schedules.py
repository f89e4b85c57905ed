"""Standing schedules of a board and the meetings they generate."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from tumorboard.errors import BAD_INPUT, ApplicationError
from tumorboard.services import save_validated

from .. import recurrence as rec
from ..models import Board, BoardSchedule, Meeting
from ..rules import board_today, overlapping_meetings
from .common import check_duration, require_coordinator

# Meetings are generated at most this far ahead, whatever `until` a caller asks for.
GENERATE_AT_MOST = dt.timedelta(days=366)


def _built_rule(
    *,
    frequency: str,
    weekday: int,
    week_of_month: int | None,
    local_start_time: dt.time,
    time_zone: str,
    duration_minutes: int,
    starts_on: dt.date,
) -> str:
    """Check a schedule's parts and return the RRULE built from them (`recurrence.pattern_rule`);
    every problem is an ApplicationError naming its field."""
    errors = rec.pattern_problems(frequency=frequency, weekday=weekday, week_of_month=week_of_month)
    zone_problem = rec.time_zone_problem(time_zone)
    if zone_problem:
        errors["time_zone"] = [zone_problem]
    if not isinstance(starts_on, dt.date) or isinstance(starts_on, dt.datetime):
        errors["starts_on"] = ["Give a date."]
    if not isinstance(local_start_time, dt.time):
        errors["local_start_time"] = ["Give a time of day."]
    if errors:
        raise ApplicationError(BAD_INPUT, fields=errors)
    check_duration(duration_minutes)
    text = rec.pattern_rule(
        rec.SchedulePattern(frequency, weekday, week_of_month if frequency == rec.MONTHLY else None)
    )
    first = rec.first_occurrence(
        recurrence=text, starts_on=starts_on, local_start_time=local_start_time, time_zone=time_zone
    )
    if first is None:  # pragma: no cover - every pattern meets within a month of its first day
        raise ApplicationError(
            "The schedule produces no meeting.",
            fields={"starts_on": [f"No meeting within a year from {starts_on:%d %b %Y}."]},
        )
    return text


@transaction.atomic
def board_schedule_create(
    *,
    board: Board,
    frequency: str,
    weekday: int,
    local_start_time: dt.time,
    time_zone: str,
    duration_minutes: int,
    starts_on: dt.date,
    week_of_month: int | None = None,
    location: str = "",
    video_link: str = "",
    by: AbstractBaseUser,
) -> BoardSchedule:
    """Record a standing schedule, e.g. every Thursday (weekday 3) at 07:30, Europe/London, for
    60 minutes: "Every Thursday at 07:30, Europe/London".

    `frequency` is weekly, fortnightly or monthly (then on the `week_of_month`: 1-4, or -1 for
    the last); the RRULE is built here (`recurrence.pattern_rule`), never typed. Refused, on the
    named field: an unknown frequency, weekday or week, a time zone not in the IANA list, a
    duration outside 5–480 minutes. Meetings are made by `meetings_generate`, not here. Only the
    board's coordinators and chair (PermissionDenied).
    """
    require_coordinator(by, board)
    text = _built_rule(
        frequency=frequency,
        weekday=weekday,
        week_of_month=week_of_month,
        local_start_time=local_start_time,
        time_zone=time_zone,
        duration_minutes=duration_minutes,
        starts_on=starts_on,
    )
    schedule = BoardSchedule(
        board=board,
        recurrence=text,
        local_start_time=local_start_time,
        time_zone=time_zone,
        duration_minutes=duration_minutes,
        starts_on=starts_on,
        location=location,
        video_link=video_link,
        active=True,
    )
    save_validated(schedule, by=by, creating=True)
    return schedule


@transaction.atomic
def board_schedule_update(
    *,
    schedule: BoardSchedule,
    frequency: str,
    weekday: int,
    local_start_time: dt.time,
    time_zone: str,
    duration_minutes: int,
    starts_on: dt.date,
    week_of_month: int | None = None,
    location: str = "",
    video_link: str = "",
    active: bool = True,
    by: AbstractBaseUser,
) -> BoardSchedule:
    """Change a standing schedule (every part, as `board_schedule_create` checks them), or stop
    it (`active` false: it generates no more meetings). Meetings it already generated keep their
    time; the next `meetings_generate` adds the new pattern's. Only the board's coordinators
    and chair (PermissionDenied)."""
    require_coordinator(by, schedule.board_id)
    text = _built_rule(
        frequency=frequency,
        weekday=weekday,
        week_of_month=week_of_month,
        local_start_time=local_start_time,
        time_zone=time_zone,
        duration_minutes=duration_minutes,
        starts_on=starts_on,
    )
    if not isinstance(active, bool):
        raise ApplicationError(BAD_INPUT, fields={"active": ["Choose yes or no."]})
    locked = BoardSchedule.objects.select_for_update().get(pk=schedule.pk)
    locked.recurrence = text
    locked.local_start_time = local_start_time
    locked.time_zone = time_zone
    locked.duration_minutes = duration_minutes
    locked.starts_on = starts_on
    locked.location = location
    locked.video_link = video_link
    locked.active = active
    save_validated(locked, by=by)
    return locked


@transaction.atomic
def board_schedule_delete(*, schedule: BoardSchedule, by: AbstractBaseUser) -> None:
    """Remove a standing schedule. The meetings it generated stay (they no longer name it).
    Only the board's coordinators and chair (PermissionDenied)."""
    require_coordinator(by, schedule.board_id)
    locked = BoardSchedule.objects.select_for_update().get(pk=schedule.pk)
    locked._history_user = by  # the history row of the deletion names who removed it
    locked.delete()


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
        time_zone=schedule.time_zone,
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

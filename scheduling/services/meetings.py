"""Planning, moving, starting and cancelling meetings (closing one: `closing`).

The board row is locked while meetings are created or moved, so two coordinators cannot plan
overlapping meetings. Only the board's coordinators and chair plan and change meetings: each
service refuses anyone else (PermissionDenied).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from cases.models import Case
from tumorboard import bounds
from tumorboard.errors import ApplicationError
from tumorboard.services import save_validated

from ..models import Board, Meeting, Notification
from ..notifications import meeting_link, notify
from ..rules import (
    meeting_booked_minutes,
    meeting_minutes,
    overlapping_meetings,
)
from .agenda import agenda_item_add, close_agenda_items, unschedule_case
from .attendance import ATTENDANCE_OPENS_BEFORE
from .common import (
    check_duration,
    expected_invitations,
    local_start,
    lock_meeting,
    refuse_unless_planned_and_upcoming,
    require_coordinator,
    required_reason,
)


def _check_times(starts_at, ends_at) -> None:
    naive = {
        name: ["Give a time with a time zone."]
        for name, value in (("starts_at", starts_at), ("ends_at", ends_at))
        if isinstance(value, dt.datetime) and timezone.is_naive(value)
    }
    if naive:
        raise ApplicationError("Meeting times need a time zone.", fields=naive)
    if not isinstance(starts_at, dt.datetime) or not isinstance(ends_at, dt.datetime):
        return  # full_clean names the field
    if ends_at <= starts_at:
        raise ApplicationError(
            "The meeting must end after it starts.",
            fields={"ends_at": ["The end must be later than the start."]},
        )


def _check_slot(
    *, board: Board, starts_at: dt.datetime, ends_at: dt.datetime, exclude: Meeting | None = None
) -> None:
    """Refuse a start in the past or more than two years ahead (bounds.MEETING_AHEAD), and a
    clash with another meeting of the same board."""
    if starts_at <= timezone.now():
        raise ApplicationError(
            "A meeting cannot be planned in the past.",
            fields={"starts_at": ["Choose a start time in the future."]},
        )
    if starts_at > timezone.now() + bounds.MEETING_AHEAD:
        raise ApplicationError(
            "A meeting can be planned at most two years ahead.",
            fields={"starts_at": ["Choose a start within the next two years."]},
        )
    clashes = overlapping_meetings(starts_at=starts_at, ends_at=ends_at, board=board)
    if exclude is not None:
        clashes = clashes.exclude(pk=exclude.pk)
    clash = clashes.select_related("board").order_by("starts_at").first()
    if clash is not None:
        raise ApplicationError(
            f"This overlaps the board's meeting on {local_start(clash)}.",
            fields={"starts_at": ["Choose a time when the board has no other meeting."]},
        )


@transaction.atomic
def meeting_create(
    *,
    board: Board,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    by: AbstractBaseUser,
    kind: str = Meeting.Kind.REGULAR,
    location: str = "",
    video_link: str = "",
) -> Meeting:
    """Plan a board meeting.

    Times must be time-zone aware, the end later than the start, the start in the future, and the
    meeting must not overlap another (not cancelled) meeting of the same board. The board row is
    locked so two coordinators cannot plan overlapping meetings at once. Only the board's
    coordinators and chair (PermissionDenied).
    """
    require_coordinator(by, board)
    _check_times(starts_at, ends_at)
    board = Board.objects.select_for_update().get(pk=board.pk)
    if isinstance(starts_at, dt.datetime) and isinstance(ends_at, dt.datetime):
        _check_slot(board=board, starts_at=starts_at, ends_at=ends_at)
    meeting = Meeting(
        board=board,
        starts_at=starts_at,
        ends_at=ends_at,
        kind=kind,
        location=location,
        video_link=video_link,
        status=Meeting.Status.PLANNED,
    )
    save_validated(meeting, by=by, creating=True)
    return meeting


@transaction.atomic
def meeting_create_urgent(
    *,
    board: Board,
    starts_at: dt.datetime,
    by: AbstractBaseUser,
    duration_minutes: int = 30,
    location: str = "",
    video_link: str = "",
    cases: Sequence[Case] = (),
) -> Meeting:
    """An ad-hoc urgent meeting (kind ad_hoc), optionally with its cases already on the agenda.

    Same rules as `meeting_create`; each case is added with `agenda_item_add` (urgent cases first).
    Invite people with `invite_members`.
    """
    require_coordinator(by, board)
    check_duration(duration_minutes)
    ends_at = (
        starts_at + dt.timedelta(minutes=duration_minutes)
        if isinstance(starts_at, dt.datetime)
        else None
    )
    meeting = meeting_create(
        board=board,
        starts_at=starts_at,
        ends_at=ends_at,
        by=by,
        kind=Meeting.Kind.AD_HOC,
        location=location,
        video_link=video_link,
    )
    for case in cases:
        agenda_item_add(meeting=meeting, case=case, by=by)
    return meeting


@transaction.atomic
def meeting_reschedule(
    *, meeting: Meeting, starts_at: dt.datetime, ends_at: dt.datetime, by: AbstractBaseUser
) -> Meeting:
    """Move a planned meeting that has not started. Same time rules as `meeting_create`, and
    the new times must leave room for the agenda's minutes unless overbooking was allowed.

    Everyone invited (and not declined) is told the new time.
    """
    require_coordinator(by, meeting.board_id)
    _check_times(starts_at, ends_at)
    board = Board.objects.select_for_update().get(pk=meeting.board_id)
    meeting = lock_meeting(meeting)
    refuse_unless_planned_and_upcoming(meeting, "its time")
    _check_slot(board=board, starts_at=starts_at, ends_at=ends_at, exclude=meeting)
    before = local_start(meeting)
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    booked = meeting_booked_minutes(meeting)
    if booked > meeting_minutes(meeting) and meeting.overbooking_allowed_at is None:
        raise ApplicationError(
            f"The agenda needs {booked} minutes; the new times give {meeting_minutes(meeting)}.",
            fields={
                "ends_at": ["Keep the meeting long enough, or record an overbooking override."]
            },
        )
    save_validated(meeting, by=by)
    for invitation in expected_invitations(meeting):
        notify(
            recipient=invitation.user,
            kind=Notification.Kind.GENERAL,
            dedupe_key=f"meeting-moved:{meeting.uuid}:{invitation.user_id}:{int(starts_at.timestamp())}",
            subject=f"{meeting.board.name}: meeting moved to {local_start(meeting)}",
            body=f"The {meeting.board.name} meeting on {before} now starts {local_start(meeting)}.",
            link=meeting_link(meeting),
        )
    return meeting


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, by: AbstractBaseUser, reason: str) -> Meeting:
    """Call off a planned meeting (with a reason, kept in its history).

    Its agenda items are closed so the cases can go on another agenda; cases that were scheduled
    for it go back to ready. Everyone invited (and not declined) is told. Only the board's
    coordinators and chair (PermissionDenied).
    """
    require_coordinator(by, meeting.board_id)
    reason = required_reason(reason)
    meeting = lock_meeting(meeting)
    if meeting.status != Meeting.Status.PLANNED:
        raise ApplicationError(
            f"Only a planned meeting can be cancelled; this one is "
            f"{meeting.get_status_display().lower()}.",
            fields={"meeting": ["Choose a planned meeting."]},
        )
    meeting.status = Meeting.Status.CANCELLED
    meeting._change_reason = reason
    save_validated(meeting, by=by)
    items = list(meeting.agenda_items.filter(is_open=True))
    close_agenda_items(items, by=by, reason=f"Meeting cancelled: {reason}")
    for item in items:
        unschedule_case(item.case_id, by=by, reason=f"Meeting on {local_start(meeting)} cancelled")
    for invitation in expected_invitations(meeting):
        notify(
            recipient=invitation.user,
            kind=Notification.Kind.GENERAL,
            dedupe_key=f"meeting-cancelled:{meeting.uuid}:{invitation.user_id}",
            subject=f"{meeting.board.name}: meeting on {local_start(meeting)} cancelled",
            body=f"The meeting on {local_start(meeting)} is cancelled. Reason: {reason}",
            link=meeting_link(meeting),
        )
    return meeting


# A meeting can be started (and attendance taken) from shortly before its start: people arrive
# early.
START_OPENS_BEFORE = ATTENDANCE_OPENS_BEFORE


@transaction.atomic
def meeting_start(*, meeting: Meeting, by: AbstractBaseUser) -> Meeting:
    """Start a planned meeting: it shows as in progress until it is closed.

    From an hour before its start (`START_OPENS_BEFORE`); a meeting that is late to start can
    still be started. Its agenda is then final (`rules.meeting_has_started`). Only the board's
    coordinators and chair (PermissionDenied).
    """
    require_coordinator(by, meeting.board_id)
    meeting = lock_meeting(meeting)
    if meeting.status != Meeting.Status.PLANNED:
        raise ApplicationError(
            f"This meeting is already {meeting.get_status_display().lower()}.",
            fields={"meeting": ["Only a planned meeting can be started."]},
        )
    if timezone.now() < meeting.starts_at - START_OPENS_BEFORE:
        raise ApplicationError(
            "It is too early to start this meeting.",
            fields={"meeting": ["A meeting can be started from an hour before its start."]},
        )
    meeting.status = Meeting.Status.IN_PROGRESS
    meeting._change_reason = "Meeting started"
    save_validated(meeting, by=by)
    return meeting

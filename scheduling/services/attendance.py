"""Who attended a meeting, and how."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from tumorboard.errors import ApplicationError
from tumorboard.services import save_validated

from ..models import Attendance, BoardMembership, Meeting
from ..rules import INACTIVE_MEETING_STATUSES
from .common import expected_people, lock_meeting, require_coordinator

# Attendance can be taken from shortly before the start (people arrive early).
ATTENDANCE_OPENS_BEFORE = dt.timedelta(minutes=60)


def _check_open(meeting: Meeting) -> None:
    if meeting.status in INACTIVE_MEETING_STATUSES:
        raise ApplicationError(
            f"This meeting is {meeting.get_status_display().lower()}; attendance is final.",
            fields={"meeting": ["Choose a planned or running meeting."]},
        )
    if timezone.now() < meeting.starts_at - ATTENDANCE_OPENS_BEFORE:
        raise ApplicationError(
            "Attendance is taken at the meeting.",
            fields={"meeting": ["Record attendance from an hour before the start."]},
        )


def _write(
    meeting: Meeting, user_id: int, mode: str, *, by, current: dict[int, Attendance]
) -> tuple[Attendance, bool]:
    """One person's attendance row, created or changed to `mode`; and whether it was written."""
    attendance = current.get(user_id)
    if attendance is None:
        attendance = Attendance(meeting=meeting, user_id=user_id, mode=mode)
        save_validated(attendance, by=by, creating=True)
    elif attendance.mode != mode:
        attendance.mode = mode
        save_validated(attendance, by=by)
    else:
        return attendance, False
    return attendance, True


@transaction.atomic
def attendance_record(
    *, meeting: Meeting, user: AbstractBaseUser, mode: str, by: AbstractBaseUser
) -> Attendance:
    """Record (or correct) how a person attended: in person, remote or absent.

    Only for board members or invitees; from an hour before the start until the meeting is
    closed; not for a cancelled meeting. Taken by the board's coordinators and chair
    (PermissionDenied for anyone else).
    """
    require_coordinator(by, meeting.board_id)
    meeting = lock_meeting(meeting)
    if mode not in Attendance.Mode.values:
        raise ApplicationError(
            "Choose how they attended.",
            fields={"mode": [f"Choose one of: {', '.join(Attendance.Mode.values)}."]},
        )
    _check_open(meeting)
    is_member = BoardMembership.objects.filter(board=meeting.board, user=user).exists()
    if not is_member and not meeting.invitations.filter(user=user).exists():
        raise ApplicationError(
            "This person is not a member of the board nor invited.",
            fields={"user": ["Invite them first."]},
        )
    current = {a.user_id: a for a in Attendance.objects.filter(meeting=meeting, user=user)}
    return _write(meeting, user.pk, mode, by=by, current=current)[0]


@transaction.atomic
def attendance_take(
    *,
    meeting: Meeting,
    by: AbstractBaseUser,
    modes: Mapping[int, str] | None = None,
    mark_expected_present: bool = False,
) -> list[Attendance]:
    """Take the attendance of everyone in one step; returns the rows written.

    With `mark_expected_present`, everyone the meeting expects (`common.expected_people`: the
    invitees who accepted or have not answered, or every member when nobody is invited) and
    who is not recorded yet is recorded as present in person. `modes` (person id → in_person,
    remote or absent) then records or corrects each person named, board member or invitee.
    All or nothing: an unknown person or mode is refused with every problem listed. Same window
    and actors as `attendance_record`.
    """
    require_coordinator(by, meeting.board_id)
    meeting = lock_meeting(meeting)
    _check_open(meeting)
    modes = dict(modes or {})
    allowed = set(
        BoardMembership.objects.filter(board=meeting.board).values_list("user_id", flat=True)
    ) | set(meeting.invitations.values_list("user_id", flat=True))
    problems = [
        f"{user_id}: not a member of the board nor invited."
        for user_id in modes
        if user_id not in allowed
    ] + [
        f"{user_id}: choose one of {', '.join(Attendance.Mode.values)}."
        for user_id, mode in modes.items()
        if user_id in allowed and mode not in Attendance.Mode.values
    ]
    if problems:
        raise ApplicationError(
            "Some attendance could not be recorded; nothing was saved.",
            fields={"people": problems},
        )
    current = {a.user_id: a for a in Attendance.objects.filter(meeting=meeting)}
    wanted: dict[int, str] = {}
    if mark_expected_present:
        wanted = {
            user_id: Attendance.Mode.IN_PERSON
            for user_id in expected_people(meeting).values_list("pk", flat=True)
            if user_id not in current
        }
    wanted |= modes
    written = [_write(meeting, uid, mode, by=by, current=current) for uid, mode in wanted.items()]
    return [row for row, changed in written if changed]

"""Who attended a meeting, and how."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from tumorboard.errors import ApplicationError
from tumorboard.services import save_validated

from ..models import Attendance, BoardMembership, Meeting
from ..rules import INACTIVE_MEETING_STATUSES
from .common import lock_meeting, require_coordinator

# Attendance can be taken from shortly before the start (people arrive early).
ATTENDANCE_OPENS_BEFORE = dt.timedelta(minutes=60)


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
    is_member = BoardMembership.objects.filter(board=meeting.board, user=user).exists()
    if not is_member and not meeting.invitations.filter(user=user).exists():
        raise ApplicationError(
            "This person is not a member of the board nor invited.",
            fields={"user": ["Invite them first."]},
        )
    attendance = Attendance.objects.filter(meeting=meeting, user=user).first()
    if attendance is None:
        attendance = Attendance(meeting=meeting, user=user, mode=mode)
        save_validated(attendance, by=by, creating=True)
    elif attendance.mode != mode:
        attendance.mode = mode
        save_validated(attendance, by=by)
    return attendance

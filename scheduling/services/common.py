"""What the scheduling services share: the meeting lock, the refusals they all make, the people a
meeting expects, and how a meeting's time is written in messages.

Lock order, to avoid deadlocks: board → meeting(s), earlier meeting first → case.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from tumorboard.errors import ApplicationError

from ..access import NOT_COORDINATOR, can_coordinate
from ..models import Board, Invitation, Meeting
from ..notifications import local_time
from ..rules import EXPECTED_RESPONSES, INACTIVE_MEETING_STATUSES, meeting_has_started

DURATION_RANGE = (5, 480)  # mirrors the schedule_duration_range constraint
REASON_MAX = 300


def require_coordinator(by, board: Board | int) -> None:
    """Refuse (PermissionDenied) an actor who is not a coordinator or the chair of the board
    (`scheduling.access`): every write to its schedules, meetings, agendas, invitations and
    attendance asks this first."""
    if not can_coordinate(by, board):
        raise PermissionDenied(NOT_COORDINATOR)


def local_start(meeting: Meeting) -> str:
    """The meeting's start in its board's time zone, as people at the board would say it."""
    return local_time(meeting.starts_at, meeting)


def required_reason(reason: str, *, field_name: str = "reason") -> str:
    """The reason, stripped; refused when empty or longer than REASON_MAX."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("Give a reason.", fields={field_name: ["A reason is required."]})
    if len(reason) > REASON_MAX:
        raise ApplicationError(
            "The reason is too long.",
            fields={field_name: [f"Keep it to {REASON_MAX} characters."]},
        )
    return reason


def check_duration(duration_minutes: object) -> int:
    """Whole minutes from 5 to 480 (a meeting lasts between 5 minutes and 8 hours)."""
    low, high = DURATION_RANGE
    if (
        isinstance(duration_minutes, bool)
        or not isinstance(duration_minutes, int)
        or not low <= duration_minutes <= high
    ):
        raise ApplicationError(
            "A meeting lasts between 5 minutes and 8 hours.",
            fields={"duration_minutes": [f"Give whole minutes from {low} to {high}."]},
        )
    return duration_minutes


def lock_meeting(meeting: Meeting) -> Meeting:
    """The meeting row, locked for the transaction, with its board."""
    return (
        Meeting.objects.select_for_update(of=("self",)).select_related("board").get(pk=meeting.pk)
    )


def refuse_unless_planned_and_upcoming(meeting: Meeting, what: str) -> None:
    """Refuse changing `what` of a meeting that is closed, cancelled or has started."""
    if meeting.status in INACTIVE_MEETING_STATUSES:
        raise ApplicationError(
            f"This meeting is {meeting.get_status_display().lower()}; {what} cannot change.",
            fields={"meeting": ["Choose a planned meeting."]},
        )
    if meeting_has_started(meeting):
        raise ApplicationError(
            f"This meeting has started; {what} cannot change.",
            fields={"meeting": ["Choose a meeting that has not started."]},
        )


def expected_invitations(meeting: Meeting) -> list[Invitation]:
    """The active invitees who accepted or have not answered, who are told of changes."""
    return list(
        meeting.invitations.filter(response__in=EXPECTED_RESPONSES, user__is_active=True)
        .select_related("user")
        .order_by("user_id")
    )


def board_members(board: Board):
    """The board's active members, once each."""
    return (
        get_user_model()
        .objects.filter(board_memberships__board=board, is_active=True)
        .distinct()
        .order_by("pk")
    )


def expected_people(meeting: Meeting):
    """Who the meeting expects: the active invitees who accepted or have not answered; every
    active member of the board when nobody is invited."""
    if meeting.invitations.exists():
        return (
            get_user_model()
            .objects.filter(
                meeting_invitations__meeting=meeting,
                meeting_invitations__response__in=EXPECTED_RESPONSES,
                is_active=True,
            )
            .distinct()
            .order_by("pk")
        )
    return board_members(meeting.board)

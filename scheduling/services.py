"""Every write to meetings and their agendas: keyword-only, atomic, validated, attributed."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from cases.models import Case
from tumorboard.errors import ApplicationError
from tumorboard.services import save_validated

from .models import AgendaItem, Board, Meeting

# A meeting that is over or called off no longer holds a case's place on the agenda.
INACTIVE_MEETING_STATUSES = (Meeting.Status.CLOSED, Meeting.Status.CANCELLED)
UNSCHEDULABLE_CASE_STATUSES = (Case.Status.CLOSED, Case.Status.WITHDRAWN)
MINUTES_RANGE = (1, 120)  # mirrors the agenda_minutes_range constraint


def _local(meeting: Meeting) -> str:
    """The meeting's start in its board's time zone, as people at the board would say it."""
    starts = timezone.localtime(meeting.starts_at, ZoneInfo(meeting.board.time_zone))
    return f"{starts:%a %d %b %Y %H:%M}"


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
    """Plan a board meeting: times must be time-zone aware and the end later than the start."""
    naive = {
        name: ["Give a time with a time zone."]
        for name, value in (("starts_at", starts_at), ("ends_at", ends_at))
        if isinstance(value, dt.datetime) and timezone.is_naive(value)
    }
    if naive:
        raise ApplicationError("Meeting times need a time zone.", fields=naive)
    if (
        isinstance(starts_at, dt.datetime)
        and isinstance(ends_at, dt.datetime)
        and ends_at <= starts_at
    ):
        raise ApplicationError(
            "The meeting must end after it starts.",
            fields={"ends_at": ["The end must be later than the start."]},
        )
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
def agenda_item_add(
    *, meeting: Meeting, case: Case, by: AbstractBaseUser, minutes_allotted: int = 10
) -> AgendaItem:
    """Append a case to the end of a meeting's agenda.

    Refused when the case is already on this meeting, or on another meeting of its board that
    has not yet ended (one place on one upcoming agenda at a time), when the case belongs to
    another board, is closed or withdrawn, or when the meeting is closed or cancelled.
    """
    # Lock the meeting so concurrent appends take consecutive positions, and the case so it
    # cannot be put on two agendas at once.
    meeting = Meeting.objects.select_for_update().select_related("board").get(pk=meeting.pk)
    case = Case.objects.select_for_update().get(pk=case.pk)

    if meeting.status in INACTIVE_MEETING_STATUSES:
        raise ApplicationError(
            f"This meeting is {meeting.get_status_display().lower()}; its agenda cannot change.",
            fields={"meeting": ["Choose a planned meeting."]},
        )
    if case.board_id != meeting.board_id:
        raise ApplicationError(
            "This case is referred to another board.",
            fields={"case": ["Only cases referred to this meeting's board can be added."]},
        )
    if case.status in UNSCHEDULABLE_CASE_STATUSES:
        raise ApplicationError(
            f"A {case.get_status_display().lower()} case cannot be put on an agenda.",
            fields={"case": ["Reopen or refer the case again first."]},
        )
    low, high = MINUTES_RANGE
    if (
        isinstance(minutes_allotted, bool)
        or not isinstance(minutes_allotted, int)
        or not (low <= minutes_allotted <= high)
    ):
        raise ApplicationError(
            "Allot between 1 and 120 minutes.",
            fields={"minutes_allotted": [f"Give whole minutes from {low} to {high}."]},
        )
    if AgendaItem.objects.filter(meeting=meeting, case=case).exists():
        raise ApplicationError(
            "This case is already on this meeting's agenda.",
            fields={"case": ["The case is already on this agenda."]},
        )
    elsewhere = (
        AgendaItem.objects.filter(case=case, meeting__ends_at__gt=timezone.now())
        .exclude(meeting__status__in=INACTIVE_MEETING_STATUSES)
        .select_related("meeting__board")
        .first()
    )
    if elsewhere is not None:
        raise ApplicationError(
            f"This case is already on the agenda of the meeting on {_local(elsewhere.meeting)}.",
            fields={"case": ["Remove it from that meeting first."]},
        )

    last = meeting.agenda_items.aggregate(last=Max("position"))["last"] or 0
    item = AgendaItem(
        meeting=meeting, case=case, position=last + 1, minutes_allotted=minutes_allotted
    )
    save_validated(item, by=by, creating=True)
    return item

"""Every write to schedules, meetings, agendas, invitations and attendance.

Keyword-only, atomic, validated before saving, attributed to `by`. Refusals are ApplicationError
with field messages and leave nothing changed. Contended rows are locked: the board row while
meetings are created or moved (so two coordinators cannot plan overlapping meetings), the meeting
row while its agenda changes (so concurrent edits serialise and never duplicate or lose a position).

Lock order, to avoid deadlocks: board → meeting(s), earlier meeting first → case.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from cases.models import Case
from cases.services import case_transition
from tumorboard.errors import ApplicationError, ConflictError
from tumorboard.services import save_validated

from . import recurrence as rec
from .models import (
    AgendaItem,
    Attendance,
    Board,
    BoardMembership,
    BoardSchedule,
    Discipline,
    Invitation,
    Meeting,
    Notification,
    SpecialistProfile,
)
from .notifications import case_link, local_time, meeting_link, notify
from .rules import (
    EXPECTED_RESPONSES,
    INACTIVE_MEETING_STATUSES,
    agenda_overview,
    board_coordinators,
    board_today,
    case_readiness,
    is_urgent,
    meeting_booked_minutes,
    meeting_has_started,
    meeting_minutes,
    member_conflicts,
    next_meeting_for,
    overlapping_meetings,
)

UNSCHEDULABLE_CASE_STATUSES = (Case.Status.CLOSED, Case.Status.WITHDRAWN)
MINUTES_RANGE = (1, 120)  # mirrors the agenda_minutes_range constraint
DURATION_RANGE = (5, 480)  # mirrors the schedule_duration_range constraint
# Positions are first moved above every real position, then written, because the unique
# (meeting, position) constraint is checked row by row (it is not deferrable).
POSITION_OFFSET = 1_000_000
# Meetings are generated at most this far ahead, whatever `until` a caller asks for.
GENERATE_AT_MOST = dt.timedelta(days=366)
# Attendance can be taken from shortly before the start (people arrive early).
ATTENDANCE_OPENS_BEFORE = dt.timedelta(minutes=60)
REASON_MAX = 300


def _local(meeting: Meeting) -> str:
    """The meeting's start in its board's time zone, as people at the board would say it."""
    return local_time(meeting.starts_at, meeting)


def _required_reason(reason: str, *, field_name: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("Give a reason.", fields={field_name: ["A reason is required."]})
    if len(reason) > REASON_MAX:
        raise ApplicationError(
            "The reason is too long.",
            fields={field_name: [f"Keep it to {REASON_MAX} characters."]},
        )
    return reason


# --- schedules --------------------------------------------------------------------------------


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
    does not exist (`board`). Meetings are made by `meetings_generate`, not here.
    """
    text = rec.normalise_recurrence(recurrence)
    rec.board_zone(board.time_zone)
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
    schedule creates nothing.
    """
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


# --- meetings ---------------------------------------------------------------------------------


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
    """Refuse a start in the past and a clash with another meeting of the same board."""
    if starts_at <= timezone.now():
        raise ApplicationError(
            "A meeting cannot be planned in the past.",
            fields={"starts_at": ["Choose a start time in the future."]},
        )
    clashes = overlapping_meetings(starts_at=starts_at, ends_at=ends_at, board=board)
    if exclude is not None:
        clashes = clashes.exclude(pk=exclude.pk)
    clash = clashes.select_related("board").order_by("starts_at").first()
    if clash is not None:
        raise ApplicationError(
            f"This overlaps the board's meeting on {_local(clash)}.",
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
    locked so two coordinators cannot plan overlapping meetings at once.
    """
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


def _lock_meeting(meeting: Meeting) -> Meeting:
    return (
        Meeting.objects.select_for_update(of=("self",)).select_related("board").get(pk=meeting.pk)
    )


def _refuse_unless_planned_and_upcoming(meeting: Meeting, what: str) -> None:
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


@transaction.atomic
def meeting_reschedule(
    *, meeting: Meeting, starts_at: dt.datetime, ends_at: dt.datetime, by: AbstractBaseUser
) -> Meeting:
    """Move a planned meeting that has not started. Same time rules as `meeting_create`, and
    the new times must leave room for the agenda's minutes unless overbooking was allowed.

    Everyone invited (and not declined) is told the new time.
    """
    _check_times(starts_at, ends_at)
    board = Board.objects.select_for_update().get(pk=meeting.board_id)
    meeting = _lock_meeting(meeting)
    _refuse_unless_planned_and_upcoming(meeting, "its time")
    _check_slot(board=board, starts_at=starts_at, ends_at=ends_at, exclude=meeting)
    before = _local(meeting)
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
    for invitation in _expected_invitations(meeting):
        notify(
            recipient=invitation.user,
            kind=Notification.Kind.GENERAL,
            dedupe_key=f"meeting-moved:{meeting.uuid}:{invitation.user_id}:{int(starts_at.timestamp())}",
            subject=f"{meeting.board.name}: meeting moved to {_local(meeting)}",
            body=f"The {meeting.board.name} meeting on {before} now starts {_local(meeting)}.",
            link=meeting_link(meeting),
        )
    return meeting


def _close_items(meeting: Meeting, *, by, reason: str) -> list[AgendaItem]:
    """Take every item of the meeting off the open agendas (is_open False), with history."""
    items = list(meeting.agenda_items.filter(is_open=True))
    now = timezone.now()
    for item in items:
        item.is_open, item.updated_by, item.updated_at = False, by, now
    if items:
        bulk_update_with_history(
            items,
            AgendaItem,
            ["is_open", "updated_by", "updated_at"],
            default_user=by,
            default_change_reason=reason,
        )
    return items


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, by: AbstractBaseUser, reason: str) -> Meeting:
    """Call off a planned meeting (with a reason, kept in its history).

    Its agenda items are closed so the cases can go on another agenda; cases that were scheduled
    for it go back to ready. Everyone invited (and not declined) is told.
    """
    reason = _required_reason(reason)
    meeting = _lock_meeting(meeting)
    if meeting.status != Meeting.Status.PLANNED:
        raise ApplicationError(
            f"Only a planned meeting can be cancelled; this one is "
            f"{meeting.get_status_display().lower()}.",
            fields={"meeting": ["Choose a planned meeting."]},
        )
    meeting.status = Meeting.Status.CANCELLED
    meeting._change_reason = reason
    save_validated(meeting, by=by)
    for item in _close_items(meeting, by=by, reason=f"Meeting cancelled: {reason}"):
        _unschedule_case(item.case_id, by=by, reason=f"Meeting on {_local(meeting)} cancelled")
    for invitation in _expected_invitations(meeting):
        notify(
            recipient=invitation.user,
            kind=Notification.Kind.GENERAL,
            dedupe_key=f"meeting-cancelled:{meeting.uuid}:{invitation.user_id}",
            subject=f"{meeting.board.name}: meeting on {_local(meeting)} cancelled",
            body=f"The meeting on {_local(meeting)} is cancelled. Reason: {reason}",
            link=meeting_link(meeting),
        )
    return meeting


@transaction.atomic
def meeting_close(*, meeting: Meeting, by: AbstractBaseUser) -> Meeting:
    """Close a meeting that has started: its agenda is final and releases its cases' places.

    Case statuses are left to the discussion and plan services.
    """
    meeting = _lock_meeting(meeting)
    if meeting.status in INACTIVE_MEETING_STATUSES:
        raise ApplicationError(
            f"This meeting is already {meeting.get_status_display().lower()}.",
            fields={"meeting": ["Choose a planned or running meeting."]},
        )
    if meeting.starts_at > timezone.now():
        raise ApplicationError(
            "A meeting can be closed once it has started.",
            fields={"meeting": ["Cancel it instead if it will not take place."]},
        )
    meeting.status = Meeting.Status.CLOSED
    save_validated(meeting, by=by)
    _close_items(meeting, by=by, reason="Meeting closed")
    return meeting


# --- agenda -----------------------------------------------------------------------------------


def _lock_agenda(meeting: Meeting) -> Meeting:
    """Lock the meeting row (agenda edits serialise on it) and refuse a closed, cancelled or
    started meeting."""
    meeting = _lock_meeting(meeting)
    _refuse_unless_planned_and_upcoming(meeting, "its agenda")
    return meeting


def _write_positions(new_positions: dict[int, int], *, by, reason: str = "") -> None:
    """Give agenda items new positions in two phases (the unique constraint is not deferrable).

    The caller holds the meeting lock and guarantees that the final positions are distinct and
    do not collide with items it does not move. Only the items that really move are written.
    """
    current = dict(AgendaItem.objects.filter(pk__in=new_positions).values_list("pk", "position"))
    moves = {pk: pos for pk, pos in new_positions.items() if current.get(pk) != pos}
    if not moves:
        return
    items = list(AgendaItem.objects.filter(pk__in=moves))
    now = timezone.now()
    for item in items:
        item.position, item.updated_by, item.updated_at = moves[item.pk], by, now
    try:
        with transaction.atomic():
            AgendaItem.objects.filter(pk__in=moves).update(position=F("position") + POSITION_OFFSET)
            bulk_update_with_history(
                items,
                AgendaItem,
                ["position", "updated_by", "updated_at"],
                default_user=by,
                default_change_reason=reason or "Agenda renumbered",
            )
    except IntegrityError as exc:  # only if a caller forgot the meeting lock
        raise ConflictError(
            "The agenda changed meanwhile; reload it and try again.",
            fields={"order": ["Two changes collided; nothing was saved."]},
        ) from exc


def _compact(meeting: Meeting, *, by, reason: str) -> None:
    ids = list(meeting.agenda_items.order_by("position").values_list("pk", flat=True))
    _write_positions({pk: i for i, pk in enumerate(ids, start=1)}, by=by, reason=reason)


def _check_minutes(minutes: object) -> int:
    low, high = MINUTES_RANGE
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not low <= minutes <= high:
        raise ApplicationError(
            "Allot between 1 and 120 minutes.",
            fields={"minutes_allotted": [f"Give whole minutes from {low} to {high}."]},
        )
    return minutes


def _check_time_left(meeting: Meeting, *, extra: int) -> None:
    """Refuse booking more case-minutes than the meeting lasts, unless an override is recorded."""
    booked = meeting_booked_minutes(meeting)
    length = meeting_minutes(meeting)
    if extra > 0 and booked + extra > length and meeting.overbooking_allowed_at is None:
        raise ApplicationError(
            f"The agenda would need {booked + extra} minutes but the meeting lasts {length}. "
            "Shorten the cases, or record an override to overbook this meeting.",
            fields={
                "minutes_allotted": [f"{max(length - booked, 0)} minutes are left on this agenda."]
            },
            code="overbooked",
        )


def _release_stale_places(case: Case, *, by) -> None:
    """A meeting that is over or called off no longer holds the case's place on an agenda."""
    stale = list(
        AgendaItem.objects.filter(case=case, is_open=True).filter(
            Q(meeting__status__in=INACTIVE_MEETING_STATUSES)
            | Q(meeting__ends_at__lte=timezone.now())
        )
    )
    now = timezone.now()
    for item in stale:
        item.is_open, item.updated_by, item.updated_at = False, by, now
    if stale:
        bulk_update_with_history(
            stale,
            AgendaItem,
            ["is_open", "updated_by", "updated_at"],
            default_user=by,
            default_change_reason="Meeting over",
        )


def _insertion_position(meeting: Meeting, *, urgent: bool) -> int:
    """Urgent cases go before the first non-urgent case; others at the end."""
    items = list(
        meeting.agenda_items.select_related("case__board")
        .prefetch_related("case__lesions")
        .order_by("position")
    )
    last = items[-1].position if items else 0
    if urgent:
        for item in items:
            if not is_urgent(item.case):
                return item.position
    return last + 1


def _sync_caller_case(target: Case, source: Case) -> None:
    """Let the caller's Case instance show the status the service just gave the case."""
    for name in ("status", "status_reason", "status_changed_at", "updated_at", "updated_by_id"):
        setattr(target, name, getattr(source, name))


def _schedule_case(case: Case, *, by, reason: str = "") -> None:
    if case.can_transition_to(Case.Status.SCHEDULED):
        _sync_caller_case(
            case, case_transition(case=case, to=Case.Status.SCHEDULED, by=by, reason=reason)
        )


def _unschedule_case(case_id: int, *, by, reason: str) -> None:
    case = Case.objects.get(pk=case_id)
    if case.status == Case.Status.SCHEDULED:
        case_transition(case=case, to=Case.Status.READY, by=by, reason=reason)


@transaction.atomic
def agenda_item_add(
    *,
    meeting: Meeting,
    case: Case,
    by: AbstractBaseUser,
    minutes_allotted: int | None = None,
    status_reason: str = "",
) -> AgendaItem:
    """Put a case on a meeting's agenda and return the new item.

    - Position: an urgent case (`rules.is_urgent`: urgency urgent/emergency, or high-grade cord
      compression with a progressing deficit from `cases.assessment.urgent_flags`)
      goes before the first non-urgent case, the others move down one; any other case goes at
      the end. Urgency is shown per item by `rules.agenda_overview`.
    - Minutes: `minutes_allotted`, or the board's default_case_minutes. Booking more minutes than
      the meeting lasts is refused unless `meeting_allow_overbooking` recorded an override.
    - `added_late` is set when the agenda was already circulated.
    - Case status: a ready, deferred or discussed case becomes scheduled (`case_transition`,
      with `status_reason`); a referred case may be added but stays referred, and its readiness
      (`rules.case_readiness`) flags what is missing. The caller's `case` instance is updated.

    Refused (nothing changed): the meeting is closed, cancelled or has started; the case belongs
    to another board, is closed or withdrawn, is already on this agenda or on another open agenda
    (a meeting that is over or cancelled releases its place); minutes outside 1–120; overbooking.
    """
    # Lock the meeting so concurrent edits take distinct positions, then the case so it cannot
    # be put on two agendas at once.
    meeting = _lock_agenda(meeting)
    caller_case = case
    case = Case.objects.select_for_update(of=("self",)).select_related("board").get(pk=case.pk)

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
    minutes = _check_minutes(
        meeting.board.default_case_minutes if minutes_allotted is None else minutes_allotted
    )
    if AgendaItem.objects.filter(meeting=meeting, case=case).exists():
        raise ApplicationError(
            "This case is already on this meeting's agenda.",
            fields={"case": ["The case is already on this agenda."]},
        )
    _release_stale_places(case, by=by)
    elsewhere = (
        AgendaItem.objects.filter(case=case, is_open=True).select_related("meeting__board").first()
    )
    if elsewhere is not None:
        raise ApplicationError(
            f"This case is already on the agenda of the meeting on {_local(elsewhere.meeting)}.",
            fields={"case": ["Remove it from that meeting first."]},
        )
    _check_time_left(meeting, extra=minutes)

    position = _insertion_position(meeting, urgent=is_urgent(case))
    below = meeting.agenda_items.filter(position__gte=position).values_list("pk", "position")
    _write_positions({pk: pos + 1 for pk, pos in below}, by=by, reason="Urgent case placed above")
    item = AgendaItem(
        meeting=meeting,
        case=case,
        position=position,
        minutes_allotted=minutes,
        added_late=meeting.agenda_circulated_at is not None,
        is_open=True,
    )
    save_validated(item, by=by, creating=True)
    _schedule_case(case, by=by, reason=status_reason)
    _sync_caller_case(caller_case, case)
    return item


def _lock_item(item: AgendaItem) -> tuple[Meeting, AgendaItem]:
    meeting = _lock_agenda(Meeting(pk=item.meeting_id))
    current = AgendaItem.objects.select_related("case").filter(pk=item.pk).first()
    if current is None:
        raise ConflictError(
            "This case is no longer on the agenda.",
            fields={"item": ["Reload the agenda: someone removed it."]},
        )
    return meeting, current


@transaction.atomic
def agenda_item_remove(*, item: AgendaItem, by: AbstractBaseUser) -> None:
    """Take a case off an agenda; the cases below move up. A scheduled case goes back to ready.

    Refused once the meeting is closed, cancelled or has started.
    """
    meeting, item = _lock_item(item)
    case_id = item.case_id
    item._history_user = by
    item.delete()
    _compact(meeting, by=by, reason="Case removed")
    _unschedule_case(case_id, by=by, reason=f"Removed from the meeting on {_local(meeting)}")


def _resolve_order(items: list[AgendaItem], order: Iterable[object]) -> list[AgendaItem]:
    by_pk = {item.pk: item for item in items}
    by_case = {item.case.uuid: item for item in items}
    resolved, unknown = [], []
    for entry in order:
        found = None
        if isinstance(entry, uuid.UUID):
            found = by_case.get(entry)
        elif isinstance(entry, int) and not isinstance(entry, bool):
            found = by_pk.get(entry)
        elif isinstance(entry, str):
            try:
                found = by_case.get(uuid.UUID(entry))
            except ValueError:
                found = by_pk.get(int(entry)) if entry.strip().isdigit() else None
        if found is None:
            unknown.append(str(entry))
        else:
            resolved.append(found)
    duplicates = {item.pk for item in resolved if resolved.count(item) > 1}
    if duplicates:
        raise ApplicationError(
            "Each case may appear only once in the new order.",
            fields={"order": ["The order lists a case twice."]},
        )
    missing = [item for item in items if item not in resolved]
    if unknown or missing:
        problems = []
        if unknown:
            problems.append(f"Not on this agenda: {', '.join(unknown)}.")
        if missing:
            problems.append(f"{len(missing)} case(s) on the agenda are missing from the order.")
        raise ConflictError(
            "The new order must list exactly the cases now on the agenda; reload it and retry.",
            fields={"order": problems},
        )
    return resolved


@transaction.atomic
def agenda_reorder(
    *, meeting: Meeting, order: Sequence[int | str | uuid.UUID], by: AbstractBaseUser
) -> list[AgendaItem]:
    """Put the agenda in the given order; returns the items in their new order (positions 1..n).

    `order` lists every item on the agenda exactly once, each as an AgendaItem id or its case's
    UUID. The meeting row is locked first, so two coordinators reordering (or adding) at once
    are serialised: the second sees the first's result, and its order is refused with a
    ConflictError (an ApplicationError) if it no longer lists exactly the current items. Nothing
    is lost or duplicated. Refused once the meeting is closed, cancelled or has started.
    """
    if isinstance(order, str | bytes) or not isinstance(order, Sequence):
        raise ApplicationError("Give the new order as a list.", fields={"order": ["A list."]})
    meeting = _lock_agenda(meeting)
    items = list(meeting.agenda_items.select_related("case").order_by("position"))
    resolved = _resolve_order(items, order)
    _write_positions(
        {item.pk: i for i, item in enumerate(resolved, start=1)}, by=by, reason="Agenda reordered"
    )
    return list(meeting.agenda_items.select_related("case").order_by("position"))


@transaction.atomic
def agenda_item_set_minutes(
    *, item: AgendaItem, minutes_allotted: int, by: AbstractBaseUser
) -> AgendaItem:
    """Change the minutes given to a case; more time than the meeting has needs an override."""
    meeting, item = _lock_item(item)
    minutes = _check_minutes(minutes_allotted)
    _check_time_left(meeting, extra=minutes - item.minutes_allotted)
    item.minutes_allotted = minutes
    save_validated(item, by=by)
    return item


@transaction.atomic
def meeting_allow_overbooking(*, meeting: Meeting, reason: str, by: AbstractBaseUser) -> Meeting:
    """Record an explicit override (reason, who, when) that lets the agenda exceed the meeting's
    length. Recording it again replaces the reason; the history keeps the earlier one."""
    reason = _required_reason(reason)
    meeting = _lock_agenda(meeting)
    meeting.overbooking_reason = reason
    meeting.overbooking_allowed_by = by
    meeting.overbooking_allowed_at = timezone.now()
    save_validated(meeting, by=by)
    return meeting


def _expected_invitations(meeting: Meeting) -> list[Invitation]:
    return list(
        meeting.invitations.filter(response__in=EXPECTED_RESPONSES, user__is_active=True)
        .select_related("user")
        .order_by("user_id")
    )


def _board_members(board: Board):
    return (
        get_user_model()
        .objects.filter(board_memberships__board=board, is_active=True)
        .distinct()
        .order_by("pk")
    )


@transaction.atomic
def agenda_circulate(*, meeting: Meeting, by: AbstractBaseUser | None = None) -> bool:
    """Circulate the agenda once: set agenda_circulated_at and notify the invited members (all
    board members when nobody is invited yet). Returns False, changing nothing, when it was
    already circulated. Cases added later are marked late. Refused for a closed, cancelled or
    started meeting."""
    meeting = _lock_meeting(meeting)
    if meeting.agenda_circulated_at is not None:
        return False
    _refuse_unless_planned_and_upcoming(meeting, "its agenda")
    meeting.agenda_circulated_at = timezone.now()
    save_validated(meeting, by=by)

    invited = meeting.invitations.exists()
    recipients = (
        [inv.user for inv in _expected_invitations(meeting)]
        if invited
        else list(_board_members(meeting.board))
    )
    lines = []
    for entry in agenda_overview(meeting):
        marks = [
            label
            for label, on in (("URGENT", entry.urgent), ("NOT READY", not entry.readiness.ready))
            if on
        ]
        suffix = f" [{', '.join(marks)}]" if marks else ""
        item = entry.item
        lines.append(f"{item.position}. {item.case} – {item.minutes_allotted} min{suffix}")
    agenda = "\n".join(lines) or "No cases yet."
    for user in recipients:
        notify(
            recipient=user,
            kind=Notification.Kind.AGENDA_CIRCULATED,
            dedupe_key=f"agenda-circulated:{meeting.uuid}:{user.pk}",
            subject=f"{meeting.board.name}: agenda for {_local(meeting)}",
            body=f"Agenda of the meeting on {_local(meeting)}:\n{agenda}",
            link=meeting_link(meeting),
        )
    return True


# --- deferral ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deferral:
    """What `case_defer` did: the meeting the case left (if any), and where it went (if placed);
    `not_placed` says why it could not go on the next meeting."""

    case: Case
    from_meeting: Meeting | None
    to_meeting: Meeting | None
    item: AgendaItem | None
    not_placed: str = ""


@transaction.atomic
def case_defer(*, case: Case, reason: str, by: AbstractBaseUser) -> Deferral:
    """Defer a case (e.g. not ready) to the board's next planned meeting, with a reason.

    - It leaves its open agenda: removed (the cases below move up) when that meeting has not
      started; kept but closed (is_open False) as a record when the meeting is under way.
    - Its status becomes deferred (`case_transition`, which refuses a plan-signed, closed or
      withdrawn case), then scheduled again if it is placed on the next planned meeting of its
      board (after the meeting it left). If there is none, or the case cannot go there (e.g. the
      next agenda is full), it stays deferred and unscheduled; `not_placed` says why.
    - The person responsible (whoever registered the case) and the board's coordinators are
      notified, with the reason and what the case still lacks.
    """
    reason = _required_reason(reason)
    current_item = (
        AgendaItem.objects.filter(case=case, is_open=True).select_related("meeting").first()
    )
    from_meeting = _lock_meeting(current_item.meeting) if current_item else None
    after = from_meeting.starts_at if from_meeting else None
    target = next_meeting_for(case.board, after, exclude=from_meeting)
    if target is not None:
        target = _lock_meeting(target)
    case = Case.objects.select_for_update(of=("self",)).select_related("board").get(pk=case.pk)
    if case.status not in (Case.Status.DEFERRED,) and not case.can_transition_to(
        Case.Status.DEFERRED
    ):
        raise ApplicationError(
            f"A {case.get_status_display().lower()} case cannot be deferred.",
            fields={"case": ["Only cases still awaiting discussion can be deferred."]},
        )

    if from_meeting is not None:
        item = AgendaItem.objects.filter(pk=current_item.pk, is_open=True).first()
        if item is None:  # removed or moved while we waited for the meeting lock
            raise ConflictError(
                "The case's agenda changed meanwhile; reload it and try again.",
                fields={"case": ["Its agenda place changed; nothing was deferred."]},
            )
        if from_meeting.status in INACTIVE_MEETING_STATUSES or from_meeting.ends_at <= (
            timezone.now()
        ):
            _release_stale_places(case, by=by)
        elif meeting_has_started(from_meeting):
            item.is_open = False
            item._change_reason = f"Deferred: {reason}"
            save_validated(item, by=by)
        else:
            item._history_user = by
            item._change_reason = f"Deferred: {reason}"
            item.delete()
            _compact(from_meeting, by=by, reason="Case deferred")

    if case.status != Case.Status.DEFERRED:
        case = case_transition(case=case, to=Case.Status.DEFERRED, by=by, reason=reason)
    deferred_at = timezone.now()  # names this deferral in the notifications' dedupe keys

    placed, not_placed = None, ""
    if target is None:
        not_placed = "The board has no later planned meeting yet."
    else:
        try:
            with transaction.atomic():
                placed = agenda_item_add(
                    meeting=target, case=case, by=by, status_reason=f"Deferred: {reason}"
                )
        except ApplicationError as exc:
            not_placed = exc.message

    readiness = case_readiness(case, case.board)
    where = (
        f"It is now on the agenda of the meeting on {_local(target)}."
        if placed
        else f"It is not on any agenda yet. {not_placed}"
    )
    body = [f"{case} was deferred. Reason: {reason}", where]
    if readiness.problems:
        body.append("Still needed before discussion:\n- " + "\n- ".join(readiness.problems))
    recipients = {u.pk: u for u in board_coordinators(case.board)}
    if case.created_by_id:
        recipients.setdefault(case.created_by_id, case.created_by)
    for user in recipients.values():
        notify(
            recipient=user,
            kind=Notification.Kind.CASE_DEFERRED,
            dedupe_key=f"case-deferred:{case.uuid}:{deferred_at:%Y%m%dT%H%M%S.%f}:{user.pk}",
            subject=f"{case} deferred",
            body="\n\n".join(body),
            link=case_link(case),
        )
    return Deferral(
        case=case,
        from_meeting=from_meeting,
        to_meeting=target if placed else None,
        item=placed,
        not_placed=not_placed,
    )


# --- invitations, attendance ------------------------------------------------------------------


@dataclass(frozen=True)
class ConflictWarning:
    """A member invited to `meeting` is also expected at the overlapping `other` meeting."""

    user: AbstractBaseUser
    meeting: Meeting
    other: Meeting
    message: str


@dataclass(frozen=True)
class InvitationResult:
    invited: list[Invitation] = field(default_factory=list)
    warnings: list[ConflictWarning] = field(default_factory=list)


def _check_disciplines(disciplines: Iterable[str] | None) -> set[str] | None:
    if disciplines is None:
        return None
    if isinstance(disciplines, str):
        disciplines = [disciplines]
    chosen = set(disciplines)
    unknown = sorted(chosen - set(Discipline.values))
    if unknown or not chosen:
        raise ApplicationError(
            "Choose disciplines from the list.",
            fields={"disciplines": [f"Use: {', '.join(Discipline.values)}."]},
        )
    return chosen


@transaction.atomic
def invite_members(
    *, meeting: Meeting, by: AbstractBaseUser, disciplines: Iterable[str] | None = None
) -> InvitationResult:
    """Invite the board's members to a meeting: those whose specialist discipline is in
    `disciplines`, or every member when it is None. Each member is invited once (already invited
    ones are skipped); each new invitee is notified.

    Conflicts: when a new invitee is already expected (accepted or not yet answered) at an
    overlapping meeting of any board, they get a CONFLICT notification and the returned
    `warnings` name the clash for the coordinator.
    """
    chosen = _check_disciplines(disciplines)
    meeting = _lock_meeting(meeting)
    _refuse_unless_planned_and_upcoming(meeting, "its invitations")
    profiles = dict(
        SpecialistProfile.objects.filter(user__board_memberships__board=meeting.board).values_list(
            "user_id", "discipline"
        )
    )
    already = set(meeting.invitations.values_list("user_id", flat=True))
    result = InvitationResult()
    for user in _board_members(meeting.board):
        discipline = profiles.get(user.pk, "")
        if user.pk in already or (chosen is not None and discipline not in chosen):
            continue
        invitation = Invitation(meeting=meeting, user=user, discipline=discipline)
        save_validated(invitation, by=by, creating=True)
        result.invited.append(invitation)
        notify(
            recipient=user,
            kind=Notification.Kind.INVITATION,
            dedupe_key=f"invitation:{meeting.uuid}:{user.pk}",
            subject=f"{meeting.board.name}: invitation for {_local(meeting)}",
            body=f"You are invited to the {meeting.board.name} meeting on {_local(meeting)}. "
            "Please accept or decline.",
            link=meeting_link(meeting),
        )
        for other in member_conflicts(user, meeting):
            message = (
                f"{user.get_full_name() or user.get_username()} is also expected at "
                f"{other.board.name} on {_local(other)}, which overlaps this meeting."
            )
            result.warnings.append(
                ConflictWarning(user=user, meeting=meeting, other=other, message=message)
            )
            notify(
                recipient=user,
                kind=Notification.Kind.CONFLICT,
                dedupe_key=f"conflict:{meeting.uuid}:{other.uuid}:{user.pk}",
                subject=f"Overlapping meetings on {_local(meeting)}",
                body=f"The {meeting.board.name} meeting on {_local(meeting)} overlaps the "
                f"{other.board.name} meeting on {_local(other)} you are expected at.",
                link=meeting_link(meeting),
            )
    return result


@transaction.atomic
def invitation_respond(
    *, invitation: Invitation, response: str, by: AbstractBaseUser
) -> Invitation:
    """The invitee accepts or declines. Only the invitee may answer (PermissionDenied → 403);
    refused once the meeting is closed, cancelled or has started."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("meeting__board")
        .get(pk=invitation.pk)
    )
    if by is None or invitation.user_id != by.pk:
        raise PermissionDenied("Only the invited member can answer this invitation.")
    if response not in (Invitation.Response.ACCEPTED, Invitation.Response.DECLINED):
        raise ApplicationError(
            "Accept or decline.", fields={"response": ["Choose accepted or declined."]}
        )
    _refuse_unless_planned_and_upcoming(invitation.meeting, "its invitations")
    invitation.response = response
    invitation.responded_at = timezone.now()
    save_validated(invitation, by=by)
    return invitation


@transaction.atomic
def attendance_record(
    *, meeting: Meeting, user: AbstractBaseUser, mode: str, by: AbstractBaseUser
) -> Attendance:
    """Record (or correct) how a person attended: in person, remote or absent.

    Only for board members or invitees; from an hour before the start until the meeting is
    closed; not for a cancelled meeting.
    """
    meeting = _lock_meeting(meeting)
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


# --- added for the coordinator pages and the calendar feed ------------------------------------

import secrets  # noqa: E402 - appended section

from .models import CalendarFeed  # noqa: E402 - appended section


@transaction.atomic
def agenda_item_move(*, item: AgendaItem, offset: int, by: AbstractBaseUser) -> list[AgendaItem]:
    """Move one case `offset` places up (negative) or down (positive) on its agenda, relative to
    the agenda as it is now (the meeting row is locked), so a move never undoes another
    coordinator's change. Moving past either end stops there. Returns the agenda in order.

    Refused once the meeting is closed, cancelled or has started; a removed item is a conflict.
    """
    if isinstance(offset, bool) or not isinstance(offset, int) or offset == 0:
        raise ApplicationError("Move up or down.", fields={"direction": ["Choose up or down."]})
    meeting, item = _lock_item(item)
    ids = list(meeting.agenda_items.order_by("position").values_list("pk", flat=True))
    index = ids.index(item.pk)
    target = min(max(index + offset, 0), len(ids) - 1)
    ids.insert(target, ids.pop(index))
    _write_positions({pk: i for i, pk in enumerate(ids, start=1)}, by=by, reason="Agenda reordered")
    return list(meeting.agenda_items.select_related("case").order_by("position"))


def _feed_token() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def calendar_feed_token(*, user: AbstractBaseUser) -> CalendarFeed:
    """The user's calendar-subscription feed, created with a new secret token on first use."""
    feed, _created = CalendarFeed.objects.get_or_create(
        user=user, defaults={"token": _feed_token()}
    )
    return feed


@transaction.atomic
def calendar_feed_rotate(*, user: AbstractBaseUser) -> CalendarFeed:
    """Give the user a new secret feed token; the old URL stops working at once."""
    feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
    if feed is None:
        return CalendarFeed.objects.create(user=user, token=_feed_token())
    feed.token = _feed_token()
    feed.created_at = timezone.now()
    feed.save(update_fields=["token", "created_at"])
    return feed

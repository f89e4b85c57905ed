"""A meeting's agenda: adding, removing, ordering and timing its cases; the overbooking override;
circulating it.

The meeting row is locked while its agenda changes, so concurrent edits serialise and never
duplicate or lose a position. Only the board's coordinators and chair change an agenda: each
service refuses anyone else (PermissionDenied).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from cases.models import Case
from cases.services import case_transition
from tumorboard.errors import ApplicationError, ConflictError
from tumorboard.services import save_validated

from ..models import AgendaItem, Meeting, Notification
from ..notifications import meeting_link, notify
from ..rules import (
    INACTIVE_MEETING_STATUSES,
    agenda_overview,
    case_readiness,
    is_urgent,
    meeting_booked_minutes,
    meeting_minutes,
)
from .common import (
    board_members,
    expected_invitations,
    local_start,
    lock_meeting,
    refuse_unless_planned_and_upcoming,
    require_coordinator,
    required_reason,
)

UNSCHEDULABLE_CASE_STATUSES = (Case.Status.CLOSED, Case.Status.WITHDRAWN)
MINUTES_RANGE = (1, 120)  # mirrors the agenda_minutes_range constraint
# Positions are first moved above every real position, then written, because the unique
# (meeting, position) constraint is checked row by row (it is not deferrable).
POSITION_OFFSET = 1_000_000
# What else follows from putting a case on an agenda, run in the same transaction with
# (item, by=...): the layer above registers it in its AppConfig.ready, since scheduling cannot
# import it (recommendations links an open re-discussion of the case to its new agenda item).
PLACEMENT_FOLLOW_UPS: list[Callable[..., None]] = []


def _lock_agenda(meeting: Meeting) -> Meeting:
    """Lock the meeting row (agenda edits serialise on it) and refuse a closed, cancelled or
    started meeting."""
    meeting = lock_meeting(meeting)
    refuse_unless_planned_and_upcoming(meeting, "its agenda")
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


def compact_agenda(meeting: Meeting, *, by, reason: str) -> None:
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


def close_agenda_items(items: list[AgendaItem], *, by, reason: str) -> None:
    """Take these items off the open agendas (is_open False), with `reason` in their history."""
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


def release_stale_places(case: Case, *, by) -> None:
    """A meeting that is over or called off no longer holds the case's place on an agenda."""
    stale = list(
        AgendaItem.objects.filter(case=case, is_open=True).filter(
            Q(meeting__status__in=INACTIVE_MEETING_STATUSES)
            | Q(meeting__ends_at__lte=timezone.now())
        )
    )
    close_agenda_items(stale, by=by, reason="Meeting over")


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


def unschedule_case(case_id: int, *, by, reason: str) -> None:
    """A scheduled case that lost its agenda place goes back to ready, or to referred when it is
    not ready (a referred case is scheduled when put on an agenda)."""
    case = Case.objects.select_related("board").prefetch_related("lesions").get(pk=case_id)
    if case.status == Case.Status.SCHEDULED:
        ready = case_readiness(case).ready
        to = Case.Status.READY if ready else Case.Status.REFERRED
        case_transition(case=case, to=to, by=by, reason=reason)


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
    - Case status: a referred, ready, deferred or discussed case becomes scheduled
      (`case_transition`, with `status_reason`); a referred case's readiness
      (`rules.case_readiness`) flags on the agenda what is missing. The caller's `case` instance
      is updated.

    Refused (nothing changed): the meeting is closed, cancelled or has started; the case belongs
    to another board, is closed or withdrawn, is already on this agenda or on another open agenda
    (a meeting that is over or cancelled releases its place); minutes outside 1–120; overbooking.
    """
    require_coordinator(by, meeting.board_id)
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
    release_stale_places(case, by=by)
    elsewhere = (
        AgendaItem.objects.filter(case=case, is_open=True).select_related("meeting__board").first()
    )
    if elsewhere is not None:
        raise ApplicationError(
            "This case is already on the agenda of the meeting on "
            f"{local_start(elsewhere.meeting)}.",
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
    for follow_up in PLACEMENT_FOLLOW_UPS:
        follow_up(item, by=by)
    _sync_caller_case(caller_case, case)
    return item


def _lock_item(item: AgendaItem, *, by) -> tuple[Meeting, AgendaItem]:
    """Lock the item's meeting, refuse an actor who does not coordinate its board and a meeting
    whose agenda can no longer change, and reload the item (a ConflictError if it was removed)."""
    meeting = lock_meeting(Meeting(pk=item.meeting_id))
    require_coordinator(by, meeting.board_id)
    refuse_unless_planned_and_upcoming(meeting, "its agenda")
    current = AgendaItem.objects.select_related("case").filter(pk=item.pk).first()
    if current is None:
        raise ConflictError(
            "This case is no longer on the agenda.",
            fields={"item": ["Reload the agenda: someone removed it."]},
        )
    return meeting, current


HAS_DECISION_RECORD = (
    "This case has a decision record at this meeting, which must be kept: it cannot be taken "
    "off this agenda. Once the meeting has started it can be deferred, and it then stays on this "
    "agenda, closed, as the record's place."
)


def refuse_if_decision_recorded(item: AgendaItem, *, field: str = "case") -> None:
    """Refuse to delete an agenda item that a decision record hangs on (it is protected: the
    record is part of the clinical file and is never removed with its agenda place)."""
    if AgendaItem.objects.filter(pk=item.pk, decision__isnull=False).exists():
        raise ConflictError(
            HAS_DECISION_RECORD,
            fields={field: ["It has a decision record at this meeting."]},
            code="has_decision_record",
        )


@transaction.atomic
def agenda_item_remove(*, item: AgendaItem, by: AbstractBaseUser) -> None:
    """Take a case off an agenda; the cases below move up. A scheduled case goes back to ready.

    Refused once the meeting is closed, cancelled or has started, and for a case with a decision
    record at this meeting (ConflictError).
    """
    meeting, item = _lock_item(item, by=by)
    refuse_if_decision_recorded(item)
    case_id = item.case_id
    item._history_user = by
    item.delete()
    compact_agenda(meeting, by=by, reason="Case removed")
    unschedule_case(case_id, by=by, reason=f"Removed from the meeting on {local_start(meeting)}")


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
    require_coordinator(by, meeting.board_id)
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
def agenda_item_move(*, item: AgendaItem, offset: int, by: AbstractBaseUser) -> list[AgendaItem]:
    """Move one case `offset` places up (negative) or down (positive) on its agenda, relative to
    the agenda as it is now (the meeting row is locked), so a move never undoes another
    coordinator's change. Moving past either end stops there. Returns the agenda in order.

    Refused once the meeting is closed, cancelled or has started; a removed item is a conflict.
    """
    if isinstance(offset, bool) or not isinstance(offset, int) or offset == 0:
        raise ApplicationError("Move up or down.", fields={"direction": ["Choose up or down."]})
    meeting, item = _lock_item(item, by=by)
    ids = list(meeting.agenda_items.order_by("position").values_list("pk", flat=True))
    index = ids.index(item.pk)
    target = min(max(index + offset, 0), len(ids) - 1)
    ids.insert(target, ids.pop(index))
    _write_positions({pk: i for i, pk in enumerate(ids, start=1)}, by=by, reason="Agenda reordered")
    return list(meeting.agenda_items.select_related("case").order_by("position"))


@transaction.atomic
def agenda_item_set_minutes(
    *, item: AgendaItem, minutes_allotted: int, by: AbstractBaseUser
) -> AgendaItem:
    """Change the minutes given to a case; more time than the meeting has needs an override."""
    meeting, item = _lock_item(item, by=by)
    minutes = _check_minutes(minutes_allotted)
    _check_time_left(meeting, extra=minutes - item.minutes_allotted)
    item.minutes_allotted = minutes
    save_validated(item, by=by)
    return item


@transaction.atomic
def meeting_allow_overbooking(*, meeting: Meeting, reason: str, by: AbstractBaseUser) -> Meeting:
    """Record an explicit override (reason, who, when) that lets the agenda exceed the meeting's
    length. Recording it again replaces the reason; the history keeps the earlier one."""
    require_coordinator(by, meeting.board_id)
    reason = required_reason(reason)
    meeting = _lock_agenda(meeting)
    meeting.overbooking_reason = reason
    meeting.overbooking_allowed_by = by
    meeting.overbooking_allowed_at = timezone.now()
    save_validated(meeting, by=by)
    return meeting


@transaction.atomic
def agenda_circulate(*, meeting: Meeting, by: AbstractBaseUser | None = None) -> bool:
    """Circulate the agenda once: set agenda_circulated_at and notify the invited members (all
    board members when nobody is invited yet). Returns False, changing nothing, when it was
    already circulated. Cases added later are marked late. Refused for a closed, cancelled or
    started meeting. `by` is None for the beat task; a person must coordinate the board
    (PermissionDenied)."""
    if by is not None:
        require_coordinator(by, meeting.board_id)
    meeting = lock_meeting(meeting)
    if meeting.agenda_circulated_at is not None:
        return False
    refuse_unless_planned_and_upcoming(meeting, "its agenda")
    meeting.agenda_circulated_at = timezone.now()
    save_validated(meeting, by=by)

    invited = meeting.invitations.exists()
    recipients = (
        [inv.user for inv in expected_invitations(meeting)]
        if invited
        else list(board_members(meeting.board))
    )
    lines = []
    for entry in agenda_overview(meeting):
        case = entry.item.case
        marks = [
            label
            for label, on in (
                (case.get_urgency_display(), case.urgency != Case.Urgency.ROUTINE),
                ("placed first", entry.urgent),
                ("NOT READY", not entry.readiness.ready),
            )
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
            subject=f"{meeting.board.name}: agenda for {local_start(meeting)}",
            body=f"Agenda of the meeting on {local_start(meeting)}:\n{agenda}",
            link=meeting_link(meeting),
        )
    return True

"""Closing a meeting: its agenda becomes final, and every case it did not discuss is carried to
the board's next meeting or sent back to ready, as the coordinator chose per case; nothing is
dropped silently."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from cases.models import Case
from tumorboard.errors import ApplicationError
from tumorboard.services import save_validated

from ..models import AgendaItem, Meeting, Notification
from ..notifications import case_link, notify
from ..rules import (
    INACTIVE_MEETING_STATUSES,
    CarryOver,
    board_coordinators,
    next_meeting_after,
    undiscussed_items,
)
from .agenda import agenda_item_add, close_agenda_items, unschedule_case
from .common import local_start, lock_meeting, require_coordinator


def _case_key(value: object) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _choices(
    items: list[AgendaItem], carry_over: Mapping[object, object], target: Meeting | None
) -> dict[int, str]:
    """The choice for each undiscussed item (by item id), or an ApplicationError naming every
    case without a valid one."""
    by_case = {item.case.uuid: item for item in items}
    chosen: dict[int, str] = {}
    refused: set[int] = set()
    problems: list[str] = []
    for key, choice in carry_over.items():
        item = by_case.get(_case_key(key))
        if item is None:
            problems.append(f"{key}: not a case left undiscussed on this agenda.")
            continue
        if choice not in CarryOver.CHOICES:
            problems.append(f"{item.case}: choose {' or '.join(CarryOver.CHOICES)}.")
        elif choice == CarryOver.NEXT_MEETING and target is None:
            problems.append(
                f"{item.case}: the board has no later planned meeting; plan one, or send the "
                "case back to ready."
            )
        else:
            chosen[item.pk] = str(choice)
            continue
        refused.add(item.pk)
    problems.extend(
        f"{item.case}: not discussed; choose whether it goes to the next meeting or back to ready."
        for item in items
        if item.pk not in chosen and item.pk not in refused
    )
    if problems:
        raise ApplicationError(
            f"{len(items)} case(s) on the agenda were not discussed: choose for each whether it "
            "goes to the board's next meeting or back to ready.",
            fields={"carry_over": problems},
            code="undiscussed",
        )
    return chosen


def _notify_responsible(case: Case, *, meeting: Meeting, where: str) -> None:
    """Tell the person responsible for the case (whoever registered it; the board's
    coordinators when that person is gone) where the case went."""
    creator = case.created_by
    recipients = [creator] if creator is not None and creator.is_active else []
    for user in recipients or board_coordinators(case.board):
        notify(
            recipient=user,
            kind=Notification.Kind.GENERAL,
            dedupe_key=f"case-carried:{meeting.uuid}:{case.uuid}:{user.pk}",
            subject=f"{case} not discussed on {local_start(meeting)}",
            body=f"{case} was not discussed at the {meeting.board.name} meeting on "
            f"{local_start(meeting)}. {where}",
            link=case_link(case),
        )


@transaction.atomic
def meeting_close(
    *,
    meeting: Meeting,
    by: AbstractBaseUser,
    carry_over: Mapping[object, object] | None = None,
) -> Meeting:
    """Close a meeting that has started: its agenda is final and releases its cases' places.

    Each case on the agenda that the meeting did not discuss (`rules.undiscussed_items`) needs a
    choice in `carry_over` (its case UUID → `CarryOver.NEXT_MEETING` or `CarryOver.READY`):
    - next meeting: put on the agenda of the board's next planned meeting (`next_meeting_after`)
      with `agenda_item_add`, so the agenda's rules hold (time left, urgent first, marked late
      if circulated); a refusal names the case and nothing is closed;
    - ready: off every agenda; a scheduled case goes back to ready.
    A missing or impossible choice is refused with every such case listed (nothing changed).
    The person responsible for each such case is told where it went. Cases the meeting discussed
    keep the status the discussion and plan services gave them. Only the board's coordinators
    and chair (PermissionDenied).
    """
    require_coordinator(by, meeting.board_id)
    meeting = lock_meeting(meeting)
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
    undiscussed = list(undiscussed_items(meeting))
    target = next_meeting_after(meeting)
    if target is not None:
        target = lock_meeting(target)  # lock order: the earlier meeting first
    chosen = _choices(undiscussed, carry_over or {}, target) if undiscussed else {}

    carried = sum(choice == CarryOver.NEXT_MEETING for choice in chosen.values())
    reason = "Meeting closed"
    if undiscussed:
        reason += f"; not discussed: {carried} carried over, {len(chosen) - carried} to ready"
    meeting.status = Meeting.Status.CLOSED
    meeting._change_reason = reason
    save_validated(meeting, by=by)

    undiscussed_ids = {item.pk for item in undiscussed}
    close_agenda_items(
        [i for i in meeting.agenda_items.filter(is_open=True) if i.pk not in undiscussed_ids],
        by=by,
        reason="Meeting closed",
    )
    for item in undiscussed:
        case = item.case
        if chosen[item.pk] == CarryOver.NEXT_MEETING:
            assert target is not None  # _choices refused it otherwise
            moved = f"Not discussed; carried to the meeting on {local_start(target)}"
            close_agenda_items([item], by=by, reason=moved)
            try:
                with transaction.atomic():
                    agenda_item_add(
                        meeting=target,
                        case=case,
                        by=by,
                        minutes_allotted=item.minutes_allotted,
                        status_reason=moved,
                    )
            except ApplicationError as exc:
                advice = f"{case}: {exc.message} Send it back to ready instead."
                raise ApplicationError(
                    f"{case} cannot go on the meeting on {local_start(target)}: {exc.message}",
                    fields={"carry_over": [advice]},
                ) from exc
            where = f"It is now on the agenda of the meeting on {local_start(target)}."
        else:
            back = f"Not discussed at the meeting on {local_start(meeting)}; back to ready"
            close_agenda_items([item], by=by, reason=back)
            unschedule_case(case.pk, by=by, reason=back)
            where = "It is back to ready for review and on no agenda yet."
        _notify_responsible(case, meeting=meeting, where=where)
    return meeting

"""Deferring a case to the board's next meeting."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from cases.models import Case
from cases.services import case_transition
from tumorboard.errors import ApplicationError, ConflictError
from tumorboard.services import save_validated

from ..models import AgendaItem, Meeting, Notification
from ..notifications import case_link, notify
from ..rules import (
    INACTIVE_MEETING_STATUSES,
    board_coordinators,
    case_readiness,
    meeting_has_started,
    next_meeting_for,
)
from .agenda import (
    agenda_item_add,
    compact_agenda,
    refuse_if_decision_recorded,
    release_stale_places,
)
from .common import local_start, lock_meeting, require_coordinator, required_reason


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
      started; kept but closed (is_open False) as a record when the meeting is under way. A case
      with a decision record at a meeting not yet started is refused (ConflictError): the record
      is never deleted with its agenda place.
    - Its status becomes deferred (`case_transition`, which refuses a plan-signed, closed or
      withdrawn case), then scheduled again if it is placed on the next planned meeting of its
      board (after the meeting it left). If there is none, or the case cannot go there (e.g. the
      next agenda is full), it stays deferred and unscheduled; `not_placed` says why.
    - The person responsible (whoever registered the case) and the board's coordinators are
      notified, with the reason and what the case still lacks.

    Only the board's coordinators and chair defer a case (PermissionDenied).
    """
    require_coordinator(by, case.board_id)
    reason = required_reason(reason)
    current_item = (
        AgendaItem.objects.filter(case=case, is_open=True).select_related("meeting").first()
    )
    from_meeting = lock_meeting(current_item.meeting) if current_item else None
    after = from_meeting.starts_at if from_meeting else None
    target = next_meeting_for(case.board, after, exclude=from_meeting)
    if target is not None:
        target = lock_meeting(target)
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
            release_stale_places(case, by=by)
        elif meeting_has_started(from_meeting):
            item.is_open = False
            item._change_reason = f"Deferred: {reason}"
            save_validated(item, by=by)
        else:
            refuse_if_decision_recorded(item)
            item._history_user = by
            item._change_reason = f"Deferred: {reason}"
            item.delete()
            compact_agenda(from_meeting, by=by, reason="Case deferred")

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
        f"It is now on the agenda of the meeting on {local_start(target)}."
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

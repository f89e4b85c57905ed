"""Which status a case may take now: the one rule for every change, by hand (the case page, the
API) or by the services that schedule, discuss and sign (issue 14).

Case.TRANSITIONS says which moves exist at all; on top of it, a move must agree with the case's
place on the agendas and with its readiness, so the status never contradicts what the pages show
beside it (no "Scheduled" case without a meeting, no "Ready" case that lacks data nobody
accepted):
- "ready" needs the case to be ready (cases.readiness) or an override with a reason, recorded on
  the case (`readiness_overridden`, `status_reason`);
- "scheduled" only with a place on the agenda of a meeting that is neither closed nor cancelled:
  a case is scheduled by putting it on an agenda, never by hand;
- "discussed" only on the agenda of a meeting that has started;
- a case holding a place on a meeting that has not started keeps "scheduled": it leaves the
  agenda first (the agenda's page or case_defer), which also changes its status;
- "deferred" and "withdrawn" need a reason;
- a case whose plan was signed goes back to the board's queue (ready, or referred when it is not
  ready) only by a re-discussion (recommendations' `case_send_back`, which records why and links
  the earlier plan), never by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from .models import Case
from .readiness import case_readiness
from .selectors import related_model

REASON_REQUIRED = frozenset({Case.Status.DEFERRED, Case.Status.WITHDRAWN})
# Set only by putting the case on an agenda: the case page does not offer it.
SET_BY_THE_AGENDA = frozenset({Case.Status.SCHEDULED})
# From "plan signed", only a re-discussion moves the case back to the board's queue.
BY_REDISCUSSION = frozenset({Case.Status.READY, Case.Status.REFERRED})
REDISCUSSION_ONLY = (
    "A case with a signed plan goes back to the board by a re-discussion, sent from its plan."
)


@dataclass(frozen=True)
class StatusChange:
    """One possible move of a case now: allowed or not, and what it needs."""

    to: Case.Status
    allowed: bool
    refusal: str = ""
    needs_reason: bool = False
    # Not ready: "ready" only as an override, with the reason why the board should see it anyway.
    override: bool = False
    missing: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(self.to.label)


def _meetings(case: Case) -> list[Any]:
    """The meetings whose agenda the case is on, with whether its place there is open, not
    cancelled; one query (or none, with the agenda items and meetings prefetched)."""
    cancelled = related_model("agenda_items__meeting").Status.CANCELLED
    return [
        (item.meeting, item.is_open)
        for item in case.agenda_items.all()
        if item.meeting.status != cancelled
    ]


def _started(meeting: Any, now: dt.datetime) -> bool:
    planned = type(meeting).Status.PLANNED
    return meeting.status != planned or meeting.starts_at <= now


def agenda_place(case: Case) -> Any | None:
    """The meeting holding the case's place (open agenda item, meeting not closed or
    cancelled); the earliest if several."""
    closed = related_model("agenda_items__meeting").Status.CLOSED
    held = [m for m, is_open in _meetings(case) if is_open and m.status != closed]
    return min(held, key=lambda m: m.starts_at, default=None)


def case_meeting(case: Case) -> Any | None:
    """The meeting the case lists and pages show beside its status: its agenda place, or, for a
    case still "scheduled" whose meeting was closed without discussing it, that meeting (never
    "not scheduled" beside "Scheduled")."""
    place = agenda_place(case)
    if place is not None or case.status != Case.Status.SCHEDULED:
        return place
    return max((m for m, _open in _meetings(case)), key=lambda m: m.starts_at, default=None)


def status_change(
    case: Case, to: str, *, now: dt.datetime | None = None, rediscussion: bool = False
) -> StatusChange:
    """Whether the case may go to `to` now, and what it needs (a reason, an override).
    `rediscussion`: the move is a re-discussion sending a signed case back to the board."""
    now = now or timezone.now()
    target = Case.Status(to)
    if not case.can_transition_to(target):
        return StatusChange(
            target,
            allowed=False,
            refusal=f"A case cannot go from {case.get_status_display()} to {target.label}.",
        )
    if case.status == Case.Status.PLAN_SIGNED and target in BY_REDISCUSSION and not rediscussion:
        return StatusChange(target, allowed=False, refusal=REDISCUSSION_ONLY)
    place = agenda_place(case)
    if target == Case.Status.SCHEDULED:
        if place is None:
            return StatusChange(
                target,
                allowed=False,
                refusal="A case is scheduled by putting it on a meeting's agenda.",
            )
        return StatusChange(target, allowed=True)
    if target == Case.Status.DISCUSSED:
        if not any(_started(m, now) for m, _open in _meetings(case)):
            return StatusChange(
                target,
                allowed=False,
                refusal="A case is discussed in a meeting that has started, with it on the agenda.",
            )
        return StatusChange(target, allowed=True)
    if place is not None and not _started(place, now):
        when = timezone.localtime(place.starts_at)
        return StatusChange(
            target,
            allowed=False,
            refusal=(
                f"The case is on the agenda of the meeting on {when:%d %b %Y %H:%M}: "
                "take it off that agenda (or defer it) instead."
            ),
        )
    if target == Case.Status.READY:
        readiness = case_readiness(case)
        if not readiness.ready:
            return StatusChange(
                target,
                allowed=True,
                needs_reason=True,
                override=True,
                missing=readiness.problems,
            )
    return StatusChange(target, allowed=True, needs_reason=target in REASON_REQUIRED)


def manual_status_changes(case: Case, *, now: dt.datetime | None = None) -> list[StatusChange]:
    """The moves the case page offers now: the allowed ones, but "scheduled", which only the
    agenda makes."""
    now = now or timezone.now()
    changes = [
        status_change(case, status, now=now)
        for status in Case.Status
        if status not in SET_BY_THE_AGENDA and case.can_transition_to(status)
    ]
    return [change for change in changes if change.allowed]

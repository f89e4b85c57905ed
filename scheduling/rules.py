"""Computed facts about cases and meetings: readiness, urgency, quorum, booked time, conflicts.

Pure computations and reads; nothing here writes. Services and pages call these so a rule lives in
one place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet, Sum
from django.utils import timezone

from cases.assessment import Flag, stored_case_flags
from cases.models import Case, SpinalLesion
from cases.readiness import (  # noqa: F401  (re-exported: scheduling's callers read them here)
    Readiness,
    board_today,
    case_readiness,
    latest_spine_mri,
    score_inputs_missing,
)

from .models import (
    AgendaItem,
    Attendance,
    Board,
    BoardMembership,
    Invitation,
    Meeting,
    SpecialistProfile,
)

# A meeting that is over or called off no longer holds a case's place on the agenda.
INACTIVE_MEETING_STATUSES = (Meeting.Status.CLOSED, Meeting.Status.CANCELLED)
URGENT_LEVELS = (Case.Urgency.URGENT, Case.Urgency.EMERGENCY)
# Clinical flags (cases.assessment.urgent_flags) that put a case first on an agenda.
URGENT_FLAG_CODES = frozenset({"cord_compression"})
PRESENT_MODES = (Attendance.Mode.IN_PERSON, Attendance.Mode.REMOTE)
# Invitees who still count as expected at the meeting.
EXPECTED_RESPONSES = (Invitation.Response.ACCEPTED, Invitation.Response.PENDING)
# A case on a closing meeting's agenda still in one of these was not discussed there: the board
# neither recorded it as discussed nor signed (or deferred) a plan for it.
UNDISCUSSED_CASE_STATUSES = (Case.Status.REFERRED, Case.Status.READY, Case.Status.SCHEDULED)


class CarryOver:
    """Where a case the meeting did not discuss goes when the meeting closes."""

    NEXT_MEETING = "next_meeting"
    READY = "ready"
    CHOICES = (NEXT_MEETING, READY)


# --- urgency ----------------------------------------------------------------------------------


def case_urgent_flags(case: Case) -> tuple[Flag, ...]:
    """The clinical flags of the case's recorded lesions, as stored: high-grade cord compression
    with a progressing deficit (Bilsky 2010) and mechanical instability, SINS ≥ 13 (Fisher 2010).
    Every flag is shown on the agenda; only those in URGENT_FLAG_CODES put a case first."""
    return stored_case_flags(case)


def _urgent(case: Case, flags: tuple[Flag, ...]) -> bool:
    return case.urgency in URGENT_LEVELS or any(f.code in URGENT_FLAG_CODES for f in flags)


def is_urgent(case: Case) -> bool:
    """Urgent (placed first on an agenda) when the referrer said urgent/emergency, or when the
    recorded data show high-grade cord compression with a progressing deficit.

    An unstable spine (SINS ≥ 13) alone is flagged but not moved up: it calls for a surgical
    opinion (Fisher 2010) rather than a decision within hours, which is what the agenda order is
    for (the issue: "high-grade cord compression, progressing deficit"; the demo's case 4, SINS 16,
    is routine).
    """
    return _urgent(case, case_urgent_flags(case))


# --- agenda -----------------------------------------------------------------------------------


def meeting_minutes(meeting: Meeting) -> int:
    """How long the meeting lasts, in whole minutes."""
    return int((meeting.ends_at - meeting.starts_at).total_seconds() // 60)


def meeting_booked_minutes(meeting: Meeting) -> int:
    """The minutes allotted to the cases on the agenda (closed and open items alike)."""
    return meeting.agenda_items.aggregate(total=Sum("minutes_allotted"))["total"] or 0


def undiscussed_items(meeting: Meeting) -> QuerySet[AgendaItem]:
    """The meeting's open agenda items whose case it did not discuss (UNDISCUSSED_CASE_STATUSES),
    in agenda order: closing the meeting carries each to the next meeting or back to ready."""
    return (
        meeting.agenda_items.filter(is_open=True, case__status__in=UNDISCUSSED_CASE_STATUSES)
        .select_related("case__patient", "case__board", "case__created_by")
        .order_by("position")
    )


def meeting_has_started(meeting: Meeting, now: dt.datetime | None = None) -> bool:
    return meeting.status != Meeting.Status.PLANNED or meeting.starts_at <= (now or timezone.now())


@dataclass(frozen=True)
class AgendaEntry:
    """One agenda line as a page shows it: the item, its urgency and its readiness."""

    item: AgendaItem
    urgent: bool
    flags: tuple[Flag, ...]
    readiness: Readiness


def agenda_items(meeting: Meeting) -> QuerySet[AgendaItem]:
    """A meeting's agenda in order, with what readiness and urgency need prefetched."""
    return (
        meeting.agenda_items.select_related(
            "case__board", "case__patient", "case__stored_assessment"
        )
        .prefetch_related(
            Prefetch("case__lesions", queryset=SpinalLesion.objects.order_by("id")),
            "case__prior_treatments",
        )
        .order_by("position")
    )


def agenda_overview(meeting: Meeting, today: dt.date | None = None) -> list[AgendaEntry]:
    """Every agenda item with its urgent flags and readiness, in agenda order."""
    entries = []
    for item in agenda_items(meeting):
        flags = case_urgent_flags(item.case)
        entries.append(
            AgendaEntry(
                item=item,
                urgent=_urgent(item.case, flags),
                flags=flags,
                readiness=case_readiness(item.case, meeting.board, today),
            )
        )
    return entries


# --- quorum -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quorum:
    """`met` when every discipline the board requires has someone present (in person or remote)
    and at least `minimum_present` people are present (the board's `quorum_min_present`, 1 by
    default: a board that requires no discipline has quorum as soon as anyone is present).
    """

    met: bool
    required: list[str]
    present: list[str]
    missing_disciplines: list[str]
    minimum_present: int = 1
    present_count: int = 0


def meeting_quorum(meeting: Meeting) -> Quorum:
    """Quorum from the attendance recorded; a present member speaks for the discipline they were
    invited for, else the one on their specialist profile."""
    present_users = list(
        meeting.attendance.filter(mode__in=PRESENT_MODES).values_list("user_id", flat=True)
    )
    invited_for = dict(
        meeting.invitations.filter(user_id__in=present_users)
        .exclude(discipline="")
        .values_list("user_id", "discipline")
    )
    profiles = dict(
        SpecialistProfile.objects.filter(user_id__in=present_users).values_list(
            "user_id", "discipline"
        )
    )
    present = sorted(
        {invited_for.get(uid) or profiles.get(uid) for uid in present_users} - {None, ""}
    )
    required = [str(d) for d in (meeting.board.required_disciplines or [])]
    missing = [d for d in required if d not in present]
    minimum = max(meeting.board.quorum_min_present, 1)
    count = len(set(present_users))
    met = not missing and count >= minimum
    return Quorum(
        met=met,
        required=required,
        present=present,
        missing_disciplines=missing,
        minimum_present=minimum,
        present_count=count,
    )


# --- people and meetings ----------------------------------------------------------------------


def overlapping_meetings(
    *, starts_at: dt.datetime, ends_at: dt.datetime, board: Board | None = None
) -> QuerySet[Meeting]:
    """Meetings that share any time with [starts_at, ends_at) and are not cancelled."""
    qs = Meeting.objects.filter(starts_at__lt=ends_at, ends_at__gt=starts_at).exclude(
        status=Meeting.Status.CANCELLED
    )
    return qs.filter(board=board) if board is not None else qs


def member_conflicts(user, meeting: Meeting) -> list[Meeting]:
    """Other meetings (any board) overlapping `meeting` to which the user is invited and has not
    declined, earliest first."""
    return list(
        overlapping_meetings(starts_at=meeting.starts_at, ends_at=meeting.ends_at)
        .exclude(pk=meeting.pk)
        .exclude(status=Meeting.Status.CLOSED)
        .filter(invitations__user=user, invitations__response__in=EXPECTED_RESPONSES)
        .select_related("board")
        .order_by("starts_at", "pk")
        .distinct()
    )


def next_meeting_for(
    board: Board, after: dt.datetime | None = None, *, exclude: Meeting | None = None
) -> Meeting | None:
    """The board's next planned meeting starting after `after` (default: now) that has not
    started yet."""
    now = timezone.now()
    after = max(after or now, now)
    qs = Meeting.objects.filter(board=board, status=Meeting.Status.PLANNED, starts_at__gt=after)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.order_by("starts_at", "pk").first()


def next_meeting_after(meeting: Meeting) -> Meeting | None:
    """Where a case the meeting did not discuss is carried when it closes: the board's next
    planned meeting that starts after this one and has not started."""
    return next_meeting_for(meeting.board, meeting.starts_at, exclude=meeting)


def board_coordinators(board: Board) -> list:
    """The board's active coordinators (not its chair), who are told when a case is deferred."""
    return list(
        get_user_model()
        .objects.filter(
            board_memberships__board=board,
            board_memberships__role=BoardMembership.Role.COORDINATOR,
            is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


# --- deadlines --------------------------------------------------------------------------------


def opinion_deadline(meeting: Meeting) -> dt.datetime:
    """When the specialists' opinions are due: `board.opinion_deadline_hours` before the start."""
    return meeting.starts_at - dt.timedelta(hours=meeting.board.opinion_deadline_hours)


def circulation_time(meeting: Meeting) -> dt.datetime:
    """When the agenda goes out: `board.agenda_circulation_hours` before the start."""
    return meeting.starts_at - dt.timedelta(hours=meeting.board.agenda_circulation_hours)

"""Computed facts about cases and meetings: readiness, urgency, quorum, booked time, conflicts.

Pure computations and reads; nothing here writes. Services and pages call these so a rule lives in
one place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet, Sum
from django.utils import timezone

from cases.assessment import Flag, stored_case_assessment, stored_case_flags
from cases.models import Case, SpinalLesion

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


# --- readiness --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Readiness:
    """Whether a case can be discussed: `missing` data and `stale` data, in words for the UI."""

    ready: bool
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [*self.missing, *self.stale]


def board_today(board: Board) -> dt.date:
    return timezone.localdate(timezone=ZoneInfo(board.time_zone))


def _lesions(case: Case) -> list[SpinalLesion]:
    return list(case.lesions.all())  # uses a prefetch when the caller made one


def latest_spine_mri(case: Case) -> dt.date | None:
    """The most recent dated MRI among the case's lesions (one MRI usually covers the spine)."""
    dates = [
        lesion.imaging_date
        for lesion in _lesions(case)
        if lesion.imaging_modality == SpinalLesion.Modality.MRI and lesion.imaging_date
    ]
    return max(dates, default=None)


def case_readiness(
    case: Case, board: Board | None = None, today: dt.date | None = None
) -> Readiness:
    """Is the case ready for the board? Lists what is missing and what is out of date.

    Required, as the board's coordinators check before circulating an agenda:
    - the clinical question, stated;
    - a spine MRI no older than `board.mri_max_age_days` (the most recent MRI among the lesions;
      older → `stale`; none → `missing`);
    - histology: whether the diagnosis is tissue-proven (`histology_confirmed`) and, if it is,
      the histological type. A case recorded as *not* tissue-proven is ready in this respect:
      whether to biopsy is then one of the board's questions;
    - performance status: KPS or ECOG;
    - neurological examination: a Frankel or ASIA grade and the examination date. Only the MRI has
      a configurable recency window; an examination date in the future is reported as stale;
    - the inputs the prognostic and decision scores need: revised Tokuhashi, Tomita and NOMS (per
      lesion), as stored (`cases.assessment.stored_case_assessment`). None of the scores
      implemented here (SINS, ESCC, revised Tokuhashi, Tomita, NOMS, Patchell) needs laboratory
      values and the case model records none, so readiness checks these score inputs instead of
      labs.

    `board` defaults to the case's board; `today` to the current date in the board's time zone.
    Pass cases with `lesions` prefetched and `stored_assessment` joined to avoid queries per case.
    """
    board = board or case.board
    today = today or board_today(board)
    missing: list[str] = []
    stale: list[str] = []

    if not (case.clinical_question or "").strip():
        missing.append("Clinical question for the board")

    mri = latest_spine_mri(case)
    if mri is None:
        missing.append("Spine MRI (no dated MRI on any lesion)")
    elif (today - mri).days > board.mri_max_age_days:
        stale.append(
            f"Spine MRI of {mri:%d %b %Y} is {(today - mri).days} days old; "
            f"this board accepts up to {board.mri_max_age_days} days"
        )

    if case.histology_confirmed is None:
        missing.append("Histology: whether the diagnosis is tissue-proven")
    elif case.histology_confirmed and not (case.histology or "").strip():
        missing.append("Histology: the tissue-proven type")

    if case.kps is None and case.ecog is None:
        missing.append("Performance status (KPS or ECOG)")

    if not (case.frankel_grade or case.asia_grade):
        missing.append("Neurological examination: Frankel or ASIA grade")
    if case.neuro_exam_date is None:
        missing.append("Neurological examination: date")
    elif case.neuro_exam_date > today:
        stale.append(f"Neurological examination dated in the future ({case.neuro_exam_date})")

    missing.extend(score_inputs_missing(case))
    return Readiness(ready=not (missing or stale), missing=missing, stale=stale)


def score_inputs_missing(case: Case) -> list[str]:
    """What the revised Tokuhashi, Tomita and per-lesion NOMS still need, e.g.
    "Tokuhashi (revised): Karnofsky (KPS)". Empty when every one of them is computable."""
    assessment = stored_case_assessment(case)
    missing = [
        f"{label}: {item}"
        for label, score in (
            ("Tokuhashi (revised)", assessment.tokuhashi),
            ("Tomita", assessment.tomita),
        )
        if not score.computable
        for item in score.missing
    ]
    for lesion in assessment.lesions:
        if not lesion.noms.computable:
            missing.extend(f"NOMS at {lesion.level}: {item}" for item in lesion.noms.missing)
    if not assessment.lesions:
        missing.append("NOMS: no spinal lesion recorded")
    return missing


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

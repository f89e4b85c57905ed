"""Reads of boards and meetings, scoped to the user asking. Access control for both lives here."""

from __future__ import annotations

import base64
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Count,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from cases.models import Case, SpinalLesion
from cases.selectors import URGENCY_RANK, cases_visible_to
from tumorboard.roles import STAFF_ROLES

from .access import (
    NOT_COORDINATOR,
    boards_chaired_by,
    boards_coordinated_by,
    boards_visible_to,
    can_coordinate,
)
from .models import (
    AgendaItem,
    Board,
    BoardMembership,
    BoardSchedule,
    CalendarFeed,
    Discipline,
    Invitation,
    Meeting,
)
from .rules import (
    INACTIVE_MEETING_STATUSES,
    AgendaEntry,
    Quorum,
    Readiness,
    agenda_overview,
    case_readiness,
    case_urgent_flags,
    is_urgent,
    meeting_minutes,
    meeting_quorum,
    member_conflicts,
)


def board_list(*, user) -> QuerySet[Board]:
    return boards_visible_to(user).order_by("name")


def meetings_visible_to(user) -> QuerySet[Meeting]:
    """Meetings of the boards the user is a member of."""
    return Meeting.objects.filter(board__in=boards_visible_to(user))


def planned_meetings_within_lead_time(
    lead_hours_field: str, extra: dt.timedelta = dt.timedelta(0)
) -> QuerySet[Meeting]:
    """Planned meetings that have not started and start within the longest lead time any board
    sets in `lead_hours_field` (e.g. "opinion_deadline_hours"), plus `extra`; earliest first.
    The beat tasks narrow these down per board."""
    now = timezone.now()
    longest = Board.objects.aggregate(longest=Max(lead_hours_field))["longest"] or 0
    return (
        Meeting.objects.filter(
            status=Meeting.Status.PLANNED,
            starts_at__gt=now,
            starts_at__lte=now + dt.timedelta(hours=longest) + extra,
        )
        .select_related("board")
        .order_by("starts_at", "pk")
    )


def meeting_list(*, user, upcoming: bool | None = None) -> QuerySet[Meeting]:
    """Meetings by start time. upcoming=True: not yet over (or still in progress) and not
    cancelled."""
    qs = meetings_visible_to(user).select_related("board")
    if upcoming:
        qs = qs.filter(
            Q(ends_at__gte=timezone.now()) | Q(status=Meeting.Status.IN_PROGRESS)
        ).exclude(status=Meeting.Status.CANCELLED)
    return qs.order_by("starts_at", "pk")


# --- coordinators' pages, the readiness board and calendars -------------------------------------

# The calendar feed shows meetings from this long ago onwards (and every later one).
FEED_LOOKBACK = dt.timedelta(days=60)


def meeting_for_user(*, user, uuid) -> Meeting:
    """A meeting of one of the user's boards, or Meeting.DoesNotExist (answered 404); with what
    the meeting page shows beside it (its board, schedule and who allowed overbooking)."""
    return (
        meetings_visible_to(user)
        .select_related("board", "overbooking_allowed_by", "schedule")
        .get(uuid=uuid)
    )


@dataclass(frozen=True)
class MeetingRow:
    """A line of the upcoming-meetings page."""

    meeting: Meeting
    n_cases: int
    booked_minutes: int
    length_minutes: int
    accepted: int
    declined: int
    pending: int
    quorum_expected: bool
    disciplines_missing: list[str]
    can_edit: bool

    @property
    def available_minutes(self) -> int:
        return self.length_minutes - self.booked_minutes

    @property
    def overbooked(self) -> bool:
        return self.booked_minutes > self.length_minutes


def upcoming_meetings(*, user) -> list[MeetingRow]:
    """The user's boards' meetings not yet over (and not cancelled), with agenda size, booked
    minutes, answers to invitations and whether the accepted invitees cover the board's
    required disciplines (quorum expected). Three queries, however many meetings."""
    meetings = (
        meeting_list(user=user, upcoming=True)
        .annotate(
            n_cases=Count("agenda_items"),
            booked=Coalesce(Sum("agenda_items__minutes_allotted"), 0),
        )
        .prefetch_related(
            Prefetch(
                "invitations",
                queryset=Invitation.objects.only("id", "meeting_id", "response", "discipline"),
                to_attr="all_invitations",
            )
        )
    )
    coordinated = set(boards_coordinated_by(user).values_list("pk", flat=True))
    rows = []
    for meeting in meetings:
        answers = Counter(inv.response for inv in meeting.all_invitations)
        covered = {
            inv.discipline
            for inv in meeting.all_invitations
            if inv.response == Invitation.Response.ACCEPTED and inv.discipline
        }
        missing = [d for d in meeting.board.required_disciplines or [] if d not in covered]
        rows.append(
            MeetingRow(
                meeting=meeting,
                n_cases=meeting.n_cases,
                booked_minutes=meeting.booked,
                length_minutes=meeting_minutes(meeting),
                accepted=answers[Invitation.Response.ACCEPTED],
                declined=answers[Invitation.Response.DECLINED],
                pending=answers[Invitation.Response.PENDING],
                # A minimum of one is met by whoever comes; a larger one needs acceptances.
                quorum_expected=not missing
                and (
                    meeting.board.quorum_min_present <= 1
                    or answers[Invitation.Response.ACCEPTED] >= meeting.board.quorum_min_present
                ),
                disciplines_missing=[_discipline_label(d) for d in missing],
                can_edit=meeting.board_id in coordinated,
            )
        )
    return rows


def _discipline_label(value: str) -> str:
    try:
        return str(Discipline(value).label)
    except ValueError:
        return value


def discipline_label(value: str) -> str:
    """ "spine_surgery" → "Spine surgery" (unknown values as they are)."""
    return _discipline_label(value)


def board_schedules(board: Board) -> QuerySet[BoardSchedule]:
    return board.schedules.order_by("-active", "starts_on", "pk")


def board_managed_by(user, board_uuid) -> Board:
    """A board the user coordinates (or chairs), by uuid. Board.DoesNotExist when the user cannot
    see it; PermissionDenied when they see it but do not coordinate it."""
    board = boards_visible_to(user).get(uuid=board_uuid)
    if not can_coordinate(user, board):
        raise PermissionDenied(NOT_COORDINATOR)
    return board


@dataclass(frozen=True)
class MemberRow:
    """A person on a board, with their duty and the discipline they speak for."""

    user: object
    role: str
    role_label: str
    discipline: str
    discipline_label: str
    title: str

    @property
    def name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


_ROLE_RANK = {BoardMembership.Role.CHAIR: 0, BoardMembership.Role.COORDINATOR: 1}


def board_member_rows(board: Board) -> list[MemberRow]:
    """The board's people, one row each (their highest duty), chair and coordinators first, then
    by family name. One query."""
    memberships = (
        BoardMembership.objects.filter(board=board)
        .select_related("user", "user__specialist_profile")
        .order_by("user__last_name", "user__first_name", "user_id")
    )
    by_user: dict[int, BoardMembership] = {}
    for membership in memberships:
        kept = by_user.get(membership.user_id)
        if kept is None or _ROLE_RANK.get(membership.role, 2) < _ROLE_RANK.get(kept.role, 2):
            by_user[membership.user_id] = membership
    rows = []
    for membership in by_user.values():
        profile = getattr(membership.user, "specialist_profile", None)
        rows.append(
            MemberRow(
                user=membership.user,
                role=membership.role,
                role_label=membership.get_role_display(),
                discipline=profile.discipline if profile else "",
                discipline_label=profile.get_discipline_display() if profile else "",
                title=profile.title if profile else "",
            )
        )
    return sorted(rows, key=lambda row: _ROLE_RANK.get(row.role, 2))


STAFF_SEARCH_LIMIT = 10


@dataclass(frozen=True)
class StaffPick:
    """Staff a coordinator can add: at most STAFF_SEARCH_LIMIT, and whether more match."""

    users: list
    more: bool


def staff_to_add(board: Board, *, q: str, limit: int = STAFF_SEARCH_LIMIT) -> StaffPick:
    """Active clinical staff (coordinators, chairs, specialists) not on the board whose username,
    given or family name or e-mail starts with `q` (any case); nobody for fewer than 2
    characters. Ordered by family name; one query."""
    q = " ".join((q or "").split())
    if len(q) < 2:
        return StaffPick(users=[], more=False)
    limit = max(1, min(limit, STAFF_SEARCH_LIMIT))
    words = Q()
    for word in q.split(" ")[:3]:
        words &= (
            Q(username__istartswith=word)
            | Q(first_name__istartswith=word)
            | Q(last_name__istartswith=word)
            | Q(email__istartswith=word)
        )
    found = list(
        get_user_model()
        .objects.filter(words, is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name__in=STAFF_ROLES))
        .exclude(board_memberships__board=board)
        .select_related("specialist_profile")
        .distinct()
        .order_by("last_name", "first_name", "pk")[: limit + 1]
    )
    return StaffPick(users=found[:limit], more=len(found) > limit)


def schedulable_cases(boards) -> QuerySet[Case]:
    """The cases of `boards` (a Board queryset) that can go on an agenda: not closed, withdrawn
    or plan-signed, and not on an open agenda of a meeting that is still to come or running.
    Most urgent first, then oldest."""
    held = (
        AgendaItem.objects.filter(is_open=True, meeting__ends_at__gt=timezone.now())
        .exclude(meeting__status__in=INACTIVE_MEETING_STATUSES)
        .values("case_id")
    )
    return (
        Case.objects.filter(board__in=boards)
        .exclude(status__in=[Case.Status.CLOSED, Case.Status.WITHDRAWN, Case.Status.PLAN_SIGNED])
        .exclude(pk__in=held)
        .select_related("patient", "board")
        .annotate(urgency_rank=URGENCY_RANK)
        .order_by("urgency_rank", "created_at", "pk")
    )


def agenda_candidates(meeting: Meeting) -> QuerySet[Case]:
    """The cases that can be added to this meeting's agenda (its own cases are already on it)."""
    return schedulable_cases(Board.objects.filter(pk=meeting.board_id))


# How many cases a picker shows (the meeting page's "add a case", the urgent-meeting form, the
# picker API): the most urgent first; typing narrows them down. A page never grows with the
# cases it does not show.
PICKER_LIMIT = 20
PICKER_MAX_LIMIT = 50


def case_search_filter(q: str) -> Q:
    """Cases whose patient's MRN is `q` (exact, case-insensitive) or whose patient's family or
    given name starts with it; "Family, Given" and "Given Family" narrow by both names."""
    q = " ".join(q.split())
    match = Q(patient__mrn__iexact=q)
    match |= Q(patient__family_name__istartswith=q) | Q(patient__given_name__istartswith=q)
    if "," in q:
        family, given = (part.strip() for part in q.split(",", 1))
        match |= Q(patient__family_name__iexact=family, patient__given_name__istartswith=given)
    elif " " in q:
        first, rest = q.split(" ", 1)
        match |= Q(patient__given_name__iexact=first, patient__family_name__istartswith=rest)
        match |= Q(patient__family_name__iexact=first, patient__given_name__istartswith=rest)
    return match


@dataclass(frozen=True)
class CasePick:
    """What a picker offers: at most `limit` cases, and whether more match."""

    cases: list[Case]
    more: bool
    searched: bool


def case_picks(
    cases: QuerySet[Case], *, q: str = "", limit: int = PICKER_LIMIT, keep=()
) -> CasePick:
    """The first `limit` (at most PICKER_MAX_LIMIT) of `cases` (a `schedulable_cases` queryset,
    most urgent first) matching `q` (`case_search_filter`; empty: all of them). Cases whose
    uuid is in `keep` (those already chosen in a form) are offered too, first. Two queries at
    most, however many cases there are."""
    limit = max(1, min(limit, PICKER_MAX_LIMIT))
    q = q.strip()
    matching = cases.filter(case_search_filter(q)) if q else cases
    found = list(matching[: limit + 1])
    kept = list(cases.filter(uuid__in=list(keep))) if keep else []
    kept_ids = {case.pk for case in kept}
    shown = kept + [case for case in found[:limit] if case.pk not in kept_ids]
    return CasePick(cases=shown, more=len(found) > limit, searched=bool(q))


def meeting_case_candidates(board: Board, meeting: Meeting | None = None) -> QuerySet[Case]:
    """The board's schedulable cases; with `meeting` (one of the board's), without the cases that
    have an item on its agenda (even a closed one: a case is on an agenda once)."""
    cases = schedulable_cases(Board.objects.filter(pk=board.pk))
    if meeting is not None:
        cases = cases.exclude(pk__in=AgendaItem.objects.filter(meeting=meeting).values("case_id"))
    return cases


@dataclass(frozen=True)
class InvitationRow:
    invitation: Invitation
    conflicts: list[Meeting]


def meeting_invitations(meeting: Meeting) -> list[InvitationRow]:
    """Who is invited, for which discipline, their answer, and the overlapping meetings they are
    also expected at (`rules.member_conflicts`; none for someone who declined)."""
    invitations = meeting.invitations.select_related("user").order_by("discipline", "user__pk")
    return [
        InvitationRow(
            invitation=inv,
            conflicts=[]
            if inv.response == Invitation.Response.DECLINED
            else member_conflicts(inv.user, meeting),
        )
        for inv in invitations
    ]


@dataclass(frozen=True)
class AttendanceRow:
    user: object
    discipline: str
    invited: bool
    mode: str  # "" when not recorded


def meeting_attendance(meeting: Meeting) -> list[AttendanceRow]:
    """Everyone who may be recorded: the board's members and the invitees, with their
    discipline (the one invited for, else their profile's) and what was recorded."""
    User = get_user_model()
    invited = dict(meeting.invitations.values_list("user_id", "discipline"))
    people = (
        User.objects.filter(
            Q(pk__in=BoardMembership.objects.filter(board=meeting.board).values("user_id"))
            | Q(pk__in=list(invited))
        )
        .select_related("specialist_profile")
        .order_by("last_name", "first_name", "pk")
    )
    modes = dict(meeting.attendance.values_list("user_id", "mode"))
    rows = []
    for person in people:
        profile = getattr(person, "specialist_profile", None)
        rows.append(
            AttendanceRow(
                user=person,
                discipline=invited.get(person.pk) or (profile.discipline if profile else ""),
                invited=person.pk in invited,
                mode=modes.get(person.pk, ""),
            )
        )
    return rows


def my_invitations(*, user) -> QuerySet[Invitation]:
    """The user's invitations to meetings that are not over, closed or cancelled."""
    return (
        Invitation.objects.filter(user=user, meeting__ends_at__gte=timezone.now())
        .exclude(meeting__status__in=INACTIVE_MEETING_STATUSES)
        .select_related("meeting__board")
        .order_by("meeting__starts_at", "pk")
    )


def invitations_visible_to(user) -> QuerySet[Invitation]:
    """Invitations to meetings of the user's boards, and the user's own."""
    if not user.is_authenticated:
        return Invitation.objects.none()
    return Invitation.objects.filter(Q(meeting__in=meetings_visible_to(user)) | Q(user=user))


# Readiness board ---------------------------------------------------------------------------------

# The columns of the readiness board, in the order a case moves through them; deferred cases
# (taken off an agenda and not yet placed again) are shown last.
READINESS_COLUMNS = (
    ("referred", "Referred", (Case.Status.REFERRED,)),
    ("ready", "Ready", (Case.Status.READY,)),
    ("scheduled", "Scheduled", (Case.Status.SCHEDULED,)),
    ("discussed", "Discussed", (Case.Status.DISCUSSED,)),
    ("follow_up", "Follow-up (plan signed)", (Case.Status.PLAN_SIGNED,)),
    ("deferred", "Deferred", (Case.Status.DEFERRED,)),
)


@dataclass(frozen=True)
class ReadinessCard:
    case: Case
    readiness: Readiness
    urgent: bool
    flags: tuple
    meeting: Meeting | None  # the open agenda the case is on, if any


@dataclass(frozen=True)
class ReadinessColumn:
    state: str
    label: str
    cards: list[ReadinessCard] = field(default_factory=list)
    count: int = 0  # every case in the column, shown or not
    next_cursor: str | None = None  # where the column's next page starts, if there is one

    @property
    def more(self) -> int:
        """How many of the column's cases are not shown."""
        return max(self.count - len(self.cards), 0)


# Cards per column on the readiness board, and per page of one column.
READINESS_PER_COLUMN = 20
READINESS_MAX_PAGE = 100
READINESS_STATES = {key: (label, group) for key, label, group in READINESS_COLUMNS}
_READINESS_ORDER = ("urgency_rank", "created_at", "pk")


def _readiness_cases(user, board: Board | None, statuses) -> QuerySet[Case]:
    cases = cases_visible_to(user).filter(status__in=statuses)
    if board is not None:
        cases = cases.filter(board=board)
    return cases.annotate(urgency_rank=URGENCY_RANK)


def _with_card_facts(cases: QuerySet[Case]) -> QuerySet[Case]:
    """What a card shows: the case's lesions and prior treatments (for its readiness and flags)
    and the open agenda it is on."""
    return cases.select_related("patient", "board", "stored_assessment").prefetch_related(
        Prefetch("lesions", queryset=SpinalLesion.objects.order_by("id")),
        "prior_treatments",
        Prefetch(
            "agenda_items",
            queryset=AgendaItem.objects.filter(is_open=True)
            .exclude(meeting__status__in=INACTIVE_MEETING_STATUSES)
            .select_related("meeting__board"),
            to_attr="open_items",
        ),
    )


def _card(case: Case) -> ReadinessCard:
    return ReadinessCard(
        case=case,
        readiness=case_readiness(case, case.board),
        urgent=is_urgent(case),
        flags=case_urgent_flags(case),
        meeting=case.open_items[0].meeting if case.open_items else None,
    )


def _cursor(case: Case) -> str:
    """Where a column's next page starts: after this case in the board's order. Opaque to
    clients; it names no patient."""
    raw = f"{case.urgency_rank}|{case.created_at.isoformat()}|{case.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _after_cursor(cursor: str) -> Q:
    """Cases after the cursor in (urgency, created_at, pk) order; ValueError if it is not one
    of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        rank_text, created_text, pk_text = raw.split("|")
        rank, created, pk = int(rank_text), dt.datetime.fromisoformat(created_text), int(pk_text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("Not a readiness cursor.") from exc
    return (
        Q(urgency_rank__gt=rank)
        | Q(urgency_rank=rank, created_at__gt=created)
        | Q(urgency_rank=rank, created_at=created, pk__gt=pk)
    )


def readiness_board(
    *, user, board: Board | None = None, per_column: int = READINESS_PER_COLUMN
) -> list[ReadinessColumn]:
    """The user's boards' active cases grouped by state (referred → ready → scheduled →
    discussed → follow-up, then deferred): each column's `per_column` most urgent cases (then
    oldest) with their readiness (`rules.case_readiness`), urgency and the meeting they are on,
    and the column's count. `readiness_column` pages further. Five queries (one grouped COUNT,
    the top of every column in one query with a window function, three prefetches), however
    many cases; the page holds at most `per_column` cards a column."""
    statuses = [status for _key, _label, group in READINESS_COLUMNS for status in group]
    base = _readiness_cases(user, board, statuses)
    counts = dict(base.order_by().values_list("status").annotate(n=Count("pk")))
    top = (
        base.annotate(
            place=Window(
                RowNumber(),
                partition_by=[F("status")],
                order_by=[F(name).asc() for name in _READINESS_ORDER],
            )
        )
        .filter(place__lte=per_column)
        .order_by(*_READINESS_ORDER)
    )
    cards: dict[str, list[ReadinessCard]] = {key: [] for key, _label, _ in READINESS_COLUMNS}
    column_of = {status: key for key, _label, group in READINESS_COLUMNS for status in group}
    for case in _with_card_facts(top):
        cards[column_of[case.status]].append(_card(case))
    columns = []
    for key, label, group in READINESS_COLUMNS:
        shown = cards[key][:per_column]
        count = sum(counts.get(status, 0) for status in group)
        columns.append(
            ReadinessColumn(
                state=key,
                label=label,
                cards=shown,
                count=count,
                next_cursor=_cursor(shown[-1].case) if shown and count > len(shown) else None,
            )
        )
    return columns


def readiness_column(
    *,
    user,
    state: str,
    board: Board | None = None,
    after: str = "",
    limit: int = READINESS_PER_COLUMN,
) -> ReadinessColumn:
    """One column of the readiness board, `limit` cards (at most READINESS_MAX_PAGE) from the
    `after` cursor (a column's `next_cursor`), in the board's order, with the column's count.
    KeyError for an unknown state, ValueError for a cursor that is not one. Six queries at most,
    however many cases and however deep the page (keyset paging, no OFFSET)."""
    label, group = READINESS_STATES[state]
    limit = max(1, min(limit, READINESS_MAX_PAGE))
    base = _readiness_cases(user, board, group)
    page = base.filter(_after_cursor(after)) if after else base
    found = list(_with_card_facts(page.order_by(*_READINESS_ORDER)[: limit + 1]))
    shown = [_card(case) for case in found[:limit]]
    return ReadinessColumn(
        state=state,
        label=label,
        cards=shown,
        count=base.count(),
        next_cursor=_cursor(found[limit - 1]) if len(found) > limit else None,
    )


# Calendars ---------------------------------------------------------------------------------------


def _with_calendar_facts(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """Annotate what a calendar entry shows: the number of cases and a SEQUENCE (how many times
    the meeting was changed since it was created, from its history)."""
    history = Meeting.history.model
    changes = (
        history.objects.filter(id=OuterRef("pk"))
        .order_by()
        .values("id")
        .annotate(n=Count("history_id"))
        .values("n")
    )
    cases = (
        AgendaItem.objects.filter(meeting=OuterRef("pk"))
        .order_by()
        .values("meeting")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return meetings.select_related("board").annotate(
        n_cases=Coalesce(Subquery(cases), 0),
        n_versions=Coalesce(Subquery(changes), 1),
    )


def meeting_for_calendar(*, user, uuid) -> Meeting:
    return _with_calendar_facts(meetings_visible_to(user)).get(uuid=uuid)


def calendar_feed_owner(token: str):
    """The active user whose secret feed token this is, or None."""
    if not token:
        return None
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token=token, user__is_active=True)
        .first()
    )
    return feed.user if feed is not None else None


def calendar_feed_meetings(user) -> QuerySet[Meeting]:
    """What a user's subscription feed shows: the meetings of their boards and those they are
    invited to, from two months ago onwards; cancelled ones too, so calendars drop them."""
    invited = Invitation.objects.filter(user=user).values("meeting_id")
    meetings = Meeting.objects.filter(
        Q(board__in=boards_visible_to(user)) | Q(pk__in=invited),
        ends_at__gte=timezone.now() - FEED_LOOKBACK,
    )
    return _with_calendar_facts(meetings).order_by("starts_at", "pk")


# Meeting page and API detail ---------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingOverview:
    """What the meeting page and the API detail show beside the meeting itself."""

    meeting: Meeting
    agenda: list[AgendaEntry]
    quorum: Quorum
    booked_minutes: int
    length_minutes: int
    can_edit: bool

    @property
    def available_minutes(self) -> int:
        return self.length_minutes - self.booked_minutes

    @property
    def overbooked(self) -> bool:
        return self.booked_minutes > self.length_minutes

    @property
    def not_ready(self) -> int:
        return sum(1 for entry in self.agenda if not entry.readiness.ready)


def meeting_overview(meeting: Meeting, *, user) -> MeetingOverview:
    """The agenda with urgency and readiness (`rules.agenda_overview`), quorum
    (`rules.meeting_quorum`), booked minutes (every item, as `rules.meeting_booked_minutes`)
    and whether the user may change the meeting."""
    agenda = agenda_overview(meeting)
    return MeetingOverview(
        meeting=meeting,
        agenda=agenda,
        quorum=meeting_quorum(meeting),
        booked_minutes=sum(entry.item.minutes_allotted for entry in agenda),
        length_minutes=meeting_minutes(meeting),
        can_edit=can_coordinate(user, meeting.board),
    )


# Worklists ---------------------------------------------------------------------------------------

# How many rows each section of a worklist lists; the counts say how many there are in all, so a
# worklist never grows with the rows it does not show.
WORKLIST_LIMIT = 10


@dataclass(frozen=True)
class Shortlist:
    """The first rows of a worklist section and how many there are in all."""

    rows: list[Any]
    count: int

    @property
    def more(self) -> int:
        return max(self.count - len(self.rows), 0)


def ready_cases_without_meeting(*, user, limit: int = WORKLIST_LIMIT) -> Shortlist:
    """The ready cases of the boards the user coordinates that are on no agenda still to come
    (`schedulable_cases`), most urgent then oldest first. Two queries."""
    cases = schedulable_cases(boards_coordinated_by(user)).filter(status=Case.Status.READY)
    return Shortlist(rows=list(cases[:limit]), count=cases.order_by().count())


def upcoming_board_meetings(*, user, limit: int = WORKLIST_LIMIT) -> Shortlist:
    """The next meetings (not over, not cancelled) of the boards the user coordinates, earliest
    first, each with `n_cases` (its open agenda items). Two queries."""
    meetings = Meeting.objects.filter(
        board__in=boards_coordinated_by(user), ends_at__gte=timezone.now()
    ).exclude(status__in=INACTIVE_MEETING_STATUSES)
    rows = list(
        meetings.select_related("board")
        .annotate(n_cases=Count("agenda_items", filter=Q(agenda_items__is_open=True)))
        .order_by("starts_at", "pk")[:limit]
    )
    return Shortlist(rows=rows, count=meetings.count())


def meetings_to_run(*, user, limit: int = WORKLIST_LIMIT) -> Shortlist:
    """The meetings of the boards the user chairs that are running or still to come (not closed
    or cancelled; a meeting that ran over and was not closed stays until it is), earliest first,
    each with `n_cases` (its open agenda items). Two queries."""
    meetings = (
        Meeting.objects.filter(board__in=boards_chaired_by(user))
        .exclude(status__in=INACTIVE_MEETING_STATUSES)
        .filter(Q(ends_at__gte=timezone.now()) | ~Q(status=Meeting.Status.PLANNED))
    )
    rows = list(
        meetings.select_related("board")
        .annotate(n_cases=Count("agenda_items", filter=Q(agenda_items__is_open=True)))
        .order_by("starts_at", "pk")[:limit]
    )
    return Shortlist(rows=rows, count=meetings.count())

"""Reads of opinions, scoped to the user asking. Access control for opinions lives here.

Opinions are independent: on a board with `opinions_blind` set, a specialist sees the others'
opinions on a case only once they have given their own (or the meeting has started), so the first
opinion given does not anchor the rest. Coordinators and chairs of the board always see them.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone

from cases.assessment import board_sbrt_regimens
from cases.models import Case, SpinalLesion
from clinical.regimens import CEBRT_REGIMENS
from recommendations.models import Opinion
from recommendations.opinions.options import SYSTEMIC_CLASSES, options_for
from scheduling.access import COORDINATING_ROLES, board_roles, boards_visible_to
from scheduling.models import AgendaItem, Board, BoardMembership, Discipline, Invitation, Meeting
from scheduling.rules import EXPECTED_RESPONSES, case_readiness, meeting_has_started
from scheduling.selectors import WORKLIST_LIMIT
from tumorboard.roles import SPECIALIST, has_role, is_staff_member


def can_give_opinions(user) -> bool:
    """A specialist with a discipline on their profile (board membership is checked per case)."""
    if not (user.is_authenticated and has_role(user, SPECIALIST)):
        return False
    try:
        return bool(user.specialist_profile.discipline)
    except ObjectDoesNotExist:
        return False


def board_regimens(board: Board) -> dict[str, list[str]]:
    """The regimen labels a board offers: cEBRT from the project list, SBRT from the board's own
    list when it has a readable one, else the project list (one reader: assessment.py)."""
    return {
        "cebrt": [regimen.label for regimen in CEBRT_REGIMENS],
        "sbrt": [regimen.label for regimen in board_sbrt_regimens(board).regimens],
    }


# --- visibility -------------------------------------------------------------------------------


class Visibility(enum.Enum):
    NONE = "none"  # not on the case's board (or not clinical staff)
    OWN = "own"  # blind: only their own opinion until they have given it
    ALL = "all"


def sees_every_opinion(user, *, roles: Iterable[str], board: Board, meeting: Meeting) -> bool:
    """The blind rule before asking who has given an opinion: coordinators, chairs and members who
    give no opinions see every opinion, and so does everyone once the meeting has started or when
    the board does not blind opinions. `roles` are the user's membership roles on the board
    (`scheduling.access.board_roles(user, board).roles`)."""
    if user.is_superuser or COORDINATING_ROLES & set(roles) or not can_give_opinions(user):
        return True
    return not board.opinions_blind or meeting_has_started(meeting)


def opinion_visibility(user, case: Case, meeting: Meeting) -> Visibility:
    """Which opinions on `case` for `meeting` the user may read.

    - not clinical staff, or not a member of the case's board: none;
    - a coordinator or chair of the board, or a member who gives no opinions: all;
    - the board does not blind opinions, or the meeting has started: all;
    - a specialist who has given their own opinion on this case for this meeting: all;
    - otherwise only their own (there is none yet): the others stay hidden.
    """
    if not is_staff_member(user) or meeting.board_id != case.board_id:
        return Visibility.NONE
    if user.is_superuser:
        return Visibility.ALL
    roles = board_roles(user, case.board_id)
    if not roles.member:
        return Visibility.NONE
    if sees_every_opinion(user, roles=roles.roles, board=case.board, meeting=meeting):
        return Visibility.ALL
    if Opinion.objects.filter(case=case, meeting=meeting, author=user).exists():
        return Visibility.ALL
    return Visibility.OWN


def _opinions() -> QuerySet[Opinion]:
    return Opinion.objects.select_related("author", "case", "meeting")


def opinions_visible_to(user, case: Case, meeting: Meeting) -> QuerySet[Opinion]:
    """The opinions on `case` for `meeting` the user may read (see `opinion_visibility`)."""
    visibility = opinion_visibility(user, case, meeting)
    if visibility is Visibility.NONE:
        return Opinion.objects.none()
    qs = _opinions().filter(case=case, meeting=meeting)
    if visibility is Visibility.OWN:
        qs = qs.filter(author=user)
    return qs.order_by("discipline", "submitted_at", "pk")


def opinion_detail(*, user, uuid) -> Opinion:
    """One opinion the user may read, or Opinion.DoesNotExist (also for those hidden by the
    blind rule, so their existence is not revealed)."""
    if not is_staff_member(user):
        raise Opinion.DoesNotExist
    opinion = _opinions().select_related("case__board", "case__patient").get(uuid=uuid)
    visibility = opinion_visibility(user, opinion.case, opinion.meeting)
    if visibility is Visibility.ALL or (
        visibility is Visibility.OWN and opinion.author_id == user.pk
    ):
        return opinion
    raise Opinion.DoesNotExist


def opinion_history(opinion: Opinion) -> QuerySet:
    """Every saved version of an opinion, newest first (one query)."""
    return opinion.history.select_related("history_user").order_by("-history_date", "-history_id")


# --- my agenda --------------------------------------------------------------------------------


@dataclass
class AgendaCase:
    """One case on one of the user's upcoming meetings, as "my cases" shows it."""

    item: AgendaItem
    opinion: Opinion | None
    missing: list[str]
    expected: bool  # the user is invited (or the meeting invites nobody in particular)

    @property
    def case(self) -> Case:
        return self.item.case

    @property
    def meeting(self) -> Meeting:
        return self.item.meeting


@dataclass
class MeetingAgenda:
    meeting: Meeting
    cases: list[AgendaCase] = field(default_factory=list)


def _missing_data(case: Case) -> list[str]:
    """What the board still needs to discuss the case, and what is out of date: the readiness
    rules (which include what the decision-support scores lack)."""
    return list(case_readiness(case, case.board).problems)


def my_agenda(user, now: dt.datetime | None = None) -> list[MeetingAgenda]:
    """The cases on the upcoming meetings of the user's boards (planned, not yet started), by
    meeting start, with the user's own opinion on each (or None) and the data still missing.

    A fixed number of queries whatever the number of meetings and cases.
    """
    if not is_staff_member(user):
        return []
    now = now or timezone.now()
    meetings = list(
        Meeting.objects.filter(
            status=Meeting.Status.PLANNED, starts_at__gt=now, board__in=boards_visible_to(user)
        )
        .select_related("board")
        .order_by("starts_at", "pk")
    )
    if not meetings:
        return []
    items = (
        AgendaItem.objects.filter(meeting__in=meetings)
        .select_related("case__board", "case__patient", "case__stored_assessment")
        .prefetch_related(
            Prefetch("case__lesions", queryset=SpinalLesion.objects.order_by("id")),
            "case__prior_treatments",
        )
        .order_by("position")
    )
    own = {
        (o.meeting_id, o.case_id): o
        for o in Opinion.objects.filter(author=user, meeting__in=meetings)
    }
    invited = dict(
        Invitation.objects.filter(meeting__in=meetings, user=user).values_list(
            "meeting_id", "response"
        )
    )
    inviting = set(
        Invitation.objects.filter(meeting__in=meetings).values_list("meeting_id", flat=True)
    )
    agendas = {meeting.pk: MeetingAgenda(meeting=meeting) for meeting in meetings}
    gives_opinions = can_give_opinions(user)
    for item in items:
        meeting = agendas[item.meeting_id].meeting
        item.meeting = meeting  # already loaded: no query per item
        expected = (
            invited.get(meeting.pk) in EXPECTED_RESPONSES
            if meeting.pk in inviting
            else gives_opinions
        )
        agendas[meeting.pk].cases.append(
            AgendaCase(
                item=item,
                opinion=own.get((meeting.pk, item.case_id)),
                missing=_missing_data(item.case),
                expected=expected,
            )
        )
    return [agenda for agenda in agendas.values() if agenda.cases]


# --- who still owes an opinion ----------------------------------------------------------------


@dataclass(frozen=True)
class MissingOpinion:
    """A specialist who still owes an opinion on a case; unpacks as a (user, case) pair."""

    user: object
    case: Case
    discipline: str

    def __iter__(self):
        return iter((self.user, self.case))


def specialists_missing_opinions(meeting: Meeting) -> list[MissingOpinion]:
    """(specialist, case) for every case on the meeting's open agenda that an expected
    specialist has not yet given an opinion on, in agenda order then by user.

    THE ONE PLACE that decides who owes an opinion: the "my cases" page, the summaries, the
    opinion reminders (`services.opinion_reminders_send`) and the worklists all ask it (the
    specialist's worklist asks `opinions_owed`, kept equal to it by a test).

    Expected: the invitees who accepted or have not yet answered; when the meeting invites
    nobody, every specialist member of the board. Only specialists with a discipline on their
    profile count (no one else gives opinions). A fixed number of queries.
    """
    return missing_opinions_by_meeting([meeting])[meeting.pk]


def missing_opinions_by_meeting(meetings: Iterable[Meeting]) -> dict[int, list[MissingOpinion]]:
    """`specialists_missing_opinions` for several meetings at once, by meeting id: five queries,
    however many meetings."""
    meetings = list(meetings)
    ids = [meeting.pk for meeting in meetings]
    invitations: dict[int, list[tuple[int, str, str]]] = {pk: [] for pk in ids}
    for meeting_id, user_id, response, discipline in Invitation.objects.filter(
        meeting_id__in=ids
    ).values_list("meeting_id", "user_id", "response", "discipline"):
        invitations[meeting_id].append((user_id, response, discipline))
    uninviting_boards = {m.board_id for m in meetings if not invitations[m.pk]}
    members: dict[int, set[int]] = {board_id: set() for board_id in uninviting_boards}
    for board_id, user_id in BoardMembership.objects.filter(
        board_id__in=uninviting_boards
    ).values_list("board_id", "user_id"):
        members[board_id].add(user_id)
    candidates = {user_id for ids_ in members.values() for user_id in ids_} | {
        user_id for rows in invitations.values() for user_id, _r, _d in rows
    }
    people = list(
        get_user_model()
        .objects.filter(
            pk__in=candidates,
            is_active=True,
            groups__name=SPECIALIST,
            specialist_profile__isnull=False,
        )
        .select_related("specialist_profile")
        .distinct()
        .order_by("pk")
    )
    items: dict[int, list[AgendaItem]] = {pk: [] for pk in ids}
    for item in (
        AgendaItem.objects.filter(meeting_id__in=ids, is_open=True)
        .select_related("case")
        .order_by("position", "pk")
    ):
        items[item.meeting_id].append(item)
    given = set(
        Opinion.objects.filter(meeting_id__in=ids).values_list("meeting_id", "author_id", "case_id")
    )
    missing: dict[int, list[MissingOpinion]] = {}
    for meeting in meetings:
        if invitations[meeting.pk]:
            invited_for = {
                user_id: discipline
                for user_id, response, discipline in invitations[meeting.pk]
                if response in EXPECTED_RESPONSES
            }
            expected = [person for person in people if person.pk in invited_for]
        else:
            invited_for = {}
            expected = [person for person in people if person.pk in members[meeting.board_id]]
        missing[meeting.pk] = [
            MissingOpinion(
                user=person,
                case=item.case,
                discipline=invited_for.get(person.pk) or person.specialist_profile.discipline,
            )
            for item in items[meeting.pk]
            for person in expected
            if (meeting.pk, person.pk, item.case_id) not in given
        ]
    return missing


# --- the specialist's worklist: opinions due -----------------------------------------------------


@dataclass(frozen=True)
class OpinionDue:
    """An opinion the user owes: a case on a meeting's agenda, due `board.opinion_deadline_hours`
    before the meeting starts."""

    item: AgendaItem
    due_at: dt.datetime
    overdue: bool

    @property
    def case(self) -> Case:
        return self.item.case

    @property
    def meeting(self) -> Meeting:
        return self.item.meeting


@dataclass(frozen=True)
class OpinionsDue:
    rows: list[OpinionDue]
    count: int  # every opinion owed, shown or not
    overdue: int  # how many of them are past their deadline

    @property
    def more(self) -> int:
        return max(self.count - len(self.rows), 0)


def _opinion_deadline() -> ExpressionWrapper:
    """When an agenda item's opinions are due: its meeting's start less the board's deadline."""
    lead = ExpressionWrapper(
        F("meeting__board__opinion_deadline_hours") * dt.timedelta(hours=1),
        output_field=DurationField(),
    )
    return ExpressionWrapper(F("meeting__starts_at") - lead, output_field=DateTimeField())


def opinions_owed(user, now: dt.datetime | None = None) -> QuerySet[AgendaItem]:
    """The open agenda items of the user's boards' meetings still to start (planned) on which the
    user owes an opinion, each annotated with `due_at`; earliest deadline first, so the overdue
    ones lead.

    Who owes an opinion is `specialists_missing_opinions`'s rule, asked of one user across every
    meeting at once: a specialist with a discipline who has not given their opinion, invited
    (accepted or not yet answered) or, when the meeting invites nobody, a member of the board.
    A test keeps the two answers equal.
    """
    now = now or timezone.now()
    invitations = Invitation.objects.filter(meeting=OuterRef("meeting_id"))
    owed = (
        AgendaItem.objects.filter(
            is_open=True,
            meeting__status=Meeting.Status.PLANNED,
            meeting__starts_at__gt=now,
            meeting__board__in=boards_visible_to(user),
        )
        .filter(
            Q(Exists(invitations.filter(user=user, response__in=EXPECTED_RESPONSES)))
            | ~Q(Exists(invitations))
        )
        .exclude(
            Exists(
                Opinion.objects.filter(
                    author=user, meeting=OuterRef("meeting_id"), case=OuterRef("case_id")
                )
            )
        )
        .annotate(due_at=_opinion_deadline())
    )
    return owed if user.is_active and can_give_opinions(user) else owed.none()


def opinions_due(
    *, user, now: dt.datetime | None = None, limit: int = WORKLIST_LIMIT
) -> OpinionsDue:
    """The `limit` opinions the user owes with the earliest deadlines (overdue first), how many
    they owe in all and how many are overdue. Two queries, however many cases and meetings."""
    now = now or timezone.now()
    owed = opinions_owed(user, now)
    totals = owed.order_by().aggregate(
        count=Count("pk"), overdue=Count("pk", filter=Q(due_at__lte=now))
    )
    rows = owed.select_related("meeting__board", "case__patient").order_by(
        "due_at", "meeting__starts_at", "position", "pk"
    )[:limit]
    return OpinionsDue(
        rows=[
            OpinionDue(item=item, due_at=item.due_at, overdue=item.due_at <= now) for item in rows
        ],
        count=totals["count"],
        overdue=totals["overdue"],
    )


# --- the controlled lists ---------------------------------------------------------------------


def opinion_catalogue(user) -> dict:
    """What opinions may say: every discipline's options, the systemic therapy classes, and the
    regimens each of the user's boards offers."""
    try:
        own = user.specialist_profile.discipline or None
    except ObjectDoesNotExist:
        own = None
    return {
        "your_discipline": own,
        "disciplines": [
            {
                "discipline": value,
                "label": label,
                "options": [{"value": v, "label": lbl} for v, lbl in options_for(value)],
            }
            for value, label in Discipline.choices
        ],
        "systemic_classes": [{"value": v, "label": lbl} for v, lbl in SYSTEMIC_CLASSES],
        "boards": [
            {"board": board.uuid, "name": board.name, **board_regimens(board)}
            for board in boards_visible_to(user).order_by("name")
        ],
    }

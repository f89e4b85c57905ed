"""Reads of meeting mode: the meeting screen, decision records, plans and their history.

Access control for all of them lives here. Clinical staff who are members of the meeting's board
see its decision records and plans; anyone else on the staff gets "does not exist" (404), so the
existence of a record is not revealed; patients and users without a role are refused before
these are called (403).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import F, Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils import timezone

from cases.models import Case, SpinalLesion
from recommendations.models import (
    ConsensusPlan,
    DecisionRecord,
    Dissent,
    Opinion,
    PlanActivity,
    PlanAmendment,
    PreMeetingSummary,
    Rediscussion,
)
from recommendations.opinions.selectors import Visibility, opinion_visibility, sees_every_opinion
from recommendations.summaries.selectors import latest_summaries
from scheduling.access import (
    BoardRoles,
    board_roles,
    boards_chaired_by,
    boards_coordinated_by,
    boards_visible_to,
    user_discipline,
)
from scheduling.models import AgendaItem, Attendance, Meeting
from scheduling.rules import Quorum, board_today, meeting_quorum
from scheduling.selectors import WORKLIST_LIMIT, Shortlist, meetings_visible_to

# --- scope ------------------------------------------------------------------------------------


def decisions_visible_to(user) -> QuerySet[DecisionRecord]:
    return DecisionRecord.objects.filter(agenda_item__meeting__board__in=boards_visible_to(user))


def plans_visible_to(user) -> QuerySet[ConsensusPlan]:
    """The plans of the meetings of the user's boards: THE plan scope (pages, API, the patient's
    summaries)."""
    return ConsensusPlan.objects.filter(
        decision__agenda_item__meeting__board__in=boards_visible_to(user)
    )


def activities_visible_to(user) -> QuerySet[PlanActivity]:
    return PlanActivity.objects.filter(
        plan__decision__agenda_item__meeting__board__in=boards_visible_to(user)
    )


def agenda_item_for_user(*, user, meeting_uuid, case_uuid) -> AgendaItem:
    return AgendaItem.objects.select_related(
        "meeting__board", "case__board", "case__stored_assessment"
    ).get(meeting__in=meetings_visible_to(user), meeting__uuid=meeting_uuid, case__uuid=case_uuid)


def _record_related(qs: QuerySet[DecisionRecord]) -> QuerySet[DecisionRecord]:
    return qs.select_related(
        "agenda_item__meeting__board",
        "agenda_item__case__board",
        "plan",
        "prefilled_from",
        "updated_by",
    )


def record_hidden_from(user, item: AgendaItem, case: Case | None = None) -> bool:
    """Whether the blind-opinion rule keeps the decision record of `item`, and its plan, from
    the user: both carry what the opinions said (the options they raised, the plan drawn from
    them), so whoever may not yet read every opinion on the case may not read them either
    (`recommendations.opinions.selectors.opinion_visibility`: until the meeting starts, a
    specialist of a board that blinds opinions who has not given their own). `case` is the
    item's case when the caller has it loaded."""
    return opinion_visibility(user, case or item.case, item.meeting) is not Visibility.ALL


def decision_detail(*, user, uuid) -> DecisionRecord:
    """A decision record of the user's boards; "does not exist" for whoever the blind-opinion
    rule still keeps from it (`record_hidden_from`)."""
    record = _record_related(decisions_visible_to(user)).get(uuid=uuid)
    if record_hidden_from(user, record.agenda_item):
        raise DecisionRecord.DoesNotExist
    return record


def activities_prefetch() -> Prefetch:
    return Prefetch(
        "activities",
        queryset=PlanActivity.objects.select_related("responsible_user").order_by("position", "pk"),
    )


def dissents_prefetch() -> Prefetch:
    return Prefetch(
        "dissents",
        queryset=Dissent.objects.select_related("member", "created_by").order_by("pk"),
    )


def plan_detail(*, user, uuid) -> ConsensusPlan:
    """A plan with everything its page shows (activities, dissents, amendments); "does not
    exist" for whoever the blind-opinion rule still keeps from its record (`record_hidden_from`),
    as for the record itself."""
    plan = (
        plans_visible_to(user)
        .select_related(
            "decision__agenda_item__meeting__board",
            "decision__agenda_item__case__patient",
            "decision__agenda_item__case__board",
            "signed_by",
            "updated_by",
        )
        .prefetch_related(
            activities_prefetch(),
            dissents_prefetch(),
            Prefetch(
                "amendments",
                queryset=PlanAmendment.objects.select_related("author").order_by("created_at"),
            ),
        )
        .get(uuid=uuid)
    )
    if record_hidden_from(user, plan.decision.agenda_item):
        raise ConsensusPlan.DoesNotExist
    return plan


def activity_detail(*, user, uuid) -> PlanActivity:
    """An activity of a plan the user may read (`plan_detail`), else "does not exist"."""
    activity = (
        activities_visible_to(user)
        .select_related(
            "plan__decision__agenda_item__meeting__board",
            "plan__decision__agenda_item__case__board",
            "responsible_user",
        )
        .get(uuid=uuid)
    )
    if record_hidden_from(user, activity.plan.decision.agenda_item):
        raise PlanActivity.DoesNotExist
    return activity


def board_people(board) -> list:
    """The board's members (for owner and attendance choices), by name, with their discipline."""
    return list(
        get_user_model()
        .objects.filter(board_memberships__board=board, is_active=True)
        .select_related("specialist_profile")
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def board_member_named(board, username: str):
    """The active member of the board with that username (an owner or dissenter named in the
    API), else None."""
    return (
        get_user_model()
        .objects.filter(username=username, board_memberships__board=board, is_active=True)
        .first()
    )


# --- the meeting screen -----------------------------------------------------------------------


@dataclass
class BoardItem:
    """One agenda item as the meeting screen shows it."""

    item: AgendaItem
    summary: PreMeetingSummary | None
    opinions: list[Opinion]
    decision: DecisionRecord | None
    plan: ConsensusPlan | None
    activities: list[PlanActivity] = field(default_factory=list)
    dissents: list[Dissent] = field(default_factory=list)
    opinions_hidden: bool = False  # blind opinions (and the summary) the user may not read yet

    @property
    def case(self) -> Case:
        return self.item.case

    @property
    def position(self) -> int:
        return self.item.position


@dataclass
class MeetingBoard:
    meeting: Meeting
    items: list[BoardItem]
    quorum: Quorum
    attendance: list[Attendance]
    duties: BoardRoles  # the user's, on the meeting's board

    @property
    def roles(self) -> frozenset[str]:
        return self.duties.roles

    @property
    def is_chair(self) -> bool:
        return self.duties.chair

    def item_at(self, position: int | None) -> BoardItem | None:
        """The item at an agenda position, else the first item (None for an empty agenda)."""
        for entry in self.items:
            if entry.position == position:
                return entry
        return self.items[0] if self.items else None

    def neighbours(self, entry: BoardItem) -> tuple[BoardItem | None, BoardItem | None]:
        index = self.items.index(entry)
        before = self.items[index - 1] if index > 0 else None
        after = self.items[index + 1] if index + 1 < len(self.items) else None
        return before, after


def meeting_board(*, meeting: Meeting, user) -> MeetingBoard:
    """Everything the meeting screen shows, in a fixed number of queries whatever the agenda's
    length: the agenda in order with each case (lesions and prior treatments prefetched for the
    scores), its latest summary, the opinions the user may read, the decision record, the plan
    with its activities and dissents; attendance and quorum."""
    duties = board_roles(user, meeting.board)
    items = list(
        meeting.agenda_items.select_related(
            "case__board", "case__patient", "case__stored_assessment"
        )
        .prefetch_related(
            Prefetch("case__lesions", queryset=SpinalLesion.objects.order_by("id")),
            "case__prior_treatments",
        )
        .order_by("position")
    )
    for item in items:
        item.meeting = meeting
    summaries = latest_summaries([item.pk for item in items]) if items else {}
    sees_all = sees_every_opinion(user, roles=duties.roles, board=meeting.board, meeting=meeting)
    opinions: dict[int, list[Opinion]] = {}
    for opinion in (
        Opinion.objects.filter(meeting=meeting)
        .select_related("author")
        .order_by("discipline", "submitted_at", "pk")
    ):
        opinions.setdefault(opinion.case_id, []).append(opinion)
    records = {
        record.agenda_item_id: record
        for record in DecisionRecord.objects.filter(agenda_item__meeting=meeting).select_related(
            "plan__signed_by", "plan__updated_by", "prefilled_from", "updated_by"
        )
    }
    plans = [record.plan for record in records.values() if _has_plan(record)]
    prefetch_related_objects(plans, activities_prefetch(), dissents_prefetch())

    entries = []
    for item in items:
        record = records.get(item.pk)
        plan = None
        if record is not None:
            record.agenda_item = item
            if _has_plan(record):
                plan = record.plan
                plan.decision = record
        case_opinions = opinions.get(item.case_id, [])
        # Blind opinions: until the user gives their own, the others' opinions stay hidden, and
        # so do the summary and the decision record, which carry them (as `summaries` rules for
        # its own pages and `decision_detail` for the record).
        blind = not sees_all and not any(o.author_id == user.pk for o in case_opinions)
        if blind:
            record = plan = None
        entries.append(
            BoardItem(
                item=item,
                summary=None if blind else summaries.get(item.pk),
                opinions=[] if blind else case_opinions,
                decision=record,
                plan=plan,
                activities=list(plan.activities.all()) if plan else [],
                dissents=list(plan.dissents.all()) if plan else [],
                opinions_hidden=blind,
            )
        )
    attendance = list(
        meeting.attendance.select_related("user__specialist_profile").order_by(
            "user__last_name", "user__username"
        )
    )
    return MeetingBoard(
        meeting=meeting,
        items=entries,
        quorum=meeting_quorum(meeting),
        attendance=attendance,
        duties=duties,
    )


def _has_plan(record: DecisionRecord) -> bool:
    try:
        return record.plan is not None
    except ObjectDoesNotExist:
        return False


# --- history ----------------------------------------------------------------------------------

# Bookkeeping, not content: who and when are shown per entry anyway.
HISTORY_EXCLUDED = frozenset(
    {
        "id",
        "uuid",
        "agenda_item",
        "prefilled_from",
        "decision",
        "plan",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
        "version",
    }
)
ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def _entries(rows, *, record: str, label) -> list[dict[str, Any]]:
    """One entry per historical row; a change lists the fields that differ from the row before."""
    entries, previous = [], {}
    for row in rows:
        before = previous.get(row.id)
        changes = []
        if row.history_type == "~" and before is not None:
            delta = row.diff_against(before, excluded_fields=HISTORY_EXCLUDED)
            changes = [
                {"field": c.field, "old": _plain(c.old), "new": _plain(c.new)}
                for c in delta.changes
            ]
        previous[row.id] = row
        if row.history_type == "~" and not changes:
            continue  # a save without a visible change (e.g. only the version moved)
        entries.append(
            {
                "model": row.instance_type,
                "at": row.history_date,
                "by": row.history_user,
                "record": record,
                "label": label(row),
                "action": ACTIONS[row.history_type],
                "reason": row.history_change_reason or "",
                "version": getattr(row, "version", None),
                "changes": changes,
            }
        )
    return entries


def _plain(value):
    """Foreign keys come out of a diff as ids; dates as dates: JSON-ready values."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


@dataclass
class PlanVersion:
    """The plan as it stood at one version: its fields and its activities at that moment."""

    version: int
    at: Any
    by: Any
    status: str
    outcome: str
    summary: str
    quorum_met: bool | None
    quorum_override_reason: str
    signed_by_id: int | None
    signed_at: Any
    activities: list[dict[str, Any]]
    amendment: PlanAmendment | None = None
    current: bool = False

    @property
    def signed(self) -> bool:
        return self.status == ConsensusPlan.Status.SIGNED

    @property
    def outcome_label(self) -> str:
        outcomes = dict(ConsensusPlan.Outcome.choices)
        return str(outcomes.get(self.outcome, self.outcome))


@dataclass
class PlanHistory:
    versions: list[PlanVersion]  # newest first
    entries: list[dict[str, Any]]  # every change to the record and the plan, newest first
    amendments: list[PlanAmendment]


def _activity_snapshot(row) -> dict[str, Any]:
    return {
        "uuid": str(row.uuid),
        "kind": row.kind,
        "kind_label": PlanActivity.Kind(row.kind).label
        if row.kind in PlanActivity.Kind.values
        else row.kind,
        "description": row.description,
        "details": row.details or {},
        "responsible_discipline": row.responsible_discipline,
        "responsible_discipline_label": row.get_responsible_discipline_display(),
        "responsible_user": row.responsible_user,
        "due_date": row.due_date,
        "status": row.status,
        "status_label": str(dict(PlanActivity.Status.choices).get(row.status, row.status)),
        "status_reason": row.status_reason,
        "position": row.position,
    }


def plan_history(plan: ConsensusPlan) -> PlanHistory:
    """Every version of the plan, readable as it was (fields and activities at that time), and
    every attributed change to the decision record, the plan, its activities and dissents.

    A fixed number of queries (one per history table, plus amendments) whatever the length.
    """
    order = ("history_date", "history_id")
    plan_rows = list(plan.history.select_related("history_user").order_by(*order))
    activity_rows = list(
        PlanActivity.history.filter(plan_id=plan.pk)
        .select_related("history_user", "responsible_user")
        .order_by(*order)
    )
    dissent_rows = list(
        Dissent.history.filter(plan_id=plan.pk)
        .select_related("history_user", "member")
        .order_by(*order)
    )
    record_rows = list(
        DecisionRecord.history.filter(id=plan.decision_id)
        .select_related("history_user")
        .order_by(*order)
    )
    amendments = list(plan.amendments.select_related("author").order_by("created_at", "pk"))
    by_version_before = {a.plan_version_before: a for a in amendments}

    # The last history row of each version is that version as it was left.
    last_of_version: dict[int, Any] = {}
    for row in plan_rows:
        last_of_version[row.version] = row
    versions = []
    newest = max(last_of_version, default=None)
    for number, row in sorted(last_of_version.items()):
        state: dict[int, Any] = {}
        for activity_row in activity_rows:
            # The current version shows the activities as they are now (statuses move on
            # without a new plan version); earlier ones as they were when that version was left.
            if number != newest and activity_row.history_date > row.history_date:
                break
            state[activity_row.id] = activity_row
        snapshot = sorted(
            (_activity_snapshot(r) for r in state.values() if r.history_type != "-"),
            key=lambda a: (a["position"], a["uuid"]),
        )
        versions.append(
            PlanVersion(
                version=number,
                at=row.history_date,
                by=row.history_user,
                status=row.status,
                outcome=row.outcome,
                summary=row.summary,
                quorum_met=row.quorum_met,
                quorum_override_reason=row.quorum_override_reason,
                signed_by_id=row.signed_by_id,
                signed_at=row.signed_at,
                activities=snapshot,
                amendment=by_version_before.get(number - 1),
                current=number == newest,
            )
        )
    versions.reverse()

    entries = [
        *_entries(record_rows, record="decision_record", label=lambda r: "decision record"),
        *_entries(plan_rows, record="plan", label=lambda r: "plan"),
        *_entries(activity_rows, record="activity", label=lambda r: r.description),
        *_entries(
            dissent_rows,
            record="dissent",
            label=lambda r: r.member.get_full_name() or r.member.get_username(),
        ),
    ]
    _name_people(entries)
    entries.sort(key=lambda entry: entry["at"], reverse=True)
    return PlanHistory(versions=versions, entries=entries, amendments=amendments)


PERSON_FIELDS = frozenset({"signed_by", "responsible_user", "member"})


def _name_people(entries: list[dict[str, Any]]) -> None:
    """A diff names people by id: the API shows their username instead (one query for all)."""
    ids = {
        value
        for entry in entries
        for change in entry["changes"]
        if change["field"] in PERSON_FIELDS
        for value in (change["old"], change["new"])
        if value is not None
    }
    if not ids:
        return
    users = get_user_model().objects.in_bulk(ids)
    for entry in entries:
        for change in entry["changes"]:
            if change["field"] in PERSON_FIELDS:
                # The pages name the person (tumorboard.labels.person); the API keeps usernames.
                change["people"] = {
                    "old": users.get(change["old"]),
                    "new": users.get(change["new"]),
                }
                change["old"] = _username(users.get(change["old"]), change["old"])
                change["new"] = _username(users.get(change["new"]), change["new"])


def _username(user, fallback):
    return user.get_username() if user is not None else fallback


# --- worklists --------------------------------------------------------------------------------

OPEN_ACTIVITY_STATUSES = (PlanActivity.Status.PLANNED, PlanActivity.Status.IN_PROGRESS)


def my_plan_activities(*, user, limit: int = WORKLIST_LIMIT) -> Shortlist:
    """The open activities (planned, in progress) of the signed plans of the user's boards that
    are theirs: assigned to them, or to their discipline when no one is named (as
    `services.signoff.activity_owners` reaches them). Earliest due first (undated last), each
    with `overdue` set when its due date (in the board's time zone) has passed. Two queries."""
    discipline = user_discipline(user)
    mine = Q(responsible_user=user)
    if discipline:
        mine |= Q(responsible_user__isnull=True, responsible_discipline=discipline)
    activities = activities_visible_to(user).filter(
        mine,
        status__in=OPEN_ACTIVITY_STATUSES,
        plan__status=ConsensusPlan.Status.SIGNED,
    )
    rows = list(
        activities.select_related(
            "plan__decision__agenda_item__case__patient",
            "plan__decision__agenda_item__meeting__board",
        ).order_by(F("due_date").asc(nulls_last=True), "pk")[:limit]
    )
    for activity in rows:
        board = activity.plan.decision.agenda_item.meeting.board
        activity.overdue = activity.due_date is not None and activity.due_date < board_today(board)
    return Shortlist(rows=rows, count=activities.count())


def plans_to_sign(*, user, limit: int = WORKLIST_LIMIT) -> Shortlist:
    """Draft plans of meetings that have started (and are not cancelled) on the boards the user
    chairs: what waits for their signature. Oldest meeting first, then agenda order. Two
    queries."""
    plans = ConsensusPlan.objects.filter(
        status=ConsensusPlan.Status.DRAFT,
        decision__agenda_item__meeting__board__in=boards_chaired_by(user),
    ).exclude(decision__agenda_item__meeting__status=Meeting.Status.CANCELLED)
    plans = plans.filter(
        ~Q(decision__agenda_item__meeting__status=Meeting.Status.PLANNED)
        | Q(decision__agenda_item__meeting__starts_at__lte=timezone.now())
    )
    rows = list(
        plans.select_related(
            "decision__agenda_item__case__patient", "decision__agenda_item__meeting__board"
        ).order_by(
            "decision__agenda_item__meeting__starts_at", "decision__agenda_item__position", "pk"
        )[:limit]
    )
    return Shortlist(rows=rows, count=plans.count())


def overdue_on(boards) -> Q:
    """Open activities of signed plans whose due date has passed, each board read in its own
    time zone (`board_today`)."""
    passed = Q(pk__in=[])
    for board in boards:
        passed |= Q(
            plan__decision__agenda_item__meeting__board=board, due_date__lt=board_today(board)
        )
    return passed & Q(status__in=OPEN_ACTIVITY_STATUSES, plan__status=ConsensusPlan.Status.SIGNED)


def overdue_activities(*, user, limit: int = WORKLIST_LIMIT) -> Shortlist:
    """The coordinator's worklist: overdue activities on the boards the user coordinates (or
    chairs), most overdue first. Three queries (the boards, the rows, the count)."""
    boards = list(boards_coordinated_by(user))
    activities = PlanActivity.objects.filter(overdue_on(boards))
    rows = list(
        activities.select_related(
            "plan__decision__agenda_item__case__patient",
            "plan__decision__agenda_item__meeting__board",
            "responsible_user",
        ).order_by("due_date", "pk")[:limit]
    )
    for activity in rows:
        activity.overdue = True
    return Shortlist(rows=rows, count=activities.count())


# --- re-discussions -----------------------------------------------------------------------------


def _rediscussions() -> QuerySet[Rediscussion]:
    return Rediscussion.objects.select_related(
        "case",
        "earlier_plan__decision__agenda_item__meeting",
        "activity",
        "requested_by",
        "agenda_item__meeting",
    )


def rediscussion_detail(pk: int) -> Rediscussion:
    return _rediscussions().get(pk=pk)


def case_rediscussions(case: Case) -> list[Rediscussion]:
    """The case's re-discussions, oldest first, each with its earlier plan's meeting and the
    agenda item that answered it (one query)."""
    return list(_rediscussions().filter(case=case).order_by("requested_at", "pk"))


def plan_rediscussions(plan: ConsensusPlan) -> list[Rediscussion]:
    """The re-discussions sent back from this plan, oldest first (one query)."""
    return list(_rediscussions().filter(earlier_plan=plan).order_by("requested_at", "pk"))


def item_rediscussions(items) -> dict[int, Rediscussion]:
    """For a meeting's agenda items: the re-discussion each answers, by item id (one query)."""
    rows = _rediscussions().filter(agenda_item__in=[item.pk for item in items])
    return {row.agenda_item_id: row for row in rows}


def case_signed_plans(case: Case) -> list[ConsensusPlan]:
    """The case's signed plans, earliest first, with their meetings (one query)."""
    return list(
        ConsensusPlan.objects.filter(
            decision__agenda_item__case=case, status=ConsensusPlan.Status.SIGNED
        )
        .select_related("decision__agenda_item__meeting")
        .order_by("signed_at", "pk")
    )

"""Plan follow-through (issue 16): each activity of a plan is tracked to its end by its owner
(done on a date; deviated, with why and what was done instead; cancelled, with why), and a case
whose plan is signed can be sent back to the board in one action (a re-discussion linked to the
earlier plan).

Who records an activity's end: its owner (the person named, or a board member of the
discipline named when no one is), and the board's coordinators and chair. Who sends a case back:
the owner of an activity of its signed plan, and the board's coordinators and chair. Anyone else
on the board is refused (403); off the board the plan does not exist for them (404, the
selectors).

An activity's status is follow-up, not a change of the plan: it leaves the plan's version alone
and is allowed on a signed plan. Done, deviated and cancelled are final; a wrong entry is
corrected by amending the plan (its history keeps the before).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cases.models import Case
from cases.readiness import board_today, case_readiness
from cases.services import case_transition
from recommendations.decisions.selectors import overdue_on
from recommendations.models import ConsensusPlan, PlanActivity, Rediscussion
from recommendations.outcomes.services import follow_ups_after_treatment
from scheduling.access import board_roles
from scheduling.models import AgendaItem, Board, Notification
from scheduling.notifications import notify
from scheduling.rules import board_coordinators
from tumorboard import bounds
from tumorboard.errors import ApplicationError, ConflictError
from tumorboard.roles import is_staff_member
from tumorboard.services import save_validated

from .common import fail, set_reason
from .signoff import activity_owners, plan_link

# An activity may have ended a little before the meeting that planned it (a scan booked the week
# before, an operation brought forward); an end date further back is a typing error.
ENDED_BEFORE_MEETING_AT_MOST = dt.timedelta(days=30)
NOT_YOURS = (
    "Only the activity's owner (the person or discipline responsible) and the board's "
    "coordinators and chair record how it ended."
)
NOT_YOURS_TO_SEND_BACK = (
    "Only the owner of an activity of the plan and the board's coordinators and chair send the "
    "case back to the board."
)
S = PlanActivity.Status


def _board(activity: PlanActivity) -> Board:
    return activity.plan.decision.agenda_item.meeting.board


def owns_activity(user, activity: PlanActivity, board: Board) -> bool:
    """The person named, or (no one named) a board member who speaks for its discipline."""
    if not is_staff_member(user):
        return False
    if activity.responsible_user_id is not None:
        return activity.responsible_user_id == user.pk
    duties = board_roles(user, board)
    return (
        duties.member
        and bool(duties.discipline)
        and (duties.discipline == activity.responsible_discipline)
    )


def may_follow_up(user, activity: PlanActivity, board: Board | None = None) -> bool:
    """Whether `user` records how `activity` stands (the pages ask it to offer the forms)."""
    board = board or _board(activity)
    return owns_activity(user, activity, board) or board_roles(user, board).coordinates


def _locked(activity: PlanActivity, by: AbstractBaseUser) -> PlanActivity:
    current = (
        PlanActivity.objects.select_for_update(of=("self",))
        .select_related("plan__decision__agenda_item__meeting__board")
        .get(pk=activity.pk)
    )
    if not may_follow_up(by, current, _board(current)):
        raise PermissionDenied(NOT_YOURS)
    return current


def _refuse_unless_allowed(activity: PlanActivity, status: str) -> None:
    allowed = PlanActivity.TRANSITIONS[activity.status]
    if status not in allowed:
        names = ", ".join(sorted(allowed)) or "none (final status)"
        raise ApplicationError(
            f"An activity cannot go from {activity.get_status_display().lower()} to "
            f"{S(status).label.lower()}.",
            fields={"status": [f"Allowed next statuses: {names}."]},
        )


def _text(value, *, field: str, label: str, required: str = "") -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        fail(field, f"{label}: give text.")
    value = value.strip()
    if len(value) > bounds.SHORT_TEXT:
        fail(field, f"{label}: keep it to {bounds.SHORT_TEXT} characters.")
    if required and not value:
        fail(field, required)
    return value


def _ended_on(value, activity: PlanActivity) -> dt.date:
    """The day the activity ended: given, not in the future (the board's today), not long
    before the meeting that planned it."""
    if value is None or value == "":
        fail("completed_on", "Give the date the activity ended.")
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        fail("completed_on", "Give a date.")
    meeting = activity.plan.decision.agenda_item.meeting
    board = meeting.board
    today = board_today(board)
    if value > today:
        fail("completed_on", "The date the activity ended cannot be in the future.")
    earliest = timezone.localtime(meeting.starts_at, ZoneInfo(board.time_zone)).date() - (
        ENDED_BEFORE_MEETING_AT_MOST
    )
    if value < earliest:
        fail(
            "completed_on",
            f"Give a date on or after {earliest.isoformat()} "
            "(30 days before the meeting that planned it).",
        )
    return value


def _record(activity: PlanActivity, *, by, status: str, reason: str = "", **fields) -> PlanActivity:
    activity.status = status
    activity.status_reason = reason
    activity.status_changed_by = by
    activity.status_changed_at = timezone.now()
    for name, value in fields.items():
        setattr(activity, name, value)
    set_reason(activity, reason or f"Status: {S(status).label.lower()}")
    save_validated(activity, by=by)
    return activity


@transaction.atomic
def activity_start(*, activity: PlanActivity, by: AbstractBaseUser) -> PlanActivity:
    """planned → in progress."""
    current = _locked(activity, by)
    _refuse_unless_allowed(current, S.IN_PROGRESS)
    return _record(current, by=by, status=S.IN_PROGRESS)


@transaction.atomic
def activity_complete(
    *, activity: PlanActivity, by: AbstractBaseUser, completed_on: dt.date | None
) -> PlanActivity:
    """Done, on the day it ended."""
    current = _locked(activity, by)
    _refuse_unless_allowed(current, S.DONE)
    day = _ended_on(completed_on, current)
    done = _record(current, by=by, status=S.DONE, completed_on=day)
    # The main treatment done: its follow-ups are scheduled from it (issue 16, outcomes).
    follow_ups_after_treatment(activity=done, by=by)
    return done


@transaction.atomic
def activity_deviate(
    *,
    activity: PlanActivity,
    by: AbstractBaseUser,
    reason: str,
    done_instead: str,
    completed_on: dt.date | None,
) -> PlanActivity:
    """Deviated from the plan: why, what was done instead, and the day it ended. The page then
    offers to send the case back to the board (`case_send_back`, trigger "deviation")."""
    current = _locked(activity, by)
    _refuse_unless_allowed(current, S.DEVIATED)
    reason = _text(reason, field="reason", label="Reason", required="Say why it deviated.")
    instead = _text(
        done_instead,
        field="done_instead",
        label="What was done instead",
        required="Say what was done instead.",
    )
    day = _ended_on(completed_on, current)
    return _record(
        current, by=by, status=S.DEVIATED, reason=reason, done_instead=instead, completed_on=day
    )


@transaction.atomic
def activity_cancel(*, activity: PlanActivity, by: AbstractBaseUser, reason: str) -> PlanActivity:
    """Cancelled, with the reason."""
    current = _locked(activity, by)
    _refuse_unless_allowed(current, S.CANCELLED)
    reason = _text(reason, field="reason", label="Reason", required="Say why it was cancelled.")
    return _record(current, by=by, status=S.CANCELLED, reason=reason)


def activity_set_status(
    *,
    activity: PlanActivity,
    status: str,
    by: AbstractBaseUser,
    reason: str = "",
    completed_on: dt.date | None = None,
    done_instead: str = "",
) -> PlanActivity:
    """One entry for the page form and the API: the write for `status`, with what it needs."""
    if status not in S.values:
        fail("status", "Choose one of: " + ", ".join(S.values) + ".")
    if status == S.IN_PROGRESS:
        return activity_start(activity=activity, by=by)
    if status == S.DONE:
        return activity_complete(activity=activity, by=by, completed_on=completed_on)
    if status == S.DEVIATED:
        return activity_deviate(
            activity=activity,
            by=by,
            reason=reason,
            done_instead=done_instead,
            completed_on=completed_on,
        )
    if status == S.CANCELLED:
        return activity_cancel(activity=activity, by=by, reason=reason)
    current = _locked(activity, by)
    _refuse_unless_allowed(current, status)
    raise AssertionError("unreachable: no status moves back to planned")  # pragma: no cover


# --- re-discussion ------------------------------------------------------------------------------


def signed_plan_of(case: Case) -> ConsensusPlan | None:
    """The case's latest signed plan: the one a re-discussion goes back on."""
    return (
        ConsensusPlan.objects.filter(
            decision__agenda_item__case=case, status=ConsensusPlan.Status.SIGNED
        )
        .select_related("decision__agenda_item__meeting__board")
        .order_by("-signed_at", "-pk")
        .first()
    )


def may_send_back(user, plan: ConsensusPlan | None, board: Board) -> bool:
    """The board's coordinators and chair, and the owner of an activity of the (signed) plan."""
    if not is_staff_member(user):
        return False
    if board_roles(user, board).coordinates:
        return True
    return plan is not None and any(owns_activity(user, a, board) for a in plan.activities.all())


def rediscussion_link(plan: ConsensusPlan) -> str:
    return plan_link(plan)


@transaction.atomic
def case_send_back(
    *,
    case: Case,
    by: AbstractBaseUser,
    trigger: str,
    detail: str,
    activity: PlanActivity | None = None,
) -> Rediscussion:
    """Send a case with a signed plan back to the board, in one transaction: the case returns to
    the board's queue (ready, or referred when it is not ready), a Rediscussion records why and
    links the earlier plan, and the coordinators are told. When the coordinator puts the case on
    an agenda, `rediscussion_place` links the new agenda item."""
    # The case row serialises concurrent send-backs (the unique open re-discussion backs it).
    case = Case.objects.select_for_update(of=("self",)).select_related("board").get(pk=case.pk)
    board = case.board
    plan = signed_plan_of(case)
    if not may_send_back(by, plan, board):
        raise PermissionDenied(NOT_YOURS_TO_SEND_BACK)
    if plan is None:
        raise ConflictError(
            "Only a case with a signed plan is sent back to the board.",
            fields={"case": ["The case has no signed plan."]},
        )
    if trigger not in Rediscussion.Trigger.values:
        fail("trigger", "Choose one of: " + ", ".join(Rediscussion.Trigger.values) + ".")
    detail = _text(detail, field="detail", label="Detail", required="Say what happened.")
    if activity is not None and activity.plan_id != plan.pk:
        fail("activity", "No such activity on the case's signed plan.")
    if Rediscussion.objects.filter(case=case, agenda_item__isnull=True).exists():
        raise ConflictError(
            "The case has already been sent back to the board.",
            fields={"case": ["It waits for a place on an agenda."]},
        )
    if case.status != Case.Status.PLAN_SIGNED:
        raise ConflictError(
            f"A {case.get_status_display().lower()} case cannot be sent back to the board.",
            fields={"case": ["Only a case whose plan is signed is sent back."]},
        )
    label = Rediscussion.Trigger(trigger).label
    ready = case_readiness(case).ready
    case_transition(
        case=case,
        to=Case.Status.READY if ready else Case.Status.REFERRED,
        by=by,
        reason=f"Re-discussion: {label.lower()}"[:300],
        rediscussion=True,
    )
    rediscussion = Rediscussion(
        case=case,
        earlier_plan=plan,
        trigger=trigger,
        detail=detail,
        activity=activity,
        requested_by=by,
    )
    save_validated(rediscussion, by=by, creating=True)
    for user in board_coordinators(board):
        notify(
            recipient=user,
            kind=Notification.Kind.GENERAL,
            dedupe_key=f"rediscussion:{rediscussion.uuid}:{user.pk}",
            subject=f"{case} sent back to the board: {label.lower()}",
            body=f"{case} was sent back to the board for re-discussion ({label.lower()}). "
            "Put it on an agenda; the earlier plan is linked.",
            link=plan_link(plan),
        )
    return rediscussion


def rediscussion_place(item: AgendaItem, *, by: AbstractBaseUser) -> None:
    """Registered with scheduling's agenda service (PLACEMENT_FOLLOW_UPS): a case put on an
    agenda while a re-discussion of it is open answers it with that agenda item."""
    open_one = (
        Rediscussion.objects.select_for_update().filter(case_id=item.case_id, agenda_item=None)
    ).first()
    if open_one is None:
        return
    open_one.agenda_item = item
    set_reason(open_one, "Placed on an agenda")
    save_validated(open_one, by=by)


# --- overdue reminders --------------------------------------------------------------------------

# Reminders go out from this hour of the board's morning (the beat runs hourly: each board is
# reminded once its day has begun, whatever its time zone).
OVERDUE_REMINDER_HOUR = 7


def _overdue_lines(activities) -> str:
    return "\n".join(
        f"- {a.description} (due {a.due_date:%d %b %Y}, {a.get_status_display().lower()}): "
        f"{plan_link(a.plan)}#activity-{a.uuid}"
        for a in activities
    )


@transaction.atomic
def overdue_reminders_send(*, board: Board, now: dt.datetime | None = None) -> int:
    """E-mail each owner their overdue activities on `board`, and its coordinators a digest;
    returns how many activities were reminded of.

    Once a day per activity: the activities are claimed by setting `reminded_on` to the board's
    today (rows locked, skipping those another run holds), so a second run the same day finds
    none; each notification's dedupe key names the day too. Before OVERDUE_REMINDER_HOUR in the
    board's time zone nothing is sent."""
    zone = ZoneInfo(board.time_zone)
    local = timezone.localtime(now or timezone.now(), zone)
    if local.hour < OVERDUE_REMINDER_HOUR:
        return 0
    today = local.date()
    due = (
        PlanActivity.objects.filter(overdue_on([board]))
        .filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=today))
        .select_for_update(of=("self",), skip_locked=True)
        .select_related("plan", "responsible_user")
        .order_by("due_date", "pk")
    )
    claimed = list(due)
    if not claimed:
        return 0
    PlanActivity.objects.filter(pk__in=[a.pk for a in claimed]).update(reminded_on=today)
    by_owner: dict[int, tuple[object, list[PlanActivity]]] = {}
    owners = activity_owners(claimed, board)
    for activity in claimed:
        for owner in owners[activity.pk]:
            by_owner.setdefault(owner.pk, (owner, []))[1].append(activity)
    for owner, activities in by_owner.values():
        notify(
            recipient=owner,
            kind=Notification.Kind.PLAN_ACTIVITY,
            dedupe_key=f"activity-overdue:{board.pk}:{owner.pk}:{today.isoformat()}",
            subject=f"{len(activities)} plan activit{'y is' if len(activities) == 1 else 'ies are'}"
            " overdue",
            body="These activities of signed plans are past their due date. Record how each "
            f"stands (done, deviated or cancelled):\n{_overdue_lines(activities)}",
            link="/",
        )
    for coordinator in board_coordinators(board):
        notify(
            recipient=coordinator,
            kind=Notification.Kind.PLAN_ACTIVITY,
            dedupe_key=f"activity-overdue-digest:{board.pk}:{coordinator.pk}:{today.isoformat()}",
            subject=f"{board.name}: {len(claimed)} plan activities overdue",
            body=f"Overdue today on {board.name}:\n{_overdue_lines(claimed)}",
            link="/",
        )
    return len(claimed)

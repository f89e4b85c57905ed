"""The home page: each person's worklist (a patient's is their summaries)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from audit import reads
from cases.models import Case
from recommendations.decisions.selectors import (
    my_plan_activities,
    overdue_activities,
    plans_to_sign,
)
from recommendations.opinions.selectors import (
    can_give_opinions,
    missing_opinions_by_meeting,
    opinions_due,
)
from recommendations.outcomes.selectors import missing_follow_ups
from recommendations.patient_summaries import views as patient_views
from scheduling.models import Meeting
from scheduling.selectors import (
    WORKLIST_LIMIT,
    meetings_to_run,
    readiness_column,
    ready_cases_without_meeting,
    upcoming_board_meetings,
)

from .roles import (
    CHAIR,
    COORDINATOR,
    PATIENT,
    PRIVACY_OFFICER,
    SPECIALIST,
    has_role,
    is_staff_member,
)


def home(request):
    if not request.user.is_authenticated:
        return redirect("login")
    if is_staff_member(request.user):
        return worklist(request)
    if has_role(request.user, PATIENT):
        return redirect("my-summaries")
    if has_role(request.user, PRIVACY_OFFICER):
        return redirect("read-log")
    # Signed in but given no role yet: nothing here is theirs to see.
    raise PermissionDenied


@dataclass(frozen=True)
class ReadyCase:
    case: Case
    next_meeting: Meeting | None  # the first upcoming meeting of its board, where it can go


@dataclass(frozen=True)
class UpcomingMeeting:
    meeting: Meeting
    opinions_missing: int


def worklist(request):
    """One section per role the user holds (every section for a superuser): each a short list
    (`WORKLIST_LIMIT` rows) with its count, so the page never grows with what it does not show.
    Each selector scopes its rows to the user's boards."""
    user = request.user
    every = user.is_superuser
    context: dict = {"limit": WORKLIST_LIMIT}
    if every or has_role(user, SPECIALIST):
        context["specialist"] = {
            "gives_opinions": can_give_opinions(user),
            "opinions": opinions_due(user=user),
            "activities": my_plan_activities(user=user),
        }
    if every or has_role(user, COORDINATOR):
        upcoming = upcoming_board_meetings(user=user)
        missing = missing_opinions_by_meeting(upcoming.rows)
        next_by_board: dict[int, Meeting] = {}
        for meeting in upcoming.rows:
            if meeting.status == Meeting.Status.PLANNED:
                next_by_board.setdefault(meeting.board_id, meeting)
        ready = ready_cases_without_meeting(user=user)
        context["coordinator"] = {
            "gaps": readiness_column(user=user, state="referred", limit=WORKLIST_LIMIT),
            "ready": [ReadyCase(case, next_by_board.get(case.board_id)) for case in ready.rows],
            "ready_count": ready.count,
            "ready_more": ready.more,
            "upcoming": [UpcomingMeeting(m, len(missing[m.pk])) for m in upcoming.rows],
            "upcoming_count": upcoming.count,
            "upcoming_more": upcoming.more,
            "follow_ups": missing_follow_ups(user=user),
            "overdue": overdue_activities(user=user),
        }
    if every or has_role(user, CHAIR):
        context["chair"] = {
            "meetings": meetings_to_run(user=user),
            "plans": plans_to_sign(user=user),
        }
    _record_worklist(request, context)
    return render(request, "worklist.html", context)


def _case_of_plan(plan):
    return plan.decision.agenda_item.case


def _record_worklist(request, context: dict) -> None:
    """The worklist names patients: one read-log row per row it shows, of what the row is
    (the selectors select each row's case and patient with it: no query here)."""
    cases, activities, follow_ups, plans = [], [], [], []
    if specialist := context.get("specialist"):
        cases += [row.case for row in specialist["opinions"].rows]
        activities += specialist["activities"].rows
    if coordinator := context.get("coordinator"):
        cases += [card.case for card in coordinator["gaps"].cards]
        cases += [row.case for row in coordinator["ready"]]
        activities += coordinator["overdue"].rows
        follow_ups += coordinator["follow_ups"].rows
    if chair := context.get("chair"):
        plans += chair["plans"].rows
    reads.record_many(request, "worklist.case", [(c.patient.uuid, c.uuid) for c in cases])
    reads.record_many(
        request,
        "worklist.plan_activity",
        [(_case_of_plan(a.plan).patient.uuid, a.uuid) for a in activities],
    )
    reads.record_many(
        request, "worklist.follow_up", [(f.case.patient.uuid, f.uuid) for f in follow_ups]
    )
    reads.record_many(
        request, "worklist.plan", [(_case_of_plan(p).patient.uuid, p.uuid) for p in plans]
    )


def my_summaries(request):
    """The patient's released summaries (the page lives with the summaries)."""
    return patient_views.my_summaries(request)

"""The home page: each person's worklist (a patient's is their summaries)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

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
    return render(request, "worklist.html", context)


def my_summaries(request):
    """The patient's released summaries (the page lives with the summaries)."""
    return patient_views.my_summaries(request)

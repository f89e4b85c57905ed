"""The upcoming-meetings page, where coordinators plan meetings (regular and urgent) and standing
schedules."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tumorboard.errors import ApplicationError
from tumorboard.pages import error_summary, show_errors, staff_required

from .. import services
from ..access import boards_coordinated_by, boards_visible_to, can_coordinate
from ..forms import GenerateForm, MeetingForm, ScheduleForm, UrgentMeetingForm
from ..models import BoardSchedule, Meeting
from ..selectors import upcoming_meetings
from .common import NOT_COORDINATOR, record_picks, searched, to_meeting


def _render_meetings(request, *, status=200, **bound):
    user = request.user
    boards = boards_coordinated_by(user).order_by("name")
    can_plan = boards.exists()
    schedules = [
        (schedule, bound.get(f"generate-{schedule.pk}") or _generate_form(schedule))
        for schedule in (
            BoardSchedule.objects.filter(board__in=boards)
            .select_related("board")
            .order_by("board__name", "-active", "starts_on", "pk")
            if can_plan
            else []
        )
    ]
    meeting_form = bound.get("meeting_form") or MeetingForm(boards=boards, prefix="meeting")
    urgent_form = bound.get("urgent_form") or UrgentMeetingForm(boards=boards, prefix="urgent")
    if can_plan:
        record_picks(request, urgent_form.offer())  # the picker names the cases it offers
    schedule_form = bound.get("schedule_form") or ScheduleForm(
        boards=boards, prefix="schedule", initial={"starts_on": timezone.localdate()}
    )
    forms = [form for form in bound.values() if form is not None]
    return render(
        request,
        "scheduling/meeting_list.html",
        {
            "rows": upcoming_meetings(user=user),
            "can_plan": can_plan,
            "meeting_form": meeting_form,
            "urgent_form": urgent_form,
            "schedule_form": schedule_form,
            "schedules": schedules,
            "managed_boards": boards if can_plan else [],
            "errors": error_summary(*forms) if forms else [],
        },
        status=status,
    )


def _generate_form(schedule: BoardSchedule, data=None) -> GenerateForm:
    return GenerateForm(
        data,
        prefix=f"generate-{schedule.pk}",
        initial={"until": timezone.localdate() + dt.timedelta(weeks=8)},
    )


@staff_required
def meeting_list(request):
    return _render_meetings(request)


def _planning_boards(request):
    boards = boards_coordinated_by(request.user).order_by("name")
    if not boards.exists():
        raise PermissionDenied(NOT_COORDINATOR)
    return boards


@require_POST
@staff_required
def meeting_create(request):
    boards = _planning_boards(request)
    form = MeetingForm(request.POST, boards=boards, prefix="meeting")
    if form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_create(
                board=data["board"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                kind=Meeting.Kind.REGULAR,
                location=data["location"],
                video_link=data["video_link"],
                by=request.user,
            )
        except ApplicationError as exc:
            show_errors(exc, form)
        else:
            messages.success(request, _("Meeting planned."))
            return to_meeting(meeting)
    return _render_meetings(request, status=400, meeting_form=form)


@require_POST
@staff_required
def meeting_create_urgent(request):
    boards = _planning_boards(request)
    if request.POST.get("urgent-search"):  # the picker's Search button (without JavaScript)
        initial = searched(request.POST, "urgent", lists=("cases",))
        form = UrgentMeetingForm(boards=boards, prefix="urgent", initial=initial)
        return _render_meetings(request, urgent_form=form)
    form = UrgentMeetingForm(request.POST, boards=boards, prefix="urgent")
    if form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_create_urgent(
                board=data["board"],
                starts_at=data["starts_at"],
                duration_minutes=data["duration_minutes"],
                location=data["location"],
                video_link=data["video_link"],
                cases=list(data["cases"]),
                by=request.user,
            )
        except ApplicationError as exc:
            show_errors(exc, form)
        else:
            messages.success(request, _("Urgent meeting planned."))
            return to_meeting(meeting)
    return _render_meetings(request, status=400, urgent_form=form)


@require_POST
@staff_required
def schedule_create(request):
    boards = _planning_boards(request)
    form = ScheduleForm(request.POST, boards=boards, prefix="schedule")
    if form.is_valid():
        try:
            services.board_schedule_create(by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            show_errors(exc, form)
        else:
            messages.success(request, _("Standing schedule saved. Now create its meetings."))
            return redirect(f"{reverse('meeting-list')}#schedules")
    return _render_meetings(request, status=400, schedule_form=form)


@require_POST
@staff_required
def schedule_generate(request, schedule_id):
    try:
        schedule = BoardSchedule.objects.select_related("board").get(
            pk=schedule_id, board__in=boards_visible_to(request.user)
        )
    except BoardSchedule.DoesNotExist:
        raise Http404("No such schedule.") from None
    if not can_coordinate(request.user, schedule.board):
        raise PermissionDenied(NOT_COORDINATOR)
    form = _generate_form(schedule, request.POST)
    if form.is_valid():
        try:
            created = services.meetings_generate(
                schedule=schedule, until=form.cleaned_data["until"], by=request.user
            )
        except ApplicationError as exc:
            show_errors(exc, form)
        else:
            messages.success(
                request,
                _("%(n)d meeting(s) created.") % {"n": len(created)}
                if created
                else _("No new meeting: they exist already up to that day."),
            )
            return redirect("meeting-list")
    return _render_meetings(request, status=400, **{f"generate-{schedule.pk}": form})

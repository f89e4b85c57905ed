"""Scheduling pages: upcoming meetings, the meeting page with its agenda editor, the readiness
board, the user's invitations and calendar feed; a board's decision-support settings.

Access: clinical staff only (403 for patients and users without a role); a board, meeting or case
the user is not a member of is a 404. Members read; the board's coordinators and chair change
meetings, agendas, invitations and attendance (403 for others); an invitation is answered by the
invitee. Every change goes through `scheduling.services`; a refusal comes back on the form it
concerns (400), a clash with someone else's change as a message over the current state (409).
The calendar feed (`calendar_feed`) is the one page without a login: its secret URL is the
credential.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cases.assessment import board_sbrt_regimens
from tumorboard.errors import ApplicationError, ConflictError
from tumorboard.pages import error_summary, show_errors, staff_required

from . import calendar, services
from .board_forms import BoardSettingsForm
from .forms import (
    AgendaAddForm,
    AttendanceForm,
    GenerateForm,
    InviteForm,
    MeetingForm,
    MinutesForm,
    ReadinessFilterForm,
    ReasonForm,
    RescheduleForm,
    RespondForm,
    ScheduleForm,
    UrgentMeetingForm,
)
from .models import Attendance, Board, BoardSchedule, Invitation, Meeting
from .notifications import local_time
from .rules import INACTIVE_MEETING_STATUSES, meeting_has_started
from .selectors import (
    boards_coordinated_by,
    boards_visible_to,
    calendar_feed_meetings,
    calendar_feed_owner,
    can_coordinate,
    discipline_label,
    meeting_attendance,
    meeting_detail,
    meeting_for_calendar,
    meeting_invitations,
    meeting_overview,
    my_invitations,
    readiness_board,
    upcoming_meetings,
)
from .services.attendance import ATTENDANCE_OPENS_BEFORE
from .services.board_settings import NOT_ALLOWED, board_settings_update

NOT_COORDINATOR = gettext_lazy("Only the board's coordinators and chair can change its meetings.")


# --- helpers ----------------------------------------------------------------------------------


def _meeting(request, meeting_uuid) -> Meeting:
    try:
        return meeting_detail(user=request.user, uuid=meeting_uuid)
    except Meeting.DoesNotExist:
        raise Http404("No such meeting.") from None


def _coordinated_meeting(request, meeting_uuid) -> Meeting:
    """The meeting, for a coordinator or chair of its board (404 outside the user's boards,
    403 for the board's other members)."""
    meeting = _meeting(request, meeting_uuid)
    if not can_coordinate(request.user, meeting.board):
        raise PermissionDenied(NOT_COORDINATOR)
    return meeting


def _refusal_message(exc: ApplicationError) -> str:
    details = [message for messages_ in exc.fields.values() for message in messages_]
    return " ".join([exc.message, *[d for d in details if d != exc.message]])


def _to_meeting(meeting: Meeting, anchor: str = ""):
    url = reverse("meeting-detail", kwargs={"meeting_uuid": meeting.uuid})
    return redirect(f"{url}#{anchor}" if anchor else url)


def _page_link(request, meeting: Meeting) -> str:
    return request.build_absolute_uri(
        reverse("meeting-detail", kwargs={"meeting_uuid": meeting.uuid})
    )


def _ics(body: bytes, *, filename: str = "", cache: str = "private, no-store") -> HttpResponse:
    response = HttpResponse(body, content_type=calendar.CONTENT_TYPE)
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = cache
    response["X-Robots-Tag"] = "noindex"
    return response


# --- upcoming meetings ------------------------------------------------------------------------


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
            return _to_meeting(meeting)
    return _render_meetings(request, status=400, meeting_form=form)


@require_POST
@staff_required
def meeting_create_urgent(request):
    boards = _planning_boards(request)
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
            return _to_meeting(meeting)
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


# --- the meeting page and its agenda editor ---------------------------------------------------


class _Row:
    """One agenda line with its forms (bound when it was the one submitted)."""

    def __init__(self, entry, *, first: bool, last: bool, bound: dict):
        self.entry = entry
        self.item = entry.item
        self.case = entry.item.case
        self.first, self.last = first, last
        key = self.case.uuid.hex[:12]
        self.minutes_form = bound.get(f"minutes-{self.case.uuid}") or MinutesForm(
            prefix=f"min-{key}", initial={"minutes_allotted": self.item.minutes_allotted}
        )
        self.defer_form = bound.get(f"defer-{self.case.uuid}") or ReasonForm(prefix=f"defer-{key}")
        self.defer_open = f"defer-{self.case.uuid}" in bound


def _row_prefix(case_uuid, kind: str) -> str:
    return f"{kind}-{case_uuid.hex[:12]}"


def _attendance_rows(meeting: Meeting, bound: dict) -> list[dict]:
    rows = []
    for row in meeting_attendance(meeting):
        form = bound.get(f"attendance-{row.user.pk}") or AttendanceForm(
            prefix=f"att-{row.user.pk}", initial={"mode": row.mode or "in_person"}
        )
        rows.append(
            {
                "row": row,
                "form": form,
                "discipline": discipline_label(row.discipline) or "—",
                "mode_label": Attendance.Mode(row.mode).label if row.mode else "",
            }
        )
    return rows


def _render_meeting(request, meeting: Meeting, *, status=200, **bound):
    user = request.user
    overview = meeting_overview(meeting, user=user)
    now = timezone.now()
    editable = overview.can_edit and not meeting_has_started(meeting, now)
    agenda = overview.agenda
    rows = [
        _Row(entry, first=i == 0, last=i == len(agenda) - 1, bound=bound)
        for i, entry in enumerate(agenda)
    ]
    invitations = meeting_invitations(meeting)
    accepted = {
        row.invitation.discipline
        for row in invitations
        if row.invitation.response == Invitation.Response.ACCEPTED
    }
    required = list(meeting.board.required_disciplines or [])
    attendance_open = (
        meeting.status not in INACTIVE_MEETING_STATUSES
        and now >= meeting.starts_at - ATTENDANCE_OPENS_BEFORE
    )
    forms = {
        "add_form": bound.get("add_form")
        or (AgendaAddForm(meeting=meeting, prefix="add") if editable else None),
        "overbooking_form": bound.get("overbooking_form") or ReasonForm(prefix="overbook"),
        "invite_form": bound.get("invite_form")
        or InviteForm(prefix="invite", initial={"disciplines": required}),
        "reschedule_form": bound.get("reschedule_form")
        or RescheduleForm(meeting=meeting, prefix="move"),
        "cancel_form": bound.get("cancel_form") or ReasonForm(prefix="cancel"),
    }
    submitted = [form for form in bound.values() if form is not None]
    return render(
        request,
        "scheduling/meeting_detail.html",
        {
            "meeting": meeting,
            "board": meeting.board,
            "overview": overview,
            "over_minutes": max(overview.booked_minutes - overview.length_minutes, 0),
            "rows": rows,
            "can_edit": overview.can_edit,
            "editable": editable,
            "closable": overview.can_edit
            and meeting.status not in INACTIVE_MEETING_STATUSES
            and meeting.starts_at <= now,
            "invitations": invitations,
            "expected_missing": [discipline_label(d) for d in required if d not in accepted],
            "required": [discipline_label(d) for d in required],
            "quorum_present": [discipline_label(d) for d in overview.quorum.present],
            "quorum_missing": [discipline_label(d) for d in overview.quorum.missing_disciplines],
            "attendance_open": attendance_open,
            "answerable": not meeting_has_started(meeting, now),
            "attendance": _attendance_rows(meeting, bound) if overview.can_edit else [],
            "my_invitation": next(
                (row.invitation for row in invitations if row.invitation.user_id == user.pk),
                None,
            ),
            "errors": error_summary(*submitted) if submitted else [],
            **forms,
        },
        status=status,
    )


@staff_required
def meeting_detail_page(request, meeting_uuid):
    return _render_meeting(request, _meeting(request, meeting_uuid))


def _refused(request, meeting, exc: ApplicationError, *, anchor: str = ""):
    """A refusal without a form of its own: say why over the current state of the meeting."""
    messages.error(request, _refusal_message(exc))
    return _to_meeting(meeting, anchor)


def _form_refused(request, meeting, exc: ApplicationError, form, key: str):
    if isinstance(exc, ConflictError):
        messages.error(request, _refusal_message(exc))
        return _render_meeting(request, meeting, status=409)
    show_errors(exc, form)
    return _render_meeting(request, meeting, status=400, **{key: form})


@require_POST
@staff_required
def agenda_add(request, meeting_uuid):
    meeting = _coordinated_meeting(request, meeting_uuid)
    form = AgendaAddForm(request.POST, meeting=meeting, prefix="add")
    if not form.is_valid():
        return _render_meeting(request, meeting, status=400, add_form=form)
    try:
        item = services.agenda_item_add(
            meeting=meeting,
            case=form.cleaned_data["case"],
            minutes_allotted=form.cleaned_data["minutes_allotted"],
            by=request.user,
        )
    except ApplicationError as exc:
        return _form_refused(request, meeting, exc, form, "add_form")
    messages.success(
        request,
        _("Case added at position %(n)d.") % {"n": item.position}
        + (" " + _("Marked late: the agenda was already circulated.") if item.added_late else ""),
    )
    return _to_meeting(meeting, "agenda")


def _item(meeting: Meeting, case_uuid):
    item = meeting.agenda_items.select_related("case").filter(case__uuid=case_uuid).first()
    if item is None:
        raise Http404("This case is not on the agenda.")
    return item


@require_POST
@staff_required
def agenda_remove(request, meeting_uuid, case_uuid):
    meeting = _coordinated_meeting(request, meeting_uuid)
    item = meeting.agenda_items.filter(case__uuid=case_uuid).first()
    if item is None:
        messages.error(request, _("This case is no longer on the agenda."))
        return _to_meeting(meeting, "agenda")
    try:
        services.agenda_item_remove(item=item, by=request.user)
    except ApplicationError as exc:
        return _refused(request, meeting, exc, anchor="agenda")
    messages.success(request, _("Case taken off the agenda."))
    return _to_meeting(meeting, "agenda")


@require_POST
@staff_required
def agenda_move(request, meeting_uuid, case_uuid):
    meeting = _coordinated_meeting(request, meeting_uuid)
    offset = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    if offset is None:
        messages.error(request, _("Choose up or down."))
        return _to_meeting(meeting, "agenda")
    item = meeting.agenda_items.filter(case__uuid=case_uuid).first()
    if item is None:
        messages.error(request, _("This case is no longer on the agenda."))
        return _to_meeting(meeting, "agenda")
    try:
        services.agenda_item_move(item=item, offset=offset, by=request.user)
    except ApplicationError as exc:
        return _refused(request, meeting, exc, anchor="agenda")
    return _to_meeting(meeting, f"item-{case_uuid}")


@require_POST
@staff_required
def agenda_minutes(request, meeting_uuid, case_uuid):
    meeting = _coordinated_meeting(request, meeting_uuid)
    item = _item(meeting, case_uuid)
    key = f"minutes-{item.case.uuid}"
    form = MinutesForm(request.POST, prefix=_row_prefix(item.case.uuid, "min"))
    if not form.is_valid():
        return _render_meeting(request, meeting, status=400, **{key: form})
    try:
        services.agenda_item_set_minutes(
            item=item, minutes_allotted=form.cleaned_data["minutes_allotted"], by=request.user
        )
    except ApplicationError as exc:
        return _form_refused(request, meeting, exc, form, key)
    messages.success(request, _("Minutes saved."))
    return _to_meeting(meeting, f"item-{case_uuid}")


@require_POST
@staff_required
def agenda_defer(request, meeting_uuid, case_uuid):
    meeting = _coordinated_meeting(request, meeting_uuid)
    item = _item(meeting, case_uuid)
    key = f"defer-{item.case.uuid}"
    form = ReasonForm(request.POST, prefix=_row_prefix(item.case.uuid, "defer"))
    if not form.is_valid():
        return _render_meeting(request, meeting, status=400, **{key: form})
    try:
        deferral = services.case_defer(
            case=item.case, reason=form.cleaned_data["reason"], by=request.user
        )
    except ApplicationError as exc:
        return _form_refused(request, meeting, exc, form, key)
    if deferral.to_meeting is not None:
        messages.success(
            request,
            _("Case deferred to the meeting on %(when)s; the people responsible were told.")
            % {"when": _local_when(deferral.to_meeting)},
        )
    else:
        messages.warning(
            request,
            _("Case deferred; it is not on another agenda yet. %(why)s")
            % {"why": deferral.not_placed},
        )
    return _to_meeting(meeting, "agenda")


def _local_when(meeting: Meeting) -> str:
    return local_time(meeting.starts_at, meeting)


@require_POST
@staff_required
def meeting_overbooking(request, meeting_uuid):
    meeting = _coordinated_meeting(request, meeting_uuid)
    form = ReasonForm(request.POST, prefix="overbook")
    if not form.is_valid():
        return _render_meeting(request, meeting, status=400, overbooking_form=form)
    try:
        services.meeting_allow_overbooking(
            meeting=meeting, reason=form.cleaned_data["reason"], by=request.user
        )
    except ApplicationError as exc:
        return _form_refused(request, meeting, exc, form, "overbooking_form")
    messages.success(request, _("Overbooking allowed; the reason is recorded."))
    return _to_meeting(meeting, "time")


@require_POST
@staff_required
def meeting_circulate(request, meeting_uuid):
    meeting = _coordinated_meeting(request, meeting_uuid)
    try:
        circulated = services.agenda_circulate(meeting=meeting, by=request.user)
    except ApplicationError as exc:
        return _refused(request, meeting, exc)
    if circulated:
        messages.success(request, _("Agenda circulated. Cases added from now on are marked late."))
    else:
        messages.info(request, _("The agenda had already been circulated; nothing was sent."))
    return _to_meeting(meeting)


@require_POST
@staff_required
def meeting_invite(request, meeting_uuid):
    meeting = _coordinated_meeting(request, meeting_uuid)
    form = InviteForm(request.POST, prefix="invite")
    if not form.is_valid():
        return _render_meeting(request, meeting, status=400, invite_form=form)
    disciplines = None if form.invite_everyone else form.cleaned_data["disciplines"]
    try:
        result = services.invite_members(meeting=meeting, disciplines=disciplines, by=request.user)
    except ApplicationError as exc:
        return _form_refused(request, meeting, exc, form, "invite_form")
    if result.invited:
        messages.success(request, _("%(n)d member(s) invited.") % {"n": len(result.invited)})
    else:
        messages.info(request, _("Nobody new to invite: they are all invited already."))
    for warning in result.warnings:
        messages.warning(request, warning.message)
    return _to_meeting(meeting, "invitations")


@require_POST
@staff_required
def meeting_attendance_record(request, meeting_uuid, user_id):
    meeting = _coordinated_meeting(request, meeting_uuid)
    person = get_user_model().objects.filter(pk=user_id).first()
    if person is None:
        raise Http404("No such person.")
    key = f"attendance-{person.pk}"
    form = AttendanceForm(request.POST, prefix=f"att-{person.pk}")
    if not form.is_valid():
        return _render_meeting(request, meeting, status=400, **{key: form})
    try:
        services.attendance_record(
            meeting=meeting, user=person, mode=form.cleaned_data["mode"], by=request.user
        )
    except ApplicationError as exc:
        return _form_refused(request, meeting, exc, form, key)
    messages.success(request, _("Attendance recorded."))
    return _to_meeting(meeting, "attendance")


@require_POST
@staff_required
def meeting_reschedule(request, meeting_uuid):
    meeting = _coordinated_meeting(request, meeting_uuid)
    form = RescheduleForm(request.POST, meeting=meeting, prefix="move")
    if not form.is_valid():
        return _render_meeting(request, meeting, status=400, reschedule_form=form)
    try:
        services.meeting_reschedule(
            meeting=meeting,
            starts_at=form.cleaned_data["starts_at"],
            ends_at=form.cleaned_data["ends_at"],
            by=request.user,
        )
    except ApplicationError as exc:
        return _form_refused(request, meeting, exc, form, "reschedule_form")
    messages.success(request, _("Meeting moved; the invited members were told."))
    return _to_meeting(meeting)


@require_POST
@staff_required
def meeting_cancel(request, meeting_uuid):
    meeting = _coordinated_meeting(request, meeting_uuid)
    form = ReasonForm(request.POST, prefix="cancel")
    if not form.is_valid():
        return _render_meeting(request, meeting, status=400, cancel_form=form)
    try:
        services.meeting_cancel(
            meeting=meeting, reason=form.cleaned_data["reason"], by=request.user
        )
    except ApplicationError as exc:
        return _form_refused(request, meeting, exc, form, "cancel_form")
    messages.success(request, _("Meeting cancelled; its cases can go on another agenda."))
    return _to_meeting(meeting)


@require_POST
@staff_required
def meeting_close(request, meeting_uuid):
    meeting = _coordinated_meeting(request, meeting_uuid)
    try:
        services.meeting_close(meeting=meeting, by=request.user)
    except ApplicationError as exc:
        return _refused(request, meeting, exc)
    messages.success(request, _("Meeting closed."))
    return _to_meeting(meeting)


@require_GET
@staff_required
def meeting_ics(request, meeting_uuid):
    try:
        meeting = meeting_for_calendar(user=request.user, uuid=meeting_uuid)
    except Meeting.DoesNotExist:
        raise Http404("No such meeting.") from None
    body = calendar.build_calendar([meeting], link_for=lambda m: _page_link(request, m))
    return _ics(body, filename=calendar.ics_filename(meeting))


# --- readiness board --------------------------------------------------------------------------


@staff_required
def readiness_board_page(request):
    boards = boards_visible_to(request.user).order_by("name")
    form = ReadinessFilterForm(request.GET or None, boards=boards)
    board = form.cleaned_data.get("board") if form.is_bound and form.is_valid() else None
    columns = readiness_board(user=request.user, board=board)
    return render(
        request,
        "scheduling/readiness_board.html",
        {
            "form": form,
            "columns": columns,
            "board": board,
            "total": sum(len(column.cards) for column in columns),
            "show_board": board is None and len(boards) > 1,
        },
    )


# --- the user's invitations and calendar ------------------------------------------------------


@staff_required
def my_invitations_page(request):
    invitations = list(my_invitations(user=request.user))
    return render(
        request,
        "scheduling/my_invitations.html",
        {"invitations": invitations, "now": timezone.now()},
    )


@require_POST
@staff_required
def invitation_respond(request, invitation_id):
    invitation = (
        Invitation.objects.select_related("meeting__board")
        .filter(pk=invitation_id, user=request.user)
        .first()
    )
    if invitation is None:
        raise Http404("No such invitation.")
    form = RespondForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Accept or decline."))
    else:
        try:
            services.invitation_respond(
                invitation=invitation, response=form.cleaned_data["response"], by=request.user
            )
        except ApplicationError as exc:
            messages.error(request, _refusal_message(exc))
        else:
            messages.success(
                request,
                _("You accepted.")
                if form.cleaned_data["response"] == Invitation.Response.ACCEPTED
                else _("You declined."),
            )
    target = request.POST.get("next", "")
    if target == "meeting":
        return _to_meeting(invitation.meeting)
    return redirect("my-invitations")


@staff_required
def my_calendar(request):
    if request.method == "POST":
        services.calendar_feed_rotate(user=request.user)
        messages.success(request, _("New subscription address made; the old one no longer works."))
        return redirect("my-calendar")
    feed = services.calendar_feed_token(user=request.user)
    url = request.build_absolute_uri(reverse("calendar-feed", kwargs={"token": feed.token}))
    return render(request, "scheduling/my_calendar.html", {"feed": feed, "feed_url": url})


@require_GET
def calendar_feed(request, token):
    """The subscription feed: no login, the secret token in the URL is the credential."""
    user = calendar_feed_owner(token)
    if user is None:
        raise Http404("No such calendar.")
    meetings = calendar_feed_meetings(user)
    body = calendar.build_calendar(
        meetings,
        link_for=lambda m: _page_link(request, m),
        name=_("Tumour board meetings"),
        feed=True,
    )
    return _ics(body, cache="private, max-age=300")


# --- a board's decision-support settings ------------------------------------------------------


@staff_required
def board_settings(request, board_uuid):
    try:
        board = boards_visible_to(request.user).select_related("updated_by").get(uuid=board_uuid)
    except Board.DoesNotExist:
        raise Http404("No such board.") from None
    can_change = can_coordinate(request.user, board)
    form = BoardSettingsForm.for_board(board) if can_change else None
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied(NOT_ALLOWED)
        form = BoardSettingsForm.for_board(board, request.POST)
        if form.is_valid():
            changes = {
                name: value
                for name, value in form.cleaned_data.items()
                if value != getattr(board, name)
            }
            if not changes:
                messages.info(request, _("Nothing was changed."))
                return redirect("board-settings", board_uuid=board.uuid)
            try:
                board_settings_update(board=board, by=request.user, **changes)
            except ApplicationError as exc:
                for name, field_messages in exc.fields.items():
                    for message in field_messages:
                        form.add_error(name if name in form.fields else None, message)
                if not exc.fields:
                    form.add_error(None, exc.message)
            else:
                messages.success(request, _("Decision-support settings saved."))
                return redirect("board-settings", board_uuid=board.uuid)
    errors = []
    if form is not None and form.is_bound:
        errors = [("", str(error)) for error in form.non_field_errors()]
        errors += [
            (f"field-{bound.html_name}", f"{bound.label}: {error}")
            for bound in form
            for error in bound.errors
        ]
    return render(
        request,
        "scheduling/board_settings.html",
        {
            "board": board,
            "form": form,
            "can_change": can_change,
            "sbrt": board_sbrt_regimens(board),
            "errors": errors,
        },
    )

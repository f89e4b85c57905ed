"""The meeting page (agenda, invitations, attendance, quorum) and the changes to the meeting
itself: moving, cancelling and closing it."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audit import reads
from tumorboard.errors import ApplicationError, ConflictError
from tumorboard.pages import error_summary, show_errors, staff_required

from .. import services
from ..forms import (
    AgendaAddForm,
    AttendanceForm,
    AttendanceSheetForm,
    CloseForm,
    InviteForm,
    MinutesForm,
    ReasonForm,
    RescheduleForm,
)
from ..models import Attendance, Invitation, Meeting
from ..rules import (
    INACTIVE_MEETING_STATUSES,
    meeting_has_started,
    next_meeting_after,
    undiscussed_items,
)
from ..selectors import discipline_label, meeting_attendance, meeting_invitations, meeting_overview
from ..services.attendance import ATTENDANCE_OPENS_BEFORE
from ..services.common import local_start
from ..services.meetings import START_OPENS_BEFORE
from .common import (
    coordinated_meeting,
    meeting_or_404,
    record_picks,
    refusal_message,
    to_meeting,
)


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


def row_prefix(case_uuid, kind: str) -> str:
    return f"{kind}-{case_uuid.hex[:12]}"


def _attendance_rows(meeting: Meeting, bound: dict) -> tuple[list[dict], AttendanceSheetForm]:
    people = meeting_attendance(meeting)
    sheet = bound.get("attendance_sheet") or AttendanceSheetForm(rows=people, prefix="sheet")
    rows = []
    for row in people:
        form = bound.get(f"attendance-{row.user.pk}") or AttendanceForm(
            prefix=f"att-{row.user.pk}", initial={"mode": row.mode or "in_person"}
        )
        rows.append(
            {
                "row": row,
                "form": form,
                "discipline": discipline_label(row.discipline) or "—",
                "mode_label": Attendance.Mode(row.mode).label if row.mode else "",
                "field": sheet[f"mode-{row.user.pk}"],
            }
        )
    return rows, sheet


def render_meeting(request, meeting: Meeting, *, status=200, **bound):
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
    attendance, sheet = _attendance_rows(meeting, bound) if overview.can_edit else ([], None)
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
    if forms["add_form"] is not None:
        record_picks(request, forms["add_form"].offer())
    submitted = [form for form in bound.values() if form is not None]
    reads.record_many(
        request, "case.agenda", [(e.item.case.patient.uuid, e.item.case.uuid) for e in agenda]
    )
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
            "attendance": attendance,
            "attendance_sheet": sheet,
            "startable": overview.can_edit
            and meeting.status == Meeting.Status.PLANNED
            and now >= meeting.starts_at - START_OPENS_BEFORE,
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
    return render_meeting(request, meeting_or_404(request, meeting_uuid))


def refused(request, meeting, exc: ApplicationError, *, anchor: str = ""):
    """A refusal without a form of its own: say why over the current state of the meeting."""
    messages.error(request, refusal_message(exc))
    return to_meeting(meeting, anchor)


def form_refused(request, meeting, exc: ApplicationError, form, key: str):
    if isinstance(exc, ConflictError):
        messages.error(request, refusal_message(exc))
        return render_meeting(request, meeting, status=409)
    show_errors(exc, form)
    return render_meeting(request, meeting, status=400, **{key: form})


@require_POST
@staff_required
def meeting_reschedule(request, meeting_uuid):
    meeting = coordinated_meeting(request, meeting_uuid)
    form = RescheduleForm(request.POST, meeting=meeting, prefix="move")
    if not form.is_valid():
        return render_meeting(request, meeting, status=400, reschedule_form=form)
    try:
        services.meeting_reschedule(
            meeting=meeting,
            starts_at=form.cleaned_data["starts_at"],
            ends_at=form.cleaned_data["ends_at"],
            by=request.user,
        )
    except ApplicationError as exc:
        return form_refused(request, meeting, exc, form, "reschedule_form")
    messages.success(request, _("Meeting moved; the invited members were told."))
    return to_meeting(meeting)


@require_POST
@staff_required
def meeting_cancel(request, meeting_uuid):
    meeting = coordinated_meeting(request, meeting_uuid)
    form = ReasonForm(request.POST, prefix="cancel")
    if not form.is_valid():
        return render_meeting(request, meeting, status=400, cancel_form=form)
    try:
        services.meeting_cancel(
            meeting=meeting, reason=form.cleaned_data["reason"], by=request.user
        )
    except ApplicationError as exc:
        return form_refused(request, meeting, exc, form, "cancel_form")
    messages.success(request, _("Meeting cancelled; its cases can go on another agenda."))
    return to_meeting(meeting)


@require_POST
@staff_required
def meeting_start(request, meeting_uuid):
    meeting = coordinated_meeting(request, meeting_uuid)
    try:
        services.meeting_start(meeting=meeting, by=request.user)
    except ApplicationError as exc:
        return refused(request, meeting, exc)
    messages.success(request, _("Meeting started: it shows as in progress until it is closed."))
    return to_meeting(meeting)


def _close_form(meeting: Meeting, data=None) -> tuple[CloseForm, Meeting | None]:
    target = next_meeting_after(meeting)
    form = CloseForm(
        data,
        items=undiscussed_items(meeting),
        target_label=local_start(target) if target else None,
        prefix="close",
    )
    return form, target


@require_http_methods(["GET", "POST"])
@staff_required
def meeting_close(request, meeting_uuid):
    """The close confirmation: lists the cases the meeting did not discuss, each with where it
    goes (the board's next meeting or back to ready); closing applies them all at once."""
    meeting = coordinated_meeting(request, meeting_uuid)
    form, target = _close_form(meeting, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.meeting_close(
                    meeting=meeting, by=request.user, carry_over=form.carry_over()
                )
            except ApplicationError as exc:
                # The summary first ("3 cases were not discussed…"), then each case's problem.
                form.add_error(None, exc.message)
                for problem in (m for name, ms in exc.fields.items() for m in ms):
                    form.add_error(None, problem)
            else:
                messages.success(request, _("Meeting closed."))
                return to_meeting(meeting)
        status = 400
    now = timezone.now()
    reads.record_many(
        request, "case.undiscussed", [(i.case.patient.uuid, i.case.uuid) for i in form.undiscussed]
    )
    return render(
        request,
        "scheduling/meeting_close.html",
        {
            "meeting": meeting,
            "board": meeting.board,
            "form": form,
            "target": target,
            "target_when": local_start(target) if target else "",
            "closable": meeting.status not in INACTIVE_MEETING_STATUSES
            and meeting.starts_at <= now,
            "errors": error_summary(form) if form.is_bound else [],
        },
        status=status,
    )

"""Recording attendance on the meeting page: one person, or everyone in one step."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tumorboard.errors import ApplicationError
from tumorboard.pages import staff_required

from .. import services
from ..forms import AttendanceForm, AttendanceSheetForm
from ..selectors import meeting_attendance
from .common import coordinated_meeting, to_meeting
from .meeting_page import form_refused, render_meeting


@require_POST
@staff_required
def meeting_attendance_record(request, meeting_uuid, user_id):
    meeting = coordinated_meeting(request, meeting_uuid)
    person = get_user_model().objects.filter(pk=user_id).first()
    if person is None:
        raise Http404("No such person.")
    key = f"attendance-{person.pk}"
    form = AttendanceForm(request.POST, prefix=f"att-{person.pk}")
    if not form.is_valid():
        return render_meeting(request, meeting, status=400, **{key: form})
    try:
        services.attendance_record(
            meeting=meeting, user=person, mode=form.cleaned_data["mode"], by=request.user
        )
    except ApplicationError as exc:
        return form_refused(request, meeting, exc, form, key)
    messages.success(request, _("Attendance recorded."))
    return to_meeting(meeting, "attendance")


@require_POST
@staff_required
def meeting_attendance_take(request, meeting_uuid):
    """The attendance sheet: "Mark all invited members present" (then the corrections chosen on
    the sheet), or "Save attendance" (only what is chosen); one transaction either way."""
    meeting = coordinated_meeting(request, meeting_uuid)
    form = AttendanceSheetForm(request.POST, rows=meeting_attendance(meeting), prefix="sheet")
    if not form.is_valid():
        return render_meeting(request, meeting, status=400, attendance_sheet=form)
    mark_all = request.POST.get("action") == "mark-present"
    if not mark_all and not form.modes():
        form.add_error(None, _("Choose how someone attended, or mark everyone invited present."))
        return render_meeting(request, meeting, status=400, attendance_sheet=form)
    try:
        written = services.attendance_take(
            meeting=meeting, by=request.user, modes=form.modes(), mark_expected_present=mark_all
        )
    except ApplicationError as exc:
        return form_refused(request, meeting, exc, form, "attendance_sheet")
    messages.success(
        request,
        _("Attendance recorded for %(n)d people.") % {"n": len(written)}
        if written
        else _("Attendance was already recorded as shown."),
    )
    return to_meeting(meeting, "attendance")

"""The agenda editor of the meeting page: adding, removing, moving, timing and deferring cases;
the overbooking override; circulating the agenda."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tumorboard.errors import ApplicationError
from tumorboard.pages import staff_required

from .. import services
from ..forms import AgendaAddForm, MinutesForm, ReasonForm
from ..models import Meeting
from ..notifications import local_time
from .common import coordinated_meeting, searched, to_meeting
from .meeting_page import form_refused, refused, render_meeting, row_prefix


@require_POST
@staff_required
def agenda_add(request, meeting_uuid):
    meeting = coordinated_meeting(request, meeting_uuid)
    if request.POST.get("add-search"):  # the picker's Search button (without JavaScript)
        return render_meeting(
            request,
            meeting,
            add_form=AgendaAddForm(
                meeting=meeting, prefix="add", initial=searched(request.POST, "add")
            ),
        )
    form = AgendaAddForm(request.POST, meeting=meeting, prefix="add")
    if not form.is_valid():
        return render_meeting(request, meeting, status=400, add_form=form)
    try:
        item = services.agenda_item_add(
            meeting=meeting,
            case=form.cleaned_data["case"],
            minutes_allotted=form.cleaned_data["minutes_allotted"],
            by=request.user,
        )
    except ApplicationError as exc:
        return form_refused(request, meeting, exc, form, "add_form")
    messages.success(
        request,
        _("Case added at position %(n)d.") % {"n": item.position}
        + (" " + _("Marked late: the agenda was already circulated.") if item.added_late else ""),
    )
    return to_meeting(meeting, "agenda")


def _item(meeting: Meeting, case_uuid):
    item = meeting.agenda_items.select_related("case").filter(case__uuid=case_uuid).first()
    if item is None:
        raise Http404("This case is not on the agenda.")
    return item


@require_POST
@staff_required
def agenda_remove(request, meeting_uuid, case_uuid):
    meeting = coordinated_meeting(request, meeting_uuid)
    item = meeting.agenda_items.filter(case__uuid=case_uuid).first()
    if item is None:
        messages.error(request, _("This case is no longer on the agenda."))
        return to_meeting(meeting, "agenda")
    try:
        services.agenda_item_remove(item=item, by=request.user)
    except ApplicationError as exc:
        return refused(request, meeting, exc, anchor="agenda")
    messages.success(request, _("Case taken off the agenda."))
    return to_meeting(meeting, "agenda")


@require_POST
@staff_required
def agenda_move(request, meeting_uuid, case_uuid):
    meeting = coordinated_meeting(request, meeting_uuid)
    offset = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    if offset is None:
        messages.error(request, _("Choose up or down."))
        return to_meeting(meeting, "agenda")
    item = meeting.agenda_items.filter(case__uuid=case_uuid).first()
    if item is None:
        messages.error(request, _("This case is no longer on the agenda."))
        return to_meeting(meeting, "agenda")
    try:
        services.agenda_item_move(item=item, offset=offset, by=request.user)
    except ApplicationError as exc:
        return refused(request, meeting, exc, anchor="agenda")
    return to_meeting(meeting, f"item-{case_uuid}")


@require_POST
@staff_required
def agenda_minutes(request, meeting_uuid, case_uuid):
    meeting = coordinated_meeting(request, meeting_uuid)
    item = _item(meeting, case_uuid)
    key = f"minutes-{item.case.uuid}"
    form = MinutesForm(request.POST, prefix=row_prefix(item.case.uuid, "min"))
    if not form.is_valid():
        return render_meeting(request, meeting, status=400, **{key: form})
    try:
        services.agenda_item_set_minutes(
            item=item, minutes_allotted=form.cleaned_data["minutes_allotted"], by=request.user
        )
    except ApplicationError as exc:
        return form_refused(request, meeting, exc, form, key)
    messages.success(request, _("Minutes saved."))
    return to_meeting(meeting, f"item-{case_uuid}")


@require_POST
@staff_required
def agenda_defer(request, meeting_uuid, case_uuid):
    meeting = coordinated_meeting(request, meeting_uuid)
    item = _item(meeting, case_uuid)
    key = f"defer-{item.case.uuid}"
    form = ReasonForm(request.POST, prefix=row_prefix(item.case.uuid, "defer"))
    if not form.is_valid():
        return render_meeting(request, meeting, status=400, **{key: form})
    try:
        deferral = services.case_defer(
            case=item.case, reason=form.cleaned_data["reason"], by=request.user
        )
    except ApplicationError as exc:
        return form_refused(request, meeting, exc, form, key)
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
    return to_meeting(meeting, "agenda")


def _local_when(meeting: Meeting) -> str:
    return local_time(meeting.starts_at, meeting)


@require_POST
@staff_required
def meeting_overbooking(request, meeting_uuid):
    meeting = coordinated_meeting(request, meeting_uuid)
    form = ReasonForm(request.POST, prefix="overbook")
    if not form.is_valid():
        return render_meeting(request, meeting, status=400, overbooking_form=form)
    try:
        services.meeting_allow_overbooking(
            meeting=meeting, reason=form.cleaned_data["reason"], by=request.user
        )
    except ApplicationError as exc:
        return form_refused(request, meeting, exc, form, "overbooking_form")
    messages.success(request, _("Overbooking allowed; the reason is recorded."))
    return to_meeting(meeting, "time")


@require_POST
@staff_required
def meeting_circulate(request, meeting_uuid):
    meeting = coordinated_meeting(request, meeting_uuid)
    try:
        circulated = services.agenda_circulate(meeting=meeting, by=request.user)
    except ApplicationError as exc:
        return refused(request, meeting, exc)
    if circulated:
        messages.success(request, _("Agenda circulated. Cases added from now on are marked late."))
    else:
        messages.info(request, _("The agenda had already been circulated; nothing was sent."))
    return to_meeting(meeting)

"""Pages for pre-meeting summaries: preparation progress, the meeting packet, one summary.

Access: clinical staff only (403 for patients and users without a role); a meeting outside the
user's boards is a 404. Preparation (progress, prepare, retry) is for the board's coordinators and
chairs (403 for its other members). The packet and summaries are for every member of the board,
under the blind-opinion rule (`selectors.summaries_withheld`).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audit import reads
from cases.selectors import thumbnail_png
from recommendations.summaries import selectors, services
from recommendations.summaries.packet_pdf import packet_pdf
from scheduling.access import can_coordinate
from scheduling.models import AgendaItem, Meeting
from scheduling.selectors import meeting_for_user
from tumorboard.errors import ApplicationError
from tumorboard.pages import staff_required


def _meeting(request, meeting_uuid) -> Meeting:
    try:
        return meeting_for_user(user=request.user, uuid=meeting_uuid)
    except Meeting.DoesNotExist:
        raise Http404("No such meeting.") from None


def _coordinated_meeting(request, meeting_uuid) -> Meeting:
    meeting = _meeting(request, meeting_uuid)
    if not can_coordinate(request.user, meeting.board):
        raise PermissionDenied
    return meeting


def _withheld(request, meeting: Meeting) -> tuple[bool, set[int] | None]:
    coordinator = can_coordinate(request.user, meeting.board)
    return coordinator, selectors.summaries_withheld(user=request.user, meeting=meeting)


def _patients_and_cases(entries) -> list[tuple]:
    return [(entry.case.patient.uuid, entry.case.uuid) for entry in entries]


@staff_required
@require_GET
def meeting_preparation(request, meeting_uuid):
    meeting = _coordinated_meeting(request, meeting_uuid)
    progress = selectors.meeting_preparation_progress(meeting)
    reads.record_many(request, "summary_preparation", selectors.progress_reads(progress))
    return render(
        request,
        "recommendations/summary_preparation.html",
        {"meeting": meeting, "progress": progress},
    )


@staff_required
@require_POST
def meeting_prepare(request, meeting_uuid):
    meeting = _coordinated_meeting(request, meeting_uuid)
    try:
        progress = services.meeting_prepare_request(meeting=meeting, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Preparing %(count)d summaries. Refresh this page to follow progress.")
            % {"count": progress.total},
        )
    return redirect("meeting-preparation", meeting_uuid=meeting.uuid)


@staff_required
@require_POST
def preparation_retry(request, meeting_uuid, case_uuid):
    meeting = _coordinated_meeting(request, meeting_uuid)
    try:
        item = selectors.agenda_item_for(meeting=meeting, case_uuid=case_uuid)
    except AgendaItem.DoesNotExist:
        raise Http404("No such case on this agenda.") from None
    try:
        services.preparation_retry(agenda_item=item, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Agenda item %(position)d queued again.") % {"position": item.position}
        )
    return redirect("meeting-preparation", meeting_uuid=meeting.uuid)


@staff_required
@require_GET
def meeting_packet(request, meeting_uuid):
    meeting = _meeting(request, meeting_uuid)
    coordinator, withheld = _withheld(request, meeting)
    entries = selectors.meeting_packet(meeting, withheld=withheld)
    reads.record_many(request, "meeting_packet", _patients_and_cases(entries))
    return render(
        request,
        "recommendations/packet.html",
        {
            "meeting": meeting,
            "entries": entries,
            "can_coordinate": coordinator,
            "prepared": sum(1 for entry in entries if entry.summary is not None),
        },
    )


@staff_required
@require_GET
def meeting_packet_pdf(request, meeting_uuid):
    meeting = _meeting(request, meeting_uuid)
    coordinator, withheld = _withheld(request, meeting)
    entries = selectors.meeting_packet(meeting, withheld=withheld)
    reads.record_many(request, "meeting_packet.pdf", _patients_and_cases(entries))
    pdf = packet_pdf(meeting, entries, read_thumbnail=thumbnail_png)
    response = HttpResponse(pdf, content_type="application/pdf")
    # The file name says which meeting, never which patients.
    name = f"packet-{meeting.starts_at:%Y-%m-%d}-{meeting.uuid.hex[:8]}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@staff_required
@require_GET
def meeting_summary(request, meeting_uuid, case_uuid):
    meeting = _meeting(request, meeting_uuid)
    try:
        item = selectors.agenda_item_for(meeting=meeting, case_uuid=case_uuid)
    except AgendaItem.DoesNotExist:
        raise Http404("No such case on this agenda.") from None
    coordinator, withheld = _withheld(request, meeting)
    if withheld is not None and item.case_id in withheld:
        raise PermissionDenied
    version = request.GET.get("version") or None
    if version is not None and not version.isdigit():
        raise Http404("No such version.")
    entry = selectors.summary_detail(item, version=int(version) if version else None)
    if version and entry.summary is None:
        raise Http404("No such version.")
    reads.record(request, "pre_meeting_summary", patient=item.case.patient.uuid, obj=item.case.uuid)
    return render(
        request,
        "recommendations/summary_detail.html",
        {
            "meeting": meeting,
            "entry": entry,
            "versions": selectors.summary_versions(item),
            "can_coordinate": coordinator,
        },
    )

"""What the scheduling API views share: lookups scoped to the user (404 outside their boards),
the coordinator check, board-local times, the reason input and the meeting detail output."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from django.http import Http404
from django.urls import reverse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from audit import reads
from cases.models import Case
from cases.selectors import cases_visible_to
from tumorboard.api import StrictInputMixin, error_responses

from .. import recurrence as rec
from ..access import boards_visible_to, can_coordinate
from ..models import AgendaItem, Board, Invitation, Meeting
from ..selectors import meeting_for_user, meeting_overview
from ..serializers import MeetingDetailSerializer

NOT_COORDINATOR = "Only the board's coordinators and chair can change its meetings and agendas."


WRITE_ERRORS = error_responses(
    {
        403: "Not clinical staff, or not a coordinator or chair of the meeting's board.",
        409: "The agenda changed meanwhile (e.g. a stale order): reload and retry.",
    }
)(400, 404, 403, 409, 415)


# --- lookups and access -----------------------------------------------------------------------


def board_or_404(request, uuid) -> Board:
    """One of the user's boards (404 otherwise)."""
    try:
        return boards_visible_to(request.user).get(uuid=uuid)
    except Board.DoesNotExist:
        raise Http404 from None


def meeting_or_404(request, uuid) -> Meeting:
    """A meeting of the user's boards (404 otherwise)."""
    try:
        return meeting_for_user(user=request.user, uuid=uuid)
    except Meeting.DoesNotExist:
        raise Http404 from None


def case_or_404(request, uuid) -> Case:
    """A case the user may see (404 otherwise)."""
    try:
        return cases_visible_to(request.user).select_related("board").get(uuid=uuid)
    except Case.DoesNotExist:
        raise Http404 from None


def require_coordinator(request, board: Board) -> None:
    """403 with our message for members who do not coordinate the board, before the input is
    read (the services check again, with the same rule)."""
    if not can_coordinate(request.user, board):
        raise exceptions.PermissionDenied(NOT_COORDINATOR)


def agenda_item_or_404(meeting: Meeting, case_uuid) -> AgendaItem:
    """The case's item on this meeting's agenda (404 when it is not on it)."""
    item = meeting.agenda_items.filter(case__uuid=case_uuid).first()
    if item is None:
        raise Http404
    return item


# --- input ------------------------------------------------------------------------------------


class BoardLocalDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date-time; one without an offset is read in the board's time zone (the view
    localises it), so "2026-11-03T07:30" means 07:30 where the board meets."""

    def enforce_timezone(self, value):
        if value.tzinfo is None:
            return value
        return super().enforce_timezone(value)


def board_time(value: dt.datetime | None, board: Board) -> dt.datetime | None:
    """A date-time without an offset, read in the board's time zone."""
    if value is None or value.tzinfo is not None:
        return value
    return rec.local_datetime(value.date(), value.time(), rec.board_zone(board.time_zone))


class ReasonSerializer(StrictInputMixin, serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, trim_whitespace=True, max_length=2000)


# --- output -----------------------------------------------------------------------------------


def person_data(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.get_full_name() or user.get_username()}


def local_iso(moment: dt.datetime, board: Board) -> str:
    return moment.astimezone(ZoneInfo(board.time_zone)).isoformat()


def readiness_data(readiness) -> dict:
    return {"ready": readiness.ready, "missing": readiness.missing, "stale": readiness.stale}


def agenda_entry_data(entry) -> dict:
    item, case = entry.item, entry.item.case
    return {
        "position": item.position,
        "case": {
            "uuid": case.uuid,
            "label": str(case),
            "status": case.status,
            "urgency": case.urgency,
        },
        "minutes_allotted": item.minutes_allotted,
        "added_late": item.added_late,
        "is_open": item.is_open,
        "urgent": entry.urgent,
        "flags": [dataclasses.asdict(flag) for flag in entry.flags],
        "readiness": readiness_data(entry.readiness),
    }


def quorum_data(quorum) -> dict:
    return dataclasses.asdict(quorum)


def meeting_detail_data(meeting: Meeting, *, user, read_by=None) -> dict:
    """The detail shape; with `read_by` (a request), its agenda's patients go to the read log."""
    overview = meeting_overview(meeting, user=user)
    if read_by is not None:
        reads.record_many(
            read_by,
            "case.agenda",
            [(e.item.case.patient.uuid, e.item.case.uuid) for e in overview.agenda],
        )
    return {
        "uuid": meeting.uuid,
        "board": meeting.board,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "kind": meeting.kind,
        "status": meeting.status,
        "location": meeting.location,
        "video_link": meeting.video_link,
        "time_zone": meeting.board.time_zone,
        "starts_at_local": local_iso(meeting.starts_at, meeting.board),
        "ends_at_local": local_iso(meeting.ends_at, meeting.board),
        "agenda_circulated_at": meeting.agenda_circulated_at,
        "length_minutes": overview.length_minutes,
        "booked_minutes": overview.booked_minutes,
        "available_minutes": overview.available_minutes,
        "overbooked": overview.overbooked,
        "overbooking": {
            "allowed": meeting.overbooking_allowed_at is not None,
            "reason": meeting.overbooking_reason,
            "allowed_by": person_data(meeting.overbooking_allowed_by),
            "allowed_at": meeting.overbooking_allowed_at,
        },
        "quorum": quorum_data(overview.quorum),
        "agenda": [agenda_entry_data(entry) for entry in overview.agenda],
        "can_edit": overview.can_edit,
        "calendar_url": reverse("api:meeting-calendar", kwargs={"uuid": meeting.uuid}),
    }


def detail_response(
    request, meeting: Meeting, *, code=status.HTTP_200_OK, read: bool = False
) -> Response:
    """The meeting as it is now (reloaded after a change), in the detail shape; `read`: a GET,
    recorded in the read log."""
    meeting = meeting_for_user(user=request.user, uuid=meeting.uuid)
    detail = meeting_detail_data(meeting, user=request.user, read_by=request if read else None)
    data = MeetingDetailSerializer(detail).data
    return Response(data, status=code)


def conflict_data(other: Meeting) -> dict:
    return {
        "uuid": other.uuid,
        "board": other.board.name,
        "starts_at": other.starts_at,
        "ends_at": other.ends_at,
    }


def invitation_data(invitation: Invitation, conflicts=()) -> dict:
    return {
        "id": invitation.pk,
        "meeting": invitation.meeting.uuid,
        "user": person_data(invitation.user),
        "discipline": invitation.discipline,
        "response": invitation.response,
        "responded_at": invitation.responded_at,
        "conflicts": [conflict_data(other) for other in conflicts],
    }

"""REST API v1 for boards, schedules, meetings, agendas, invitations, attendance, the readiness
board and calendars; a board's decision-support settings.

Each view parses input, calls one service or selector, and shapes the output. Access: clinical
staff only (403 for patients, users without a role and anonymous callers); a board, meeting or
case outside the user's boards is a 404; changes to schedules, meetings and agendas, invitations
and attendance are for the board's coordinators and chair (403 for other members); an invitation
is answered by the invitee only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.assessment import board_sbrt_regimens
from cases.models import Case
from cases.selectors import cases_visible_to
from tumorboard.api import StaffApiMixin, StrictInputMixin, error_responses
from tumorboard.errors import ApplicationError
from tumorboard.openapi import NamedChoiceField

from . import calendar, services
from . import recurrence as rec
from .models import AgendaItem, Board, BoardSchedule, Invitation, Meeting
from .rules import meeting_quorum
from .selectors import (
    board_list,
    board_schedules,
    boards_visible_to,
    can_coordinate,
    invitations_visible_to,
    meeting_attendance,
    meeting_detail,
    meeting_for_calendar,
    meeting_invitations,
    meeting_list,
    meeting_overview,
    my_invitations,
    readiness_board,
)
from .serializers import (
    INVITATION_ANSWERS,
    AttendanceSheetSerializer,
    BoardSerializer,
    CalendarFeedSerializer,
    CirculateResultSerializer,
    DeferralSerializer,
    InvitationSerializer,
    InviteResultSerializer,
    MeetingDetailSerializer,
    MeetingFilterSerializer,
    MeetingSerializer,
    ReadinessColumnSerializer,
    ScheduleSerializer,
    attendance_mode_field,
    board_discipline_field,
    meeting_kind_field,
)
from .services.board_settings import NOT_ALLOWED, board_settings_update

NOT_COORDINATOR = "Only the board's coordinators and chair can change its meetings and agendas."


_errors = error_responses()
WRITE_ERRORS = error_responses(
    {
        403: "Not clinical staff, or not a coordinator or chair of the meeting's board.",
        409: "The agenda changed meanwhile (e.g. a stale order): reload and retry.",
    }
)(400, 404, 403, 409, 415)


# --- lookups and access -----------------------------------------------------------------------


def _board(request, uuid) -> Board:
    try:
        return boards_visible_to(request.user).get(uuid=uuid)
    except Board.DoesNotExist:
        raise Http404 from None


def _meeting(request, uuid) -> Meeting:
    try:
        return meeting_detail(user=request.user, uuid=uuid)
    except Meeting.DoesNotExist:
        raise Http404 from None


def _case(request, uuid) -> Case:
    try:
        return cases_visible_to(request.user).select_related("board").get(uuid=uuid)
    except Case.DoesNotExist:
        raise Http404 from None


def _require_coordinator(request, board: Board) -> None:
    if not can_coordinate(request.user, board):
        raise exceptions.PermissionDenied(NOT_COORDINATOR)


def _agenda_item(meeting: Meeting, case_uuid) -> AgendaItem:
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


def _board_time(value: dt.datetime | None, board: Board) -> dt.datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return rec.local_datetime(value.date(), value.time(), rec.board_zone(board.time_zone))


class ScheduleCreateSerializer(StrictInputMixin, serializers.Serializer):
    recurrence = serializers.CharField(
        max_length=200, help_text='RFC 5545 RRULE without DTSTART, e.g. "FREQ=WEEKLY;BYDAY=TU".'
    )
    local_start_time = serializers.TimeField(help_text="In the board's time zone, e.g. 07:30.")
    duration_minutes = serializers.IntegerField(help_text="5 to 480.")
    starts_on = serializers.DateField()
    location = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    video_link = serializers.URLField(allow_blank=True, required=False, default="")


class GenerateSerializer(StrictInputMixin, serializers.Serializer):
    until = serializers.DateField(help_text="Last day (board's zone), at most a year ahead.")


class MeetingCreateSerializer(StrictInputMixin, serializers.Serializer):
    board = serializers.UUIDField()
    kind = meeting_kind_field(required=False, default=Meeting.Kind.REGULAR)
    starts_at = BoardLocalDateTimeField(help_text="Without an offset: the board's time zone.")
    ends_at = BoardLocalDateTimeField(
        required=False, help_text="Required for a regular meeting; ad hoc: or duration_minutes."
    )
    duration_minutes = serializers.IntegerField(
        required=False, help_text="Ad-hoc meetings only, when ends_at is not given (default 30)."
    )
    location = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    video_link = serializers.URLField(allow_blank=True, required=False, default="")
    cases = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        default=list,
        help_text="Ad-hoc meetings only: cases to put on the agenda at once (urgent first).",
    )

    def validate(self, data):
        errors = {}
        if data["kind"] == Meeting.Kind.REGULAR:
            if data.get("ends_at") is None:
                errors["ends_at"] = ["A regular meeting needs an end time."]
            for name in ("duration_minutes", "cases"):
                if data.get(name):
                    errors[name] = ["Only for an ad-hoc meeting."]
        elif data.get("ends_at") is not None and data.get("duration_minutes") is not None:
            errors["duration_minutes"] = ["Give an end time or a duration, not both."]
        if errors:
            raise serializers.ValidationError(errors)
        return data


class MeetingRescheduleSerializer(StrictInputMixin, serializers.Serializer):
    starts_at = BoardLocalDateTimeField(required=False)
    ends_at = BoardLocalDateTimeField(required=False)

    def validate(self, data):
        if not data:
            raise serializers.ValidationError(
                {"starts_at": ["Give a new start, a new end, or both."]}
            )
        return data


class ReasonSerializer(StrictInputMixin, serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, trim_whitespace=True, max_length=2000)


class AgendaAddSerializer(StrictInputMixin, serializers.Serializer):
    case = serializers.UUIDField()
    minutes_allotted = serializers.IntegerField(
        required=False, help_text="1 to 120; default: the board's minutes per case."
    )


class AgendaMinutesSerializer(StrictInputMixin, serializers.Serializer):
    minutes_allotted = serializers.IntegerField(help_text="1 to 120.")


class AgendaOrderSerializer(StrictInputMixin, serializers.Serializer):
    order = serializers.ListField(
        child=serializers.UUIDField(),
        allow_empty=True,
        help_text="Every case now on the agenda, by uuid, each once, in the new order.",
    )


class InviteSerializer(StrictInputMixin, serializers.Serializer):
    disciplines = serializers.ListField(
        child=board_discipline_field(),
        required=False,
        allow_empty=False,
        help_text="Invite the members of these disciplines; omitted: every member of the board.",
    )


class RespondSerializer(StrictInputMixin, serializers.Serializer):
    response = NamedChoiceField(choices=INVITATION_ANSWERS, component="InvitationAnswerEnum")


class AttendanceRecordSerializer(StrictInputMixin, serializers.Serializer):
    user = serializers.IntegerField(help_text="The person's id (as in the attendance list).")
    mode = attendance_mode_field()


class ReadinessFilterSerializer(serializers.Serializer):
    board = serializers.UUIDField(required=False, help_text="Only this board's cases.")


# --- output -----------------------------------------------------------------------------------


def _person(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.get_full_name() or user.get_username()}


def _local_iso(moment: dt.datetime, board: Board) -> str:
    return moment.astimezone(ZoneInfo(board.time_zone)).isoformat()


def _readiness(readiness) -> dict:
    return {"ready": readiness.ready, "missing": readiness.missing, "stale": readiness.stale}


def _agenda_entry(entry) -> dict:
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
        "readiness": _readiness(entry.readiness),
    }


def _quorum(quorum) -> dict:
    return dataclasses.asdict(quorum)


def meeting_detail_data(meeting: Meeting, *, user) -> dict:
    overview = meeting_overview(meeting, user=user)
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
        "starts_at_local": _local_iso(meeting.starts_at, meeting.board),
        "ends_at_local": _local_iso(meeting.ends_at, meeting.board),
        "agenda_circulated_at": meeting.agenda_circulated_at,
        "length_minutes": overview.length_minutes,
        "booked_minutes": overview.booked_minutes,
        "available_minutes": overview.available_minutes,
        "overbooked": overview.overbooked,
        "overbooking": {
            "allowed": meeting.overbooking_allowed_at is not None,
            "reason": meeting.overbooking_reason,
            "allowed_by": _person(meeting.overbooking_allowed_by),
            "allowed_at": meeting.overbooking_allowed_at,
        },
        "quorum": _quorum(overview.quorum),
        "agenda": [_agenda_entry(entry) for entry in overview.agenda],
        "can_edit": overview.can_edit,
        "calendar_url": reverse("api:meeting-calendar", kwargs={"uuid": meeting.uuid}),
    }


def _detail_response(request, meeting: Meeting, *, code=status.HTTP_200_OK) -> Response:
    meeting = meeting_detail(user=request.user, uuid=meeting.uuid)
    data = MeetingDetailSerializer(meeting_detail_data(meeting, user=request.user)).data
    return Response(data, status=code)


def _conflict(other: Meeting) -> dict:
    return {
        "uuid": other.uuid,
        "board": other.board.name,
        "starts_at": other.starts_at,
        "ends_at": other.ends_at,
    }


def _invitation(invitation: Invitation, conflicts=()) -> dict:
    return {
        "id": invitation.pk,
        "meeting": invitation.meeting.uuid,
        "user": _person(invitation.user),
        "discipline": invitation.discipline,
        "response": invitation.response,
        "responded_at": invitation.responded_at,
        "conflicts": [_conflict(other) for other in conflicts],
    }


def _attendance_sheet(meeting: Meeting) -> dict:
    return {
        "attendance": [
            {
                "user": _person(row.user),
                "discipline": row.discipline,
                "invited": row.invited,
                "mode": row.mode,
            }
            for row in meeting_attendance(meeting)
        ],
        "quorum": _quorum(meeting_quorum(meeting)),
    }


class ICalendarRenderer(BaseRenderer):
    """text/calendar, so calendar clients asking for it are served (errors come out as JSON)."""

    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return JSONRenderer().render(data)


def ics_response(body: bytes, *, filename: str = "") -> HttpResponse:
    response = HttpResponse(body, content_type=calendar.CONTENT_TYPE)
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def meeting_page_link(request, meeting: Meeting) -> str:
    return request.build_absolute_uri(
        reverse("meeting-detail", kwargs={"meeting_uuid": meeting.uuid})
    )


# --- boards -----------------------------------------------------------------------------------


@extend_schema(tags=["boards"])
class BoardListApi(StaffApiMixin, GenericAPIView):
    serializer_class = BoardSerializer

    @extend_schema(
        summary="Boards you are a member of",
        responses={
            200: BoardSerializer(many=True),
            403: OpenApiResponse(description="Not clinical staff."),
        },
    )
    def get(self, request):
        page = self.paginate_queryset(board_list(user=request.user))
        return self.get_paginated_response(BoardSerializer(page, many=True).data)


@extend_schema(tags=["schedules"])
class BoardScheduleListApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="A board's standing schedules",
        responses={200: ScheduleSerializer(many=True), **_errors(403, 404)},
    )
    def get(self, request, uuid):
        board = _board(request, uuid)
        return Response(ScheduleSerializer(board_schedules(board), many=True).data)

    @extend_schema(
        summary="Add a standing schedule, e.g. weekly on Tuesday 07:30 for 60 minutes",
        request=ScheduleCreateSerializer,
        responses={201: ScheduleSerializer, **WRITE_ERRORS},
    )
    def post(self, request, uuid):
        board = _board(request, uuid)
        _require_coordinator(request, board)
        serializer = ScheduleCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        schedule = services.board_schedule_create(
            board=board, by=request.user, **serializer.validated_data
        )
        return Response(ScheduleSerializer(schedule).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["schedules"])
class ScheduleGenerateApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Create the schedule's meetings up to a day (idempotent)",
        request=GenerateSerializer,
        responses={200: MeetingSerializer(many=True), **WRITE_ERRORS},
    )
    def post(self, request, pk):
        try:
            schedule = BoardSchedule.objects.select_related("board").get(
                pk=pk, board__in=boards_visible_to(request.user)
            )
        except BoardSchedule.DoesNotExist:
            raise Http404 from None
        _require_coordinator(request, schedule.board)
        serializer = GenerateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = services.meetings_generate(
            schedule=schedule, until=serializer.validated_data["until"], by=request.user
        )
        return Response(MeetingSerializer(created, many=True).data)


# --- meetings ---------------------------------------------------------------------------------


@extend_schema(tags=["meetings"])
class MeetingListApi(StaffApiMixin, GenericAPIView):
    serializer_class = MeetingSerializer

    @extend_schema(
        summary="Meetings of your boards, by start time",
        parameters=[MeetingFilterSerializer],
        responses={
            200: MeetingSerializer(many=True),
            400: OpenApiResponse(description="Bad filter value."),
            403: OpenApiResponse(description="Not clinical staff."),
        },
    )
    def get(self, request):
        filters = MeetingFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        meetings = meeting_list(user=request.user, upcoming=filters.validated_data["upcoming"])
        page = self.paginate_queryset(meetings)
        return self.get_paginated_response(MeetingSerializer(page, many=True).data)

    @extend_schema(
        summary="Plan a meeting (regular, or ad-hoc urgent with its cases)",
        request=MeetingCreateSerializer,
        responses={201: MeetingDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request):
        serializer = MeetingCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        board = boards_visible_to(request.user).filter(uuid=data["board"]).first()
        if board is None:
            raise ApplicationError(
                "No such board.", fields={"board": ["Choose one of your boards."]}
            )
        _require_coordinator(request, board)
        starts_at = _board_time(data["starts_at"], board)
        ends_at = _board_time(data.get("ends_at"), board)
        common = {
            "board": board,
            "starts_at": starts_at,
            "by": request.user,
            "location": data["location"],
            "video_link": data["video_link"],
        }
        if data["kind"] == Meeting.Kind.REGULAR:
            meeting = services.meeting_create(ends_at=ends_at, kind=data["kind"], **common)
        else:
            cases = list(cases_visible_to(request.user).filter(uuid__in=data["cases"], board=board))
            unknown = sorted({str(u) for u in data["cases"]} - {str(c.uuid) for c in cases})
            if unknown:
                raise ApplicationError(
                    "Some cases are not this board's.",
                    fields={"cases": [f"Not a case of this board: {', '.join(unknown)}."]},
                )
            if ends_at is not None:
                duration = int((ends_at - starts_at).total_seconds() // 60)
            else:
                duration = data.get("duration_minutes") or 30
            meeting = services.meeting_create_urgent(
                duration_minutes=duration, cases=cases, **common
            )
        return _detail_response(request, meeting, code=status.HTTP_201_CREATED)


@extend_schema(tags=["meetings"])
class MeetingDetailApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="A meeting with its agenda (urgency, readiness), booked time and quorum",
        responses={200: MeetingDetailSerializer, **_errors(403, 404)},
    )
    def get(self, request, uuid):
        return _detail_response(request, _meeting(request, uuid))

    @extend_schema(
        summary="Move a planned meeting (new start and/or end)",
        request=MeetingRescheduleSerializer,
        responses={200: MeetingDetailSerializer, **WRITE_ERRORS},
    )
    def patch(self, request, uuid):
        meeting = _meeting(request, uuid)
        _require_coordinator(request, meeting.board)
        serializer = MeetingRescheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        starts_at = _board_time(serializer.validated_data.get("starts_at"), meeting.board)
        ends_at = _board_time(serializer.validated_data.get("ends_at"), meeting.board)
        if ends_at is None:
            ends_at = starts_at + (meeting.ends_at - meeting.starts_at)
        if starts_at is None:
            starts_at = meeting.starts_at
        services.meeting_reschedule(
            meeting=meeting, starts_at=starts_at, ends_at=ends_at, by=request.user
        )
        return _detail_response(request, meeting)


@extend_schema(tags=["meetings"])
class MeetingCancelApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Cancel a planned meeting, with a reason (its cases leave the agenda)",
        request=ReasonSerializer,
        responses={200: MeetingDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request, uuid):
        meeting = _meeting(request, uuid)
        _require_coordinator(request, meeting.board)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.meeting_cancel(
            meeting=meeting, reason=serializer.validated_data["reason"], by=request.user
        )
        return _detail_response(request, meeting)


@extend_schema(tags=["meetings"])
class MeetingCloseApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Close a meeting that has started",
        request=None,
        responses={200: MeetingDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request, uuid):
        meeting = _meeting(request, uuid)
        _require_coordinator(request, meeting.board)
        services.meeting_close(meeting=meeting, by=request.user)
        return _detail_response(request, meeting)


@extend_schema(tags=["meetings"])
class MeetingCirculateApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Circulate the agenda (once); later additions are marked late",
        request=None,
        responses={200: CirculateResultSerializer, **WRITE_ERRORS},
    )
    def post(self, request, uuid):
        meeting = _meeting(request, uuid)
        _require_coordinator(request, meeting.board)
        circulated = services.agenda_circulate(meeting=meeting, by=request.user)
        meeting = meeting_detail(user=request.user, uuid=meeting.uuid)
        data = {
            "circulated_now": circulated,
            "meeting": meeting_detail_data(meeting, user=request.user),
        }
        return Response(CirculateResultSerializer(data).data)


@extend_schema(tags=["meetings"])
class MeetingOverbookingApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Record an override that lets the agenda exceed the meeting's time",
        request=ReasonSerializer,
        responses={200: MeetingDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request, uuid):
        meeting = _meeting(request, uuid)
        _require_coordinator(request, meeting.board)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.meeting_allow_overbooking(
            meeting=meeting, reason=serializer.validated_data["reason"], by=request.user
        )
        return _detail_response(request, meeting)


# --- agenda -----------------------------------------------------------------------------------


@extend_schema(tags=["agenda"])
class AgendaAddApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Put a case on the agenda (urgent cases go first)",
        request=AgendaAddSerializer,
        responses={201: MeetingDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request, uuid):
        meeting = _meeting(request, uuid)
        _require_coordinator(request, meeting.board)
        serializer = AgendaAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = cases_visible_to(request.user).filter(uuid=serializer.validated_data["case"]).first()
        if case is None:
            raise ApplicationError(
                "No such case.", fields={"case": ["Choose a case of this board."]}
            )
        services.agenda_item_add(
            meeting=meeting,
            case=case,
            minutes_allotted=serializer.validated_data.get("minutes_allotted"),
            by=request.user,
        )
        return _detail_response(request, meeting, code=status.HTTP_201_CREATED)


@extend_schema(tags=["agenda"])
class AgendaItemApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Change the minutes given to a case on the agenda",
        request=AgendaMinutesSerializer,
        responses={200: MeetingDetailSerializer, **WRITE_ERRORS},
    )
    def patch(self, request, uuid, case_uuid):
        meeting = _meeting(request, uuid)
        _require_coordinator(request, meeting.board)
        item = _agenda_item(meeting, case_uuid)
        serializer = AgendaMinutesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.agenda_item_set_minutes(
            item=item,
            minutes_allotted=serializer.validated_data["minutes_allotted"],
            by=request.user,
        )
        return _detail_response(request, meeting)

    @extend_schema(
        summary="Take a case off the agenda (the cases below move up)",
        request=None,
        responses={200: MeetingDetailSerializer, **WRITE_ERRORS},
    )
    def delete(self, request, uuid, case_uuid):
        meeting = _meeting(request, uuid)
        _require_coordinator(request, meeting.board)
        services.agenda_item_remove(item=_agenda_item(meeting, case_uuid), by=request.user)
        return _detail_response(request, meeting)


@extend_schema(tags=["agenda"])
class AgendaOrderApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Put the agenda in a new order (every case now on it, each once)",
        request=AgendaOrderSerializer,
        responses={200: MeetingDetailSerializer, **WRITE_ERRORS},
    )
    def put(self, request, uuid):
        meeting = _meeting(request, uuid)
        _require_coordinator(request, meeting.board)
        serializer = AgendaOrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.agenda_reorder(
            meeting=meeting, order=serializer.validated_data["order"], by=request.user
        )
        return _detail_response(request, meeting)


@extend_schema(tags=["agenda"])
class CaseDeferApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Defer a case to the board's next meeting, with a reason (the people "
        "responsible are told)",
        request=ReasonSerializer,
        responses={200: DeferralSerializer, **WRITE_ERRORS},
    )
    def post(self, request, uuid):
        case = _case(request, uuid)
        _require_coordinator(request, case.board)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        deferral = services.case_defer(
            case=case, reason=serializer.validated_data["reason"], by=request.user
        )
        data = {
            "case": deferral.case.uuid,
            "status": deferral.case.status,
            "from_meeting": deferral.from_meeting.uuid if deferral.from_meeting else None,
            "to_meeting": deferral.to_meeting.uuid if deferral.to_meeting else None,
            "not_placed": deferral.not_placed,
        }
        return Response(DeferralSerializer(data).data)


# --- invitations and attendance ---------------------------------------------------------------


@extend_schema(tags=["invitations"])
class MeetingInvitationsApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Who is invited, their answers and overlapping meetings",
        responses={200: InvitationSerializer(many=True), **_errors(403, 404)},
    )
    def get(self, request, uuid):
        meeting = _meeting(request, uuid)
        rows = [_invitation(row.invitation, row.conflicts) for row in meeting_invitations(meeting)]
        return Response(InvitationSerializer(rows, many=True).data)

    @extend_schema(
        summary="Invite the board's members by discipline (warns about overlapping meetings)",
        request=InviteSerializer,
        responses={200: InviteResultSerializer, **WRITE_ERRORS},
    )
    def post(self, request, uuid):
        meeting = _meeting(request, uuid)
        _require_coordinator(request, meeting.board)
        serializer = InviteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.invite_members(
            meeting=meeting,
            disciplines=serializer.validated_data.get("disciplines"),
            by=request.user,
        )
        data = {
            "invited": [_invitation(invitation) for invitation in result.invited],
            "warnings": [
                {
                    "user": _person(warning.user),
                    "other_meeting": _conflict(warning.other),
                    "message": warning.message,
                }
                for warning in result.warnings
            ],
        }
        return Response(InviteResultSerializer(data).data)


@extend_schema(tags=["invitations"])
class MyInvitationsApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Your invitations to meetings still to come",
        responses={200: InvitationSerializer(many=True), **_errors(403)},
    )
    def get(self, request):
        rows = [_invitation(invitation) for invitation in my_invitations(user=request.user)]
        return Response(InvitationSerializer(rows, many=True).data)


@extend_schema(tags=["invitations"])
class InvitationRespondApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Accept or decline your invitation",
        request=RespondSerializer,
        responses={
            200: InvitationSerializer,
            **_errors(400, 404),
            403: OpenApiResponse(description="Not clinical staff, or not your invitation."),
            415: WRITE_ERRORS[415],
        },
    )
    def post(self, request, pk):
        try:
            invitation = invitations_visible_to(request.user).get(pk=pk)
        except Invitation.DoesNotExist:
            raise Http404 from None
        serializer = RespondSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = services.invitation_respond(
            invitation=invitation,
            response=serializer.validated_data["response"],
            by=request.user,
        )
        return Response(InvitationSerializer(_invitation(invitation)).data)


@extend_schema(tags=["attendance"])
class MeetingAttendanceApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Attendance recorded so far, and whether quorum is met",
        responses={200: AttendanceSheetSerializer, **_errors(403, 404)},
    )
    def get(self, request, uuid):
        meeting = _meeting(request, uuid)
        return Response(AttendanceSheetSerializer(_attendance_sheet(meeting)).data)

    @extend_schema(
        summary="Record how one person attended (in person, remote, absent)",
        request=AttendanceRecordSerializer,
        responses={200: AttendanceSheetSerializer, **WRITE_ERRORS},
    )
    def put(self, request, uuid):
        meeting = _meeting(request, uuid)
        _require_coordinator(request, meeting.board)
        serializer = AttendanceRecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        person = get_user_model().objects.filter(pk=serializer.validated_data["user"]).first()
        if person is None:
            raise ApplicationError("No such person.", fields={"user": ["No such person."]})
        services.attendance_record(
            meeting=meeting, user=person, mode=serializer.validated_data["mode"], by=request.user
        )
        return Response(AttendanceSheetSerializer(_attendance_sheet(meeting)).data)


# --- readiness board --------------------------------------------------------------------------


@extend_schema(tags=["readiness"])
class ReadinessBoardApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Cases by state (referred → ready → scheduled → discussed → follow-up, "
        "deferred) with what each still lacks",
        parameters=[ReadinessFilterSerializer],
        responses={200: ReadinessColumnSerializer(many=True), **_errors(400, 403)},
    )
    def get(self, request):
        filters = ReadinessFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        board = None
        if filters.validated_data.get("board"):
            board = (
                boards_visible_to(request.user).filter(uuid=filters.validated_data["board"]).first()
            )
            if board is None:
                raise ApplicationError(
                    "No such board.", fields={"board": ["Choose one of your boards."]}
                )
        columns = readiness_board(user=request.user, board=board)
        data = [
            {
                "state": column.state,
                "label": column.label,
                "cases": [
                    {
                        "uuid": card.case.uuid,
                        "label": str(card.case),
                        "patient_name": card.case.patient.full_name,
                        "board": card.case.board,
                        "status": card.case.status,
                        "urgency": card.case.urgency,
                        "urgent": card.urgent,
                        "flags": [dataclasses.asdict(flag) for flag in card.flags],
                        "readiness": _readiness(card.readiness),
                        "meeting": {"uuid": card.meeting.uuid, "starts_at": card.meeting.starts_at}
                        if card.meeting
                        else None,
                    }
                    for card in column.cards
                ],
            }
            for column in columns
        ]
        return Response(ReadinessColumnSerializer(data, many=True).data)


# --- calendars --------------------------------------------------------------------------------


@extend_schema(tags=["calendar"])
class MeetingCalendarApi(StaffApiMixin, APIView):
    renderer_classes = [ICalendarRenderer, JSONRenderer]

    @extend_schema(
        summary="The meeting as an iCalendar (.ics) file, in the board's time zone",
        responses={
            (200, "text/calendar"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="An RFC 5545 VCALENDAR."
            ),
            **_errors(403, 404),
        },
    )
    def get(self, request, uuid):
        try:
            meeting = meeting_for_calendar(user=request.user, uuid=uuid)
        except Meeting.DoesNotExist:
            raise Http404 from None
        body = calendar.build_calendar([meeting], link_for=lambda m: meeting_page_link(request, m))
        return ics_response(body, filename=calendar.ics_filename(meeting))


def feed_data(request, feed) -> dict:
    url = request.build_absolute_uri(reverse("calendar-feed", kwargs={"token": feed.token}))
    return {"url": url, "created_at": feed.created_at}


@extend_schema(tags=["calendar"])
class MyCalendarFeedApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Your calendar subscription URL (made on first use)",
        responses={200: CalendarFeedSerializer, **_errors(403)},
    )
    def get(self, request):
        feed = services.calendar_feed_token(user=request.user)
        return Response(CalendarFeedSerializer(feed_data(request, feed)).data)

    @extend_schema(
        summary="A new subscription URL; the old one stops working",
        request=None,
        responses={200: CalendarFeedSerializer, **_errors(403)},
    )
    def post(self, request):
        feed = services.calendar_feed_rotate(user=request.user)
        return Response(CalendarFeedSerializer(feed_data(request, feed)).data)


# Decision-support settings of a board ----------------------------------------------------------


class SbrtRegimenSerializer(serializers.Serializer):
    total_dose_gy = serializers.FloatField(help_text="Total dose in Gy, above 0.")
    fractions = serializers.IntegerField(min_value=1, max_value=10)


class SbrtRegimenInForceSerializer(SbrtRegimenSerializer):
    label = serializers.CharField(help_text='As shown to people, e.g. "24 Gy/2", "24 Gy x 1".')


@extend_schema_field(SbrtRegimenSerializer(many=True))
class SbrtRegimenListField(serializers.JSONField):
    """Checked by the service, so the API and the settings page give the same messages."""


class BoardSettingsSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    name = serializers.CharField()
    escc_1c_high_grade = serializers.BooleanField(
        help_text="Group Bilsky grade 1c with high-grade compression (default: low grade)."
    )
    intermediate_histology = serializers.ChoiceField(
        choices=Board.IntermediateHistology.choices,
        help_text="How NOMS treats histologies of intermediate radiosensitivity.",
    )
    sbrt_regimens = SbrtRegimenSerializer(
        many=True, help_text="The board's own SBRT list; empty means the project list."
    )
    sbrt_regimens_in_force = SbrtRegimenInForceSerializer(
        many=True, help_text="The list NOMS suggestions show: the board's, else the project's."
    )
    sbrt_regimens_source = serializers.ChoiceField(choices=["board", "project"])
    sbrt_regimens_problems = serializers.ListField(
        child=serializers.CharField(),
        help_text="Why the stored board list cannot be used (normally empty).",
    )
    can_change = serializers.BooleanField(
        help_text="Whether you may change these settings (the board's coordinators and chair)."
    )


class BoardSettingsUpdateSerializer(StrictInputMixin, serializers.Serializer):
    escc_1c_high_grade = serializers.BooleanField(required=False)
    intermediate_histology = serializers.ChoiceField(
        choices=Board.IntermediateHistology.choices, required=False
    )
    sbrt_regimens = SbrtRegimenListField(
        required=False,
        help_text="Total dose above 0 Gy and 1-10 fractions each, no duplicates; "
        "[] restores the project list.",
    )


def _board_settings_data(board: Board, user) -> dict:
    in_force = board_sbrt_regimens(board)
    return {
        "uuid": board.uuid,
        "name": board.name,
        "escc_1c_high_grade": board.escc_1c_high_grade,
        "intermediate_histology": board.intermediate_histology,
        "sbrt_regimens": board.sbrt_regimens if in_force.from_board else [],
        "sbrt_regimens_in_force": [dataclasses.asdict(r) for r in in_force.regimens],
        "sbrt_regimens_source": "board" if in_force.from_board else "project",
        "sbrt_regimens_problems": list(in_force.problems),
        "can_change": can_coordinate(user, board),
    }


@extend_schema(tags=["boards"])
class BoardSettingsApi(StaffApiMixin, APIView):
    def _board(self, request, uuid) -> Board:
        try:
            return boards_visible_to(request.user).get(uuid=uuid)
        except Board.DoesNotExist:
            raise Http404 from None

    @extend_schema(
        summary="A board's decision-support settings",
        responses={200: BoardSettingsSerializer, **_errors(403, 404)},
    )
    def get(self, request, uuid):
        board = self._board(request, uuid)
        return Response(BoardSettingsSerializer(_board_settings_data(board, request.user)).data)

    @extend_schema(
        summary="Change a board's decision-support settings (coordinators and chair)",
        request=BoardSettingsUpdateSerializer,
        responses={
            200: BoardSettingsSerializer,
            **_errors(400, 404),
            403: OpenApiResponse(
                description="Not clinical staff, or not a coordinator or chair of this board."
            ),
        },
    )
    def patch(self, request, uuid):
        board = self._board(request, uuid)
        if not can_coordinate(request.user, board):
            raise exceptions.PermissionDenied(NOT_ALLOWED)
        serializer = BoardSettingsUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        board = board_settings_update(board=board, by=request.user, **serializer.validated_data)
        return Response(BoardSettingsSerializer(_board_settings_data(board, request.user)).data)

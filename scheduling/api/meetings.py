"""Planning, reading, moving, cancelling and closing meetings."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.views import APIView

from cases.selectors import cases_visible_to
from tumorboard.api import StaffApiMixin, StrictInputMixin, error_responses
from tumorboard.errors import ApplicationError

from .. import services
from ..access import boards_visible_to
from ..models import Meeting
from ..rules import CarryOver
from ..selectors import meeting_list
from ..serializers import (
    MeetingDetailSerializer,
    MeetingFilterSerializer,
    MeetingSerializer,
    meeting_kind_field,
)
from .common import (
    WRITE_ERRORS,
    BoardLocalDateTimeField,
    ReasonSerializer,
    board_time,
    detail_response,
    meeting_or_404,
    require_coordinator,
)

_errors = error_responses()


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
        require_coordinator(request, board)
        starts_at = board_time(data["starts_at"], board)
        ends_at = board_time(data.get("ends_at"), board)
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
        return detail_response(request, meeting, code=status.HTTP_201_CREATED)


@extend_schema(tags=["meetings"])
class MeetingDetailApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="A meeting with its agenda (urgency, readiness), booked time and quorum",
        responses={200: MeetingDetailSerializer, **_errors(403, 404)},
    )
    def get(self, request, uuid):
        return detail_response(request, meeting_or_404(request, uuid), read=True)

    @extend_schema(
        summary="Move a planned meeting (new start and/or end)",
        request=MeetingRescheduleSerializer,
        responses={200: MeetingDetailSerializer, **WRITE_ERRORS},
    )
    def patch(self, request, uuid):
        meeting = meeting_or_404(request, uuid)
        require_coordinator(request, meeting.board)
        serializer = MeetingRescheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        starts_at = board_time(serializer.validated_data.get("starts_at"), meeting.board)
        ends_at = board_time(serializer.validated_data.get("ends_at"), meeting.board)
        if ends_at is None:
            ends_at = starts_at + (meeting.ends_at - meeting.starts_at)
        if starts_at is None:
            starts_at = meeting.starts_at
        services.meeting_reschedule(
            meeting=meeting, starts_at=starts_at, ends_at=ends_at, by=request.user
        )
        return detail_response(request, meeting)


@extend_schema(tags=["meetings"])
class MeetingCancelApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Cancel a planned meeting, with a reason (its cases leave the agenda)",
        request=ReasonSerializer,
        responses={200: MeetingDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request, uuid):
        meeting = meeting_or_404(request, uuid)
        require_coordinator(request, meeting.board)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.meeting_cancel(
            meeting=meeting, reason=serializer.validated_data["reason"], by=request.user
        )
        return detail_response(request, meeting)


class MeetingCloseSerializer(StrictInputMixin, serializers.Serializer):
    carry_over = serializers.DictField(
        # The service checks each value, so every problem comes back as one list of messages.
        child=serializers.CharField(),
        required=False,
        default=dict,
        help_text="For each case on the agenda the meeting did not discuss (still referred, "
        "ready or scheduled), by case UUID: "
        f"{CarryOver.NEXT_MEETING} (onto the agenda of the board's next "
        "planned meeting) or "
        f"{CarryOver.READY} (off the agenda, back to ready). A 400 lists every such case "
        "without a choice.",
    )


@extend_schema(tags=["meetings"])
class MeetingStartApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Start a planned meeting (from an hour before its start): it is in progress",
        request=None,
        responses={200: MeetingDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request, uuid):
        meeting = meeting_or_404(request, uuid)
        require_coordinator(request, meeting.board)
        services.meeting_start(meeting=meeting, by=request.user)
        return detail_response(request, meeting)


@extend_schema(tags=["meetings"])
class MeetingCloseApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Close a meeting that has started; each case it did not discuss goes to the "
        "next meeting or back to ready, and the person responsible is told",
        request=MeetingCloseSerializer,
        responses={200: MeetingDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request, uuid):
        meeting = meeting_or_404(request, uuid)
        require_coordinator(request, meeting.board)
        serializer = MeetingCloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.meeting_close(
            meeting=meeting,
            by=request.user,
            carry_over=serializer.validated_data["carry_over"],
        )
        return detail_response(request, meeting)

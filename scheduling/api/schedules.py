"""A board's standing schedules and the meetings they generate."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from tumorboard.api import StaffApiMixin, StrictInputMixin, error_responses

from .. import recurrence as rec
from .. import services
from ..access import boards_visible_to
from ..models import BoardSchedule
from ..selectors import board_schedules
from ..serializers import MeetingSerializer, ScheduleSerializer
from .common import WRITE_ERRORS, board_or_404, require_coordinator

_errors = error_responses()


class ScheduleCreateSerializer(StrictInputMixin, serializers.Serializer):
    """A standing schedule as people say it; the RRULE is built from it, never sent."""

    frequency = serializers.ChoiceField(
        choices=rec.FREQUENCY_CHOICES,
        help_text="weekly, fortnightly (every 2 weeks) or monthly (on `week_of_month`).",
    )
    weekday = serializers.IntegerField(
        min_value=0, max_value=6, help_text="0 (Monday) to 6 (Sunday), e.g. 3 for Thursday."
    )
    week_of_month = serializers.ChoiceField(
        choices=rec.WEEK_OF_MONTH_CHOICES,
        required=False,
        allow_null=True,
        default=None,
        help_text="Monthly only: 1-4, or -1 for the last (e.g. the first Thursday: 1).",
    )
    local_start_time = serializers.TimeField(help_text="On the clock of `time_zone`, e.g. 07:30.")
    time_zone = serializers.CharField(
        max_length=64, help_text="An IANA time zone (Area/Location or UTC), e.g. Europe/London."
    )
    duration_minutes = serializers.IntegerField(help_text="5 to 480.")
    starts_on = serializers.DateField(help_text="The first day the schedule applies.")
    location = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    video_link = serializers.URLField(allow_blank=True, required=False, default="")

    def validate(self, attrs):
        if attrs.get("frequency") == rec.MONTHLY and attrs.get("week_of_month") is None:
            raise serializers.ValidationError(
                {"week_of_month": ["Choose the first, second, third, fourth or last week."]}
            )
        return attrs


class ScheduleUpdateSerializer(ScheduleCreateSerializer):
    """Any part of a schedule (sent with partial=True); the others keep their values."""

    active = serializers.BooleanField(
        required=False, help_text="false: the schedule generates no more meetings."
    )

    def validate(self, attrs):
        return attrs  # the monthly week is checked once merged with the schedule's values


def _schedule_values(schedule: BoardSchedule) -> dict:
    """The schedule's current parts, as `board_schedule_update` takes them."""
    pattern = rec.pattern_of(schedule.recurrence)
    return {
        "frequency": pattern.frequency if pattern else None,
        "weekday": pattern.weekday if pattern else None,
        "week_of_month": pattern.week_of_month if pattern else None,
        "local_start_time": schedule.local_start_time,
        "time_zone": schedule.time_zone,
        "duration_minutes": schedule.duration_minutes,
        "starts_on": schedule.starts_on,
        "location": schedule.location,
        "video_link": schedule.video_link,
        "active": schedule.active,
    }


def _schedule_or_404(request, pk) -> BoardSchedule:
    try:
        return BoardSchedule.objects.select_related("board").get(
            pk=pk, board__in=boards_visible_to(request.user)
        )
    except BoardSchedule.DoesNotExist:
        raise Http404 from None


class GenerateSerializer(StrictInputMixin, serializers.Serializer):
    until = serializers.DateField(help_text="Last day (board's zone), at most a year ahead.")


@extend_schema(tags=["schedules"])
class BoardScheduleListApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="A board's standing schedules",
        responses={200: ScheduleSerializer(many=True), **_errors(403, 404)},
    )
    def get(self, request, uuid):
        board = board_or_404(request, uuid)
        return Response(ScheduleSerializer(board_schedules(board), many=True).data)

    @extend_schema(
        summary='Add a standing schedule, e.g. "Every Thursday at 07:30, Europe/London"',
        description="Built from weekday, time, frequency and time zone; the RRULE is made by "
        "the server. The board's coordinators and chair only.",
        request=ScheduleCreateSerializer,
        responses={201: ScheduleSerializer, **WRITE_ERRORS},
    )
    def post(self, request, uuid):
        board = board_or_404(request, uuid)
        require_coordinator(request, board)
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
        schedule = _schedule_or_404(request, pk)
        require_coordinator(request, schedule.board)
        serializer = GenerateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = services.meetings_generate(
            schedule=schedule, until=serializer.validated_data["until"], by=request.user
        )
        return Response(MeetingSerializer(created, many=True).data)


@extend_schema(tags=["schedules"])
class ScheduleDetailApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="A standing schedule",
        responses={200: ScheduleSerializer, **_errors(403, 404)},
    )
    def get(self, request, pk):
        return Response(ScheduleSerializer(_schedule_or_404(request, pk)).data)

    @extend_schema(
        summary="Change a standing schedule, or stop it (active: false)",
        description="Send only the parts that change. Meetings it already generated keep their "
        "time. The board's coordinators and chair only.",
        request=ScheduleUpdateSerializer,
        responses={200: ScheduleSerializer, **WRITE_ERRORS},
    )
    def patch(self, request, pk):
        schedule = _schedule_or_404(request, pk)
        require_coordinator(request, schedule.board)
        serializer = ScheduleUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        values = _schedule_values(schedule) | serializer.validated_data
        schedule = services.board_schedule_update(schedule=schedule, by=request.user, **values)
        return Response(ScheduleSerializer(schedule).data)

    @extend_schema(
        summary="Remove a standing schedule (the meetings it generated stay)",
        request=None,
        responses={204: None, **WRITE_ERRORS},
    )
    def delete(self, request, pk):
        schedule = _schedule_or_404(request, pk)
        require_coordinator(request, schedule.board)
        services.board_schedule_delete(schedule=schedule, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

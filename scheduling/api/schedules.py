"""A board's standing schedules and the meetings they generate."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from tumorboard.api import StaffApiMixin, StrictInputMixin, error_responses

from .. import services
from ..access import boards_visible_to
from ..models import BoardSchedule
from ..selectors import board_schedules
from ..serializers import MeetingSerializer, ScheduleSerializer
from .common import WRITE_ERRORS, board_or_404, require_coordinator

_errors = error_responses()


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
        summary="Add a standing schedule, e.g. weekly on Tuesday 07:30 for 60 minutes",
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
        try:
            schedule = BoardSchedule.objects.select_related("board").get(
                pk=pk, board__in=boards_visible_to(request.user)
            )
        except BoardSchedule.DoesNotExist:
            raise Http404 from None
        require_coordinator(request, schedule.board)
        serializer = GenerateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = services.meetings_generate(
            schedule=schedule, until=serializer.validated_data["until"], by=request.user
        )
        return Response(MeetingSerializer(created, many=True).data)

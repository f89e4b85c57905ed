"""Who attended a meeting, and whether quorum is met."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tumorboard.api import StaffApiMixin, StrictInputMixin, error_responses
from tumorboard.errors import ApplicationError

from .. import services
from ..models import Meeting
from ..rules import meeting_quorum
from ..selectors import meeting_attendance
from ..serializers import AttendanceSheetSerializer, attendance_mode_field
from .common import WRITE_ERRORS, meeting_or_404, person_data, quorum_data, require_coordinator

_errors = error_responses()


class AttendanceRecordSerializer(StrictInputMixin, serializers.Serializer):
    user = serializers.IntegerField(help_text="The person's id (as in the attendance list).")
    mode = attendance_mode_field()


def _attendance_sheet(meeting: Meeting) -> dict:
    return {
        "attendance": [
            {
                "user": person_data(row.user),
                "discipline": row.discipline,
                "invited": row.invited,
                "mode": row.mode,
            }
            for row in meeting_attendance(meeting)
        ],
        "quorum": quorum_data(meeting_quorum(meeting)),
    }


@extend_schema(tags=["attendance"])
class MeetingAttendanceApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Attendance recorded so far, and whether quorum is met",
        responses={200: AttendanceSheetSerializer, **_errors(403, 404)},
    )
    def get(self, request, uuid):
        meeting = meeting_or_404(request, uuid)
        return Response(AttendanceSheetSerializer(_attendance_sheet(meeting)).data)

    @extend_schema(
        summary="Record how one person attended (in person, remote, absent)",
        request=AttendanceRecordSerializer,
        responses={200: AttendanceSheetSerializer, **WRITE_ERRORS},
    )
    def put(self, request, uuid):
        meeting = meeting_or_404(request, uuid)
        require_coordinator(request, meeting.board)
        serializer = AttendanceRecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        person = get_user_model().objects.filter(pk=serializer.validated_data["user"]).first()
        if person is None:
            raise ApplicationError("No such person.", fields={"user": ["No such person."]})
        services.attendance_record(
            meeting=meeting, user=person, mode=serializer.validated_data["mode"], by=request.user
        )
        return Response(AttendanceSheetSerializer(_attendance_sheet(meeting)).data)

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


class AttendancePersonSerializer(StrictInputMixin, serializers.Serializer):
    user = serializers.IntegerField(help_text="The person's id (as in the attendance list).")
    mode = attendance_mode_field()


class AttendanceTakeSerializer(StrictInputMixin, serializers.Serializer):
    mark_invited_present = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Record everyone expected (invitees who accepted or have not answered; every "
        "member when nobody is invited) and not recorded yet as present in person.",
    )
    people = AttendancePersonSerializer(
        many=True,
        required=False,
        default=list,
        help_text="Per-person corrections, applied after marking (one entry per person).",
    )

    def validate_people(self, people):
        ids = [entry["user"] for entry in people]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise serializers.ValidationError(f"Each person once: {', '.join(map(str, twice))}.")
        return people

    def validate(self, data):
        if not data["mark_invited_present"] and not data["people"]:
            raise serializers.ValidationError(
                {"people": ["Mark the invited members present, or give people to record."]}
            )
        return data


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

    @extend_schema(
        summary="Take everyone's attendance in one step: mark the invited members present, "
        "with per-person corrections (all or nothing)",
        request=AttendanceTakeSerializer,
        responses={200: AttendanceSheetSerializer, **WRITE_ERRORS},
    )
    def post(self, request, uuid):
        meeting = meeting_or_404(request, uuid)
        require_coordinator(request, meeting.board)
        serializer = AttendanceTakeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.attendance_take(
            meeting=meeting,
            by=request.user,
            mark_expected_present=data["mark_invited_present"],
            modes={entry["user"]: entry["mode"] for entry in data["people"]},
        )
        return Response(AttendanceSheetSerializer(_attendance_sheet(meeting)).data)

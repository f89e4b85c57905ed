"""A meeting's agenda: adding, timing, removing and ordering cases; the overbooking override;
circulating it."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.selectors import cases_visible_to
from tumorboard.api import StaffApiMixin, StrictInputMixin
from tumorboard.errors import ApplicationError

from .. import services
from ..selectors import meeting_for_user
from ..serializers import CirculateResultSerializer, MeetingDetailSerializer
from .common import (
    WRITE_ERRORS,
    ReasonSerializer,
    agenda_item_or_404,
    detail_response,
    meeting_detail_data,
    meeting_or_404,
    require_coordinator,
)


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


@extend_schema(tags=["agenda"])
class AgendaAddApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Put a case on the agenda (urgent cases go first)",
        request=AgendaAddSerializer,
        responses={201: MeetingDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request, uuid):
        meeting = meeting_or_404(request, uuid)
        require_coordinator(request, meeting.board)
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
        return detail_response(request, meeting, code=status.HTTP_201_CREATED)


@extend_schema(tags=["agenda"])
class AgendaItemApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Change the minutes given to a case on the agenda",
        request=AgendaMinutesSerializer,
        responses={200: MeetingDetailSerializer, **WRITE_ERRORS},
    )
    def patch(self, request, uuid, case_uuid):
        meeting = meeting_or_404(request, uuid)
        require_coordinator(request, meeting.board)
        item = agenda_item_or_404(meeting, case_uuid)
        serializer = AgendaMinutesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.agenda_item_set_minutes(
            item=item,
            minutes_allotted=serializer.validated_data["minutes_allotted"],
            by=request.user,
        )
        return detail_response(request, meeting)

    @extend_schema(
        summary="Take a case off the agenda (the cases below move up)",
        request=None,
        responses={200: MeetingDetailSerializer, **WRITE_ERRORS},
    )
    def delete(self, request, uuid, case_uuid):
        meeting = meeting_or_404(request, uuid)
        require_coordinator(request, meeting.board)
        services.agenda_item_remove(item=agenda_item_or_404(meeting, case_uuid), by=request.user)
        return detail_response(request, meeting)


@extend_schema(tags=["agenda"])
class AgendaOrderApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Put the agenda in a new order (every case now on it, each once)",
        request=AgendaOrderSerializer,
        responses={200: MeetingDetailSerializer, **WRITE_ERRORS},
    )
    def put(self, request, uuid):
        meeting = meeting_or_404(request, uuid)
        require_coordinator(request, meeting.board)
        serializer = AgendaOrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.agenda_reorder(
            meeting=meeting, order=serializer.validated_data["order"], by=request.user
        )
        return detail_response(request, meeting)


@extend_schema(tags=["meetings"])
class MeetingCirculateApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Circulate the agenda (once); later additions are marked late",
        request=None,
        responses={200: CirculateResultSerializer, **WRITE_ERRORS},
    )
    def post(self, request, uuid):
        meeting = meeting_or_404(request, uuid)
        require_coordinator(request, meeting.board)
        circulated = services.agenda_circulate(meeting=meeting, by=request.user)
        meeting = meeting_for_user(user=request.user, uuid=meeting.uuid)
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
        meeting = meeting_or_404(request, uuid)
        require_coordinator(request, meeting.board)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.meeting_allow_overbooking(
            meeting=meeting, reason=serializer.validated_data["reason"], by=request.user
        )
        return detail_response(request, meeting)

"""Invitations to a meeting: inviting members, the user's invitations, answering one."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tumorboard.api import StaffApiMixin, StrictInputMixin, error_responses
from tumorboard.openapi import NamedChoiceField

from .. import services
from ..models import Invitation
from ..selectors import invitations_visible_to, meeting_invitations, my_invitations
from ..serializers import (
    INVITATION_ANSWERS,
    InvitationSerializer,
    InviteResultSerializer,
    board_discipline_field,
)
from .common import (
    WRITE_ERRORS,
    conflict_data,
    invitation_data,
    meeting_or_404,
    person_data,
    require_coordinator,
)

_errors = error_responses()


class InviteSerializer(StrictInputMixin, serializers.Serializer):
    disciplines = serializers.ListField(
        child=board_discipline_field(),
        required=False,
        allow_empty=False,
        help_text="Invite the members of these disciplines; omitted: every member of the board.",
    )


class RespondSerializer(StrictInputMixin, serializers.Serializer):
    response = NamedChoiceField(choices=INVITATION_ANSWERS, component="InvitationAnswerEnum")


@extend_schema(tags=["invitations"])
class MeetingInvitationsApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Who is invited, their answers and overlapping meetings",
        responses={200: InvitationSerializer(many=True), **_errors(403, 404)},
    )
    def get(self, request, uuid):
        meeting = meeting_or_404(request, uuid)
        rows = [
            invitation_data(row.invitation, row.conflicts) for row in meeting_invitations(meeting)
        ]
        return Response(InvitationSerializer(rows, many=True).data)

    @extend_schema(
        summary="Invite the board's members by discipline (warns about overlapping meetings)",
        request=InviteSerializer,
        responses={200: InviteResultSerializer, **WRITE_ERRORS},
    )
    def post(self, request, uuid):
        meeting = meeting_or_404(request, uuid)
        require_coordinator(request, meeting.board)
        serializer = InviteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.invite_members(
            meeting=meeting,
            disciplines=serializer.validated_data.get("disciplines"),
            by=request.user,
        )
        data = {
            "invited": [invitation_data(invitation) for invitation in result.invited],
            "warnings": [
                {
                    "user": person_data(warning.user),
                    "other_meeting": conflict_data(warning.other),
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
        rows = [invitation_data(invitation) for invitation in my_invitations(user=request.user)]
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
        return Response(InvitationSerializer(invitation_data(invitation)).data)

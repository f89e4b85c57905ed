"""The user's boards, and a board's decision-support settings."""

from __future__ import annotations

import dataclasses

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.assessment import board_sbrt_regimens
from tumorboard.api import StaffApiMixin, StrictInputMixin, error_responses

from ..access import can_coordinate
from ..models import Board
from ..selectors import board_list
from ..serializers import BoardSerializer
from ..services.board_settings import NOT_ALLOWED, board_settings_update
from .common import board_or_404

_errors = error_responses()


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
    care_team_phone = serializers.CharField(help_text="The care team's number, for patients.")
    out_of_hours_phone = serializers.CharField(help_text="The out-of-hours number, for patients.")
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
    care_team_phone = serializers.CharField(
        required=False, allow_blank=True, max_length=40, help_text="Needed to release summaries."
    )
    out_of_hours_phone = serializers.CharField(
        required=False, allow_blank=True, max_length=40, help_text="Needed to release summaries."
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
        "care_team_phone": board.care_team_phone,
        "out_of_hours_phone": board.out_of_hours_phone,
        "can_change": can_coordinate(user, board),
    }


@extend_schema(tags=["boards"])
class BoardSettingsApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="A board's decision-support settings",
        responses={200: BoardSettingsSerializer, **_errors(403, 404)},
    )
    def get(self, request, uuid):
        board = board_or_404(request, uuid)
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
        board = board_or_404(request, uuid)
        if not can_coordinate(request.user, board):
            raise exceptions.PermissionDenied(NOT_ALLOWED)
        serializer = BoardSettingsUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        board = board_settings_update(board=board, by=request.user, **serializer.validated_data)
        return Response(BoardSettingsSerializer(_board_settings_data(board, request.user)).data)

"""The user's boards, a board's decision-support settings, and the picker of its cases that can go
on an agenda."""

from __future__ import annotations

import dataclasses

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import reads
from cases.assessment import board_sbrt_regimens, board_systemic_thresholds
from tumorboard.api import StaffApiMixin, StrictInputMixin, error_responses
from tumorboard.errors import ApplicationError

from ..access import can_coordinate
from ..forms import case_label
from ..models import Board
from ..selectors import (
    PICKER_LIMIT,
    PICKER_MAX_LIMIT,
    board_list,
    case_picks,
    meeting_case_candidates,
    meetings_visible_to,
)
from ..serializers import BoardSerializer, CasePicksSerializer
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


_TOO_ILL_HELP = {
    "kps": "NOMS 'too ill for any local treatment' when Karnofsky is at or below this "
    "(0-100 in steps of 10; unconfirmed; project default 40).",
    "ecog": "... or when ECOG is at or above this (0-5; unconfirmed; project default 3).",
    "survival": "... or when expected survival is under this many months "
    "(1-120; unconfirmed; project default 3).",
}


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
    too_ill_kps_at_most = serializers.IntegerField(help_text=_TOO_ILL_HELP["kps"])
    too_ill_ecog_at_least = serializers.IntegerField(help_text=_TOO_ILL_HELP["ecog"])
    too_ill_survival_under_months = serializers.IntegerField(help_text=_TOO_ILL_HELP["survival"])
    too_ill_source = serializers.ChoiceField(
        choices=["board", "project"],
        help_text="Whether the too-ill thresholds are the board's own or the project defaults.",
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
    too_ill_kps_at_most = serializers.IntegerField(
        required=False, min_value=0, max_value=100, help_text=_TOO_ILL_HELP["kps"]
    )
    too_ill_ecog_at_least = serializers.IntegerField(
        required=False, min_value=0, max_value=5, help_text=_TOO_ILL_HELP["ecog"]
    )
    too_ill_survival_under_months = serializers.IntegerField(
        required=False, min_value=1, max_value=120, help_text=_TOO_ILL_HELP["survival"]
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
        "too_ill_kps_at_most": board.too_ill_kps_at_most,
        "too_ill_ecog_at_least": board.too_ill_ecog_at_least,
        "too_ill_survival_under_months": board.too_ill_survival_under_months,
        "too_ill_source": "board" if board_systemic_thresholds(board).from_board else "project",
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


class CasePickRequestSerializer(StrictInputMixin, serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        default="",
        help_text="An MRN (exact, any case) or the start of a family or given name; "
        "empty: the most urgent cases.",
    )
    meeting = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="A meeting of this board: leave out the cases on its agenda.",
    )
    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        default=PICKER_LIMIT,
        help_text=f"At most this many cases (values above {PICKER_MAX_LIMIT} count as "
        f"{PICKER_MAX_LIMIT}).",
    )


@extend_schema(tags=["boards"])
class SchedulableCasesApi(StaffApiMixin, APIView):
    """A POST, so a typed MRN or name never appears in a URL or an access log."""

    @extend_schema(
        summary="Search the board's cases that can go on an agenda (a case picker)",
        description="Cases of the board that are not closed, withdrawn or plan-signed and not "
        "on the open agenda of a meeting to come; matching the MRN exactly (any case) or the "
        "start of the patient's family or given name; most urgent first, then the oldest; at "
        f"most `limit` ({PICKER_LIMIT} by default, {PICKER_MAX_LIMIT} at most).",
        request=CasePickRequestSerializer,
        responses={200: CasePicksSerializer, **_errors(400, 403, 404)},
    )
    def post(self, request, uuid):
        board = board_or_404(request, uuid)
        serializer = CasePickRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        meeting = None
        if data.get("meeting"):
            meeting = (
                meetings_visible_to(request.user).filter(uuid=data["meeting"], board=board).first()
            )
            if meeting is None:
                raise ApplicationError(
                    "No such meeting.", fields={"meeting": ["Choose a meeting of this board."]}
                )
        picks = case_picks(
            meeting_case_candidates(board, meeting), q=data["q"], limit=data["limit"]
        )
        results = [
            {
                "uuid": case.uuid,
                "label": case_label(case),
                "patient_name": case.patient.full_name,
                "mrn": case.patient.mrn,
                "status": case.status,
                "urgency": case.urgency,
            }
            for case in picks.cases
        ]
        reads.record_many(request, "case.pick", [(c.patient.uuid, c.uuid) for c in picks.cases])
        return Response(
            CasePicksSerializer(
                {"results": results, "more": picks.more, "searched": picks.searched}
            ).data
        )

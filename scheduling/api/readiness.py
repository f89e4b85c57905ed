"""The readiness board: cases by state with what each still lacks."""

from __future__ import annotations

import dataclasses

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tumorboard.api import StaffApiMixin, error_responses
from tumorboard.errors import ApplicationError

from ..access import boards_visible_to
from ..selectors import readiness_board
from ..serializers import ReadinessColumnSerializer
from .common import readiness_data

_errors = error_responses()


class ReadinessFilterSerializer(serializers.Serializer):
    board = serializers.UUIDField(required=False, help_text="Only this board's cases.")


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
                        "readiness": readiness_data(card.readiness),
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

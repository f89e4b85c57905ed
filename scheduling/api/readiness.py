"""The readiness board: cases by state with what each still lacks; the top of each column with
its count, and one column page by page."""

from __future__ import annotations

import dataclasses

from django.http import Http404
from django.urls import reverse
from django.utils.http import urlencode
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import reads
from tumorboard.api import StaffApiMixin, error_responses
from tumorboard.errors import ApplicationError

from ..access import boards_visible_to
from ..models import Board
from ..selectors import (
    READINESS_MAX_PAGE,
    READINESS_PER_COLUMN,
    READINESS_STATES,
    ReadinessColumn,
    readiness_board,
    readiness_column,
)
from ..serializers import ReadinessColumnSerializer
from .common import readiness_data

_errors = error_responses()


class ReadinessFilterSerializer(serializers.Serializer):
    board = serializers.UUIDField(required=False, help_text="Only this board's cases.")


class ReadinessPageSerializer(ReadinessFilterSerializer):
    cursor = serializers.CharField(
        required=False, allow_blank=True, help_text="A column's `next` cursor."
    )
    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=READINESS_MAX_PAGE,
        default=READINESS_PER_COLUMN,
        help_text=f"Cases per page (1 to {READINESS_MAX_PAGE}).",
    )


def _board(request, filters) -> Board | None:
    if not filters.validated_data.get("board"):
        return None
    board = boards_visible_to(request.user).filter(uuid=filters.validated_data["board"]).first()
    if board is None:
        raise ApplicationError("No such board.", fields={"board": ["Choose one of your boards."]})
    return board


def _record(request, cards) -> None:
    """Each card names its case's patient: one read-log row per card."""
    reads.record_many(
        request, "readiness.case", [(c.case.patient.uuid, c.case.uuid) for c in cards]
    )


def _column_data(column: ReadinessColumn, board: Board | None, limit: int | None = None) -> dict:
    next_url = None
    if column.next_cursor:
        query = {"cursor": column.next_cursor}
        if board is not None:
            query["board"] = str(board.uuid)
        if limit is not None:
            query["limit"] = str(limit)
        path = reverse("api:readiness-column", kwargs={"state": column.state})
        next_url = f"{path}?{urlencode(query)}"
    return {
        "state": column.state,
        "label": column.label,
        "count": column.count,
        "next": next_url,
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


@extend_schema(tags=["readiness"])
class ReadinessBoardApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Cases by state (referred → ready → scheduled → discussed → follow-up, "
        f"deferred): each column's {READINESS_PER_COLUMN} most urgent cases and its count",
        parameters=[ReadinessFilterSerializer],
        responses={200: ReadinessColumnSerializer(many=True), **_errors(400, 403)},
    )
    def get(self, request):
        filters = ReadinessFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        board = _board(request, filters)
        columns = readiness_board(user=request.user, board=board)
        data = [_column_data(column, board) for column in columns]
        _record(request, [card for column in columns for card in column.cards])
        return Response(ReadinessColumnSerializer(data, many=True).data)


@extend_schema(tags=["readiness"])
class ReadinessColumnApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="One column of the readiness board, page by page (follow `next`)",
        parameters=[
            OpenApiParameter("state", str, OpenApiParameter.PATH, enum=list(READINESS_STATES)),
            ReadinessPageSerializer,
        ],
        responses={200: ReadinessColumnSerializer, **_errors(400, 403, 404)},
    )
    def get(self, request, state):
        if state not in READINESS_STATES:
            raise Http404
        filters = ReadinessPageSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        board = _board(request, filters)
        limit = filters.validated_data["limit"]
        try:
            column = readiness_column(
                user=request.user,
                state=state,
                board=board,
                after=filters.validated_data.get("cursor") or "",
                limit=limit,
            )
        except ValueError:
            raise ApplicationError(
                "Not a page of this column.",
                fields={"cursor": ["Use the `next` address of a previous page."]},
            ) from None
        _record(request, column.cards)
        return Response(ReadinessColumnSerializer(_column_data(column, board, limit)).data)

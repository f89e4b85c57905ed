"""REST API v1 for boards and meetings (read-only for now), scoped by scheduling.selectors."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView

from cases.api import StaffApiMixin

from .selectors import board_list, meeting_list
from .serializers import BoardSerializer, MeetingFilterSerializer, MeetingSerializer


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


@extend_schema(tags=["meetings"])
class MeetingListApi(StaffApiMixin, GenericAPIView):
    serializer_class = MeetingSerializer

    @extend_schema(
        summary="Meetings of your boards, by start time",
        parameters=[MeetingFilterSerializer],
        responses={
            200: MeetingSerializer(many=True),
            400: OpenApiResponse(description="Bad filter value."),
            403: OpenApiResponse(description="Not clinical staff."),
        },
    )
    def get(self, request):
        filters = MeetingFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        meetings = meeting_list(user=request.user, upcoming=filters.validated_data["upcoming"])
        page = self.paginate_queryset(meetings)
        return self.get_paginated_response(MeetingSerializer(page, many=True).data)

"""/api/v1/audit/reads/: the read log for the privacy officer (everybody else 403)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAuthenticated

from .access import IsPrivacyOfficer
from .forms import ReadFilterForm
from .selectors import read_events
from .serializers import ReadEventSerializer


class ReadLogPages(CursorPagination):
    """Cursor pages by id: page 1,000 costs what page 1 costs, and no page counts the log."""

    ordering = "-id"
    page_size = 100


class ReadLogApi(GenericAPIView):
    permission_classes = [IsAuthenticated, IsPrivacyOfficer]
    serializer_class = ReadEventSerializer
    pagination_class = ReadLogPages

    @extend_schema(
        summary="The read log: who read which patient's data (privacy officer only)",
        parameters=[
            OpenApiParameter("user", OpenApiTypes.STR, description="A reader's username."),
            OpenApiParameter("patient", OpenApiTypes.UUID, description="A patient's public id."),
            OpenApiParameter("since", OpenApiTypes.DATE, description="From this day (inclusive)."),
            OpenApiParameter("until", OpenApiTypes.DATE, description="To this day (inclusive)."),
        ],
        responses={
            200: ReadEventSerializer(many=True),
            400: OpenApiResponse(description="Bad filter: messages per field."),
            403: OpenApiResponse(description="Not the privacy officer."),
        },
    )
    def get(self, request):
        form = ReadFilterForm(request.query_params)
        if not form.is_valid():
            raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
        page = self.paginate_queryset(read_events(form.filters()))
        return self.get_paginated_response(ReadEventSerializer(page, many=True).data)

"""REST API v1 for specialist opinions. Scope and the blind rule come from the selectors: an
opinion the user may not read answers 404, and a list outside their boards is empty."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import reads
from cases.selectors import cases_visible_to
from recommendations.models import Opinion
from recommendations.opinions import services
from recommendations.opinions.selectors import (
    opinion_catalogue,
    opinion_detail,
    opinion_history,
    opinions_visible_to,
)
from recommendations.opinions.serializers import (
    OpinionConflictSerializer,
    OpinionCreateSerializer,
    OpinionFilterSerializer,
    OpinionHistoryEntrySerializer,
    OpinionSerializer,
    OpinionUpdateSerializer,
    OptionCatalogueSerializer,
)
from scheduling.selectors import meetings_visible_to
from tumorboard.api import IF_MATCH, StaffApiMixin, error_responses

_errors = error_responses(
    {
        403: "Not clinical staff, or not yours to change.",
        404: "No such opinion you may read.",
        409: OpenApiResponse(
            OpinionConflictSerializer,
            description="The opinion changed since you read it (the current one is returned), "
            "it already exists, or the meeting has started.",
        ),
    }
)


def _opinion_response(opinion: Opinion, *, code=status.HTTP_200_OK) -> Response:
    response = Response(OpinionSerializer(opinion).data, status=code)
    response["ETag"] = f'"{opinion.revision}"'
    return response


def _expected_revision(request, data: dict) -> int | None:
    """The revision the client read: the body's `revision`, else an If-Match header."""
    if "revision" in data:
        return data.pop("revision")
    header = request.headers.get("If-Match")
    if header is None:
        return None
    match = IF_MATCH.match(header)
    if match is None:
        raise ValidationError({"revision": ['If-Match must be a revision number, e.g. "3".']})
    return int(match.group(1))


@extend_schema(tags=["opinions"])
class OpinionListCreateApi(StaffApiMixin, GenericAPIView):
    serializer_class = OpinionSerializer

    @extend_schema(
        summary="Opinions on a case for a meeting",
        description="Only those you may read: on a board that blinds opinions, a specialist sees "
        "the others' only after giving their own (or once the meeting has started).",
        parameters=[OpinionFilterSerializer],
        responses={200: OpinionSerializer(many=True), **_errors(400, 403)},
    )
    def get(self, request):
        filters = OpinionFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        case = (
            cases_visible_to(request.user)
            .select_related("board", "patient")
            .filter(uuid=filters.validated_data["case"])
            .first()
        )
        meeting = (
            meetings_visible_to(request.user).filter(uuid=filters.validated_data["meeting"]).first()
        )
        if case is None or meeting is None:
            opinions = Opinion.objects.none()
        else:
            opinions = opinions_visible_to(request.user, case, meeting)
        page = self.paginate_queryset(opinions)
        if page:
            reads.record_many(request, "opinion.list", [(case.patient.uuid, o.uuid) for o in page])
        return self.get_paginated_response(OpinionSerializer(page, many=True).data)

    @extend_schema(
        summary="Give your opinion on a case for a meeting",
        request=OpinionCreateSerializer,
        responses={201: OpinionSerializer, **_errors(400, 403, 409)},
    )
    def post(self, request):
        serializer = OpinionCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        opinion = services.opinion_submit(author=request.user, **serializer.validated_data)
        return _opinion_response(opinion, code=status.HTTP_201_CREATED)


@extend_schema(tags=["opinions"])
class OpinionDetailApi(StaffApiMixin, APIView):
    def _opinion(self, request, uuid) -> Opinion:
        try:
            return opinion_detail(user=request.user, uuid=uuid)
        except Opinion.DoesNotExist:
            raise Http404 from None

    @extend_schema(
        summary="One opinion",
        responses={200: OpinionSerializer, **_errors(403, 404)},
    )
    def get(self, request, uuid):
        opinion = self._opinion(request, uuid)
        reads.record(request, "opinion", patient=opinion.case.patient.uuid, obj=opinion.uuid)
        return _opinion_response(opinion)

    @extend_schema(
        summary="Revise your opinion (before the meeting starts)",
        description='Send the `revision` you read (or `If-Match: "<revision>"`). If the opinion '
        "changed since, nothing is written and 409 returns the current one.",
        parameters=[
            OpenApiParameter(
                "If-Match",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=False,
                description='The revision you read, e.g. "3" (instead of `revision`).',
            )
        ],
        request=OpinionUpdateSerializer,
        responses={200: OpinionSerializer, **_errors(400, 403, 404, 409)},
    )
    def patch(self, request, uuid):
        opinion = self._opinion(request, uuid)
        serializer = OpinionUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        expected = _expected_revision(request, data)
        try:
            opinion = services.opinion_revise(
                opinion=opinion, by=request.user, expected_revision=expected, **data
            )
        except services.StaleRevisionError as exc:
            body = {
                "detail": exc.message,
                **exc.fields,
                "current": OpinionSerializer(exc.current).data,
            }
            response = Response(body, status=status.HTTP_409_CONFLICT)
            response["ETag"] = f'"{exc.current.revision}"'
            return response
        return _opinion_response(opinion)


@extend_schema(tags=["opinions"])
class OpinionHistoryApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Every saved version of an opinion, newest first",
        responses={200: OpinionHistoryEntrySerializer(many=True), **_errors(403, 404)},
    )
    def get(self, request, uuid):
        try:
            opinion = opinion_detail(user=request.user, uuid=uuid)
        except Opinion.DoesNotExist:
            raise Http404 from None
        rows = opinion_history(opinion)
        reads.record(
            request, "opinion.history", patient=opinion.case.patient.uuid, obj=opinion.uuid
        )
        return Response(OpinionHistoryEntrySerializer(rows, many=True).data)


@extend_schema(tags=["opinions"])
class OptionCatalogueApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="What an opinion may recommend",
        description="Each discipline's options, the systemic therapy classes and the radiation "
        "regimens each of your boards offers.",
        responses={200: OptionCatalogueSerializer, **_errors(403)},
    )
    def get(self, request):
        return Response(OptionCatalogueSerializer(opinion_catalogue(request.user)).data)

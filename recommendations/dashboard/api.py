"""GET /api/v1/results/?board=&start=&end=: the results page's figures and tables as JSON."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from tumorboard.api import StaffApiMixin, error_responses

from .views import _Refused, results_for_request

errors = error_responses(
    {
        400: "A bad date or a period longer than two years.",
        403: "Not a coordinator or chair of any board (or of this one).",
        404: "No such board among yours.",
    }
)


class FigureSerializer(serializers.Serializer):
    section = serializers.CharField()
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="None when nothing to count.")
    unit = serializers.CharField(help_text="days, hours, share (0–1) or count")
    n = serializers.IntegerField(help_text="How many records the figure is computed from.")
    target = serializers.FloatField(allow_null=True)


class SurvivalStepSerializer(serializers.Serializer):
    time = serializers.FloatField(help_text="Days from the signed plan.")
    at_risk = serializers.IntegerField()
    deaths = serializers.IntegerField()
    censored = serializers.IntegerField()
    survival = serializers.FloatField()


class ResultsSerializer(serializers.Serializer):
    board = serializers.UUIDField()
    start = serializers.DateField()
    end = serializers.DateField()
    figures = FigureSerializer(many=True)
    tables = serializers.DictField(
        child=serializers.ListField(child=serializers.DictField()),
        help_text="timeliness_by_month, attendance_by_discipline, opinions_by_discipline, "
        "agreement_by_discipline, deferral_reasons, outcomes_by_treatment.",
    )
    survival = serializers.DictField(
        child=SurvivalStepSerializer(many=True),
        help_text="Kaplan–Meier steps by treatment category.",
    )


@extend_schema(tags=["results"])
class ResultsApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="A board's results over a period (coordinators and chairs)",
        parameters=[
            OpenApiParameter("board", OpenApiTypes.UUID, description="Default: your first board."),
            OpenApiParameter("start", OpenApiTypes.DATE, description="Default: a year ago."),
            OpenApiParameter("end", OpenApiTypes.DATE, description="Default: today."),
        ],
        responses={200: ResultsSerializer, **errors(400, 403, 404)},
    )
    def get(self, request):
        try:
            _, results = results_for_request(request, request.query_params)
        except _Refused as refused:
            raise ValidationError(
                {name: [str(m) for m in msgs] for name, msgs in refused.form.errors.items()}
            ) from None
        data = {
            "board": results.board.uuid,
            "start": results.period.start,
            "end": results.period.end,
            "figures": [asdict(f) for f in results.figures],
            "tables": results.tables,
            "survival": {k: [asdict(s) for s in v] for k, v in results.survival.items()},
        }
        return Response(ResultsSerializer(data).data)

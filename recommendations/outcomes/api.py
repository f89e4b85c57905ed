"""REST API v1 for the follow-ups after treatment (issue 16, outcomes).

`GET /cases/{id}/follow-ups/` lists a case's follow-ups with the patient's own answers;
`PATCH /follow-ups/{id}/` records one. A follow-up carries a `version` (its ETag); a change names
it as If-Match or `version` in the body: stale → 412 (If-Match) / 409 (body) with the current
follow-up, none → 428. Scope: clinical staff of the case's board; other cases and follow-ups
answer 404, patients and users without a clinical role 403.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import reads
from recommendations.models import ConsensusPlan, FollowUp
from tumorboard.api import StaffApiMixin, error_responses
from tumorboard.versioning import IF_MATCH_PARAMETER, guarded, precondition, with_etag

from . import selectors, services
from .serializers import (
    CaseFollowUpsSerializer,
    FollowUpConflictSerializer,
    FollowUpRecordSerializer,
    FollowUpScheduleSerializer,
    FollowUpSerializer,
)

_errors = error_responses(
    {
        403: "Not clinical staff, or not a member of the case's board.",
        409: OpenApiResponse(
            FollowUpConflictSerializer,
            description="Stale `version` in the body (the current follow-up).",
        ),
        412: OpenApiResponse(
            FollowUpConflictSerializer, description="Stale If-Match (the current follow-up)."
        ),
    }
)


def _follow_up_response(follow_up: FollowUp) -> Response:
    row = selectors.follow_up_for_user_by_pk(follow_up.pk)
    return with_etag(Response(FollowUpSerializer(row).data), row.version)


@extend_schema(tags=["outcomes"])
class CaseFollowUpsApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="A case's follow-ups after treatment, with the patient's own answers",
        responses={200: CaseFollowUpsSerializer, **_errors(403, 404)},
    )
    def get(self, request, uuid):
        try:
            found = selectors.case_follow_ups(user=request.user, case_uuid=uuid)
        except ObjectDoesNotExist:
            raise Http404 from None
        reads.record(
            request, "case.follow_ups", patient=found.case.patient.uuid, obj=found.case.uuid
        )
        return Response(
            CaseFollowUpsSerializer(
                {"date_of_death": found.case.patient.date_of_death, "follow_ups": found.follow_ups}
            ).data
        )


@extend_schema(tags=["outcomes"])
class FollowUpDetailApi(StaffApiMixin, APIView):
    def _get(self, request, uuid) -> FollowUp:
        try:
            return selectors.follow_up_for_user(user=request.user, uuid=uuid)
        except ObjectDoesNotExist:
            raise Http404 from None

    @extend_schema(
        summary="One follow-up", responses={200: FollowUpSerializer, **_errors(403, 404)}
    )
    def get(self, request, uuid):
        row = self._get(request, uuid)
        reads.record(request, "follow_up", patient=row.case.patient.uuid, obj=row.uuid)
        return with_etag(Response(FollowUpSerializer(row).data), row.version)

    @extend_schema(
        summary="Record a follow-up (or that the patient was not seen)",
        parameters=[IF_MATCH_PARAMETER],
        request=FollowUpRecordSerializer,
        responses={200: FollowUpSerializer, **_errors(400, 403, 404, 409, 412, 428)},
    )
    def patch(self, request, uuid):
        follow_up = self._get(request, uuid)
        serializer = FollowUpRecordSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        pre = precondition(request, data)
        return guarded(
            pre,
            lambda: _follow_up_response(
                services.follow_up_record(
                    follow_up=follow_up, by=request.user, expected_version=pre.version, **data
                )
            ),
            _follow_up_response,
        )


@extend_schema(tags=["outcomes"])
class PlanFollowUpsApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Schedule a signed plan's follow-ups from its main treatment's date",
        description="Normally automatic when the plan's first surgery, radiotherapy or systemic "
        "therapy is marked done; this is for a treatment recorded elsewhere. Idempotent.",
        request=FollowUpScheduleSerializer,
        responses={200: FollowUpSerializer(many=True), **_errors(400, 403, 404)},
    )
    def post(self, request, uuid):
        try:
            plan = selectors.plan_for_user(user=request.user, uuid=uuid)
        except ConsensusPlan.DoesNotExist:
            raise Http404 from None
        serializer = FollowUpScheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.follow_ups_schedule(
            plan=plan, treatment_date=serializer.validated_data["treatment_date"], by=request.user
        )
        return Response(FollowUpSerializer(selectors.plan_follow_ups(plan), many=True).data)

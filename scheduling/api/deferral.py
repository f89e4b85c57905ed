"""Deferring a case to its board's next meeting."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from tumorboard.api import StaffApiMixin

from .. import services
from ..serializers import DeferralSerializer
from .common import WRITE_ERRORS, ReasonSerializer, case_or_404, require_coordinator


@extend_schema(tags=["agenda"])
class CaseDeferApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Defer a case to the board's next meeting, with a reason (the people "
        "responsible are told)",
        request=ReasonSerializer,
        responses={200: DeferralSerializer, **WRITE_ERRORS},
    )
    def post(self, request, uuid):
        case = case_or_404(request, uuid)
        require_coordinator(request, case.board)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        deferral = services.case_defer(
            case=case, reason=serializer.validated_data["reason"], by=request.user
        )
        data = {
            "case": deferral.case.uuid,
            "status": deferral.case.status,
            "from_meeting": deferral.from_meeting.uuid if deferral.from_meeting else None,
            "to_meeting": deferral.to_meeting.uuid if deferral.to_meeting else None,
            "not_placed": deferral.not_placed,
        }
        return Response(DeferralSerializer(data).data)

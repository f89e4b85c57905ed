"""/api/v1/ FHIR exchange: a case as a Bundle, a meeting's signed plans as a Bundle (built by
Celery), and referral import. Scope: the case's or meeting's board (404 outside, 403 for patients
and users without a role); importing needs the target board's coordinator or chair."""

from __future__ import annotations

import json
import uuid as uuid_lib

from django.core.exceptions import RequestDataTooBig
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import reads
from cases.models import Case
from recommendations.models import FhirMeetingExport
from scheduling.access import boards_visible_to
from scheduling.models import Board, Meeting
from tumorboard.api import StaffApiMixin, error_responses
from tumorboard.errors import ApplicationError
from tumorboard.parsers import FHIR_JSON, BoundedJSONParser, FhirJSONParser
from tumorboard.roles import CHAIR, COORDINATOR, has_role

from . import services
from .export import case_bundle
from .referrals import NOT_COORDINATOR, referral_import
from .selectors import (
    case_for_export,
    exports_visible_to,
    meeting_export_patients,
    meeting_for_export,
)

_errors = error_responses(
    {
        400: "The Bundle cannot be imported: `detail`, then the problems per resource "
        '(e.g. "entry[2] Observation/ecog"). Nothing was saved.',
        403: "Not clinical staff, or (import) not the board's coordinator or chair.",
        409: "The export is not ready yet (see its status).",
        415: "Send application/fhir+json (or application/json).",
    }
)
BUNDLE_RESPONSE = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="A FHIR R4 Bundle (collection), application/fhir+json.",
)


def fhir_response(resource: dict, *, code: int = 200, filename: str = "") -> HttpResponse:
    response = HttpResponse(
        json.dumps(resource, cls=DjangoJSONEncoder, separators=(",", ":")),
        content_type=FHIR_JSON,
        status=code,
    )
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@extend_schema(tags=["fhir"])
class CaseFhirApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="A case with its signed plan as a FHIR R4 Bundle",
        description=(
            "Patient, conditions (mCODE primary and secondary cancer), observations (performance "
            "status, SINS, ESCC, Frankel, Tokuhashi, Tomita ...), prior treatments, the newest "
            "signed plan as a CarePlan with ServiceRequests, released patient summaries as "
            "DocumentReferences (PDF) and the chair's signature as a Provenance. docs/fhir.md "
            "maps every field."
        ),
        responses={(200, FHIR_JSON): BUNDLE_RESPONSE, **_errors(403, 404)},
    )
    def get(self, request, uuid):
        try:
            data = case_for_export(user=request.user, uuid=uuid)
        except Case.DoesNotExist:
            raise Http404 from None
        reads.record(request, "case.fhir", patient=data.case.patient.uuid, obj=data.case.uuid)
        return fhir_response(case_bundle(data))


class FhirMeetingExportSerializer(serializers.ModelSerializer):
    meeting = serializers.UUIDField(source="meeting.uuid", read_only=True)
    download = serializers.SerializerMethodField()

    class Meta:
        model = FhirMeetingExport
        fields = [
            "uuid",
            "meeting",
            "status",
            "plans",
            "error",
            "created_at",
            "finished_at",
            "download",
        ]
        read_only_fields = fields

    def get_download(self, export) -> str | None:
        if export.status != FhirMeetingExport.Status.DONE:
            return None
        return reverse("api:fhir-meeting-export-bundle", kwargs={"uuid": export.uuid})


@extend_schema(tags=["fhir"])
class MeetingFhirExportApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Export a meeting's signed plans as one FHIR Bundle (built in the background)",
        description="Answers 202 with the export's status; poll it, then download the Bundle. "
        "While one is pending, asking again returns it.",
        request=None,
        responses={202: FhirMeetingExportSerializer, **_errors(403, 404)},
    )
    def post(self, request, uuid):
        try:
            meeting = meeting_for_export(user=request.user, uuid=uuid)
        except Meeting.DoesNotExist:
            raise Http404 from None
        export = services.meeting_export_request(meeting=meeting, by=request.user)
        export.refresh_from_db()
        return Response(FhirMeetingExportSerializer(export).data, status=status.HTTP_202_ACCEPTED)


def _export(request, uuid) -> FhirMeetingExport:
    try:
        return exports_visible_to(request.user).select_related("meeting").get(uuid=uuid)
    except FhirMeetingExport.DoesNotExist:
        raise Http404 from None


@extend_schema(tags=["fhir"])
class FhirMeetingExportDetailApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Where a meeting's FHIR export stands",
        responses={200: FhirMeetingExportSerializer, **_errors(403, 404)},
    )
    def get(self, request, uuid):
        return Response(FhirMeetingExportSerializer(_export(request, uuid)).data)


@extend_schema(tags=["fhir"])
class FhirMeetingExportBundleApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Download a meeting's FHIR Bundle once it is ready",
        responses={(200, FHIR_JSON): BUNDLE_RESPONSE, **_errors(403, 404, 409)},
    )
    def get(self, request, uuid):
        export = _export(request, uuid)
        if export.status != FhirMeetingExport.Status.DONE:
            return Response(
                {"detail": f"The export is {export.get_status_display().lower()}, not ready."},
                status=status.HTTP_409_CONFLICT,
            )
        reads.record_many(request, "meeting.fhir", meeting_export_patients(export.meeting_id))
        return fhir_response(export.bundle, filename=f"meeting-{export.meeting.uuid}.fhir.json")


class ReferralImportResultSerializer(serializers.Serializer):
    case = serializers.UUIDField()
    patient = serializers.UUIDField()
    created = serializers.BooleanField()


BOARD_PARAMETER = OpenApiParameter(
    "board",
    OpenApiTypes.UUID,
    OpenApiParameter.QUERY,
    required=True,
    description="The board the case is referred to (you must be its coordinator or chair).",
)


def _target_board(request) -> Board:
    message = "No such board is available to you."
    try:
        board_uuid = uuid_lib.UUID(str(request.query_params.get("board", "")))
    except ValueError:
        raise ApplicationError(
            "Say which board: ?board=<uuid>.", fields={"board": ["Enter a valid UUID."]}
        ) from None
    board = boards_visible_to(request.user).filter(uuid=board_uuid).first()
    if board is None:
        raise ApplicationError(message, fields={"board": [message]})
    return board


class IsCoordinatorOrChair(BasePermission):
    """Referrals are imported by coordinators and chairs (of the target board: the service)."""

    message = NOT_COORDINATOR

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, COORDINATOR, CHAIR)


@extend_schema(tags=["fhir"])
class ReferralImportApi(StaffApiMixin, APIView):
    permission_classes = [*StaffApiMixin.permission_classes, IsCoordinatorOrChair]
    parser_classes = [FhirJSONParser, BoundedJSONParser]

    @extend_schema(
        summary="Import a referral from a FHIR R4 Bundle",
        description=(
            "Patient, Conditions, Observations, MedicationStatements, Procedures and the "
            "referral ServiceRequest become a patient and a referred case with its lesions and "
            "prior treatments (docs/fhir.md). All or nothing: a Bundle with problems is a 400 "
            "listing them per resource. Idempotent on the patient's MRN "
            "(Patient.identifier with the FHIR_MRN_SYSTEM): while that patient has an open case "
            "on the board, the same Bundle returns it (200) instead of creating another."
        ),
        parameters=[BOARD_PARAMETER],
        request={FHIR_JSON: OpenApiTypes.OBJECT, "application/json": OpenApiTypes.OBJECT},
        responses={
            201: ReferralImportResultSerializer,
            200: ReferralImportResultSerializer,
            **_errors(400, 403, 415),
        },
    )
    def post(self, request):
        board = _target_board(request)
        try:
            bundle = request.data
        except RequestDataTooBig:
            # Django refuses the body before any parser sees it (DATA_UPLOAD_MAX_MEMORY_SIZE).
            raise ParseError("The document is larger than this server accepts.") from None
        result = referral_import(bundle=bundle, board=board, by=request.user)
        body = {
            "case": result.case.uuid,
            "patient": result.case.patient.uuid,
            "created": result.created,
        }
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(ReferralImportResultSerializer(body).data, status=code)

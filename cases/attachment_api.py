"""/api/v1/cases/{uuid}/attachments/: list, upload (multipart), detail, removal.

Clinical staff of the case's board only (403 for patients and users without a role, 404 outside
the user's boards). The files themselves are fetched through the page URLs in each attachment's
`links` (the same access checks, `Content-Disposition`, nosniff).

Responses showing patient data (for the read log): case-attachments (GET),
case-attachment-detail (GET).
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import reads
from tumorboard.api import StaffApiMixin, error_responses
from tumorboard.errors import ApplicationError

from . import selectors, services
from .models import Case, CaseAttachment
from .serializers import AttachmentSerializer, AttachmentUploadSerializer
from .uploads import too_large_message, upload_too_large

_errors = error_responses()


def _visible_case(request, uuid) -> Case:
    try:
        return selectors.cases_visible_to(request.user).select_related("patient").get(uuid=uuid)
    except Case.DoesNotExist:
        raise Http404 from None


@extend_schema(tags=["cases"])
class CaseAttachmentListApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="A case's attachments (key images first, in order)",
        responses={200: AttachmentSerializer(many=True), **_errors(403, 404)},
    )
    def get(self, request, uuid):
        case = _visible_case(request, uuid)
        rows = selectors.case_attachments(case)
        for row in rows:
            row.case = case  # the links need the case's uuid: no query per row
        reads.record(request, "case.attachments", patient=case.patient.uuid, obj=case.uuid)
        return Response(AttachmentSerializer(rows, many=True).data)

    @extend_schema(
        summary="Attach a report, key image or DICOM file (multipart)",
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer, **_errors(400, 403, 404)},
    )
    def post(self, request, uuid):
        case = _visible_case(request, uuid)
        request.data  # noqa: B018 - parse the body: the size limit is known once it is read
        if upload_too_large(request):
            raise ApplicationError(too_large_message(), fields={"file": [too_large_message()]})
        serializer = AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        upload = data.pop("file")
        row = services.attachment_add(
            case=case, by=request.user, upload=upload, name=upload.name, **data
        )
        return Response(AttachmentSerializer(row).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["cases"])
class CaseAttachmentDetailApi(StaffApiMixin, APIView):
    def _row(self, request, uuid, attachment_uuid) -> CaseAttachment:
        try:
            return selectors.attachment_for(user=request.user, case_uuid=uuid, uuid=attachment_uuid)
        except CaseAttachment.DoesNotExist:
            raise Http404 from None

    @extend_schema(
        summary="One attachment, with its DICOM header and links",
        responses={200: AttachmentSerializer, **_errors(403, 404)},
    )
    def get(self, request, uuid, attachment_uuid):
        row = self._row(request, uuid, attachment_uuid)
        reads.record(request, "attachment", patient=row.case.patient.uuid, obj=row.uuid)
        return Response(AttachmentSerializer(row).data)

    @extend_schema(
        summary="Remove an attachment (the history keeps its details)",
        responses={204: None, **_errors(403, 404)},
    )
    def delete(self, request, uuid, attachment_uuid):
        row = self._row(request, uuid, attachment_uuid)
        services.attachment_remove(attachment=row, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

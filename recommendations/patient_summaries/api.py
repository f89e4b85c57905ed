"""REST API v1 for the patient's plain-language summary.

- Patients: GET my/summaries/ and my/summaries/{uuid}/ — only their own RELEASED summaries
  (anything else 404). Anyone without the patient role: 403.
- Clinical staff of the meeting's board: list and draft a plan's summaries, read, edit, see the
  history, release (a clinician: chair or specialist), and create a single-use link (returned
  once, never stored). Outside their boards: 404; patients and users without a role: 403.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import reads
from recommendations.models import ConsensusPlan, PatientSummary
from recommendations.patient_summaries.readability import (
    TARGET_GRADE,
    WARN_ABOVE_GRADE,
    grade_level,
)
from recommendations.patient_summaries.selectors import (
    plan_for_staff,
    plan_summaries,
    released_summaries_for_patient,
    staff_summary,
    summary_history,
)
from recommendations.patient_summaries.services import (
    BODY_MAX,
    LINK_HOURS_DEFAULT,
    LINK_HOURS_MAX,
    TITLE_MAX,
    access_link_create,
    patient_summary_draft,
    patient_summary_edit,
    patient_summary_release,
    token_hash,
)
from tumorboard.api import StaffApiMixin, StrictInputMixin, error_responses
from tumorboard.roles import PATIENT, has_role
from tumorboard.versioning import (
    IF_MATCH_PARAMETER,
    guarded,
    precondition,
    version_field,
    with_etag,
)

_errors = error_responses(
    {
        403: "Not allowed for your role.",
        404: "No such summary (or plan) you may read.",
        409: "The summary is already released (it is never changed).",
    }
)


class IsPatient(permissions.BasePermission):
    message = "Only patients read their summaries here."

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, PATIENT)


# --- serializers --------------------------------------------------------------------------------

# The languages a summary is written in, named as each calls itself (settings.LANGUAGES).
LANGUAGE_CHOICES = [("en", "English"), ("es", "Español")]
LEVEL_CHOICES = [
    ("target", "Grade 6 or lower (target)"),
    ("above_target", "Above 6, up to 8"),
    ("warning", "Above 8: rewrite before releasing"),
    ("unknown", "Not measured"),
]


class GlossaryEntrySerializer(serializers.Serializer):
    key = serializers.CharField()
    term = serializers.CharField()
    definition = serializers.CharField()


class MySummarySerializer(serializers.Serializer):
    """What the patient reads."""

    uuid = serializers.UUIDField()
    title = serializers.CharField()
    summary_language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, source="language")
    body = serializers.CharField(help_text='Sections start "## " (or "!! " for warning signs).')
    glossary = GlossaryEntrySerializer(many=True)
    released_at = serializers.DateTimeField()
    released_by = serializers.SerializerMethodField()

    def get_released_by(self, summary) -> str:
        user = summary.released_by
        return (user.get_full_name() or user.get_username()) if user else ""


class ReadabilitySerializer(serializers.Serializer):
    grade = serializers.FloatField(allow_null=True)
    measure = serializers.CharField()
    reading_level = serializers.ChoiceField(choices=LEVEL_CHOICES)
    target_grade = serializers.FloatField()
    warn_above_grade = serializers.FloatField()


class StaffPatientSummarySerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    plan = serializers.UUIDField(source="plan.uuid")
    summary_status = serializers.ChoiceField(choices=PatientSummary.Status.choices, source="status")
    summary_language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, source="language")
    title = serializers.CharField()
    body = serializers.CharField()
    glossary = GlossaryEntrySerializer(many=True)
    readability = serializers.SerializerMethodField()
    released_by = serializers.SerializerMethodField()
    released_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField(help_text="Also the ETag: send it back to edit.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @staticmethod
    def _name(user) -> str:
        return (user.get_full_name() or user.get_username()) if user else ""

    def get_released_by(self, summary) -> str:
        return self._name(summary.released_by)

    @extend_schema_field(ReadabilitySerializer)
    def get_readability(self, summary) -> dict:
        return {
            "grade": summary.reading_grade,
            "measure": "Crawford" if summary.language == "es" else "Flesch–Kincaid",
            "reading_level": grade_level(summary.reading_grade),
            "target_grade": TARGET_GRADE,
            "warn_above_grade": WARN_ABOVE_GRADE,
        }


class HistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="history_date")
    by = serializers.SerializerMethodField()
    summary_status = serializers.ChoiceField(choices=PatientSummary.Status.choices, source="status")
    title = serializers.CharField()
    body = serializers.CharField()
    reading_grade = serializers.FloatField(allow_null=True)
    reason = serializers.CharField(source="history_change_reason", allow_null=True)

    def get_by(self, row) -> str:
        user = row.history_user
        return (user.get_full_name() or user.get_username()) if user else ""


class DraftInputSerializer(StrictInputMixin, serializers.Serializer):
    summary_language = serializers.ChoiceField(
        choices=LANGUAGE_CHOICES,
        required=False,
        help_text="Default: the patient's preferred language.",
    )


class EditInputSerializer(StrictInputMixin, serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX, required=False)
    body = serializers.CharField(max_length=BODY_MAX, required=False)
    version = version_field()


class LinkInputSerializer(StrictInputMixin, serializers.Serializer):
    valid_hours = serializers.IntegerField(
        min_value=1, max_value=LINK_HOURS_MAX, default=LINK_HOURS_DEFAULT
    )


class LinkSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="Shown once: only a hash of it is kept.")
    expires_at = serializers.DateTimeField()


# --- patients -----------------------------------------------------------------------------------


class PatientApiMixin:
    permission_classes = [permissions.IsAuthenticated, IsPatient]


@extend_schema(tags=["patient summaries"])
class MySummaryListApi(PatientApiMixin, GenericAPIView):
    serializer_class = MySummarySerializer

    @extend_schema(
        summary="My released summaries",
        description="The signed-in patient's own released summaries, newest first.",
        responses={200: MySummarySerializer(many=True), **_errors(403)},
    )
    def get(self, request):
        page = self.paginate_queryset(released_summaries_for_patient(request.user))
        reads.record_many(request, "patient_summary.list", [(_patient_of(s), s.uuid) for s in page])
        return self.get_paginated_response(MySummarySerializer(page, many=True).data)


@extend_schema(tags=["patient summaries"])
class MySummaryDetailApi(PatientApiMixin, APIView):
    @extend_schema(
        summary="One of my released summaries",
        responses={200: MySummarySerializer, **_errors(403, 404)},
    )
    def get(self, request, uuid):
        summary = released_summaries_for_patient(request.user).filter(uuid=uuid).first()
        if summary is None:
            raise Http404
        reads.record(request, "patient_summary", patient=_patient_of(summary), obj=summary.uuid)
        return Response(MySummarySerializer(summary).data)


def _patient_of(summary: PatientSummary):
    return summary.plan.decision.agenda_item.case.patient.uuid


# --- clinical staff -----------------------------------------------------------------------------


def _plan(request, uuid) -> ConsensusPlan:
    try:
        return plan_for_staff(user=request.user, uuid=uuid)
    except ConsensusPlan.DoesNotExist:
        raise Http404 from None


def _summary(request, uuid) -> PatientSummary:
    try:
        return staff_summary(user=request.user, uuid=uuid)
    except PatientSummary.DoesNotExist:
        raise Http404 from None


def _summary_response(summary: PatientSummary, *, code=status.HTTP_200_OK) -> Response:
    summary = PatientSummary.objects.select_related("plan", "released_by").get(pk=summary.pk)
    response = Response(StaffPatientSummarySerializer(summary).data, status=code)
    return with_etag(response, summary.version)


@extend_schema(tags=["patient summaries"])
class PlanPatientSummariesApi(StaffApiMixin, GenericAPIView):
    serializer_class = StaffPatientSummarySerializer

    @extend_schema(
        summary="Every version of a plan's patient summaries",
        responses={200: StaffPatientSummarySerializer(many=True), **_errors(403, 404)},
    )
    def get(self, request, uuid):
        plan = _plan(request, uuid)
        page = self.paginate_queryset(plan_summaries(plan))
        patient = plan.decision.agenda_item.case.patient.uuid
        reads.record_many(request, "patient_summary", [(patient, s.uuid) for s in page])
        return self.get_paginated_response(StaffPatientSummarySerializer(page, many=True).data)

    @extend_schema(
        summary="Draft a patient summary from a signed plan",
        description="Generated from the plan, its decision record and the case, in plain words; "
        "the reading grade is measured. Refused (400) when the plan is not signed.",
        request=DraftInputSerializer,
        responses={201: StaffPatientSummarySerializer, **_errors(400, 403, 404)},
    )
    def post(self, request, uuid):
        plan = _plan(request, uuid)
        data = DraftInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        summary = patient_summary_draft(
            plan=plan, by=request.user, language=data.validated_data.get("summary_language")
        )
        return _summary_response(summary, code=status.HTTP_201_CREATED)


@extend_schema(tags=["patient summaries"])
class PatientSummaryDetailApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="A patient summary (any status)",
        responses={200: StaffPatientSummarySerializer, **_errors(403, 404)},
    )
    def get(self, request, uuid):
        summary = _summary(request, uuid)
        reads.record(request, "patient_summary", patient=_patient_of(summary), obj=summary.uuid)
        return _summary_response(summary)

    @extend_schema(
        summary="Edit a draft's wording (from the version you read)",
        description="The status becomes `edited`; the glossary and reading grade follow the new "
        "text; the history keeps every version. Send If-Match or `version`: a stale one is "
        "refused (412 / 409, with the summary as it is now), none is a 428. A released summary "
        "is never changed (409): draft a new one.",
        parameters=[IF_MATCH_PARAMETER],
        request=EditInputSerializer,
        responses={
            200: StaffPatientSummarySerializer,
            **_errors(400, 403, 404, 409, 412, 428),
        },
    )
    def patch(self, request, uuid):
        summary = _summary(request, uuid)
        data = EditInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        pre = precondition(request, fields)

        def write():
            edited = patient_summary_edit(
                summary=summary,
                expected_version=pre.version,
                by=request.user,
                title=fields.get("title", summary.title),
                body=fields.get("body", summary.body),
            )
            return _summary_response(edited)

        return guarded(pre, write, _summary_response)


@extend_schema(tags=["patient summaries"])
class PatientSummaryHistoryApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Every saved version of a patient summary, newest first",
        responses={200: HistoryEntrySerializer(many=True), **_errors(403, 404)},
    )
    def get(self, request, uuid):
        summary = _summary(request, uuid)
        reads.record(
            request, "patient_summary.history", patient=_patient_of(summary), obj=summary.uuid
        )
        rows = summary_history(summary)
        return Response(HistoryEntrySerializer(rows, many=True).data)


@extend_schema(tags=["patient summaries"])
class PatientSummaryReleaseApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Release the summary to the patient",
        description="Only a clinician of the board (its chair or a specialist member); "
        "coordinators prepare summaries but do not release them (403). The patient is "
        "notified without any clinical detail.",
        request=None,
        responses={200: StaffPatientSummarySerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, uuid):
        summary = patient_summary_release(summary=_summary(request, uuid), by=request.user)
        return _summary_response(summary)


@extend_schema(tags=["patient summaries"])
class PatientSummaryLinksApi(StaffApiMixin, APIView):
    @extend_schema(
        summary="Create a single-use link to a released summary",
        description="The link opens the summary once, without signing in, until it expires. It "
        "is returned only in this response.",
        request=LinkInputSerializer,
        responses={201: LinkSerializer, **_errors(400, 403, 404)},
    )
    def post(self, request, uuid):
        summary = _summary(request, uuid)
        data = LinkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token = access_link_create(
            summary=summary, by=request.user, valid_hours=data.validated_data["valid_hours"]
        )
        link = summary.access_links.get(token_hash=token_hash(token))
        url = request.build_absolute_uri(reverse("patient-summary-link-open", args=[token]))
        body = LinkSerializer({"url": url, "expires_at": link.expires_at}).data
        response = Response(body, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response
